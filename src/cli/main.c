/* src/cli/main.c — `embodied`: subcommand dispatch, --version, --help, and
 * the output set in which every subcommand runs (all its outputs renamed into
 * place together at the end, or none), the signal handlers that remove the
 * temporaries (SIGINT, SIGTERM, SIGHUP, SIGQUIT; SIGXFSZ ignored), with the
 * test-only hook EMBODIED_TEST_SIGNAL_AFTER_TEMP that exercises them
 * deterministically. */
#include "cli/cli.h"
#include "core/names.h" /* emb_name_distance: "did you mean" */

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
          "  characterize TABLE.h5 FACTORS.csv -o OUT.h5\n"
          "                             add impact rows (e.g. CO2-eq) to a table, as a new table\n"
          "  synth    --regions R --sectors S -o OUT.h5\n"
          "                             generate a realistic table (tests, benchmarks)\n"
          "  spa      [FILE] --to D [--from O] [--top K]\n"
          "                             structural path analysis: the largest supply chains into D\n"
          "  sda      T0 T1 [-o SDA.csv] change in CBA between two tables split into intensity,\n"
          "                             technology, final-demand structure and level effects\n"
          "  report   RESULTS.h5 -o REPORT.html\n"
          "                             self-contained HTML report with charts of a results file\n"
          "  batch    TABLE... -o DIR [--jobs J]\n"
          "                             accounts of many tables, resumable, one time series out\n"
          "\n"
          "FILE is an embodied-mrio HDF5 table (datasets/README.md); without FILE, accounts,\n"
          "flows and info use the illustrative demo table datasets/demo.h5.\n"
          "Run 'embodied COMMAND --help' for a command's options.\n"
          "\n"
          "Options:\n"
          "  -h, --help              this help\n"
          "  -V, --version           the version, the BLAS library, its kernel and threads\n"
          "\n"
          "Exit status: 0 ok, 1 internal error, 2 usage, 3 input data, 4 numerical, 5 I/O,\n"
          "6 out of memory; interrupted: ended by the signal (a shell says 128 + its number:\n"
          "130 SIGINT, 143 SIGTERM, 129 SIGHUP, 131 SIGQUIT), no output written.\n",
          fp);
}

volatile sig_atomic_t cli_caught_signal;
static volatile sig_atomic_t outputs_committed;

static const char *signal_name(int sig)
{
    switch (sig) {
    case SIGINT: return "SIGINT";
    case SIGTERM: return "SIGTERM";
    case SIGHUP: return "SIGHUP";
    case SIGQUIT: return "SIGQUIT";
    default: return "a signal";
    }
}

static void say(const char *s) { (void)!write(STDERR_FILENO, s, strlen(s)); }

/* Say so and end the process by sig itself (async-signal-safe), so that a
 * shell sees "killed by SIGINT" (status 128 + n) and stops its loop. */
static void die_of(int sig)
{
    say("embodied: interrupted (");
    say(signal_name(sig));
    say(outputs_committed ? "); the outputs were already written\n" : "); no output written\n");
    signal(sig, SIG_DFL);
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, sig);
    sigprocmask(SIG_UNBLOCK, &set, NULL); /* delivered at once, or on return from the handler */
    raise(sig);
}

/* SIGINT, SIGTERM, SIGHUP, SIGQUIT: remove every temporary and end the
 * process; during the commit of the outputs, only note the signal: the
 * commit undoes its renames, and main ends the process after it. */
static void on_signal(int sig)
{
    int saved = errno;
    if (!cli_caught_signal)
        cli_caught_signal = sig;
    if (emb_results_interrupt())
        die_of(sig);
    errno = saved;
}

/* Test hook, for the CLI tests only: EMBODIED_TEST_SIGNAL_AFTER_TEMP=SIG
 * (SIGINT, SIGTERM, SIGHUP or SIGQUIT) makes the process raise that signal
 * itself once its first output temporary is complete, before it is renamed
 * into place, after saying on stderr whether the temporary exists ("exists"
 * or "missing", so the test knows there was something to remove); SIG:K
 * after the K-th temporary (a command's outputs are committed together, so
 * the earlier ones are complete and waiting); SIG:commit during the commit,
 * after the first output was renamed into place (the commit must undo it).
 * A timed kill() races the run; this does not. */
