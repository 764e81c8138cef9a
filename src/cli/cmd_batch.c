/* src/cli/cmd_batch.c — `embodied batch`: the accounts of many tables in one
 * process (src/batch/), resumable through DIR/manifest.csv, with one time
 * series out; the options, the interruption by signals, the summary; under
 * mpirun, the tables dealt to the ranks (or to groups of ranks solving each
 * table with ScaLAPACK) and rank 0's final pass that merges the manifests. */
#define _GNU_SOURCE /* sched_getaffinity, CPU_COUNT */
#include "batch/batch.h"
#include "cli/cli.h"

#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <sys/stat.h>
#include <unistd.h>

static void usage(FILE *fp)
{
    fputs("Usage: embodied batch TABLE... -o DIR [--jobs J] [accounts options]\n"
          "\n"
          "The accounts of many tables (years, releases, scenarios) in one process: each table's\n"
          "results.h5 and CSV files into DIR/<name>/ (name = the file name without extension),\n"
          "written into a temporary folder and renamed into place when complete.  DIR/manifest.csv\n"
          "records every table (input, size, SHA-256, options, solver, residuals, seconds, peak\n"
          "memory, year and its source, status, error).  A rerun skips the tables whose results\n"
          "exist and whose manifest row has the same checksum and options.  A failing table does\n"
          "not stop the others.  DIR/series.csv is the time series of all tables:\n"
          "year,stressor,unit,region,pba,cba,imports,exports,unallocated,kind (kind: region or\n"
          "group); the year is the table's year attribute, else a 4-digit number in the file name,\n"
          "else the table's position in the list (two tables of one year: an error).\n"
          "\n"
          "  -o, --output DIR        output folder (created if missing)\n"
          "  -j, --jobs J            tables computed at once (default: the CPUs, at most the\n"
          "                          number of tables and as many as fit in memory side by side\n"
          "                          at 3 x 8 N^2 each; 1 with the probe off)\n"
          "      --threads T         threads per table (default: CPUs / J)\n"
          "  -g, --group NAME=R1,R2  define a region group in every table (repeatable)\n"
          "      --sectors           also per-sector accounts\n"
          "      --flows-by-sector   also flows by origin sector\n"
          "      --eebt              also EEBT accounts and flows\n"
          "      --eebt-by-sector    also EEBT flows by exporting sector (implies --eebt)\n"
          "      --tcba              also technology-adjusted CBA\n"
          "  -f, --from O            origin of a flow pair for DIR/series_flows.csv\n"
          "                          (year,stressor,unit,origin,destination,value; repeatable,\n"
          "                          each with a --to)\n"
          "  -t, --to D              destination of that flow pair\n"
          "      --all-flows         every region pair in DIR/series_flows.csv\n"
          "      --allow-different-labels\n"
          "                          tables whose regions, sectors or stressors differ make a\n"
          "                          series with gaps (default: an error naming the difference)\n"
          "      --year-from WHERE   auto (default: the year attribute, else the file name, else\n"
          "                          the position), name (file name, else position), index\n"
          "      --force             recompute tables already done\n"
          "      --rank R            compute only tables i with i mod P = R (job arrays; the\n"
          "                          manifest is then DIR/manifest.rankR-of-P.csv and no series\n"
          "                          is written: a final run without --rank writes it)\n"
          "      --ranks P           the number of ranks P of --rank\n"
          "      --ranks-per-table G\n"
          "                          under mpirun -np P (G divides P): groups of G ranks, each\n"
          "                          solving its tables with the scalapack solver (default 1:\n"
          "                          each rank solves its tables alone).  Under mpirun the tables\n"
          "                          are dealt to the ranks (or groups) i mod P, each writes its\n"
          "                          DIR/manifest.rankR-of-P.csv, then rank 0 merges them into\n"
          "                          DIR/manifest.csv and writes the series\n"
          "  -q, --quiet             no line per table on stderr\n",
          fp);
    fputs(
          CLI_SOLVER_HELP
          "                          (for the whole batch: each of the J tables running at once\n"
          "                          gets 1/J of it)\n"
          "  -h, --help              this help\n"
          "\n"
          "Exit status: 0 all tables done; 3 (or the first failed table's code) when any table\n"
          "failed, the summary on stderr says which and why; 130 interrupted (Ctrl-C: the tables\n"
          "done are kept, the one running is discarded; run the same command to complete it).\n"
          "Under mpirun every rank exits with rank 0's status; rank 0 alone reports.\n",
          fp);
}

