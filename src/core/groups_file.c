/* src/core/groups_file.c — emb_table_add_groups_file(): region groups from a
 * CSV file `group,member` (one line per membership, a header line first),
 * for every subcommand's --groups FILE.
 *
 * The whole file is read and checked before the table changes, so a bad
 * line leaves the table as it was: the header, two cells per line, each
 * member a region of the table (else the closest region names are
 * suggested), no member twice in a group, a group's lines contiguous (a
 * group name that comes back after another group is a duplicate
 * definition: a copy-paste error more often than an intent), no group
 * name that is a region or a group the table already has.  Lines are read
 * through the delimited-text reader (import/tsv.h, RFC 4180 quoting);
 * blank lines and lines starting with '#' are skipped. */
#include "embodied/table.h"

#include "core/alloc.h"
#include "core/error_impl.h"
#include "import/bytesrc.h"
#include "import/tsv.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

/* Group files are a few hundred lines at most; a line is two names. */
#define GROUPS_MAXLINE ((size_t)1 << 16)

typedef struct grow {
    char *group, *member;
    size_t line;
    size_t region; /* index of member in the table */
} grow;

typedef struct gfile {
    grow *rows;
    size_t n, cap;
} gfile;

static void gfile_free(gfile *g)
{
    for (size_t i = 0; i < g->n; i++) {
        emb_free(g->rows[i].group);
        emb_free(g->rows[i].member);
    }
    emb_free(g->rows);
    memset(g, 0, sizeof *g);
}

/* Edit distance between a and b, letters compared case-insensitively (a
 * region typed "deu" or "Deu" is meant to be "DEU"); names longer than 63
 * bytes count as far. */
static size_t distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 63 || lb > 63)
        return (size_t)-1;
    size_t d[64], prev[64];
    for (size_t j = 0; j <= lb; j++)
        prev[j] = j;
    for (size_t i = 1; i <= la; i++) {
        d[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t sub = prev[j - 1] + (tolower((unsigned char)a[i - 1]) !=
                                        tolower((unsigned char)b[j - 1]));
            size_t del = prev[j] + 1, ins = d[j - 1] + 1;
            d[j] = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
        }
        memcpy(prev, d, (lb + 1) * sizeof *d);
    }
    return prev[lb];
}

/* "did you mean 'X'" for the regions closest to `name` (at most 3, those at
 * the smallest distance, in table order), or the first regions when none is
 * within half the name's length. */
static void suggest(const emb_table *t, const char *name, char *buf, size_t cap)
{
    size_t best = (size_t)-1;
    for (size_t r = 0; r < t->n_r; r++) {
        size_t d = distance(name, t->regions[r]);
        if (d < best)
            best = d;
    }
    size_t len = strlen(name), shown = 0, at = 0;
    buf[0] = '\0';
    int close = best != (size_t)-1 && best <= (len + 1) / 2;
    at = (size_t)snprintf(buf, cap, "%s", close ? "did you mean " : "regions are ");
    for (size_t r = 0; r < t->n_r && shown < 3 && at < cap; r++) {
        if (close && distance(name, t->regions[r]) != best)
            continue;
        at += (size_t)snprintf(buf + at, cap - at, "%s'%s'", shown ? (close ? " or " : ", ") : "",
                               t->regions[r]);
        shown++;
    }
    if (!close && t->n_r > shown && at < cap)
        snprintf(buf + at, cap - at, ", ...");
}

static emb_status push(gfile *g, const char *group, const char *member, size_t line, size_t region)
{
    if (g->n == g->cap) {
        size_t nc = g->cap ? 2 * g->cap : 32;
        grow *nr = emb_realloc(g->rows, nc, sizeof *nr, "group file rows");
        if (!nr)
            return EMB_ENOMEM;
        g->rows = nr, g->cap = nc;
    }
    grow *w = &g->rows[g->n];
    memset(w, 0, sizeof *w);
    if (!(w->group = emb_strdup(group)) || !(w->member = emb_strdup(member))) {
        emb_free(w->group);
        return EMB_ENOMEM;
    }
    w->line = line, w->region = region;
    g->n++;
    return EMB_OK;
}

