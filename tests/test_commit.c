/* tests/test_commit.c — every output of a command committed together or not
 * at all (issue 11, defects 1, 2 and 5, write side 6-8), through the CLI:
 * each catchable signal at each point of a run (after the k-th temporary,
 * halfway through the commit) leaves no output, or the old outputs intact
 * under --force; a CSV folder is replaced as a unit; every output location is
 * checked before any work; stale temporaries of a killed run are removed; a
 * file size limit is an I/O error; a FIFO input is refused up front;
 * damaged zip members and HDF5 datasets are input errors (exit 3).
 *
 * No timed kill: the CLI's test hook EMBODIED_TEST_SIGNAL_AFTER_TEMP makes
 * the process raise the signal itself at a known point. */
#include "embodied/embodied.h"
#include "io/atomic.h"
#include "testutil.h"

#include <hdf5.h>

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static char *tmp;      /* per-test temporary directory */
static char exe[4096]; /* the embodied binary */
static char out[4200]; /* tmp/out: where the outputs go */

static void setup(void)
{
    tmp = emb_test_tmpdir();
    ck_assert_ptr_nonnull(tmp);
    const char *b = getenv("EMB_BUILD_ROOT");
    snprintf(exe, sizeof exe, "%s/embodied", b ? b : "build");
    snprintf(out, sizeof out, "%s/out", tmp);
    ck_assert_int_eq(mkdir(out, 0777), 0);
}

static void teardown(void)
{
    emb_test_rmtree(tmp);
    free(tmp);
}

/* Run embodied with argv (NULL-terminated; "%s" in an argument is replaced
 * by `out`), the hook variable set to `hook` (NULL: unset), no core dumps;
 * stderr in *err (malloc'd), the wait status returned. */
static int run_argv(const char *hook, const char *const *args, char **err)
{
    char errf[4300], buf[16][4400];
    char *argv[20];
    size_t n = 0;
    snprintf(errf, sizeof errf, "%s/stderr.txt", tmp);
    argv[n++] = exe;
    for (size_t i = 0; args[i] && n < 18; i++) {
        snprintf(buf[n], sizeof buf[n], args[i], out);
        argv[n] = buf[n];
        n++;
    }
    argv[n] = NULL;
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        int fd = open(errf, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        int dn = open("/dev/null", O_WRONLY);
        if (fd < 0 || dn < 0 || dup2(fd, 2) < 0 || dup2(dn, 1) < 0)
            _exit(126);
        struct rlimit no_core = {0, 0};
        setrlimit(RLIMIT_CORE, &no_core); /* SIGQUIT */
        if (hook)
            setenv("EMBODIED_TEST_SIGNAL_AFTER_TEMP", hook, 1);
        else
            unsetenv("EMBODIED_TEST_SIGNAL_AFTER_TEMP");
        execv(exe, argv);
        _exit(127);
    }
    int status;
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    size_t len;
    *err = emb_test_slurp(errf, &len);
    ck_assert_ptr_nonnull(*err);
    return status;
}

/* Exit code of a run that must end normally. */
static int run_rc(const char *const *args, char **err)
{
    int status = run_argv(NULL, args, err);
    ck_assert_msg(WIFEXITED(status), "%s %s: killed by signal %d: %s", args[0], args[1],
                  WIFSIGNALED(status) ? WTERMSIG(status) : 0, *err);
    return WEXITSTATUS(status);
}

/* Run `sh -c 'PREFIX exec embodied ARGS'`; exit code, stderr in *err. */
static int run_sh(const char *prefix, const char *args, char **err)
{
    char cmd[32768], errf[4300];
    snprintf(errf, sizeof errf, "%s/stderr.txt", tmp);
    snprintf(cmd, sizeof cmd, "%s exec '%s' %s >/dev/null 2>'%s'", prefix, exe, args, errf);
    int rc = system(cmd);
    size_t len;
    *err = emb_test_slurp(errf, &len);
    ck_assert_ptr_nonnull(*err);
    ck_assert_msg(WIFEXITED(rc), "%s: killed by a signal", cmd);
    return WEXITSTATUS(rc);
}

static size_t count_entries(const char *dir)
{
    DIR *d = opendir(dir);
    size_t n = 0;
    if (!d)
        return 0;
    for (struct dirent *e; (e = readdir(d));)
        n += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
    closedir(d);
    return n;
}

/* Names in dir, sorted, one per line (malloc'd), for messages. */
static char *listing(const char *dir)
{
    char cmd[8800];
    snprintf(cmd, sizeof cmd, "ls -A '%s' 2>&1 | tr '\\n' ' '", dir);
    FILE *p = popen(cmd, "r");
    char *s = calloc(8192, 1);
    if (p) {
        size_t n = fread(s, 1, 8191, p);
        s[n] = '\0';
        pclose(p);
    }
    return s;
}

static char *slurp_out(const char *rel, size_t *len)
{
    char p[4400];
    snprintf(p, sizeof p, "%s/%s", out, rel);
    return emb_test_slurp(p, len);
}