enum {
    OPT_THREADS = 300, OPT_SECTORS, OPT_FLOWS_BY_SECTOR, OPT_EEBT, OPT_EEBT_BY_SECTOR, OPT_TCBA,
    OPT_ALL_FLOWS, OPT_ALLOW, OPT_FORCE, OPT_RANK, OPT_RANKS, OPT_YEAR_FROM, OPT_RANKS_PER_TABLE
};

static volatile sig_atomic_t got_signal;

/* First SIGINT/SIGTERM/SIGHUP: ask the batch to stop (the running table is
 * interrupted at its next check and discarded); a second one: what every
 * command does (remove temporaries, die by the signal). */
static void on_signal(int sig)
{
    if (got_signal) {
        emb_results_remove_temporaries();
        signal(sig, SIG_DFL);
        raise(sig);
        return;
    }
    got_signal = sig;
}

static int interrupted(void *user)
{
    (void)user;
    return got_signal != 0;
}

typedef struct cli_state {
    char **why; /* probe results, per input */
    int explain; /* --explain: the solver's reason per table */
    long test_interrupt_table; /* EMBODIED_TEST_INTERRUPT_TABLE, -1 = none */
    int quiet;
    struct group_state *gs; /* --ranks-per-table: this rank's group */
} cli_state;

/* The probe's verdict on table i (cli_probe_h5_many, run before the batch). */
static int check_input(size_t i, const char *path, char *msg, size_t len, void *user)
{
    cli_state *cs = user;
    (void)path;
    if (!cs->why[i])
        return 0;
    snprintf(msg, len, "%s", cs->why[i]);
    return 1;
}

/* Test hook, for tests/test_batch.c only: EMBODIED_TEST_INTERRUPT_TABLE=i
 * raises SIGINT once table i's files are complete in its temporary folder,
 * before it is renamed into place, so an interruption lands at a known point
 * (a timed kill would race the run). */
static void before_commit(size_t i, void *user)
{
    cli_state *cs = user;
    if (cs->test_interrupt_table >= 0 && (size_t)cs->test_interrupt_table == i) {
        fprintf(stderr, "embodied: test hook: raising SIGINT before table %zu is committed\n", i);
        raise(SIGINT);
    }
}

static void after_table(size_t i, const emb_batch_entry *e, void *user)
{
    cli_state *cs = user;
    if (cs->quiet && e->status != EMB_BATCH_FAILED)
        return;
    if (e->status == EMB_BATCH_FAILED)
        fprintf(stderr, "embodied: [%zu] failed: %s\n", i + 1, e->error);
    else if (e->status == EMB_BATCH_SKIPPED)
        fprintf(stderr, "embodied: [%zu] %s: skipped (done earlier, unchanged)\n", i + 1, e->input);
    else if (e->status == EMB_BATCH_DONE)
    {
        fprintf(stderr, "embodied: [%zu] %s: done in %.3f s (%s, residual %.1e, year %ld from %s)\n",
                i + 1, e->input, e->seconds, e->solver, e->residual_solve, e->year,
                e->year_source);
        if (cs->explain && e->explain)
            fprintf(stderr, "embodied: [%zu] solver %s\n", i + 1, e->explain);
    }
}

/* --jobs by default: as many tables at once as there are CPUs (one thread
 * each: measured faster than one table on every CPU for tables up to a few
 * thousand industries, where the factorisation does not keep the CPUs
 * busy), but never more than the tables of this rank, nor more than fit in
 * memory side by side, estimated generously per table as 3 x 8 N^2 + 64 MiB
 * for the largest N (the dense factor, the table's rows, the results; the
 * peak measured at N = 1,960 is 92 MiB).  1 when the probe is off (N
 * unknown). */