/* One data line: cells checked against the table and the lines before. */
static emb_status read_row(const emb_tsv *r, const emb_table *t, gfile *g)
{
    size_t nf = emb_tsv_nfields(r), line = emb_tsv_lineno(r);
    if (nf != 2)
        return emb_tsv_fail(r, EMB_EINPUT, nf > 2 ? 2 : EMB_TSV_NOCOL,
                            "expected 2 cells (group,member), found %zu", nf);
    const char *group = emb_tsv_field(r, 0), *member = emb_tsv_field(r, 1);
    if (!*group)
        return emb_tsv_fail(r, EMB_EINPUT, 0, "empty group name");
    if (!*member)
        return emb_tsv_fail(r, EMB_EINPUT, 1, "empty member region");
    if (emb_table_region_index(t, group) >= 0)
        return emb_tsv_fail(r, EMB_EINPUT, 0, "group name '%s' is a region of the table", group);
    if (emb_table_group_index(t, group) >= 0)
        return emb_tsv_fail(r, EMB_EINPUT, 0, "group '%s' is already defined (by --group or "
                                              "the table)", group);
    long reg = emb_table_region_index(t, member);
    if (reg < 0) {
        char hint[512];
        suggest(t, member, hint, sizeof hint);
        return emb_tsv_fail(r, EMB_EINPUT, 1, "group '%s': unknown region '%s' (%s)", group,
                            member, hint);
    }
    /* The lines of one group are contiguous: look back to its first line. */
    for (size_t i = g->n; i-- > 0;) {
        const grow *w = &g->rows[i];
        if (strcmp(w->group, group) != 0) {
            for (size_t j = i; j-- > 0;)
                if (strcmp(g->rows[j].group, group) == 0)
                    return emb_tsv_fail(r, EMB_EINPUT, 0,
                                        "group '%s' defined twice (first at line %zu, then "
                                        "group '%s' at line %zu)", group, g->rows[j].line,
                                        w->group, w->line);
            break;
        }
        if (w->region == (size_t)reg)
            return emb_tsv_fail(r, EMB_EINPUT, 1, "group '%s': region '%s' listed twice (first "
                                                  "at line %zu)", group, member, w->line);
    }
    return push(g, group, member, line, (size_t)reg);
}

static emb_status read_file(const char *path, const emb_table *t, gfile *g)
{
    emb_bytesrc *src = NULL;
    emb_tsv *r = NULL;
    emb_status st = emb_bytesrc_open_file(path, "groups file", &src);
    if (st)
        return st;
    if ((st = emb_tsv_open(src, 4096, GROUPS_MAXLINE, &r)))
        return st;
    emb_tsv_set_delim(r, ',');
    int header = 0, have = 0;
    while (!(st = emb_tsv_next_row2(r, "group", "member", &header, &have)) && have)
        if ((st = read_row(r, t, g)))
            break;
    emb_tsv_close(r);
    if (!st && !header)
        st = emb_raise(EMB_EINPUT, "%s: empty file: expected the header 'group,member' and one "
                                   "line per member region", path);
    if (!st && g->n == 0)
        st = emb_raise(EMB_EINPUT, "%s: no groups (only the header 'group,member')", path);
    return st;
}

/* Drop the groups past the first n0 (the rollback of a failed add). */
static void truncate_groups(emb_table *t, size_t n0)
{
    while (t->n_groups > n0) {
        t->n_groups--;
        emb_free(t->groups[t->n_groups].name);
        emb_free(t->groups[t->n_groups].members);
    }
}

emb_status emb_table_add_groups_file(emb_table *t, const char *path)
{
    if (!t || !path)
        return emb_raise(EMB_EUSAGE, "emb_table_add_groups_file: %s is NULL", t ? "path" : "table");
    gfile g = {0};
    emb_status st = read_file(path, t, &g);
    const char **mem = NULL;
    size_t n0 = t->n_groups;
    if (!st && !(mem = emb_alloc(g.n, sizeof *mem, "group members")))
        st = EMB_ENOMEM;
    for (size_t i = 0; !st && i < g.n;) {
        size_t e = i;
        while (e < g.n && strcmp(g.rows[e].group, g.rows[i].group) == 0) {
            mem[e - i] = g.rows[e].member;
            e++;
        }
        if ((st = emb_table_add_group(t, g.rows[i].group, e - i, mem)))
            st = emb_raise_prefix(st, "%s: line %zu: ", path, g.rows[i].line);
        i = e;
    }
    if (st)
        truncate_groups(t, n0);
    emb_free((void *)mem);
    gfile_free(&g);
    return st;
}
