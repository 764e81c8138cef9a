/* src/cli/cli_stressors.c — `--stressor PATTERN` of the commands that compute
 * only what is asked (`accounts`): patterns to the table's stressor indices
 * with one matching rule, so the library is handed indices (opts.stressors)
 * and never parses names. */
#define _GNU_SOURCE /* FNM_CASEFOLD */
#include "cli/cli.h"

#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Print the table's stressors (all of them up to 40, else the first 40 and
 * the count) after a message. */
static void list_stressors(const emb_table *t)
{
    fputs("; the table's stressors are:", stderr);
    for (size_t j = 0; j < t->k && j < 40; j++)
        fprintf(stderr, "%s '%s'", j ? "," : "", t->stressors[j]);
    if (t->k > 40)
        fprintf(stderr, ", ... (%zu in all)", t->k);
    fputc('\n', stderr);
}

/* Mark in `hit` the stressors pattern p matches; return how many. */
static size_t match_one(const emb_table *t, const char *p, unsigned char *hit, int *ambiguous)
{
    size_t n = 0;
    *ambiguous = 0;
    if (strpbrk(p, "*?")) { /* a glob: case-sensitive, else case-insensitive */
        for (int pass = 0; pass < 2 && n == 0; pass++)
            for (size_t s = 0; s < t->k; s++)
                if (fnmatch(p, t->stressors[s], pass ? FNM_CASEFOLD : 0) == 0)
                    hit[s] = 1, n++;
        return n;
    }
    for (size_t s = 0; s < t->k; s++) /* exact */
        if (strcmp(p, t->stressors[s]) == 0) {
            hit[s] = 1;
            return 1;
        }
    long i = emb_table_stressor_index(t, p); /* the table's own rule: trailing components */
    if (i >= 0) {
        hit[i] = 1;
        return 1;
    }
    long found = -1; /* case-insensitive, when unique */
    for (size_t s = 0; s < t->k; s++)
        if (strcasecmp(p, t->stressors[s]) == 0) {
            if (found >= 0) {
                *ambiguous = 1;
                return 0;
            }
            found = (long)s;
        }
    if (found < 0)
        return 0;
    hit[found] = 1;
    return 1;
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
        int ambiguous;
        if (match_one(t, patterns[i], hit, &ambiguous) == 0) {
            fprintf(stderr, "embodied: %s: --stressor '%s' %s", t->path && *t->path ? t->path : cmd,
                    patterns[i],
                    ambiguous ? "is ambiguous (it matches several stressors but none exactly)"
                              : "matches no stressor (exact, then case-insensitive; '*' and '?' "
                                "make it a glob)");
            list_stressors(t);
            fprintf(stderr, "Try 'embodied %s --help'.\n", cmd);
            free(hit);
            return EMB_EXIT_USAGE;
        }
    }
    for (size_t s = 0; s < t->k; s++) /* in the table's order, each once */
        if (hit[s])
            idx[(*n_idx)++] = s;
    free(hit);
    return 0;
}
