/* src/cli/cli_util.c — exit codes, messages, table loading and data warnings
 * shared by the subcommands. */
#define _XOPEN_SOURCE 700 /* realpath */
#include "cli/cli.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

int cli_fail(emb_status st)
{
    const char *m = emb_errmsg();
    fprintf(stderr, "embodied: %s\n", m && *m ? m : emb_strerror(st));
    switch (st) {
    case EMB_OK: return EMB_EXIT_OK;
    case EMB_EUSAGE: return EMB_EXIT_USAGE;
    case EMB_EINPUT: return EMB_EXIT_INPUT;
    case EMB_ENUMERIC: return EMB_EXIT_NUMERIC;
    case EMB_EIO: return EMB_EXIT_IO;
    case EMB_ENOMEM: return EMB_EXIT_NOMEM;
    case EMB_EINTERRUPTED: return EMB_EXIT_INTERRUPTED;
    case EMB_EINTERNAL: break;
    }
    return EMB_EXIT_INTERNAL;
}

int cli_usage_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("embodied: ", stderr);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    if (cmd) /* NULL: a setting of no subcommand (an environment variable) */
        fprintf(stderr, "\nTry 'embodied %s --help'.\n", cmd);
    else
        fputc('\n', stderr);
    return EMB_EXIT_USAGE;
}

static int is_file(const char *p)
{
    struct stat sb;
    return p && stat(p, &sb) == 0 && S_ISREG(sb.st_mode);
}

const char *cli_demo_path(void)
{
    static char buf[4096];
    const char *env = getenv("EMBODIED_DEMO");
    if (env && *env)
        return env;
    /* Relative to the executable first, so a DESTDIR install or a moved prefix
     * finds its own copy: <exe>/../datasets/demo.h5 (a build dir inside the
     * source tree), <exe>/../<datadir>/embodied/demo.h5 (installed). */
    char exe[4000];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n > 0) {
        exe[n] = '\0';
        char *slash = strrchr(exe, '/');
        if (slash) {
            *slash = '\0';
#ifdef EMB_DATADIR_REL
            static const char *const rel[] = {"../datasets/demo.h5", "../" EMB_DATADIR_REL "/demo.h5",
                                              "../share/embodied/demo.h5"};
#else
            static const char *const rel[] = {"../datasets/demo.h5", "../share/embodied/demo.h5"};
#endif
            for (size_t i = 0; i < sizeof rel / sizeof rel[0]; i++) {
                char cand[8192];
                snprintf(cand, sizeof cand, "%s/%s", exe, rel[i]);
                if (is_file(cand) && realpath(cand, buf))
                    return buf;
            }
        }
    }
#ifdef EMB_DATADIR
    /* The configured <prefix>/<datadir>/embodied (the binary copied elsewhere). */
    if (is_file(EMB_DATADIR "/demo.h5"))
        return EMB_DATADIR "/demo.h5";
#endif
    /* Last: the source tree this binary was built from (a build dir outside it). */
#ifdef EMB_DEMO_PATH
    if (is_file(EMB_DEMO_PATH))
        return EMB_DEMO_PATH;
#endif
    return NULL;
}

/* libhdf5 1.10 (Debian 12) can crash or loop inside its own code on a
 * damaged file (global heaps of variable-length strings: tests/fuzz/known/
 * has such files), before embodied can check anything.  So the CLI first
 * reads the table (labels, attributes, Y, F, x; T stays in the file) in a
 * child process with a time limit: a crash or a hang there becomes an input
 * error naming the file, and the real read happens only after the child
 * finished.  One extra open and read of the small datasets; the library
 * itself never forks.  EMBODIED_HDF5_PROBE_SECONDS sets the limit (default
 * 120; 0 turns the probe off). */
static int probe_seconds(unsigned *secs)
{
    *secs = 120;
    const char *env = getenv("EMBODIED_HDF5_PROBE_SECONDS");
    if (env && *env) {
        char *end;
        unsigned long v = strtoul(env, &end, 10);
        if (*end || v > 86400)
            return cli_usage_error(NULL, "EMBODIED_HDF5_PROBE_SECONDS='%s': expected 0 to 86400",
                                   env);
        *secs = (unsigned)v;
    }
    return 0;
}

