/* src/cli/main.c — `embodied`: subcommand dispatch, --version, --help, and
 * the signal handlers that remove temporary output files on SIGINT/SIGTERM,
 * with the test-only hook EMBODIED_TEST_SIGNAL_AFTER_TEMP that exercises them
 * deterministically. */
#include "cli/cli.h"

#include <errno.h>
#include <getopt.h>
#include <hdf5.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void usage(FILE *fp)
{
    fputs("Usage: embodied [--version] [--help] COMMAND [ARGS]\n"
          "\n"
          "Environmentally extended multi-regional input-output analysis: production- and\n"
          "consumption-based emissions, embodied trade and bilateral flows.\n"
          "\n"
          "Commands:\n"
          "  info     [FILE]            what is in a table (dimensions, labels, totals, data facts)\n"
          "  accounts [FILE] [-o R.h5] [--csv DIR]\n"
          "                             PBA, CBA, imports, exports, flows per region (and group)\n"
          "  flows    [FILE] --from O --to D ...\n"
          "                             emissions released in O for final demand in D\n"
          "                             (--by origin-sector|final-product|both: drill-down of a pair)\n"
          "  cbam     [FILE] --importer I --concordance C.csv\n"
          "                             CBAM exposure of exporters to importer I (cost at the border)\n"
          "  import   FORMAT PATH -o OUT.h5\n"
          "                             convert a database download (formats: embodied import --list)\n"
          "  synth    --regions R --sectors S -o OUT.h5\n"
          "                             generate a realistic table (tests, benchmarks)\n"
          "  spa      [FILE] --to D [--from O] [--top K]\n"
          "                             structural path analysis: the largest supply chains into D\n"
          "  sda      T0 T1 [-o SDA.csv] change in CBA between two tables split into intensity,\n"
          "                             technology, final-demand structure and level effects\n"
          "  report   RESULTS.h5 -o REPORT.html\n"
          "                             self-contained HTML report with charts of a results file\n"
          "\n"
          "FILE is an embodied-mrio HDF5 table (datasets/README.md); without FILE, accounts,\n"
          "flows and info use the illustrative demo table datasets/demo.h5.\n"
          "Run 'embodied COMMAND --help' for a command's options.\n"
          "\n"
          "Exit status: 0 ok, 1 internal error, 2 usage, 3 input data, 4 numerical, 5 I/O,\n"
          "6 out of memory, 130 interrupted (SIGINT).\n",
          fp);
}

static void on_signal(int sig)
{
    emb_results_remove_temporaries(); /* async-signal-safe: unlink only */
    signal(sig, SIG_DFL);
    raise(sig);
}

/* Test hook, for tests/test_cli.c only: EMBODIED_TEST_SIGNAL_AFTER_TEMP=SIGINT
 * (or SIGTERM, SIGHUP) makes the process raise that signal itself once its
 * first output temporary is written, before it is renamed into place, after
 * saying on stderr whether the temporary exists ("exists" or "missing", so
 * the test knows there was something to remove).  A timed kill() races the
 * run; this does not. */
static int test_signal;

static void test_signal_after_temp(const char *tmp_path)
{
    struct stat sb;
    int exists = stat(tmp_path, &sb) == 0 && S_ISREG(sb.st_mode);
    fprintf(stderr, "embodied: test hook: temporary %s %s (%lld bytes), raising %s\n", tmp_path,
            exists ? "exists" : "missing", exists ? (long long)sb.st_size : 0LL,
            test_signal == SIGINT ? "SIGINT" : test_signal == SIGTERM ? "SIGTERM" : "SIGHUP");
    fflush(stderr);
    raise(test_signal);
}

