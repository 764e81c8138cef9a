/* src/cli/cli_mpi.c — the CLI's side of the scalapack solver: MPI started
 * only when launched by mpirun/srun or asked for (so the same binary runs
 * serially otherwise), one reporting rank, and loading the table with the
 * ranks' agreement so that a failure on any rank ends all of them. */
#include "cli/cli.h"

#include <stdio.h>
#include <string.h>

int cli_mpi_start(int *argc, char ***argv)
{
    int force = 0;
    for (int i = 1; i < *argc; i++) {
        const char *a = (*argv)[i];
        if (!strcmp(a, "--"))
            break;
        if (!strcmp(a, "--solver=scalapack") ||
            (!strcmp(a, "--solver") && i + 1 < *argc && !strcmp((*argv)[i + 1], "scalapack")))
            force = 1;
    }
    /* Without MPI built, a request for scalapack is refused later with the
     * usage message of emb_mpi_accounts (after the options are checked). */
    if (force && !emb_mpi_available())
        force = 0;
    emb_status st = emb_mpi_init(argc, argv, force, NULL);
    return st ? cli_fail(st) : 0;
}

void cli_mpi_end(void) { emb_mpi_finalize(); }

void cli_mpi_quiet_others(void)
{
    if (emb_mpi_rank() == 0)
        return;
    fflush(stdout);
    fflush(stderr);
    if (!freopen("/dev/null", "w", stdout) || !freopen("/dev/null", "w", stderr))
        return; /* nothing else to do: the rank keeps its streams */
}

int cli_mpi_load_table(const char *path, const char *const *groups, size_t n_groups,
                       emb_table **out)
{
    *out = NULL;
    if (!path && !(path = cli_demo_path())) {
        fprintf(stderr, "embodied: no FILE given and the demo table datasets/demo.h5 was not "
                        "found (set EMBODIED_DEMO)\n");
        return EMB_EXIT_USAGE; /* the same on every rank */
    }
    emb_table *t = NULL;
    emb_status st = emb_table_read_h5(path, EMB_READ_DEFAULT, &t);
    for (size_t g = 0; g < n_groups && !st; g++)
        st = emb_table_add_group_spec(t, groups[g]);
    emb_mpi_opts mo = {0};
    if ((st = emb_mpi_agree(&mo, st))) {
        emb_table_free(t);
        return cli_fail(st);
    }
    *out = t;
    return 0;
}
