/* src/cli/cli_util.c — exit codes, messages, table loading and data warnings
 * shared by the subcommands. */
#define _XOPEN_SOURCE 700 /* realpath */
#include "cli/cli.h"
#include "core/names.h" /* emb_name_distance: "did you mean" */

#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <unistd.h>

int cli_fail(emb_status st)
{
    /* A commit undone by a signal: main says "interrupted" once and ends
     * the process by that signal. */
    if (st == EMB_EINTERRUPTED && cli_caught_signal)
        return EMB_EXIT_INTERRUPTED;
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
    /* One line, as every message (README "Exit codes and messages"):
     * "embodied CMD: what; try 'embodied CMD --help'". */
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "embodied%s%s: ", cmd && *cmd ? " " : "", cmd ? cmd : "");
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    if (cmd) /* NULL: a setting of no subcommand (an environment variable) */
        fprintf(stderr, "; try 'embodied %s%s--help'\n", cmd, *cmd ? " " : "");
    else
        fputc('\n', stderr);
    return EMB_EXIT_USAGE;
}

/* The long option `word` ("--name" or "--name=value") names: the index of
 * the option it spells or abbreviates uniquely, -1 when none, -2 when it
 * abbreviates several (their names in amb). */
static int long_option(const char *word, const struct option *opts, char *amb, size_t cap)
{
    size_t len = strcspn(word + 2, "="), n = 0, used = 0;
    int hit = -1;
    amb[0] = '\0';
    for (int i = 0; opts[i].name; i++) {
        if (strncmp(opts[i].name, word + 2, len) != 0)
            continue;
        if (strlen(opts[i].name) == len)
            return i; /* exact */
        hit = i, n++;
        int w = snprintf(amb + used, cap - used, "%s--%s", used ? ", " : "", opts[i].name);
        if (w > 0 && (size_t)w < cap - used)
            used += (size_t)w;
    }
    return n == 1 ? hit : n > 1 ? -2 : -1;
}