static const struct {
    int sig;
    const char *name;
} sigs[] = {{SIGINT, "SIGINT"}, {SIGTERM, "SIGTERM"}, {SIGHUP, "SIGHUP"}, {SIGQUIT, "SIGQUIT"}};

/* The outputs of one accounts run: results.h5 (temporary 1) and the CSV
 * folder (temporary 2). */
static const char *const full_run[] = {"accounts", "-q", "-o", "%s/r.h5", "--csv", "%s/csv",
                                       "--sectors", "--flows-by-sector", NULL};

/* Each catchable signal after the first temporary, after the second (the
 * first complete and waiting), and halfway through the commit (the first
 * output renamed into place): the process ends by that signal, says so in
 * one line, and leaves nothing. */
START_TEST(every_signal_at_every_point_leaves_nothing)
{
    const char *points[] = {"", ":2", ":commit"};
    for (size_t s = 0; s < sizeof sigs / sizeof sigs[0]; s++)
        for (size_t p = 0; p < 3; p++) {
            char hook[64], want[128], *err;
            snprintf(hook, sizeof hook, "%s%s", sigs[s].name, points[p]);
            int status = run_argv(hook, full_run, &err);
            ck_assert_msg(WIFSIGNALED(status) && WTERMSIG(status) == sigs[s].sig,
                          "%s: status %#x, expected the end by %s: %s", hook, status, sigs[s].name,
                          err);
            ck_assert_msg(strstr(err, p == 2 ? "renamed into place, raising" : " exists ("),
                          "%s: the hook did not fire where asked: %s", hook, err);
            snprintf(want, sizeof want, "embodied: interrupted (%s); no output written\n",
                     sigs[s].name);
            ck_assert_msg(strstr(err, want), "%s: no '%s': %s", hook, want, err);
            char *ls = listing(out);
            ck_assert_msg(count_entries(out) == 0, "%s: left %s", hook, ls);
            free(ls);
            free(err);
        }
}
END_TEST

/* The same with --force over the outputs of an earlier run: they stay as
 * they were, byte for byte (the commit undoes the renames it made: the old
 * results.h5 back from its link, the old CSV folder exchanged back). */
START_TEST(interrupted_force_keeps_the_old_outputs)
{
    const char *const first[] = {"accounts", "-q", "-o", "%s/r.h5", "--csv", "%s/csv", NULL};
    char *err;
    ck_assert_msg(run_rc(first, &err) == 0, "%s", err);
    free(err);
    size_t nh, na, nf;
    char *h5 = slurp_out("r.h5", &nh), *acc = slurp_out("csv/accounts.csv", &na),
         *flows = slurp_out("csv/flows.csv", &nf);
    const char *const again[] = {"accounts", "-q", "-o", "%s/r.h5", "--csv", "%s/csv", "--sectors",
                                 "--eebt", "--force", NULL};
    const char *points[] = {"", ":2", ":commit"};
    for (size_t s = 0; s < sizeof sigs / sizeof sigs[0]; s++)
        for (size_t p = 0; p < 3; p++) {
            char hook[64];
            snprintf(hook, sizeof hook, "%s%s", sigs[s].name, points[p]);
            int status = run_argv(hook, again, &err);
            ck_assert_msg(WIFSIGNALED(status) && WTERMSIG(status) == sigs[s].sig, "%s: %#x: %s",
                          hook, status, err);
            ck_assert_msg(strstr(err, "no output written"), "%s: %s", hook, err);
            char *ls = listing(out), *lc;
            char csvd[4300];
            snprintf(csvd, sizeof csvd, "%s/csv", out);
            lc = listing(csvd);
            ck_assert_msg(count_entries(out) == 2 && count_entries(csvd) == 2,
                          "%s: out holds %s, csv holds %s", hook, ls, lc);
            free(ls), free(lc);
            size_t n;
            char *b = slurp_out("r.h5", &n);
            ck_assert_msg(n == nh && memcmp(b, h5, n) == 0, "%s: r.h5 changed", hook);
            free(b);
            b = slurp_out("csv/accounts.csv", &n);
            ck_assert_msg(n == na && memcmp(b, acc, n) == 0, "%s: accounts.csv changed", hook);
            free(b);
            b = slurp_out("csv/flows.csv", &n);
            ck_assert_msg(n == nf && memcmp(b, flows, n) == 0, "%s: flows.csv changed", hook);
            free(b);
            free(err);
        }
    /* Uninterrupted, the same command replaces both, together. */
    ck_assert_msg(run_rc(again, &err) == 0, "%s", err);
    free(err);
    char csvd[4300];
    snprintf(csvd, sizeof csvd, "%s/csv", out);
    ck_assert_uint_eq(count_entries(csvd), 5); /* accounts, flows, sectors, eebt_accounts, eebt_flows */
    ck_assert_uint_eq(count_entries(out), 2);
    free(h5), free(acc), free(flows);
}
END_TEST

/* --csv DIR --force replaces the folder as a unit: no file of an earlier
 * run stays (issue 11, defect 5).  A folder holding anything else is not a
 * results folder and is never replaced; one with results needs --force. */