static unsigned auto_jobs(const size_t *N, size_t n, const emb_batch_opts *bo)
{
    cpu_set_t cs;
    long cpus = sched_getaffinity(0, sizeof cs, &cs) == 0 ? CPU_COUNT(&cs)
                                                          : sysconf(_SC_NPROCESSORS_ONLN);
    size_t mine = 0, nmax = 0;
    for (size_t i = bo->rank; i < n; i += bo->nranks) {
        mine++;
        if (!N[i])
            return 1;
        if (N[i] > nmax)
            nmax = N[i];
    }
    double per = 3.0 * 8.0 * (double)nmax * (double)nmax + 64.0 * 1048576.0;
    double fit = (double)emb_memory_limit() / per;
    long j = cpus < 1 ? 1 : cpus;
    if ((double)j > fit)
        j = fit < 1 ? 1 : (long)fit;
    if ((size_t)j > mine)
        j = mine ? (long)mine : 1;
    return (unsigned)j;
}

/* A group of ranks solving one table at a time (--ranks-per-table): the
 * group's rank 0 runs the batch and, for each of its tables in order, tells
 * the others whether the table is solved (emb_mpi_agree: EMB_OK, or a
 * failing status for "skipped or failed before its solve"); then every rank
 * says whether it could read it, and all solve it with emb_mpi_accounts.
 * The others only follow (follow()); nothing else crosses ranks. */
typedef struct group_state {
    void *comm;        /* the group's communicator (emb_mpi_split) */
    emb_mpi_opts mo;
    size_t group, groups, next; /* next: the first table not yet announced */
    size_t n;
} group_state;

static void announce_skips(group_state *gs, size_t upto)
{
    for (; gs->next < upto; gs->next += gs->groups) {
        emb_errclear(); /* the status alone says "not solved" */
        emb_mpi_agree(&gs->mo, EMB_EINPUT);
    }
}

static emb_status group_compute(size_t i, const emb_table *t, const emb_accounts_opts *ao,
                                emb_accounts **out, void *user)
{
    group_state *gs = ((cli_state *)user)->gs;
    announce_skips(gs, i);
    gs->next = i + gs->groups;
    if (!t) {
        emb_errclear(); /* the status alone says "not solved" */
        emb_mpi_agree(&gs->mo, EMB_EINPUT);
        return EMB_OK;
    }
    emb_status st = emb_mpi_agree(&gs->mo, EMB_OK); /* solve it */
    if (!st)
        st = emb_mpi_agree(&gs->mo, EMB_OK); /* the others read it too */
    return st ? st : emb_mpi_accounts(t, ao, &gs->mo, out);
}

/* The group's other ranks: each table of the group that rank 0 solves,
 * read and solved together (the accounts stay on rank 0). */
static void follow(group_state *gs, const char *const *inputs, const emb_batch_opts *bo)
{
    for (size_t i = gs->group; i < gs->n; i += gs->groups) {
        if (emb_mpi_agree(&gs->mo, EMB_OK))
            continue;
        emb_table *t = NULL;
        emb_status st = emb_table_read_h5(inputs[i], EMB_READ_DEFAULT, &t);
        for (size_t g = 0; g < bo->n_groups && !st; g++)
            st = emb_table_add_group_spec(t, bo->groups[g]);
        if (!emb_mpi_agree(&gs->mo, st)) {
            emb_accounts *a = NULL;
            emb_mpi_accounts(t, &bo->acc, &gs->mo, &a);
            emb_accounts_free(a);
        }
        emb_table_free(t);
    }
}

/* Exit code <-> status, to agree on one exit status across ranks. */
static emb_status rc_status(int rc)
{
    switch (rc) {
    case EMB_EXIT_OK: return EMB_OK;
    case EMB_EXIT_USAGE: return EMB_EUSAGE;
    case EMB_EXIT_INPUT: return EMB_EINPUT;
    case EMB_EXIT_NUMERIC: return EMB_ENUMERIC;
    case EMB_EXIT_IO: return EMB_EIO;
    case EMB_EXIT_NOMEM: return EMB_ENOMEM;
    case EMB_EXIT_INTERRUPTED: return EMB_EINTERRUPTED;
    default: return EMB_EINTERNAL;
    }
}