static int probe_h5(const char *path)
{
    unsigned secs;
    int rc = probe_seconds(&secs);
    if (rc || secs == 0)
        return rc;
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0)
        return 0; /* no probe possible: read directly */
    if (pid == 0) {
        alarm(secs);
        emb_table *t = NULL;
        emb_status st = emb_table_read_h5(path, EMB_READ_DEFAULT, &t);
        emb_table_free(t);
        _exit(st ? 1 : 0); /* no exit handlers: they belong to the parent */
    }
    int status = 0;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            return 0;
    if (!WIFSIGNALED(status))
        return 0; /* read, or refused: the real read gives the message */
    int sig = WTERMSIG(status);
    if (sig == SIGALRM)
        fprintf(stderr, "embodied: %s: the HDF5 library did not finish reading the file's labels "
                        "and small datasets within %u s: the file is damaged (README, \"Known "
                        "limits\")\n", path, secs);
    else
        fprintf(stderr, "embodied: %s: the HDF5 library crashed (signal %d, %s) reading the "
                        "file's labels and small datasets: the file is damaged (README, \"Known "
                        "limits\")\n", path, sig, strsignal(sig));
    return EMB_EXIT_INPUT;
}

int cli_load_table(const char *path, int flags, const char *const *groups, size_t n_groups,
                   emb_table **out)
{
    *out = NULL;
    if (!path) {
        path = cli_demo_path();
        if (!path) {
            fprintf(stderr, "embodied: no FILE given and the demo table datasets/demo.h5 was not "
                            "found (set EMBODIED_DEMO)\n");
            return EMB_EXIT_USAGE;
        }
        fprintf(stderr, "embodied: no FILE given: using the illustrative demo table %s\n", path);
    }
    int rc = probe_h5(path);
    if (rc)
        return rc;
    emb_table *t = NULL;
    emb_status st = emb_table_read_h5(path, flags, &t);
    if (st)
        return cli_fail(st);
    for (size_t g = 0; g < n_groups; g++)
        if ((st = emb_table_add_group_spec(t, groups[g]))) {
            emb_table_free(t);
            return cli_fail(st);
        }
    *out = t;
    return 0;
}

void cli_warn_facts(const emb_table *t, const emb_accounts *a)
{
    if (a->n_zero_output_emitting) {
        for (size_t s = 0; s < a->k; s++) {
            double u = 0;
            for (size_t r = 0; r < a->n_r; r++)
                u += a->unallocated[s * a->n_r + r];
            if (u != 0)
                fprintf(stderr, "embodied: warning: %zu sector(s) have zero output but emit %.6g %s "
                                "of %s: reported as 'unallocated' (not in PBA/CBA; pymrio drops it)\n",
                        a->n_zero_output_emitting, u, t->stressor_units[s], t->stressors[s]);
        }
        /* The first few, so that a large table does not flood the terminal;
         * all of them are in the results ('unallocated', per region). */
        size_t shown = 0, more = 0;
        for (size_t i = 0; i < a->N; i++) {
            if (a->x[i] > 0)
                continue;
            for (size_t s = 0; s < a->k; s++)
                if (t->F[s * a->N + i] != 0) {
                    if (shown++ >= 10) {
                        more++;
                        continue;
                    }
                    fprintf(stderr, "embodied:   %s/%s: x = 0, %s = %.6g %s\n",
                            t->regions[i / a->n_s], t->sectors[i % a->n_s], t->stressors[s],
                            t->F[s * a->N + i], t->stressor_units[s]);
                }
        }
        if (more)
            fprintf(stderr, "embodied:   ... and %zu more (sector, stressor) pairs\n", more);
    }
    if (a->solver.n_colsum_ge1) {
        size_t w = a->solver.worst_column;
        fprintf(stderr, "embodied: warning: %zu column(s) of A sum to >= 1 (inputs cost at least "
                        "the output: negative value added), largest %s/%s %.6g; the economy is "
                        "still productive\n", a->solver.n_colsum_ge1, t->regions[w / a->n_s],
                t->sectors[w % a->n_s], a->solver.max_colsum_A);
    }
    if (a->rcond > 0 && a->rcond < 1e-8)
        fprintf(stderr, "embodied: warning: I - A is ill-conditioned (reciprocal condition "
                        "estimate %.2e): results may lose up to %.0f significant digits\n",
                a->rcond, -log10(a->rcond));
    if (a->n_negative_x)
        fprintf(stderr, "embodied: note: %zu sector(s) have x = Z 1 + Y 1 < 0 but buy no inputs "
                        "(an inventory drawdown of a sector that does not produce): treated as zero "
                        "output\n", a->n_negative_x);
    if (a->n_negative_Y)
        fprintf(stderr, "embodied: note: %zu negative final-demand entries (inventory changes) "
                        "- valid, kept\n", a->n_negative_Y);
}

int cli_select_stressors(const emb_table *t, const char *const *names, size_t n_names, size_t *idx,
                         size_t *n_idx)
{
    if (n_names == 0) {
        for (size_t s = 0; s < t->k; s++)
            idx[s] = s;
        *n_idx = t->k;
        return 0;
    }
    for (size_t i = 0; i < n_names; i++) {
        long s = emb_table_stressor_index(t, names[i]);
        if (s < 0) {
            fprintf(stderr, "embodied: %s: unknown or ambiguous stressor '%s'; stressors are:",
                    t->path, names[i]);
            for (size_t j = 0; j < t->k && j < 20; j++)
                fprintf(stderr, " %s", t->stressors[j]);
            fprintf(stderr, "%s\n", t->k > 20 ? " ..." : "");
            return EMB_EXIT_USAGE;
        }
        idx[i] = (size_t)s;
    }
    *n_idx = n_names;
    return 0;
}