START_TEST(csv_folder_replaced_as_a_unit)
{
    const char *const with[] = {"accounts", "-q", "--csv", "%s/csv", "--sectors", NULL};
    const char *const without[] = {"accounts", "-q", "--csv", "%s/csv", NULL};
    const char *const without_f[] = {"accounts", "-q", "--csv", "%s/csv", "--force", NULL};
    char csvd[4300], *err;
    snprintf(csvd, sizeof csvd, "%s/csv", out);
    ck_assert_msg(run_rc(with, &err) == 0, "%s", err);
    free(err);
    ck_assert_uint_eq(count_entries(csvd), 3);
    ck_assert_int_eq(run_rc(without, &err), 2);
    ck_assert_msg(strstr(err, "holds results of an earlier run") && strstr(err, "--force"), "%s",
                  err);
    free(err);
    ck_assert_uint_eq(count_entries(csvd), 3);
    ck_assert_msg(run_rc(without_f, &err) == 0, "%s", err);
    free(err);
    char *ls = listing(csvd);
    ck_assert_msg(count_entries(csvd) == 2, "stale files stay: %s", ls); /* no sectors.csv */
    free(ls);
    ck_assert_uint_eq(count_entries(out), 1); /* and no temporary beside it */
    /* A folder that holds something else: refused, untouched. */
    char notes[4400];
    snprintf(notes, sizeof notes, "%s/notes.txt", csvd);
    emb_test_spits(notes, "mine\n");
    ck_assert_int_eq(run_rc(without_f, &err), 5);
    ck_assert_msg(strstr(err, "'notes.txt'") && strstr(err, csvd), "%s", err);
    ck_assert_msg(!strstr(err, "N = "), "refused after the work: %s", err);
    free(err);
    ck_assert_uint_eq(count_entries(csvd), 3);
    /* An empty folder is filled without --force. */
    char empty[4400];
    snprintf(empty, sizeof empty, "%s/empty", out);
    ck_assert_int_eq(mkdir(empty, 0777), 0);
    const char *const into_empty[] = {"accounts", "-q", "--csv", "%s/empty", NULL};
    ck_assert_msg(run_rc(into_empty, &err) == 0, "%s", err);
    free(err);
    ck_assert_uint_eq(count_entries(empty), 2);
    /* "DIR/" names the folder DIR, new or replaced. */
    const char *const slash[] = {"accounts", "-q", "--csv", "%s/slash/", "--force", NULL};
    char sl[4400];
    snprintf(sl, sizeof sl, "%s/slash", out);
    for (int i = 0; i < 2; i++) {
        ck_assert_msg(run_rc(slash, &err) == 0, "%s", err);
        free(err);
        ck_assert_uint_eq(count_entries(sl), 2);
    }
    ck_assert_uint_eq(count_entries(out), 3); /* csv, empty, slash: no temporary */
}
END_TEST

/* Every output location is checked before any work (issue 11, defect 2,
 * write side 6 and 7): the table is not even read (no "using the demo
 * table" line), the exit code is documented, the first line names the
 * path, and nothing is created. */
START_TEST(output_locations_checked_before_work)
{
    char file[4400];
    snprintf(file, sizeof file, "%s/file", out);
    emb_test_spits(file, "x\n");
    static const struct {
        const char *args[12];
        int rc;
        const char *msg;
    } cases[] = {
        {{"accounts", "-q", "-o", "%s/nodir/r.h5", NULL}, 5, "directory %s/nodir does not exist"},
        {{"accounts", "-q", "-o", "%s", NULL}, 5, "%s: is a directory"},
        {{"accounts", "-q", "--csv", "%s/file", NULL}, 5, "%s/file: exists and is not a directory"},
        {{"accounts", "-q", "--csv", "%s/nodir/csv", NULL}, 5, "directory %s/nodir does not exist"},
        {{"accounts", "-q", "--csv", "", NULL}, 2, "--csv: the folder name is empty"},
        {{"accounts", "-q", "-o", "", NULL}, 2, "the output file name is empty"},
        {{"accounts", "-q", "-o", "%s/x", "--csv", "%s/x", NULL}, 2, "the same name for a file and a folder"},
        {{"accounts", "-q", "-o", "%s/c/r.h5", "--csv", "%s/c", NULL}, 2, "inside the results folder"},
        {{"accounts", "-q", "-o", "%s/r.h5", "--csv", "%s/file/csv", NULL}, 5, "%s/file does not exist"},
        {{"flows", "--from", "MN", "--to", "CN", "-o", "%s/nodir/f.csv", NULL}, 5, "does not exist"},
        {{"synth", "-r", "2", "--sectors", "2", "-o", "%s/nodir/t.h5", NULL}, 5, "does not exist"},
        {{"spa", "--to", "CN", "-o", "%s", NULL}, 5, "is a directory"},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        char *err, want[4400];
        int rc = run_rc(cases[c].args, &err);
        snprintf(want, sizeof want, cases[c].msg, out);
        ck_assert_msg(rc == cases[c].rc, "case %zu (%s %s): exit %d, expected %d: %s", c,
                      cases[c].args[0], cases[c].args[2], rc, cases[c].rc, err);
        ck_assert_msg(strncmp(err, "embodied", 8) == 0 && strstr(err, want),
                      "case %zu: expected '%s' on the first line: %s", c, want, err);
        char *nl = strchr(err, '\n');
        ck_assert_msg(nl && !nl[1],
                      "case %zu: more than one line of message: %s", c, err);
        ck_assert_msg(!strstr(err, "demo table"), "case %zu: checked after reading: %s", c, err);
        char *ls = listing(out);
        ck_assert_msg(count_entries(out) == 1, "case %zu: left %s", c, ls); /* `file` */
        free(ls);
        free(err);
    }
}
END_TEST