static int status_rc(emb_status st)
{
    switch (st) {
    case EMB_OK: return EMB_EXIT_OK;
    case EMB_EUSAGE: return EMB_EXIT_USAGE;
    case EMB_EINPUT: return EMB_EXIT_INPUT;
    case EMB_ENUMERIC: return EMB_EXIT_NUMERIC;
    case EMB_EIO: return EMB_EXIT_IO;
    case EMB_ENOMEM: return EMB_EXIT_NOMEM;
    case EMB_EINTERRUPTED: return EMB_EXIT_INTERRUPTED;
    default: return EMB_EXIT_INTERNAL;
    }
}

/* The options that change a table's results, as the manifest records them
 * (resume redoes a table when they differ). */
static char *options_text(const emb_accounts_opts *ao, const cli_list *groups)
{
    size_t cap = 256;
    for (size_t g = 0; g < groups->n; g++)
        cap += strlen(groups->v[g]) + 8;
    char *s = malloc(cap);
    if (!s)
        return NULL;
    int n = snprintf(s, cap, "solver=%s sectors=%d flows_by_sector=%d eebt=%d eebt_by_sector=%d "
                             "tcba=%d", emb_solver_name(ao->solver.kind), ao->per_sector,
                     ao->flows_by_sector, ao->eebt, ao->eebt_by_sector, ao->tcba);
    for (size_t g = 0; g < groups->n; g++)
        n += snprintf(s + n, cap - (size_t)n, " group=%s", groups->v[g]);
    return s;
}

static int parse_count(const char *opt, const char *arg, unsigned long max, unsigned long *out)
{
    char *end;
    unsigned long v = strtoul(arg, &end, 10);
    if (!*arg || *end || v > max || arg[0] == '-')
        return cli_usage_error("batch", "%s '%s': expected a whole number up to %lu", opt, arg, max);
    *out = v;
    return 0;
}

/* This rank's part of the batch (all of it when serial): the damaged-file
 * probe of its tables, the run under the signal handlers.  Returns an exit
 * code for a failure before the run (message printed), else 0 with *st the
 * run's status and *entries, *n_failed its outcome. */
static int run_part(emb_batch_opts *bo, const char *const *inputs, size_t n, cli_state *cs,
                    int explain, emb_batch_entry **entries, size_t *n_failed, emb_status *st)
{
    int rc;
    *entries = NULL;
    *n_failed = 0;
    *st = EMB_OK;
    /* The damaged-file probe, for this rank's tables, in one child process. */
    if (!(cs->why = calloc(n, sizeof *cs->why)))
        return EMB_EXIT_NOMEM;
    {
        const char **mine = calloc(n, sizeof *mine);
        if (!mine)
            return EMB_EXIT_NOMEM;
        for (size_t i = bo->rank; i < n; i += bo->nranks)
            mine[i] = inputs[i];
        size_t *Ns = calloc(n, sizeof *Ns);
        rc = Ns ? cli_probe_h5_many(mine, n, cs->why, Ns) : EMB_EXIT_NOMEM;
        free((void *)mine);
        if (!rc && !bo->jobs)
            bo->jobs = auto_jobs(Ns, n, bo);
        free(Ns);
        if (rc)
            return rc;
    }
    bo->check_input = check_input;
    bo->before_commit = before_commit;
    bo->after_table = after_table;
    bo->user = cs;
    cs->explain = explain;
    bo->interrupt = interrupted;
    struct sigaction sa, old[3];
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sa.sa_flags = SA_RESTART; /* reads and writes carry on; the batch polls the flag */
    const int sigs[3] = {SIGINT, SIGTERM, SIGHUP};
    for (int s = 0; s < 3; s++)
        sigaction(sigs[s], &sa, &old[s]);
    /* --max-memory (or the machine's memory) is for the whole batch: each of
     * the J tables running at once gets its share. */
    if (bo->jobs > 1)
        bo->memory_limit = emb_memory_limit() / bo->jobs;
    if (!cs->quiet) {
        size_t mine = (n - bo->rank + bo->nranks - 1) / bo->nranks;
        if (bo->threads)
            fprintf(stderr, "embodied: batch: %zu table%s, %u at once, %u thread%s each\n", mine,
                    mine == 1 ? "" : "s", bo->jobs ? bo->jobs : 1, bo->threads,
                    bo->threads == 1 ? "" : "s");
        else
            fprintf(stderr, "embodied: batch: %zu table%s, %u at once, the CPUs divided between "
                            "them\n", mine, mine == 1 ? "" : "s", bo->jobs ? bo->jobs : 1);
    }
    *st = emb_batch_run(inputs, n, bo, entries, n_failed);
    for (int s = 0; s < 3; s++)
        sigaction(sigs[s], &old[s], NULL);
    if (!*entries)
        return cli_fail(*st);
    return 0;
}

