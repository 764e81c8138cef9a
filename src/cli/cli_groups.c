/* src/cli/cli_groups.c — `--groups FILE|NAME` of accounts, flows, spa, cbam
 * and sda: region groups from a CSV file (emb_table_add_groups_file), or
 * from the group files shipped in datasets/groups/ by name (`--groups eu27`
 * picks eu27_<database>.csv whose members are all regions of the table). */
#define _XOPEN_SOURCE 700 /* realpath, strdup, strncasecmp */
#include "cli/cli.h"

#include <dirent.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

static int is_dir(const char *p)
{
    struct stat sb;
    return stat(p, &sb) == 0 && S_ISDIR(sb.st_mode);
}

const char *cli_groups_dir(void)
{
    static char buf[PATH_MAX];
    const char *env = getenv("EMBODIED_GROUPS_DIR");
    if (env && *env)
        return env;
    /* As cli_demo_path: relative to the executable first (a build dir inside
     * the source tree, an installed or moved prefix), then the configured
     * data dir, then the source tree the binary was built from. */
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n > 0) {
        exe[n] = '\0';
        char *slash = strrchr(exe, '/');
        if (slash) {
            *slash = '\0';
            static const char *const rel[] = {"../datasets/groups",
#ifdef EMB_DATADIR_REL
                                              "../" EMB_DATADIR_REL "/groups",
#endif
                                              "../share/embodied/groups"};
            for (size_t i = 0; i < sizeof rel / sizeof rel[0]; i++) {
                char cand[2 * PATH_MAX];
                snprintf(cand, sizeof cand, "%s/%s", exe, rel[i]);
                if (is_dir(cand) && realpath(cand, buf))
                    return buf;
            }
        }
    }
#ifdef EMB_DATADIR
    if (is_dir(EMB_DATADIR "/groups"))
        return EMB_DATADIR "/groups";
#endif
#ifdef EMB_DEMO_PATH
    {
        static char src[PATH_MAX];
        snprintf(src, sizeof src, "%s", EMB_DEMO_PATH);
        char *slash = strrchr(src, '/');
        if (slash) {
            snprintf(slash, sizeof src - (size_t)(slash - src), "/groups");
            if (is_dir(src))
                return src;
        }
    }
#endif
    return NULL;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The shipped files for NAME in dir: NAME.csv, or NAME_<database>.csv
 * (<database> without '_', so eu27 does not pick eu27_2009_wiod2013.csv),
 * sorted by name.  Returns the count (0..cap), names malloc'd. */
static size_t candidates(const char *dir, const char *name, char **out, size_t cap)
{
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    size_t n = 0, ln = strlen(name);
    struct dirent *e;
    while ((e = readdir(d)) && n < cap) {
        size_t le = strlen(e->d_name);
        if (le < 5 || strcmp(e->d_name + le - 4, ".csv") || strncasecmp(e->d_name, name, ln))
            continue;
        const char *rest = e->d_name + ln; /* ".csv" or "_<database>.csv" */
        int ok = !strcmp(rest, ".csv") ||
                 (rest[0] == '_' && !memchr(rest + 1, '_', strlen(rest + 1) - 4) && strlen(rest) > 5);
        if (ok && (out[n] = strdup(e->d_name)))
            n++;
    }
    closedir(d);
    qsort(out, n, sizeof *out, cmp_str);
    return n;
}

/* The shipped group file names in dir (NAME of NAME_<database>.csv, each
 * once), for the message when nothing matches. */
static void list_shipped(const char *dir, char *buf, size_t cap)
{
    char *all[256];
    size_t n = 0;
    DIR *d = opendir(dir);
    buf[0] = '\0';
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d)) && n < 256) {
        size_t le = strlen(e->d_name);
        if (le < 5 || strcmp(e->d_name + le - 4, ".csv"))
            continue;
        char *s = strdup(e->d_name);
        if (!s)
            break;
        s[le - 4] = '\0';
        char *us = strrchr(s, '_');
        if (us)
            *us = '\0';
        all[n++] = s;
    }
    closedir(d);
    qsort(all, n, sizeof *all, cmp_str);
    size_t used = 0;
    for (size_t i = 0; i < n; i++)
        if ((i == 0 || strcmp(all[i], all[i - 1])) && used < cap)
            used += (size_t)snprintf(buf + used, cap - used, "%s%s", used ? ", " : "", all[i]);
    for (size_t i = 0; i < n; i++)
        free(all[i]);
}

/* Add the groups of the shipped file for `name` that fits t (the first, in
 * name order, whose members are all regions of t). */
static int add_shipped(emb_table *t, const char *cmd, const char *name)
{
    const char *dir = cli_groups_dir();
    if (!dir)
        return cli_usage_error(cmd, "--groups '%s': no such file, and the shipped group files "
                                    "(datasets/groups) were not found (set EMBODIED_GROUPS_DIR)",
                               name);
    char *cand[64];
    size_t n = candidates(dir, name, cand, 64);
    if (!n) {
        char list[1024];
        list_shipped(dir, list, sizeof list);
        return cli_usage_error(cmd, "--groups '%s': no such file, and no shipped group file of "
                                    "that name in %s (shipped: %s)", name, dir, list);
    }
    int rc = -1;
    char tried[2048] = "", last[1024] = "";
    size_t used = 0;
    for (size_t i = 0; i < n && rc < 0; i++) {
        char path[2 * PATH_MAX];
        snprintf(path, sizeof path, "%s/%s", dir, cand[i]);
        size_t g0 = t->n_groups;
        emb_status st = emb_table_add_groups_file(t, path);
        if (st == EMB_OK) {
            fprintf(stderr, "embodied: --groups %s: %s (", name, path);
            for (size_t g = g0; g < t->n_groups; g++)
                fprintf(stderr, "%s%s: %zu region%s", g > g0 ? ", " : "", t->groups[g].name,
                        t->groups[g].n, t->groups[g].n == 1 ? "" : "s");
            fputs(")\n", stderr);
            rc = 0;
        } else if (st == EMB_EINPUT) {
            /* members of another database's codes: try the next */
            if (used < sizeof tried)
                used += (size_t)snprintf(tried + used, sizeof tried - used, "%s%s",
                                         used ? ", " : "", cand[i]);
            snprintf(last, sizeof last, "%s", emb_errmsg());
        } else {
            rc = cli_fail(st);
        }
    }
    for (size_t i = 0; i < n; i++)
        free(cand[i]);
    if (rc < 0) {
        fprintf(stderr, "embodied: --groups %s: none of the shipped files fits the regions of "
                        "%s (tried %s; the last said: %s)\n",
                name, t->path && t->path[0] ? t->path : "the table", tried, last);
        rc = EMB_EXIT_INPUT;
    }
    return rc;
}

int cli_add_group_files(emb_table *t, const char *cmd, const char *const *files, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        struct stat sb;
        int rc;
        /* a path (or anything with a '/' or a suffix) is a file; a bare
         * name that is no file is a shipped group file's name */
        if (stat(files[i], &sb) == 0 || strchr(files[i], '/') || strchr(files[i], '.')) {
            emb_status st = emb_table_add_groups_file(t, files[i]);
            rc = st ? cli_fail(st) : 0;
        } else {
            rc = add_shipped(t, cmd, files[i]);
        }
        if (rc)
            return rc;
    }
    return 0;
}