/* 32-bit FNV-1a of the host name, as src/io/atomic.c names temporaries. */
static unsigned host_hash(void)
{
    char h[256] = "";
    gethostname(h, sizeof h - 1);
    unsigned x = 2166136261u;
    for (const char *p = h; *p; p++)
        x = (x ^ (unsigned char)*p) * 16777619u;
    return x;
}

/* SIGKILL cannot be caught: what a killed run leaves (a temporary file, a
 * half-built CSV folder, the link kept while replacing a file) is named with
 * the host and the pid, and the next run writing in that directory removes
 * it once that process is gone; a live process's temporaries and another
 * host's stay. */
START_TEST(stale_temporaries_of_a_killed_run_are_removed)
{
    pid_t dead = fork();
    ck_assert_int_ge(dead, 0);
    if (dead == 0)
        _exit(0);
    ck_assert_int_eq(waitpid(dead, NULL, 0), dead);
    unsigned h = host_hash();
    char p1[4400], p2[4400], p3[4400], live[4400], other[4400], inner[4500];
    snprintf(p1, sizeof p1, "%s/.r.h5.embodied-tmp.%08x.%ld.0123456789ab", out, h, (long)dead);
    snprintf(p2, sizeof p2, "%s/.csv.embodied-tmp.%08x.%ld.0123456789ac", out, h, (long)dead);
    snprintf(p3, sizeof p3, "%s/.r.h5.embodied-old.%08x.%ld.0123456789ad", out, h, (long)dead);
    snprintf(live, sizeof live, "%s/.r.h5.embodied-tmp.%08x.%ld.0123456789ae", out, h,
             (long)getpid());
    snprintf(other, sizeof other, "%s/.r.h5.embodied-tmp.%08x.%ld.0123456789af", out, h ^ 1u,
             (long)dead);
    emb_test_spits(p1, "partial");
    ck_assert_int_eq(mkdir(p2, 0777), 0);
    snprintf(inner, sizeof inner, "%s/accounts.csv", p2);
    emb_test_spits(inner, "partial");
    emb_test_spits(p3, "old");
    emb_test_spits(live, "being written");
    emb_test_spits(other, "another host's");
    char *err;
    ck_assert_msg(run_rc(full_run, &err) == 0, "%s", err);
    free(err);
    ck_assert_int_eq(access(p1, F_OK), -1);
    ck_assert_int_eq(access(p2, F_OK), -1);
    ck_assert_int_eq(access(p3, F_OK), -1);
    ck_assert_int_eq(access(live, F_OK), 0);
    ck_assert_int_eq(access(other, F_OK), 0);
    char *ls = listing(out);
    ck_assert_msg(count_entries(out) == 4, "%s", ls); /* r.h5, csv, live, other */
    free(ls);
}
END_TEST

/* A file size limit (ulimit -f, as batch schedulers set it) ends the run
 * with an I/O error naming the output, and leaves no temporary (write side
 * 6: SIGXFSZ used to kill the process and leave it). */
START_TEST(file_size_limit_is_an_io_error)
{
    const char *cmds[] = {"accounts -q --sectors -o '%s/r.h5'", "accounts -q --sectors --csv '%s/csv'",
                          "synth -r 3 --sectors 4 -o '%s/t.h5'"};
    for (size_t c = 0; c < sizeof cmds / sizeof cmds[0]; c++) {
        char args[8192], *err;
        snprintf(args, sizeof args, cmds[c], out);
        int rc = run_sh("ulimit -f 4;", args, &err);
        ck_assert_msg(rc == 5, "%s: exit %d: %s", args, rc, err);
        ck_assert_msg(strstr(err, out), "%s: the message names no output: %s", args, err);
        char *ls = listing(out);
        ck_assert_msg(count_entries(out) == 0, "%s: left %s", args, ls);
        free(ls);
        free(err);
    }
}
END_TEST

/* Defect 7: auto under a small --max-memory on a dense table picks the
 * sparse solver, whose copy of A as CSR used to be left out of the plan (its
 * non-zeros unknown before the build): the run then failed deep in the
 * build with a message naming no file, or went past the limit.  Now the
 * plan counts them and refuses up front, naming the file. */