/* The summary on stderr and the exit code of a run over the tables of
 * bo->rank. */
static int summarize(const emb_batch_opts *bo, const emb_batch_entry *entries, size_t n,
                     size_t n_failed, emb_status st)
{
    int rc;
    size_t done_n = 0, skipped = 0, pending = 0, mine = 0;
    int first_fail_rc = 0;
    for (size_t i = bo->rank; i < n; i += bo->nranks) {
        mine++;
        if (!entries[i].processed) {
            pending++;
            continue;
        }
        switch (entries[i].status) {
        case EMB_BATCH_DONE: done_n++; break;
        case EMB_BATCH_SKIPPED: skipped++; break;
        case EMB_BATCH_FAILED:
            if (!first_fail_rc) {
                emb_status es = entries[i].error_status ? entries[i].error_status : EMB_EINPUT;
                first_fail_rc = es == EMB_EUSAGE ? EMB_EXIT_INPUT
                              : es == EMB_EINPUT ? EMB_EXIT_INPUT
                              : es == EMB_ENUMERIC ? EMB_EXIT_NUMERIC
                              : es == EMB_EIO ? EMB_EXIT_IO
                              : es == EMB_ENOMEM ? EMB_EXIT_NOMEM : EMB_EXIT_INTERNAL;
            }
            break;
        default: pending++; break;
        }
    }
    if (pending == mine && st != EMB_EINTERRUPTED)
        return cli_fail(st); /* nothing ran: the output folder, the inputs' names */
    fprintf(stderr, "embodied: batch: %zu table%s: %zu done, %zu skipped (done earlier), %zu failed%s"
                    "; manifest in %s/%s\n",
            mine, mine == 1 ? "" : "s", done_n, skipped, n_failed,
            pending ? ", the others not reached (interrupted)" : "", bo->dir,
            bo->nranks > 1 ? "manifest.rank*.csv" : "manifest.csv");
    for (size_t i = bo->rank; i < n; i += bo->nranks)
        if (entries[i].processed && entries[i].status == EMB_BATCH_FAILED)
            fprintf(stderr, "embodied:   failed: %s\n", entries[i].error);
    if (st) {
        rc = cli_fail(st);
        if (st == EMB_EINTERRUPTED && got_signal && got_signal != SIGINT && emb_mpi_size() == 1) {
            /* SIGTERM, SIGHUP: end by the signal, as every command does. */
            int sig = got_signal;
            signal(sig, SIG_DFL);
            raise(sig);
        }
    } else {
        if (bo->nranks == 1)
            fprintf(stderr, "embodied: wrote %s/series.csv%s\n", bo->dir,
                    bo->npairs || bo->all_flows ? " and series_flows.csv" : "");
        rc = first_fail_rc;
    }
    return rc;
}