int cli_list_push(cli_list *l, const char *s)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 8;
        const char **v = realloc((void *)l->v, cap * sizeof *v);
        if (!v)
            return -1;
        l->v = v;
        l->cap = cap;
    }
    l->v[l->n++] = s;
    return 0;
}

void cli_list_free(cli_list *l)
{
    free((void *)l->v);
    l->v = NULL;
    l->n = l->cap = 0;
}

/* Progress bar on stderr, only when stderr is a terminal and the file is
 * large enough for waiting to be noticeable.  One line, redrawn in place. */
#define PROGRESS_MIN_BYTES (8ull << 20)
static int progress_drawn;

void cli_progress(void *ctx, const char *what, unsigned long long done, unsigned long long total)
{
    (void)ctx;
    static int tty = -1;
    if (tty < 0)
        tty = isatty(STDERR_FILENO);
    if (!tty || total < PROGRESS_MIN_BYTES)
        return;
    int width = 30, fill = total ? (int)((double)done / (double)total * width) : 0;
    if (fill > width)
        fill = width;
    const char *base = strrchr(what, '/');
    fprintf(stderr, "\r  %-28.28s [%.*s%*s] %5.1f%% %8.1f MiB", base ? base + 1 : what, fill,
            "##############################", width - fill, "",
            total ? 100.0 * (double)done / (double)total : 0.0, (double)done / 1048576.0);
    if (done >= total)
        fputc('\n', stderr);
    progress_drawn = done < total;
    fflush(stderr);
}

void cli_progress_end(void)
{
    if (progress_drawn)
        fputc('\n', stderr);
    progress_drawn = 0;
}

/* --max-memory SIZE: one parser for every subcommand (emb_memory_parse:
 * case-insensitive units, an error on overflow), and a warning when the
 * limit is above what the machine has, since the limit then protects
 * nothing. */
int cli_memory_option(const char *cmd, const char *arg)
{
    size_t v;
    if (emb_memory_parse(arg, &v))
        return cli_usage_error(cmd, "--max-memory: %s", emb_errmsg());
    size_t phys = emb_memory_physical();
    if (phys != SIZE_MAX && v > phys)
        fprintf(stderr, "embodied: warning: --max-memory %s exceeds the machine's memory (%.1f GiB): "
                        "plans are checked against it, but a run may still exhaust memory\n",
                arg, (double)phys / 1073741824.0);
    /* The solver's own max_memory stays 0: it follows this limit. */
    emb_set_memory_limit(v);
    return 0;
}

int cli_solver_option(const char *cmd, int code, const char *arg, emb_solver_opts *so,
                      int *explain)
{
    switch (code) {
    case CLI_OPT_SOLVER: {
        emb_status st = emb_solver_parse(arg, &so->kind);
        return st ? cli_usage_error(cmd, "%s", emb_errmsg()) : 0;
    }
    case CLI_OPT_EXPLAIN: *explain = 1; return 0;
    case CLI_OPT_MAX_MEMORY: return cli_memory_option(cmd, arg);
    default: return -1;
    }
}

void cli_report_solver(const emb_solver_stats *ss, int explain)
{
    if (explain || ss->fell_back)
        fprintf(stderr, "embodied: solver %s\n", ss->explain);
    if (explain && ss->kind == EMB_SOLVER_MIXED)
        fprintf(stderr, "embodied: mixed precision: %zu refinement step(s) at most, %zu passes "
                        "over the table\n", ss->refinement_steps, ss->n_passes);
    if (explain && ss->kind == EMB_SOLVER_SPARSE)
        fprintf(stderr, "embodied: sparse: %zu GMRES passes at most for a right-hand side, %zu "
                        "passes over the trade part of A in all\n", ss->refinement_steps,
                ss->n_passes);
}

#define CLI_MAX_INPUTS 1024 /* a batch notes every table */
static const char *inputs[CLI_MAX_INPUTS];
static size_t n_inputs;

void cli_note_input(const char *path)
{
    if (n_inputs < CLI_MAX_INPUTS)
        inputs[n_inputs++] = path ? path : cli_demo_path();
}

/* Is the existing output `path` the input `in` (same device and inode), or a
 * file inside it when `in` is a folder? */