START_TEST(auto_under_a_small_limit_refused_by_the_plan)
{
    const char *const gen[] = {"synth", "-r", "100", "--sectors", "10", "--fd", "1", "-o", "%s/t.h5", NULL};
    const char *const acc[] = {"accounts", "%s/t.h5", "-q", "--max-memory", "3500K", NULL};
    char *err, want[4400];
    ck_assert_msg(run_rc(gen, &err) == 0, "%s", err);
    free(err);
    ck_assert_int_eq(run_rc(acc, &err), 6);
    snprintf(want, sizeof want, "embodied: %s/t.h5: the sparse solver needs ", out);
    ck_assert_msg(strncmp(err, want, strlen(want)) == 0, "%s", err);
    ck_assert_msg(strstr(err, "A, A_O, A_O^T as CSR") && strstr(err, "(--max-memory)"), "%s", err);
    ck_assert_msg(!strstr(err, "N = "), "refused after the work: %s", err);
    free(err);
}
END_TEST

/* getopt's own line was unprefixed ("accounts: invalid option -- 'z'")
 * and followed by a vague "embodied: invalid option": now one line,
 * "embodied CMD: ...; try ...", saying which option and why (write side 7). */
START_TEST(getopt_errors_are_one_prefixed_line)
{
    static const struct {
        const char *args[6];
        const char *want;
    } cases[] = {
        {{"accounts", "--frob", NULL}, "embodied accounts: unknown option '--frob'; try"},
        {{"accounts", "--csv", NULL}, "embodied accounts: option '--csv' requires an argument; try"},
        {{"accounts", "--quiet=3", NULL}, "embodied accounts: option '--quiet' takes no argument; try"},
        {{"accounts", "-Z", "-q", NULL}, "embodied accounts: unknown option '-Z'; try"},
        {{"flows", "-o", NULL}, "embodied flows: option '-o' requires an argument; try"},
        {{"info", "--max-memory", NULL}, "embodied info: option '--max-memory' requires an argument; try"},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        char *err;
        ck_assert_int_eq(run_rc(cases[c].args, &err), 2);
        ck_assert_msg(strncmp(err, cases[c].want, strlen(cases[c].want)) == 0,
                      "case %zu: expected '%s' first: %s", c, cases[c].want, err);
        const char *nl = strchr(err, '\n');
        ck_assert_msg(nl && !nl[1], "case %zu: more than one line: %s", c, err);
        free(err);
    }
}
END_TEST

/* A FIFO as an input used to block (120 s in the HDF5 probe, forever in a
 * text reader) and then be reported as a damaged file: its type is checked
 * up front, exit 3, one line naming it (write side 8).  A hang here ends in
 * the test case's time limit. */
START_TEST(fifo_input_refused_up_front)
{
    char fifo[4400];
    snprintf(fifo, sizeof fifo, "%s/fifo", out);
    ck_assert_int_eq(mkfifo(fifo, 0600), 0);
    static const char *const cases[][8] = {
        {"info", "%s/fifo", NULL},
        {"accounts", "%s/fifo", "-q", NULL},
        {"import", "pymrio", "%s/fifo", "-o", "%s/t.h5", NULL},
        {"import", "icio", "%s/fifo", "-o", "%s/t.h5", NULL},
        {"report", "%s/fifo", "-o", "%s/r.html", NULL},
        {"cbam", "--importer", "MN", "--concordance", "%s/fifo", NULL},
        {"batch", "%s/fifo", "-o", "%s/b", NULL},
        {"characterize", "%s/fifo", "%s/f.csv", "-o", "%s/c.h5", NULL},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        char *err;
        ck_assert_int_eq(run_rc(cases[c], &err), 3);
        ck_assert_msg(strstr(err, "fifo: is a FIFO (named pipe), not a regular file (expected "),
                      "case %zu: %s", c, err);
        ck_assert_msg(!strstr(err, "damaged") && !strstr(err, "corrupt"), "case %zu: %s", c, err);
        free(err);
    }
    ck_assert_uint_eq(count_entries(out), 1);
}
END_TEST

/* ---- exit classes of damaged archives and datasets ---------------------- */

/* python3 script: a pymrio-layout zip whose member is damaged in one way
 * (argv[1]) and written to argv[2]. */
static const char mkzip_py[] =
    "import zipfile, sys, struct, warnings\n"
    "kind, out = sys.argv[1], sys.argv[2]\n"
    "text = b'{\"name\": \"x\", \"files\": {}}' + b' ' * 400\n"
    "if kind == 'dup':\n"
    "    warnings.simplefilter('ignore')\n"
    "    with zipfile.ZipFile(out, 'w', zipfile.ZIP_DEFLATED) as z:\n"
    "        z.writestr('IOT/file_parameters.json', text)\n"
    "        z.writestr('IOT/Z.txt', b'a')\n"
    "        z.writestr('IOT/Z.txt', b'b')\n"
    "    sys.exit()\n"
    "method = zipfile.ZIP_STORED if kind in ('crc', 'method') else zipfile.ZIP_DEFLATED\n"
    "with zipfile.ZipFile(out, 'w', method) as z:\n"
    "    z.writestr('IOT/file_parameters.json', text)\n"
    "b = bytearray(open(out, 'rb').read())\n"
    "n, e = struct.unpack('<HH', b[26:30])\n"
    "data = 30 + n + e\n"
    "cd = b.find(b'PK\\x01\\x02')\n"
    "if kind == 'deflate':\n"
    "    b[data:data + 8] = b'\\xff' * 8\n"
    "elif kind == 'crc':\n"
    "    b[data + 3] ^= 0x20\n"
    "elif kind == 'method':\n"
    "    b[8:10] = struct.pack('<H', 97); b[cd + 10:cd + 12] = struct.pack('<H', 97)\n"
    "elif kind == 'encrypted':\n"
    "    b[6] |= 1; b[cd + 8] |= 1\n"
    "open(out, 'wb').write(bytes(b))\n";