int cmd_batch(int argc, char **argv)
{
    static const struct option opts[] = {
        {"output", required_argument, NULL, 'o'}, {"jobs", required_argument, NULL, 'j'},
        {"threads", required_argument, NULL, OPT_THREADS},
        {"group", required_argument, NULL, 'g'}, {"sectors", no_argument, NULL, OPT_SECTORS},
        {"flows-by-sector", no_argument, NULL, OPT_FLOWS_BY_SECTOR},
        {"eebt", no_argument, NULL, OPT_EEBT}, {"eebt-by-sector", no_argument, NULL, OPT_EEBT_BY_SECTOR},
        {"tcba", no_argument, NULL, OPT_TCBA}, {"from", required_argument, NULL, 'f'},
        {"to", required_argument, NULL, 't'}, {"all-flows", no_argument, NULL, OPT_ALL_FLOWS},
        {"allow-different-labels", no_argument, NULL, OPT_ALLOW},
        {"force", no_argument, NULL, OPT_FORCE}, {"rank", required_argument, NULL, OPT_RANK},
        {"ranks", required_argument, NULL, OPT_RANKS}, {"quiet", no_argument, NULL, 'q'},
        {"year-from", required_argument, NULL, OPT_YEAR_FROM},
        {"ranks-per-table", required_argument, NULL, OPT_RANKS_PER_TABLE},
        {"help", no_argument, NULL, 'h'}, CLI_SOLVER_LONGOPTS, {NULL, 0, NULL, 0}};
    emb_batch_opts bo = {.nranks = 1};
    cli_list groups = {0}, from = {0}, to = {0};
    cli_state cs = {.test_interrupt_table = -1};
    emb_flow_pair *pairs = NULL;
    emb_batch_entry *entries = NULL;
    char *opt_text = NULL;
    int explain = 0, c, rc = EMB_EXIT_OK, have_rank = 0, have_ranks = 0;
    unsigned long v = 0, G = 1;
    size_t n = 0;
    /* Under mpirun: the ranks and sizes come from MPI, and rank 0 alone
     * reports (usage errors are the same on every rank). */
    const size_t P = (size_t)emb_mpi_size(), R = (size_t)emb_mpi_rank();
    const int mpi = P > 1;
    group_state gs = {0};
    int follower = 0;
    if (mpi)
        cli_mpi_quiet_others();
    while ((c = getopt_long(argc, argv, ":o:j:g:f:t:qh", opts, NULL)) != -1) {
        switch (c) {
        case 'o': bo.dir = optarg; break;
        case 'j':
            if ((rc = parse_count("--jobs", optarg, 1024, &v)))
                goto done;
            if (v == 0) {
                rc = cli_usage_error("batch", "--jobs 0: expected at least 1");
                goto done;
            }
            bo.jobs = (unsigned)v;
            break;
        case OPT_THREADS:
            if ((rc = parse_count("--threads", optarg, 4096, &v)))
                goto done;
            bo.threads = (unsigned)v;
            break;
        case 'g': cli_list_push(&groups, optarg); break;
        case OPT_SECTORS: bo.acc.per_sector = 1; break;
        case OPT_FLOWS_BY_SECTOR: bo.acc.flows_by_sector = 1; break;
        case OPT_EEBT: bo.acc.eebt = 1; break;
        case OPT_EEBT_BY_SECTOR: bo.acc.eebt = bo.acc.eebt_by_sector = 1; break;
        case OPT_TCBA: bo.acc.tcba = 1; break;
        case 'f': cli_list_push(&from, optarg); break;
        case 't': cli_list_push(&to, optarg); break;
        case OPT_ALL_FLOWS: bo.all_flows = 1; break;
        case OPT_ALLOW: bo.allow_different_labels = 1; break;
        case OPT_FORCE: bo.force = 1; break;
        case OPT_RANK:
            if ((rc = parse_count("--rank", optarg, 1000000, &v)))
                goto done;
            bo.rank = v, have_rank = 1;
            break;
        case OPT_RANKS:
            if ((rc = parse_count("--ranks", optarg, 1000000, &v)))
                goto done;
            if (v == 0) {
                rc = cli_usage_error("batch", "--ranks 0: expected at least 1");
                goto done;
            }
            bo.nranks = v, have_ranks = 1;
            break;
        case OPT_RANKS_PER_TABLE:
            if ((rc = parse_count("--ranks-per-table", optarg, 1000000, &G)))
                goto done;
            if (G == 0) {
                rc = cli_usage_error("batch", "--ranks-per-table 0: expected at least 1");
                goto done;
            }
            break;
        case OPT_YEAR_FROM:
            if (!strcmp(optarg, "auto"))
                bo.year_from = 0;
            else if (!strcmp(optarg, "name"))
                bo.year_from = 1;
            else if (!strcmp(optarg, "index"))
                bo.year_from = 2;
            else {
                rc = cli_usage_error("batch", "--year-from '%s': expected auto, name or index",
                                     optarg);
                goto done;
            }
            break;
        case 'q': cs.quiet = 1; break;
        case 'h': usage(stdout); goto done;
        default:
            if ((rc = cli_solver_option("batch", c, optarg, &bo.acc.solver, &explain)) == 0)
                break;
            if (rc < 0)
                rc = cli_option_error("batch", c, argc, argv, opts);
            goto done;
        }
    }
    if (!bo.dir) {
        rc = cli_usage_error("batch", "-o DIR is required");
        goto done;
    }
    if (optind >= argc) {
        rc = cli_usage_error("batch", "expected at least one TABLE");
        goto done;
    }
    if (have_rank != have_ranks || bo.rank >= bo.nranks) {
        rc = cli_usage_error("batch", "--rank R and --ranks P go together, with 0 <= R < P");
        goto done;
    }
    if (mpi && have_rank) {
        rc = cli_usage_error("batch", "--rank/--ranks: under mpirun the ranks come from MPI "
                                      "(%zu ranks); give them only to job arrays", P);
        goto done;
    }
    if (G > 1 && (!mpi || P % G)) {
        rc = cli_usage_error("batch", "--ranks-per-table %lu: expected mpirun -np P with P a "
                                      "multiple of %lu (%zu rank%s here)", G, G, P,
                             P == 1 ? "" : "s");
        goto done;
    }
    if (G > 1 && bo.acc.solver.kind != EMB_SOLVER_AUTO &&
        bo.acc.solver.kind != EMB_SOLVER_SCALAPACK) {
        rc = cli_usage_error("batch", "--ranks-per-table %lu: the groups solve with the scalapack "
                                      "solver, not %s", G, emb_solver_name(bo.acc.solver.kind));
        goto done;
    }
    if (G <= 1 && bo.acc.solver.kind == EMB_SOLVER_SCALAPACK) {
        rc = cli_usage_error("batch", "--solver scalapack: give mpirun -np P embodied batch "
                                      "--ranks-per-table G (G ranks per table)");
        goto done;
    }
    if (G > 1)
        bo.acc.solver.kind = EMB_SOLVER_SCALAPACK; /* recorded in the options (resume key) */
    if (mpi) {
        bo.nranks = P / G;
        bo.rank = R / G;
    }
    if (from.n != to.n) {
        rc = cli_usage_error("batch", "every --from needs a --to (%zu --from, %zu --to)", from.n,
                             to.n);
        goto done;
    }
    if (from.n && !(pairs = calloc(from.n, sizeof *pairs))) {
        rc = EMB_EXIT_NOMEM;
        goto done;
    }
    for (size_t p = 0; p < from.n; p++)
        pairs[p] = (emb_flow_pair){from.v[p], to.v[p]};
    bo.pairs = pairs;
    bo.npairs = from.n;
    for (size_t g = 0; g < groups.n; g++)
        if (!strchr(groups.v[g], '=')) {
            rc = cli_usage_error("batch", "--group '%s': expected NAME=R1,R2,...", groups.v[g]);
            goto done;
        }
    bo.groups = groups.v;
    bo.n_groups = groups.n;
    if (!(opt_text = options_text(&bo.acc, &groups))) {
        rc = EMB_EXIT_NOMEM;
        goto done;
    }
    bo.options_text = opt_text;
    const char *env = getenv("EMBODIED_TEST_INTERRUPT_TABLE");
    if (env && *env) {
        if ((rc = parse_count("EMBODIED_TEST_INTERRUPT_TABLE", env, 1000000, &v)))
            goto done;
        cs.test_interrupt_table = (long)v;
    }
    struct stat dsb;
    if (lstat(bo.dir, &dsb) == 0 && !S_ISDIR(dsb.st_mode)) {
        rc = cli_usage_error("batch", "-o %s: exists and is not a folder (the batch writes a "
                                      "folder per table there)", bo.dir);
        goto done;
    }
    n = (size_t)(argc - optind);
    const char *const *inputs = (const char *const *)(argv + optind);
    for (size_t i = 0; i < n; i++) {
        cli_note_input(inputs[i]);
        /* a FIFO or a device would block the probe and the reader */
        if ((rc = cli_check_input_type(inputs[i], "the table")))
            goto done;
    }
    if (G > 1) {
        emb_status sst = emb_mpi_split((int)G, &gs.comm, &(int){0}, &(int){0});
        if (sst) { /* the same on every rank */
            rc = cli_fail(sst);
            goto done;
        }
        gs.mo.comm = gs.comm;
        gs.group = bo.rank;
        gs.groups = bo.nranks;
        gs.next = bo.rank;
        gs.n = n;
        follower = R % G != 0;
        bo.jobs = 1; /* one table at a time per group, in order */
        bo.compute = group_compute;
        cs.gs = &gs;
    }
    size_t n_failed = 0;
    emb_status st = EMB_OK;
    if (follower) {
        follow(&gs, inputs, &bo);
        rc = 0;
    } else {
        rc = run_part(&bo, inputs, n, &cs, explain, &entries, &n_failed, &st);
        if (gs.comm)
            announce_skips(&gs, n); /* the tables the run did not reach */
        if (!rc && !(mpi && bo.nranks > 1))
            rc = summarize(&bo, entries, n, n_failed, st);
    }
    if (mpi && bo.nranks > 1) {
        /* Every part is in its manifest: all ranks meet here, then rank 0
         * merges the parts and writes the series (the job array's final run). */
        emb_status mine = rc ? rc_status(rc) : st;
        for (size_t i = bo.rank; !follower && !mine && entries && i < n; i += bo.nranks)
            if (entries[i].processed && entries[i].status == EMB_BATCH_FAILED)
                mine = entries[i].error_status ? entries[i].error_status : EMB_EINPUT;
        emb_status all = emb_mpi_agree(NULL, mine);
        if (R == 0) {
            if (all == EMB_EINTERRUPTED) {
                rc = cli_fail(all);
            } else {
                emb_batch_entries_free(entries, n);
                entries = NULL;
                emb_batch_opts fin = bo;
                fin.rank = 0;
                fin.nranks = 1;
                fin.merge_ranks = bo.nranks;
                fin.jobs = 1;
                fin.check_input = NULL;
                fin.before_commit = NULL;
                fin.compute = NULL;
                char *msg = all ? strdup(emb_errmsg()) : NULL;
                if (!cs.quiet)
                    fprintf(stderr, "embodied: batch: the %zu parts done; merging their "
                                    "manifests\n", bo.nranks);
                n_failed = 0;
                st = emb_batch_run(inputs, n, &fin, &entries, &n_failed);
                rc = summarize(&fin, entries, n, n_failed, st);
                /* The manifest keeps a failed table's message, not its class:
                 * the exit status is the class the failing rank agreed (its
                 * first failed table's, as a serial batch reports). */
                if (!st && rc && all && all != EMB_EINTERRUPTED)
                    rc = status_rc(all == EMB_EUSAGE ? EMB_EINPUT : all);
                /* a part that failed as a whole (its manifest, its folder) */
                if (!rc && all) {
                    fprintf(stderr, "embodied: %s\n", msg ? msg : emb_strerror(all));
                    rc = status_rc(all);
                }
                free(msg);
            }
        }
    }
    if (mpi) { /* every rank exits with rank 0's status */
        emb_status r0 = R == 0 ? rc_status(rc) : EMB_OK;
        emb_errclear(); /* the status is the message (the other ranks are silent) */
        emb_status all = emb_mpi_agree(NULL, r0);
        if (R != 0)
            rc = status_rc(all);
    }
done:
    if (gs.comm)
        emb_mpi_comm_free(gs.comm);
    if (cs.why)
        for (size_t i = 0; i < n; i++)
            free(cs.why[i]);
    free(cs.why);
    emb_batch_entries_free(entries, n);
    free(pairs);
    free(opt_text);
    cli_list_free(&groups);
    cli_list_free(&from);
    cli_list_free(&to);
    return rc;
}