static int test_signal, test_after = 1, test_count;

static void test_signal_after_temp(const char *tmp_path)
{
    if (test_after <= 0 || ++test_count != test_after)
        return;
    struct stat sb;
    int exists = stat(tmp_path, &sb) == 0 && (S_ISREG(sb.st_mode) || S_ISDIR(sb.st_mode));
    if (exists && S_ISDIR(sb.st_mode))
        fprintf(stderr, "embodied: test hook: temporary %s exists (a folder), raising %s\n",
                tmp_path, signal_name(test_signal));
    else
        fprintf(stderr, "embodied: test hook: temporary %s %s (%lld bytes), raising %s\n",
                tmp_path, exists ? "exists" : "missing", exists ? (long long)sb.st_size : 0LL,
                signal_name(test_signal));
    fflush(stderr);
    raise(test_signal);
}

static void test_signal_during_commit(const char *path)
{
    fprintf(stderr, "embodied: test hook: %s renamed into place, raising %s\n", path,
            signal_name(test_signal));
    fflush(stderr);
    raise(test_signal);
}

/* EMBODIED_TEST_SIGNAL_AFTER_TEMP: 0 if unset, -1 if not understood. */
static int parse_test_signal(void)
{
    const char *env = getenv("EMBODIED_TEST_SIGNAL_AFTER_TEMP");
    if (!env || !*env)
        return 0;
    static const struct {
        const char *name;
        int sig;
    } sigs[] = {{"SIGINT", SIGINT}, {"SIGTERM", SIGTERM}, {"SIGHUP", SIGHUP}, {"SIGQUIT", SIGQUIT}};
    for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++) {
        size_t n = strlen(sigs[i].name);
        if (strncmp(env, sigs[i].name, n) != 0)
            continue;
        const char *rest = env + n;
        if (!*rest)
            return sigs[i].sig;
        if (strcmp(rest, ":commit") == 0) {
            test_after = 0;
            return sigs[i].sig;
        }
        char *end;
        long k = rest[0] == ':' ? strtol(rest + 1, &end, 10) : 0;
        if (k >= 1 && k <= 1000 && !*end) {
            test_after = (int)k;
            return sigs[i].sig;
        }
    }
    fprintf(stderr, "embodied: EMBODIED_TEST_SIGNAL_AFTER_TEMP='%s': expected SIGINT, SIGTERM, "
                    "SIGHUP or SIGQUIT, optionally followed by :K (after the K-th temporary) or "
                    ":commit\n", env);
    return -1;
}

int cli_commit_outputs(void)
{
    emb_status st = emb_results_commit_set();
    if (st)
        return cli_fail(st);
    outputs_committed = 1;
    /* A new (empty) set for whatever the command still writes. */
    return (st = emb_results_begin_set()) ? cli_fail(st) : 0;
}

/* Run a subcommand inside an output set: its outputs are renamed into place
 * together when it succeeded, or all removed. */
static int run_committed(int (*cmd)(int, char **), int argc, char **argv)
{
    emb_status st = emb_results_begin_set();
    if (st)
        return cli_fail(st);
    int rc = cmd(argc, argv);
    if (rc != EMB_EXIT_OK) {
        emb_results_discard_set();
        return rc;
    }
    if ((st = emb_results_commit_set()))
        return cli_fail(st);
    outputs_committed = 1;
    return rc;
}