static int clashes_with_input(const char *path, const char *in)
{
    struct stat so, si;
    if (!in || stat(in, &si) != 0)
        return 0;
    if (stat(path, &so) != 0)
        return 0; /* a new file replaces nothing */
    if (so.st_dev == si.st_dev && so.st_ino == si.st_ino)
        return 1;
    if (!S_ISDIR(si.st_mode))
        return 0;
    /* An existing file in an input folder (or below it) is one of the
     * inputs an importer reads (Z.csv of a CSV folder). */
    char dir[4096], rin[PATH_MAX], rdir[PATH_MAX];
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    if (!slash)
        snprintf(dir, sizeof dir, ".");
    else if (slash == dir)
        dir[1] = '\0';
    else
        *slash = '\0';
    if (!realpath(in, rin) || !realpath(dir, rdir))
        return 0;
    size_t n = strlen(rin);
    return strncmp(rdir, rin, n) == 0 && (rdir[n] == '\0' || rdir[n] == '/' || n == 1);
}

int cli_check_output(const char *cmd, const char *path, int force)
{
    struct stat sb;
    if (!path)
        return 0;
    for (size_t i = 0; i < n_inputs; i++)
        if (clashes_with_input(path, inputs[i]))
            return cli_usage_error(cmd, "%s: the output is the input %s or a file inside it; "
                                        "choose another output (refused even with --force)",
                                   path, inputs[i]);
    if (lstat(path, &sb) != 0)
        return 0;
    if (S_ISDIR(sb.st_mode))
        return 0; /* the writer says it is a directory */
    if (!S_ISREG(sb.st_mode))
        return cli_usage_error(cmd, "%s: exists and is not a regular file (%s); only regular files "
                                    "are replaced, even with --force", path,
                               S_ISLNK(sb.st_mode) ? "a symbolic link" : S_ISFIFO(sb.st_mode) ? "a FIFO"
                               : S_ISCHR(sb.st_mode) || S_ISBLK(sb.st_mode) ? "a device" : "special");
    if (force)
        return 0;
    fprintf(stderr, "embodied: %s: output exists; not overwritten without --force\n", path);
    fprintf(stderr, "Try 'embodied %s --help'.\n", cmd);
    return EMB_EXIT_USAGE;
}

/* The probe of probe_h5 for many tables in one child process (a batch):
 * the child says which table it starts before reading it, so when it dies
 * the parent knows the culprit, marks it and starts a new child after it. */
int cli_probe_h5_many(const char *const *paths, size_t n, char **why, size_t *N)
{
    unsigned secs;
    int rc = probe_seconds(&secs);
    for (size_t i = 0; i < n; i++) {
        why[i] = NULL;
        if (N)
            N[i] = 0;
    }
    if (rc || secs == 0)
        return rc;
    for (size_t from = 0; from < n;) {
        int fds[2];
        fflush(NULL);
        if (pipe(fds) != 0)
            return 0;
        pid_t pid = fork();
        if (pid < 0) {
            close(fds[0]);
            close(fds[1]);
            return 0; /* no probe possible: read directly */
        }
        if (pid == 0) {
            close(fds[0]);
            for (size_t i = from; i < n; i++) {
                if (!paths[i])
                    continue;
                size_t msg[2] = {i, 0}; /* starting table i; then its N once read */
                if (write(fds[1], msg, sizeof msg) != (ssize_t)sizeof msg)
                    _exit(2);
                alarm(secs);
                emb_table *t = NULL;
                if (emb_table_read_h5(paths[i], EMB_READ_DEFAULT, &t) == EMB_OK) {
                    msg[1] = t->N;
                    if (write(fds[1], msg, sizeof msg) != (ssize_t)sizeof msg)
                        _exit(2);
                }
                emb_table_free(t);
            }
            _exit(0);
        }
        close(fds[1]);
        size_t last = n, got[2];
        while (read(fds[0], got, sizeof got) == (ssize_t)sizeof got) {
            last = got[0];
            if (N && last < n)
                N[last] = got[1];
        }
        close(fds[0]);
        int status = 0;
        while (waitpid(pid, &status, 0) < 0)
            if (errno != EINTR)
                return 0;
        if (!WIFSIGNALED(status) || last >= n)
            return 0;
        int sig = WTERMSIG(status);
        char msg[1024];
        if (sig == SIGALRM)
            snprintf(msg, sizeof msg, "%s: the HDF5 library did not finish reading the file's "
                                      "labels and small datasets within %u s: the file is damaged "
                                      "(README, \"Known limits\")", paths[last], secs);
        else
            snprintf(msg, sizeof msg, "%s: the HDF5 library crashed (signal %d, %s) reading the "
                                      "file's labels and small datasets: the file is damaged "
                                      "(README, \"Known limits\")", paths[last], sig, strsignal(sig));
        why[last] = strdup(msg);
        from = last + 1;
    }
    return 0;
}
