/* src/cli/cli_results.c — `flows` and `accounts` on a results file: detect
 * one (root attribute results_format, probed in a child process as tables
 * are), read its stored accounts (emb_results_read_h5: nothing is solved),
 * add groups defined on the command line (their accounts and flows are
 * sums over member regions). */
#include "cli/cli.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* Exit status of the probing child: a results file / not one. */
enum { PROBE_RESULTS = 10, PROBE_OTHER = 11 };

int cli_is_results_file(const char *path)
{
    struct stat sb;
    /* only a regular file can be one (a FIFO would block the probe; the
     * table reader reports what else it is) */
    if (!path || stat(path, &sb) != 0 || !S_ISREG(sb.st_mode))
        return 0;
    /* libhdf5 can crash or hang on a damaged file (cli_load_table): ask in
     * a child, so that such a file falls through to the table reader's own
     * probe and message; EMBODIED_HDF5_PROBE_SECONDS=0 turns probing in a
     * child off, as for tables. */
    const char *env = getenv("EMBODIED_HDF5_PROBE_SECONDS");
    fflush(NULL);
    pid_t pid = env && !strcmp(env, "0") ? -1 : fork();
    if (pid < 0) {
        int is = 0;
        emb_results_probe(path, &is);
        return is;
    }
    if (pid == 0) {
        alarm(120);
        int is = 0;
        emb_results_probe(path, &is);
        _exit(is ? PROBE_RESULTS : PROBE_OTHER);
    }
    int status = 0;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            return 0;
    return WIFEXITED(status) && WEXITSTATUS(status) == PROBE_RESULTS;
}

int cli_load_results(const char *cmd, const char *path, const char *const *groups, size_t n_groups,
                     const char *const *group_files, size_t n_group_files, emb_table **t,
                     emb_accounts **a)
{
    *t = NULL;
    *a = NULL;
    emb_status st = emb_results_read_h5(path, t, a);
    if (st)
        return cli_fail(st);
    size_t g0 = (*t)->n_groups;
    int rc = 0;
    for (size_t g = 0; g < n_groups && !rc; g++)
        if ((st = emb_table_add_group_spec(*t, groups[g])))
            rc = cli_fail(st);
    if (!rc)
        rc = cli_add_group_files(*t, cmd, group_files, n_group_files);
    if (!rc && (*t)->n_groups != g0 && (st = emb_results_regroup(*a, *t)))
        rc = cli_fail(st);
    if (rc) {
        emb_accounts_free(*a);
        emb_table_free(*t);
        *a = NULL;
        *t = NULL;
        return rc;
    }
    /* Said on stderr so that a reader of the log (and the tests) knows no
     * solver ran: the numbers are those the file stores. */
    fprintf(stderr, "embodied: %s is a results file: read from results file (stored accounts, "
                    "nothing solved; %zu regions, %zu stressor%s%s)\n",
            path, (*t)->n_r, (*t)->k, (*t)->k == 1 ? "" : "s",
            (*t)->n_groups ? ", groups included" : "");
    return 0;
}