static size_t nop_filter(unsigned flags, size_t n, const unsigned v[], size_t nbytes,
                         size_t *buf_size, void **buf)
{
    (void)flags, (void)n, (void)v, (void)buf_size, (void)buf;
    return nbytes;
}

/* A copy of the demo table at `path` whose /F is stored chunked with a
 * filter registered only in this process (a reader lacks it) or with a
 * Fletcher-32 checksum and one byte of its chunk flipped. */
static void damaged_table(const char *path, int missing_filter)
{
    size_t n;
    char *demo = emb_test_slurp(emb_test_src_path("datasets/demo.h5"), &n);
    ck_assert_ptr_nonnull(demo);
    emb_test_spit(path, demo, n);
    free(demo);
    hid_t f = H5Fopen(path, H5F_ACC_RDWR, H5P_DEFAULT);
    ck_assert(f >= 0);
    hid_t d = H5Dopen2(f, "F", H5P_DEFAULT), sp = H5Dget_space(d);
    hsize_t dims[2];
    ck_assert_int_eq(H5Sget_simple_extent_dims(sp, dims, NULL), 2);
    double *v = malloc(sizeof *v * dims[0] * dims[1]);
    ck_assert(H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) >= 0);
    H5Dclose(d);
    H5Ldelete(f, "F", H5P_DEFAULT);
    hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
    H5Pset_chunk(dcpl, 2, dims);
    if (missing_filter) {
        H5Z_class2_t cls = {H5Z_CLASS_T_VERS, (H5Z_filter_t)32100, 1, 1, "test-only filter",
                            NULL, NULL, nop_filter};
        ck_assert(H5Zregister(&cls) >= 0);
        ck_assert(H5Pset_filter(dcpl, 32100, H5Z_FLAG_MANDATORY, 0, NULL) >= 0);
    } else {
        ck_assert(H5Pset_fletcher32(dcpl) >= 0);
    }
    d = H5Dcreate2(f, "F", H5T_IEEE_F64LE, sp, H5P_DEFAULT, dcpl, H5P_DEFAULT);
    ck_assert(d >= 0);
    ck_assert(H5Dwrite(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) >= 0);
    haddr_t addr = 0;
    if (!missing_filter) {
        H5Fflush(f, H5F_SCOPE_GLOBAL);
        hsize_t off[2], size;
        unsigned mask;
        hid_t fs = H5Dget_space(d);
        ck_assert(H5Dget_chunk_info(d, fs, 0, off, &mask, &addr, &size) >= 0);
        H5Sclose(fs);
    }
    H5Dclose(d), H5Sclose(sp), H5Pclose(dcpl), H5Fclose(f);
    free(v);
    if (addr) {
        FILE *fp = fopen(path, "r+b");
        ck_assert_ptr_nonnull(fp);
        fseek(fp, (long)addr + 3, SEEK_SET);
        int c = fgetc(fp);
        fseek(fp, (long)addr + 3, SEEK_SET);
        fputc(c ^ 0x10, fp);
        fclose(fp);
    }
}

/* Encrypted or unsupported zip members, corrupt deflate data, a failed CRC,
 * a missing HDF5 filter and a failed checksum are bad input (exit 3, one
 * line naming the file and the member or dataset; a missing filter is not
 * called damage), not I/O (5) as they were; two members of one name are
 * refused naming it (write side 9). */
START_TEST(damaged_archives_and_datasets_are_input_errors)
{
    char script[4400], zip[4400], args[16384], *err;
    snprintf(script, sizeof script, "%s/mkzip.py", tmp);
    emb_test_spits(script, mkzip_py);
    static const struct {
        const char *kind, *want;
    } zips[] = {
        {"dup", ".zip: two members are named 'IOT/Z.txt'"},
        {"deflate", ".zip:IOT/file_parameters.json: cannot read member: its deflate data are corrupt"},
        {"crc", ".zip:IOT/file_parameters.json: cannot read member: its data fail the CRC-32 check"},
        {"method", ".zip:IOT/file_parameters.json: cannot open member: the member is compressed with "
                   "a method"},
        {"encrypted", ".zip:IOT/file_parameters.json: cannot open member: the member is encrypted"},
    };
    for (size_t i = 0; i < sizeof zips / sizeof zips[0]; i++) {
        snprintf(zip, sizeof zip, "%s/%s.zip", tmp, zips[i].kind);
        snprintf(args, sizeof args, "python3 '%s' %s '%s'", script, zips[i].kind, zip);
        ck_assert_msg(system(args) == 0, "%s", args);
        snprintf(args, sizeof args, "import pymrio '%s' -o '%s/t.h5'", zip, out);
        int rc = run_sh("", args, &err);
        ck_assert_msg(rc == 3, "%s: exit %d: %s", zips[i].kind, rc, err);
        ck_assert_msg(strstr(err, zips[i].want) && strncmp(err, "embodied: ", 10) == 0 &&
                          strchr(err, '\n') == err + strlen(err) - 1,
                      "%s: expected one line with '%s': %s", zips[i].kind, zips[i].want, err);
        free(err);
    }
    for (int missing = 1; missing >= 0; missing--) {
        char table[4400];
        snprintf(table, sizeof table, "%s/%s.h5", tmp, missing ? "filter" : "checksum");
        damaged_table(table, missing);
        snprintf(args, sizeof args, "accounts '%s' -q -o '%s/r.h5'", table, out);
        int rc = run_sh("", args, &err);
        ck_assert_msg(rc == 3, "%s: exit %d: %s", table, rc, err);
        ck_assert_msg(strstr(err, missing ? "dataset /F: compressed with the HDF5 filter "
                                            "'test-only filter', which this HDF5 library does not "
                                            "have"
                                          : "dataset /F: the data fail their Fletcher-32 checksum"),
                      "%s", err);
        if (missing)
            ck_assert_msg(!strstr(err, "corrupt") && !strstr(err, "damaged"), "%s", err);
        free(err);
    }
    ck_assert_uint_eq(count_entries(out), 0);
}
END_TEST