/* Parse the global options and run the subcommand; its exit code. */
static int dispatch(int argc, char **argv)
{
    static const struct option opts[] = {
        {"help", no_argument, NULL, 'h'}, {"version", no_argument, NULL, 'V'}, {NULL, 0, NULL, 0}};
    int c;
    while ((c = getopt_long(argc, argv, "+:hV", opts, NULL)) != -1) {
        switch (c) {
        case 'h': usage(stdout); return EMB_EXIT_OK;
        case 'V':
            printf("embodied %s\n%s\n", emb_version(), emb_blas_info());
            return EMB_EXIT_OK;
        default: return cli_option_error("", c, argc, argv, opts);
        }
    }
    if (optind >= argc)
        return cli_usage_error("", "no command given");
    const char *cmd = argv[optind];
    int sub_argc = argc - optind;
    char **sub_argv = argv + optind;
    optind = 0; /* glibc: full re-initialisation for the subcommand's getopt_long */
    opterr = 0; /* getopt's own line is unprefixed: cli_usage_error says it instead */
    if (strcmp(cmd, "info") == 0)
        return run_committed(cmd_info, sub_argc, sub_argv);
    if (strcmp(cmd, "accounts") == 0)
        return run_committed(cmd_accounts, sub_argc, sub_argv);
    if (strcmp(cmd, "flows") == 0)
        return run_committed(cmd_flows, sub_argc, sub_argv);
    if (strcmp(cmd, "cbam") == 0)
        return run_committed(cmd_cbam, sub_argc, sub_argv);
    if (strcmp(cmd, "import") == 0)
        return run_committed(cmd_import, sub_argc, sub_argv);
    if (strcmp(cmd, "characterize") == 0)
        return run_committed(cmd_characterize, sub_argc, sub_argv);
    if (strcmp(cmd, "synth") == 0)
        return run_committed(cmd_synth, sub_argc, sub_argv);
    if (strcmp(cmd, "spa") == 0)
        return run_committed(cmd_spa, sub_argc, sub_argv);
    if (strcmp(cmd, "sda") == 0)
        return run_committed(cmd_sda, sub_argc, sub_argv);
    if (strcmp(cmd, "report") == 0)
        return run_committed(cmd_report, sub_argc, sub_argv);
    if (strcmp(cmd, "batch") == 0) /* commits each table's folder itself, one by one */
        return cmd_batch(sub_argc, sub_argv);
    if (strcmp(cmd, "help") == 0) {
        usage(stdout);
        return EMB_EXIT_OK;
    }
    static const char *const cmds[] = {"info", "accounts", "flows", "cbam", "import",
                                       "synth", "spa", "sda", "report", "characterize",
                                       "batch", "help"};
    for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++)
        if (emb_name_distance(cmd, cmds[i]) <= (strlen(cmd) >= 4 ? 2 : 1))
            return cli_usage_error("", "unknown command '%s' (did you mean '%s'?)", cmd, cmds[i]);
    return cli_usage_error("", "unknown command '%s'", cmd);
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
    sa.sa_flags = SA_RESTART;
    sigemptyset(&sa.sa_mask);
    const int handled[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};
    for (size_t i = 0; i < sizeof handled / sizeof handled[0]; i++)
        sigaddset(&sa.sa_mask, handled[i]); /* one handler at a time */
    for (size_t i = 0; i < sizeof handled / sizeof handled[0]; i++)
        sigaction(handled[i], &sa, NULL);
    /* A file size limit (ulimit -f) would kill the process by SIGXFSZ and
     * leave its temporaries: ignored, the write fails with EFBIG, and the
     * writer reports an I/O error and removes them. */
    signal(SIGXFSZ, SIG_IGN);
    /* getopt's own messages are unprefixed and a second line beside ours:
     * every subcommand reports option errors with cli_option_error. */
    opterr = 0;
    if ((test_signal = parse_test_signal()) < 0)
        return EMB_EXIT_USAGE;
    if (test_signal) {
        emb_results_set_commit_hook(test_signal_after_temp);
        if (test_after == 0)
            emb_results_set_during_commit_hook(test_signal_during_commit);
    }

    /* MPI only when launched by mpirun/srun or asked for (--solver
     * scalapack); finalised on every return from here. */
    int rc = cli_mpi_start(&argc, &argv);
    if (rc == 0)
        rc = dispatch(argc, argv);
    if (cli_caught_signal) { /* a commit undone by a signal: end as the signal says */
        cli_mpi_end();
        die_of(cli_caught_signal);
    }
    rc = finish_stdout(rc);
    cli_mpi_end();
    return rc;
}