/* EMBODIED_TEST_SIGNAL_AFTER_TEMP: 0 if unset, -1 if not a signal we handle. */
static int parse_test_signal(void)
{
    const char *env = getenv("EMBODIED_TEST_SIGNAL_AFTER_TEMP");
    if (!env || !*env)
        return 0;
    if (strcmp(env, "SIGINT") == 0)
        return SIGINT;
    if (strcmp(env, "SIGTERM") == 0)
        return SIGTERM;
    if (strcmp(env, "SIGHUP") == 0)
        return SIGHUP;
    fprintf(stderr, "embodied: EMBODIED_TEST_SIGNAL_AFTER_TEMP='%s': expected SIGINT, SIGTERM or "
                    "SIGHUP\n", env);
    return -1;
}

/* Parse the global options and run the subcommand; its exit code. */
static int dispatch(int argc, char **argv)
{
    static const struct option opts[] = {
        {"help", no_argument, NULL, 'h'}, {"version", no_argument, NULL, 'V'}, {NULL, 0, NULL, 0}};
    int c;
    while ((c = getopt_long(argc, argv, "+hV", opts, NULL)) != -1) {
        switch (c) {
        case 'h': usage(stdout); return EMB_EXIT_OK;
        case 'V':
            printf("embodied %s\n%s\n", emb_version(), emb_blas_info());
            return EMB_EXIT_OK;
        default: usage(stderr); return EMB_EXIT_USAGE;
        }
    }
    if (optind >= argc) {
        usage(stderr);
        return EMB_EXIT_USAGE;
    }
    const char *cmd = argv[optind];
    int sub_argc = argc - optind;
    char **sub_argv = argv + optind;
    optind = 0; /* glibc: full re-initialisation for the subcommand's getopt_long */
    if (strcmp(cmd, "info") == 0)
        return cmd_info(sub_argc, sub_argv);
    if (strcmp(cmd, "accounts") == 0)
        return cmd_accounts(sub_argc, sub_argv);
    if (strcmp(cmd, "flows") == 0)
        return cmd_flows(sub_argc, sub_argv);
    if (strcmp(cmd, "cbam") == 0)
        return cmd_cbam(sub_argc, sub_argv);
    if (strcmp(cmd, "import") == 0)
        return cmd_import(sub_argc, sub_argv);
    if (strcmp(cmd, "synth") == 0)
        return cmd_synth(sub_argc, sub_argv);
    if (strcmp(cmd, "spa") == 0)
        return cmd_spa(sub_argc, sub_argv);
    if (strcmp(cmd, "sda") == 0)
        return cmd_sda(sub_argc, sub_argv);
    if (strcmp(cmd, "report") == 0)
        return cmd_report(sub_argc, sub_argv);
    if (strcmp(cmd, "help") == 0) {
        usage(stdout);
        return EMB_EXIT_OK;
    }
    fprintf(stderr, "embodied: unknown command '%s'\n", cmd);
    usage(stderr);
    return EMB_EXIT_USAGE;
}

/* Results printed on stdout count as output: a write error there (a full
 * disk, /dev/full, a closed pipe) must not end in exit status 0. */
static int finish_stdout(int rc)
{
    if (fflush(stdout) != 0 || ferror(stdout) || fclose(stdout) != 0) {
        fprintf(stderr, "embodied: standard output: write error: %s\n", strerror(errno));
        if (rc == EMB_EXIT_OK)
            rc = EMB_EXIT_IO;
    }
    return rc;
}

int main(int argc, char **argv)
{
    /* HDF5 1.10 closes whatever is still open at exit, and crashes on a file
     * whose flush failed (a full disk, a file size limit): by then the
     * library has reported the error and removed the temporary, so there is
     * nothing left for that handler to do. */
    H5dont_atexit();
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    if ((test_signal = parse_test_signal()) < 0)
        return EMB_EXIT_USAGE;
    if (test_signal)
        emb_results_set_commit_hook(test_signal_after_temp);

    /* MPI only when launched by mpirun/srun or asked for (--solver
     * scalapack); finalised on every return from here. */
    int rc = cli_mpi_start(&argc, &argv);
    if (rc == 0)
        rc = dispatch(argc, argv);
    rc = finish_stdout(rc);
    cli_mpi_end();
    return rc;
}
