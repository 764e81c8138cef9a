/* src/cli/cli_stressors.c — `--stressor PATTERN` of the commands that compute
 * only what is asked (`accounts`): patterns to the table's stressor indices
 * with one matching rule, so the library is handed indices (opts.stressors)
 * and never parses names. */
#define _GNU_SOURCE /* FNM_CASEFOLD */
#include "cli/cli.h"

#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

/* Mark in `hit` the stressors a glob pattern p matches (case-sensitive,
 * else case-insensitive); return how many. */
static size_t match_glob(const emb_table *t, const char *p, unsigned char *hit)
{
    size_t n = 0;
    for (int pass = 0; pass < 2 && n == 0; pass++)
        for (size_t s = 0; s < t->k; s++)
            if (fnmatch(p, t->stressors[s], pass ? FNM_CASEFOLD : 0) == 0)
                hit[s] = 1, n++;
    return n;
}

int cli_match_stressors(const char *cmd, const emb_table *t, const char *const *patterns,
                        size_t n_patterns, size_t *idx, size_t *n_idx)
{
    *n_idx = 0;
    unsigned char *hit = calloc(t->k + 1, 1);
    if (!hit) {
        fprintf(stderr, "embodied: out of memory\n");
        return EMB_EXIT_NOMEM;
    }
    for (size_t i = 0; i < n_patterns; i++) {
        const char *p = patterns[i];
        if (strpbrk(p, "*?")) {
            if (match_glob(t, p, hit) == 0) {
                free(hit);
                return cli_usage_error(cmd, "%s: --stressor '%s' matches no stressor (a glob: "
                                            "'*' and '?'); the table has %zu, the first '%s'",
                                       t->path && *t->path ? t->path : "table", p, t->k,
                                       t->k ? t->stressors[0] : "");
            }
            continue;
        }
        /* the one rule of every name (emb_table_find_stressor): exact, the
         * trailing '/'-components, ignoring case, then a unique prefix or
         * substring; unknown names get the closest ones */
        size_t s;
        emb_status st = emb_table_find_stressor(t, p, &s);
        if (st) {
            free(hit);
            return cli_fail(st);
        }
        hit[s] = 1;
    }
    for (size_t s = 0; s < t->k; s++) /* in the table's order, each once */
        if (hit[s])
            idx[(*n_idx)++] = s;
    free(hit);
    return 0;
}