/* The other writers under the same commit: a table (synth), a flows CSV,
 * a path-analysis CSV, a report with its SVG charts (five outputs in two
 * folders), each interrupted after its first temporary and halfway
 * through its commit: nothing of the run stays. */
START_TEST(every_command_commits_together)
{
    const char *const results[] = {"accounts", "-q", "-o", "%s/keep/r.h5", "--flows-by-sector",
                                   NULL};
    char keep[4400], svg[4400], *err;
    snprintf(keep, sizeof keep, "%s/keep", out);
    snprintf(svg, sizeof svg, "%s/svg", out);
    ck_assert_int_eq(mkdir(keep, 0777), 0);
    ck_assert_int_eq(mkdir(svg, 0777), 0);
    ck_assert_msg(run_rc(results, &err) == 0, "%s", err);
    free(err);
    static const char *const cmds[][12] = {
        {"synth", "-r", "3", "--sectors", "4", "-o", "%s/t.h5", NULL},
        {"flows", "--from", "MN", "--to", "CN", "-o", "%s/f.csv", NULL},
        {"spa", "--to", "CN", "-o", "%s/spa.csv", NULL},
        {"report", "%s/keep/r.h5", "-o", "%s/r.html", "--svg", "%s/svg", "--pair", "MN:CN", NULL},
    };
    const char *points[] = {"SIGINT", "SIGTERM:commit", "SIGHUP:2", "SIGQUIT:commit"};
    for (size_t c = 0; c < sizeof cmds / sizeof cmds[0]; c++)
        for (size_t p = 0; p < sizeof points / sizeof points[0]; p++) {
            if (c < 3 && strcmp(points[p], "SIGHUP:2") == 0)
                continue; /* one output: no second temporary */
            int status = run_argv(points[p], cmds[c], &err);
            ck_assert_msg(WIFSIGNALED(status), "%s %s: status %#x: %s", cmds[c][0], points[p],
                          status, err);
            ck_assert_msg(strstr(err, "no output written"), "%s %s: %s", cmds[c][0], points[p],
                          err);
            char *ls = listing(out), *lsv = listing(svg);
            ck_assert_msg(count_entries(out) == 2 && count_entries(svg) == 0,
                          "%s %s: out holds %s, svg holds %s", cmds[c][0], points[p], ls, lsv);
            free(ls), free(lsv);
            free(err);
        }
    /* Uninterrupted, the report's outputs appear together. */
    ck_assert_msg(run_rc(cmds[3], &err) == 0, "%s", err);
    free(err);
    ck_assert_uint_ge(count_entries(svg), 4);
}
END_TEST

/* The output set at the library level: a rename that fails (a racing run
 * created one of the new outputs meanwhile) undoes the renames already made,
 * the replaced file comes back from its link, and no temporary or backup
 * stays; a discarded set leaves nothing either. */