int cli_option_error(const char *cmd, int c, int argc, char **argv, const struct option *opts)
{
    /* glibc leaves optind past a long option it rejected (and past a short
     * option ending its argv word); optopt is 0 for an unknown long option,
     * the option's code for a long option with a wrong argument. */
    const char *word = optind > 0 && optind <= argc ? argv[optind - 1] : "";
    int is_long = word[0] == '-' && word[1] == '-' && word[2];
    char amb[512];
    int len = (int)strcspn(is_long ? word + 2 : "", "=");
    if (is_long) {
        int i = long_option(word, opts, amb, sizeof amb);
        if (c == ':' && i >= 0)
            return cli_usage_error(cmd, "option '--%s' requires an argument", opts[i].name);
        if (i == -2)
            return cli_usage_error(cmd, "ambiguous option '--%.*s' (%s)", len, word + 2, amb);
        if (i >= 0 && (optopt == 0 || optopt == opts[i].val) && opts[i].has_arg == no_argument)
            return cli_usage_error(cmd, "option '--%s' takes no argument", opts[i].name);
        if (i < 0 && optopt == 0) {
            /* a typo of a real option ("--stresor"): say which */
            char typed[128];
            snprintf(typed, sizeof typed, "%.*s", len, word + 2);
            int best = -1;
            size_t bd = (size_t)-1;
            for (int j = 0; opts[j].name; j++) {
                size_t d = emb_name_distance(typed, opts[j].name);
                if (d < bd)
                    bd = d, best = j;
            }
            if (best >= 0 && bd <= (strlen(typed) >= 4 ? 2 : 1))
                return cli_usage_error(cmd, "unknown option '--%s' (did you mean '--%s'?)", typed,
                                       opts[best].name);
            return cli_usage_error(cmd, "unknown option '--%s'", typed);
        }
    }
    /* A short option: optopt is its letter. */
    if (c == ':')
        return cli_usage_error(cmd, "option '-%c' requires an argument", optopt);
    if (optopt > 32 && optopt < 127)
        return cli_usage_error(cmd, "unknown option '-%c'", optopt);
    return cli_usage_error(cmd, "unknown option (byte 0x%02x)", (unsigned)optopt & 0xffu);
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
    struct stat sb;
    if (stat(path, &sb) != 0 || !S_ISREG(sb.st_mode))
        return 0; /* missing, a folder, a FIFO: the reader says so at once (a FIFO would block) */
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0)
        return 0; /* no probe possible: read directly */
    if (pid == 0) {
        /* The parent handles the signals (and says so once). */
        signal(SIGINT, SIG_DFL), signal(SIGTERM, SIG_DFL), signal(SIGHUP, SIG_DFL),
            signal(SIGQUIT, SIG_DFL);
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
    char phase[200];
    const char *base = strrchr(path, '/');
    snprintf(phase, sizeof phase, "reading %s", base ? base + 1 : path);
    cli_phase_begin(phase); /* only where a command asked for progress */
    emb_status st = emb_table_read_h5_ctx(path, flags, cli_progress_context_if_any(), &t);
    cli_phase_end();
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
    /* The facts as the library words them (the same text goes into the
     * results' attribute `warnings`), then the sectors behind 'unallocated'. */
    char buf[4096];
    size_t len = emb_accounts_warnings(a, t, buf, sizeof buf);
    for (const char *l = buf; *l;) {
        const char *e = strchr(l, '\n');
        int n = e ? (int)(e - l) : (int)strlen(l);
        fprintf(stderr, "embodied: %.*s\n", n, l);
        l += n + (e != NULL);
    }
    if (len >= sizeof buf)
        fputs("embodied: ... (more facts in the results' attribute warnings)\n", stderr);
    if (a->n_zero_output_emitting) {
        /* The first few, so that a large table does not flood the terminal;
         * all of them are in the results ('unallocated', per region). */
        size_t shown = 0, more = 0;
        for (size_t i = 0; i < a->N; i++) {
            if (a->x[i] > 0)
                continue;
            for (size_t q = 0; q < a->k; q++) {
                size_t s = emb_accounts_stressor_index(a, q);
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
        }
        if (more)
            fprintf(stderr, "embodied:   ... and %zu more (sector, stressor) pairs\n", more);
    }
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
        /* exact, then ignoring case, then a unique prefix or substring
         * (emb_table_find_stressor): -s co2 finds co2/CO2/air */
        emb_status st = emb_table_find_stressor(t, names[i], &idx[i]);
        if (st)
            return cli_fail(st);
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
    char size[32];
    fprintf(stderr, "\r  %-28.28s [%.*s%*s] %5.1f%% %10s", base ? base + 1 : what, fill,
            "##############################", width - fill, "",
            total ? 100.0 * (double)done / (double)total : 0.0,
            emb_fmt_bytes((double)done, size, sizeof size));
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
    {
        char b[32];
        fprintf(stderr, "embodied: warning: --max-memory %s exceeds the machine's memory (%s): "
                        "plans are checked against it, but a run may still exhaust memory\n",
                arg, emb_fmt_bytes((double)phys, b, sizeof b));
    }
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

/* The directory part of path ("." for a bare name, "/" for a name in /). */
static void parent_dir(const char *path, char *dir, size_t cap)
{
    snprintf(dir, cap, "%s", path);
    char *slash = strrchr(dir, '/');
    if (!slash)
        snprintf(dir, cap, ".");
    else if (slash == dir)
        dir[1] = '\0';
    else
        *slash = '\0';
}

/* The directory that will hold path exists and is writable: 0, or the I/O
 * exit code with the message the writer would give after the work. */
static int check_parent(const char *path)
{
    char dir[4096];
    parent_dir(path, dir, sizeof dir);
    struct stat sb;
    if (stat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
        fprintf(stderr, "embodied: %s: cannot write: directory %s does not exist\n", path, dir);
        return EMB_EXIT_IO;
    }
    if (access(dir, W_OK | X_OK) != 0) {
        fprintf(stderr, "embodied: %s: cannot write in directory %s: %s\n", path, dir,
                strerror(errno));
        return EMB_EXIT_IO;
    }
    return 0;
}

int cli_check_output(const char *cmd, const char *path, int force)
{
    struct stat sb;
    if (!path)
        return 0;
    if (!*path)
        return cli_usage_error(cmd, "the output file name is empty");
    for (size_t i = 0; i < n_inputs; i++)
        if (clashes_with_input(path, inputs[i]))
            return cli_usage_error(cmd, "%s: the output is the input %s or a file inside it; "
                                        "choose another output (refused even with --force)",
                                   path, inputs[i]);
    if (lstat(path, &sb) != 0)
        return check_parent(path);
    if (S_ISDIR(sb.st_mode)) {
        fprintf(stderr, "embodied: %s: is a directory, cannot write a file there\n", path);
        return EMB_EXIT_IO;
    }
    if (!S_ISREG(sb.st_mode))
        return cli_usage_error(cmd, "%s: exists and is not a regular file (%s); only regular files "
                                    "are replaced, even with --force", path,
                               S_ISLNK(sb.st_mode) ? "a symbolic link" : S_ISFIFO(sb.st_mode) ? "a FIFO"
                               : S_ISCHR(sb.st_mode) || S_ISBLK(sb.st_mode) ? "a device" : "special");
    if (!force)
        return cli_usage_error(cmd, "%s: output exists; not overwritten without --force", path);
    return check_parent(path);
}

int cli_check_csv_dir(const char *cmd, const char *dir, int force)
{
    if (!dir)
        return 0;
    if (!*dir)
        return cli_usage_error(cmd, "--csv: the folder name is empty");
    for (size_t i = 0; i < n_inputs; i++) {
        struct stat so, si;
        if (inputs[i] && stat(inputs[i], &si) == 0 && stat(dir, &so) == 0 &&
            (clashes_with_input(dir, inputs[i]) ||
             (S_ISDIR(so.st_mode) && so.st_dev == si.st_dev && so.st_ino == si.st_ino)))
            return cli_usage_error(cmd, "%s: the output folder is the input %s or inside it; "
                                        "choose another folder (refused even with --force)",
                                   dir, inputs[i]);
    }
    int exists = 0;
    emb_status st = emb_results_check_csv_dir(dir, &exists);
    if (st)
        return cli_fail(st);
    if (exists && !force) {
        DIR *d = opendir(dir);
        char first[256] = "";
        for (struct dirent *e; d && !first[0] && (e = readdir(d));)
            if (e->d_name[0] != '.')
                snprintf(first, sizeof first, "%s", e->d_name);
        if (d)
            closedir(d);
        if (first[0]) {
            return cli_usage_error(cmd, "%s: holds results of an earlier run (%s); not replaced "
                                        "without --force", dir, first);
        }
    }
    return 0;
}

/* path with its existing directories resolved (realpath) and the missing
 * rest appended as written, so that two names of one place compare equal
 * whether or not it exists yet; 0 on failure. */
static int resolve_name(const char *path, char *out, size_t cap, int depth)
{
    char buf[4096], r[PATH_MAX];
    snprintf(buf, sizeof buf, "%s", path);
    size_t n = strlen(buf);
    while (n > 1 && buf[n - 1] == '/')
        buf[--n] = '\0';
    if (realpath(buf, r)) {
        snprintf(out, cap, "%s", r);
        return 1;
    }
    char *slash = strrchr(buf, '/');
    const char *base = slash ? slash + 1 : buf;
    if (depth > 64 || !*base || strcmp(base, ".") == 0 || strcmp(base, "..") == 0)
        return 0;
    char dir[PATH_MAX + 256];
    if (!slash) {
        if (!realpath(".", r))
            return 0;
        snprintf(dir, sizeof dir, "%s", r);
    } else if (slash == buf) {
        dir[0] = '\0';
    } else {
        *slash = '\0';
        if (!resolve_name(buf, dir, sizeof dir, depth + 1))
            return 0;
    }
    snprintf(out, cap, "%s/%s", strcmp(dir, "/") ? dir : "", base);
    return 1;
}

int cli_check_distinct(const char *cmd, const char *file, const char *dir)
{
    char a[PATH_MAX + 256], b[PATH_MAX + 256];
    if (!file || !dir || !resolve_name(file, a, sizeof a, 0) || !resolve_name(dir, b, sizeof b, 0))
        return 0;
    size_t n = strlen(b);
    if (strcmp(a, b) == 0)
        return cli_usage_error(cmd, "%s and %s: the same name for a file and a folder of results",
                               file, dir);
    if (strncmp(a, b, n) == 0 && a[n] == '/')
        return cli_usage_error(cmd, "%s: inside the results folder %s, which is replaced as a "
                                    "whole; write it elsewhere", file, dir);
    return 0;
}

int cli_check_input_type(const char *path, const char *what)
{
    struct stat sb;
    if (!path || stat(path, &sb) != 0 || S_ISREG(sb.st_mode) || S_ISDIR(sb.st_mode))
        return 0;
    fprintf(stderr, "embodied: %s: is %s, not a regular file (expected %s)\n",
            path, S_ISFIFO(sb.st_mode) ? "a FIFO (named pipe)"
                  : S_ISCHR(sb.st_mode) || S_ISBLK(sb.st_mode) ? "a device" : "not a regular file",
            what);
    return EMB_EXIT_INPUT;
}

int cli_check_output_dir(const char *cmd, const char *opt, const char *dir)
{
    struct stat sb;
    if (!dir)
        return 0;
    if (!*dir)
        return cli_usage_error(cmd, "%s: the folder name is empty", opt);
    if (stat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
        fprintf(stderr, "embodied: %s: %s\n", dir,
                stat(dir, &sb) != 0 ? "cannot write: the folder does not exist"
                                    : "exists and is not a folder");
        return EMB_EXIT_IO;
    }
    if (access(dir, W_OK | X_OK) != 0) {
        fprintf(stderr, "embodied: %s: cannot write in the folder: %s\n", dir, strerror(errno));
        return EMB_EXIT_IO;
    }
    return 0;
}

/* Free bytes for an unprivileged writer in the filesystem holding path's
 * directory (path itself for a folder), and its device; -1 if unknown. */
static double free_bytes(const char *path, int is_dir, dev_t *dev)
{
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", path);
    struct stat sb;
    if (!(is_dir && stat(dir, &sb) == 0))
        parent_dir(path, dir, sizeof dir);
    struct statvfs vf;
    if (stat(dir, &sb) != 0 || statvfs(dir, &vf) != 0)
        return -1;
    *dev = sb.st_dev;
    return (double)vf.f_bavail * (double)vf.f_frsize;
}

int cli_check_space(const char *out_file, double file_bytes, const char *out_dir,
                    double dir_bytes)
{
    dev_t df = 0, dd = 0;
    double ff = out_file ? free_bytes(out_file, 0, &df) : -1;
    double fd = out_dir ? free_bytes(out_dir, 1, &dd) : -1;
    if (ff >= 0 && fd >= 0 && df == dd) { /* one filesystem: the sum must fit */
        file_bytes += dir_bytes;
        fd = -1;
    }
    const char *where[2] = {out_file, out_dir};
    const double have[2] = {ff, fd}, need[2] = {file_bytes, dir_bytes};
    for (int i = 0; i < 2; i++)
        if (where[i] && have[i] >= 0 && need[i] > have[i]) {
            fprintf(stderr, "embodied: %s: the outputs need at least %.3g MiB but the filesystem "
                            "has %.3g MiB free; not starting\n", where[i], need[i] / 1048576.0,
                    have[i] / 1048576.0);
            return EMB_EXIT_IO;
        }
    return 0;
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