START_TEST(failed_rename_undoes_the_set)
{
    char a_path[4400], b_path[4400], dir_path[4400];
    snprintf(a_path, sizeof a_path, "%s/a.txt", out);
    snprintf(b_path, sizeof b_path, "%s/b.txt", out);
    snprintf(dir_path, sizeof dir_path, "%s/folder", out);
    emb_test_spits(a_path, "old a\n");
    ck_assert_int_eq(emb_results_begin_set(), EMB_OK);
    ck_assert_int_eq(emb_results_begin_set(), EMB_EUSAGE); /* one at a time */
    emb_atomic a, b;
    ck_assert_int_eq(emb_atomic_begin(&a, a_path), EMB_OK);
    ck_assert_int_eq(emb_atomic_fopen(&a), EMB_OK);
    fputs("new a\n", a.fp);
    ck_assert_int_eq(emb_atomic_commit(&a), EMB_OK); /* waits in the set */
    emb_atomic_dir d;
    static const char *const names[] = {"x.csv"};
    ck_assert_int_eq(emb_atomic_dir_begin(&d, dir_path, names, 1), EMB_OK);
    FILE *fp;
    ck_assert_int_eq(emb_atomic_dir_file(&d, "x.csv", &fp), EMB_OK);
    fputs("x\n", fp);
    fclose(fp);
    ck_assert_int_eq(emb_atomic_dir_commit(&d), EMB_OK);
    ck_assert_int_eq(emb_atomic_begin(&b, b_path), EMB_OK);
    ck_assert_int_eq(emb_atomic_fopen(&b), EMB_OK);
    fputs("new b\n", b.fp);
    ck_assert_int_eq(emb_atomic_commit(&b), EMB_OK);
    size_t n;
    char *got = emb_test_slurp(a_path, &n);
    ck_assert_str_eq(got, "old a\n"); /* nothing renamed yet */
    free(got);
    emb_test_spits(b_path, "the other run's b\n"); /* a racing run wins b */
    ck_assert_int_eq(emb_results_commit_set(), EMB_EIO);
    ck_assert_msg(strstr(emb_errmsg(), "b.txt: created by another process"), "%s", emb_errmsg());
    got = emb_test_slurp(a_path, &n);
    ck_assert_str_eq(got, "old a\n"); /* renamed, then put back */
    free(got);
    got = emb_test_slurp(b_path, &n);
    ck_assert_str_eq(got, "the other run's b\n");
    free(got);
    ck_assert_int_eq(access(dir_path, F_OK), -1); /* renamed, then removed */
    char *ls = listing(out);
    ck_assert_msg(count_entries(out) == 2, "%s", ls); /* a.txt, b.txt: no temporary, no backup */
    free(ls);
    /* Committed: every output in place; discarded: none. */
    for (int commit = 1; commit >= 0; commit--) {
        unlink(b_path);
        ck_assert_int_eq(emb_results_begin_set(), EMB_OK);
        ck_assert_int_eq(emb_atomic_begin(&b, b_path), EMB_OK);
        ck_assert_int_eq(emb_atomic_fopen(&b), EMB_OK);
        fputs("mine\n", b.fp);
        ck_assert_int_eq(emb_atomic_commit(&b), EMB_OK);
        if (commit) {
            ck_assert_int_eq(emb_results_commit_set(), EMB_OK);
            got = emb_test_slurp(b_path, &n);
            ck_assert_str_eq(got, "mine\n");
            free(got);
        } else {
            emb_results_discard_set();
            ck_assert_int_eq(access(b_path, F_OK), -1);
        }
        ls = listing(out);
        ck_assert_msg(count_entries(out) == (size_t)(1 + commit), "%s", ls);
        free(ls);
    }
    ck_assert_int_eq(emb_results_commit_set(), EMB_EUSAGE); /* none open */
}
END_TEST

/* accounts prints its summary on stdout after the files: a reader that
 * stops early (`| head`, here `| true` on a summary larger than a pipe's
 * buffer) ends the process by SIGPIPE, but only after the files were
 * committed, so they are complete. */
START_TEST(closed_stdout_keeps_the_files)
{
    const char *const gen[] = {"synth", "-r", "300", "--sectors", "2", "--fd", "1", "-o", "%s/t.h5", NULL};
    char *err, cmd[32768];
    ck_assert_msg(run_rc(gen, &err) == 0, "%s", err);
    free(err);
    snprintf(cmd, sizeof cmd, "'%s' accounts '%s/t.h5' -o '%s/r.h5' --csv '%s/csv' 2>/dev/null | true",
             exe, out, out, out);
    ck_assert_int_eq(system(cmd), 0);
    char p[4400], csvd[4400];
    snprintf(p, sizeof p, "%s/r.h5", out);
    snprintf(csvd, sizeof csvd, "%s/csv", out);
    ck_assert_int_eq(access(p, F_OK), 0);
    ck_assert_uint_eq(count_entries(csvd), 2);
    char *ls = listing(out);
    ck_assert_msg(count_entries(out) == 3, "%s", ls); /* t.h5, r.h5, csv */
    free(ls);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("commit");
    TCase *tc = tcase_create("commit");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 240);
    tcase_add_test(tc, every_signal_at_every_point_leaves_nothing);
    tcase_add_test(tc, interrupted_force_keeps_the_old_outputs);
    tcase_add_test(tc, csv_folder_replaced_as_a_unit);
    tcase_add_test(tc, output_locations_checked_before_work);
    tcase_add_test(tc, stale_temporaries_of_a_killed_run_are_removed);
    tcase_add_test(tc, file_size_limit_is_an_io_error);
    tcase_add_test(tc, auto_under_a_small_limit_refused_by_the_plan);
    tcase_add_test(tc, getopt_errors_are_one_prefixed_line);
    tcase_add_test(tc, fifo_input_refused_up_front);
    tcase_add_test(tc, damaged_archives_and_datasets_are_input_errors);
    tcase_add_test(tc, every_command_commits_together);
    tcase_add_test(tc, failed_rename_undoes_the_set);
    tcase_add_test(tc, closed_stdout_keeps_the_files);
    suite_add_tcase(s, tc);
    return emb_test_run(s);
}
