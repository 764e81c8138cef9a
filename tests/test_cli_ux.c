/* tests/test_cli_ux.c — what the `embodied` command shows a user (issue 11):
 * `info` on a results file (its datasets, labels and provenance), `info`'s
 * warnings summarised per kind, names that forgive (case, unique prefixes,
 * the closest names suggested) and progress on a terminal only.
 *
 * Each case runs the built binary through sh with stdout and stderr in
 * files of a fresh temporary directory; the progress case runs it on a
 * pseudo-terminal (forkpty). */
#define _DEFAULT_SOURCE /* forkpty */
#include "embodied/embodied.h"
#include "testutil.h"

#include <errno.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static char *tmp;
static char exe[4096];

static void setup(void)
{
    tmp = emb_test_tmpdir();
    ck_assert_ptr_nonnull(tmp);
    const char *b = getenv("EMB_BUILD_ROOT");
    snprintf(exe, sizeof exe, "%s/embodied", b ? b : "build");
}

static void teardown(void)
{
    emb_test_rmtree(tmp);
    free(tmp);
}

/* `embodied ARGS` in sh (in tmp); its exit status, stdout and stderr
 * (malloc'd). */
static int run(const char *args, char **out, char **err)
{
    char cmd[32768];
    snprintf(cmd, sizeof cmd, "cd '%s' && '%s' %s >'%s/stdout.txt' 2>'%s/stderr.txt'", tmp, exe,
             args, tmp, tmp);
    int rc = system(cmd);
    size_t n;
    *out = emb_test_slurp(emb_test_pathf("%s/stdout.txt", tmp), &n);
    *err = emb_test_slurp(emb_test_pathf("%s/stderr.txt", tmp), &n);
    ck_assert_msg(WIFEXITED(rc) && WEXITSTATUS(rc) < 126, "%s: status %d: %s", cmd, rc, *err);
    return WEXITSTATUS(rc);
}

static size_t count_lines(const char *s, const char *needle)
{
    size_t n = 0;
    for (const char *p = s; *p;) {
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) : strlen(p);
        char line[8192];
        snprintf(line, sizeof line, "%.*s", (int)(len < sizeof line ? len : sizeof line - 1), p);
        n += !needle || strstr(line, needle) != NULL;
        p += len + (nl != NULL);
    }
    return n;
}

/* The hand-solved 2 x 2 table, stressor CO2 [kt], in tmp/t.h5. */
static void write_hand_table(void)
{
    emb_table *t = emb_test_hand_table(EMB_TECH_Z, 1);
    ck_assert_int_eq(emb_table_write_h5(t, emb_test_pathf("%s/t.h5", tmp), NULL), EMB_OK);
    emb_table_free(t);
}

/* `info` on its own results file describes it (issue 11, defect 8): the
 * format, the labels, every dataset with its shape, the provenance
 * attributes; before, it said "not an embodied-mrio file" (exit 3). */
START_TEST(info_describes_results_file)
{
    write_hand_table();
    char *out, *err;
    ck_assert_int_eq(run("accounts t.h5 -q -o r.h5 --group G=R1,R2 --sectors", &out, &err), 0);
    free(out), free(err);
    ck_assert_int_eq(run("info r.h5", &out, &err), 0);
    ck_assert_msg(*err == '\0', "stderr: %s", err);
    const char *want[] = {"embodied-results version 1",
                          "\nregions                  2: R1, R2\n",
                          "\nsectors                  2: s1, s2\n",
                          "\nstressors                1\n",
                          "  CO2 ",
                          "[kt]",
                          "\ngroups                   1: G\n",
                          "\n  pba                            1 x 2  float64  [kt]\n",
                          "\n  flows                          1 x 2 x 2  float64  [kt]\n",
                          "\n  M                              1 x 4  float64  [kt per ",
                          "\n  D_cba                          1 x 4  float64  [kt]\n",
                          "\n  groups/G                       2  strings\n",
                          "\n  embodied_version               ",
                          "\n  input_file                     ",
                          "t.h5\n",
                          "\n  solver                         dense\n",
                          "\n  max_residual_solve             ",
                          "\n  created                        20"};
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
        ck_assert_msg(strstr(out, want[i]), "info r.h5 lacks '%s':\n%s", want[i], out);
    free(out), free(err);
    /* A run's warnings (several lines) are shown line by line; control
     * characters in an attribute are written \xNN, never sent to the
     * terminal. */
    hid_t f = H5Fopen(emb_test_pathf("%s/r.h5", tmp), H5F_ACC_RDWR, H5P_DEFAULT);
    ck_assert(f >= 0);
    hid_t ty = H5Tcopy(H5T_C_S1), sp = H5Screate(H5S_SCALAR);
    H5Tset_size(ty, H5T_VARIABLE);
    if (H5Aexists(f, "warnings") > 0) /* the run's own facts: replaced by a hostile text */
        ck_assert(H5Adelete(f, "warnings") >= 0);
    hid_t at = H5Acreate2(f, "warnings", ty, sp, H5P_DEFAULT, H5P_DEFAULT);
    const char *w = "first warning\nsecond \033[31mwarning";
    ck_assert(at >= 0 && H5Awrite(at, ty, &w) >= 0);
    H5Aclose(at), H5Sclose(sp), H5Tclose(ty), H5Fclose(f);
    ck_assert_int_eq(run("info r.h5", &out, &err), 0);
    ck_assert_msg(strstr(out, "\n  warnings                       first warning\n"
                              "                                 second \\x1B[31mwarning\n"),
                  "%s", out);
    ck_assert_msg(!strchr(out, '\033'), "an escape sequence reached stdout");
    free(out), free(err);
    /* --group defines groups of a table, not of results. */
    ck_assert_int_eq(run("info r.h5 --group H=R1", &out, &err), 2);
    ck_assert_msg(count_lines(err, NULL) == 1 && strstr(err, "not to the results file"), "%s", err);
    free(out), free(err);
    /* A table is still described as a table. */
    ck_assert_int_eq(run("info t.h5", &out, &err), 0);
    ck_assert_msg(strstr(out, "technology matrix") && !strstr(out, "embodied-results"), "%s", out);
    free(out), free(err);
}
END_TEST

/* `info` summarises the zero-output sectors that emit in one warning line
 * (count, pairs, the first five sectors), and lists every (sector,
 * stressor) with --verbose (issue 11, defect 6: 147 lines on 49 x 100). */
START_TEST(info_summarises_warnings)
{
    char *out, *err;
    ck_assert_int_eq(run("synth -r 4 --sectors 10 --zero-output 0.4 -o z.h5", &out, &err), 0);
    free(out), free(err);
    emb_table *t = NULL;
    ck_assert_int_eq(emb_table_read_h5(emb_test_pathf("%s/z.h5", tmp), EMB_READ_DEFAULT, &t),
                     EMB_OK);
    if (!t->x) /* x = Z 1 + Y 1, as info computes it */
        ck_assert_int_eq(emb_table_complete_x(t), EMB_OK);
    size_t sectors = 0, pairs = 0;
    for (size_t i = 0; i < t->N; i++) {
        size_t p = 0;
        for (size_t s = 0; s < t->k; s++)
            p += t->x[i] <= 0 && t->F[s * t->N + i] != 0;
        sectors += p > 0, pairs += p;
    }
    emb_table_free(t);
    ck_assert_msg(sectors > 5, "the generated table has only %zu emitting zero-output sectors",
                  sectors);
    ck_assert_int_eq(run("info z.h5", &out, &err), 0);
    ck_assert_msg(count_lines(err, "zero output") == 1, "%s", err);
    char want[256];
    snprintf(want, sizeof want, "warning: %zu sectors with zero output emit (%zu sector-stressor "
                                "pairs;", sectors, pairs);
    ck_assert_msg(strstr(err, want) && strstr(err, "(--verbose lists all)"), "%s\nwanted %s", err,
                  want);
    free(out), free(err);
    ck_assert_int_eq(run("info z.h5 --verbose", &out, &err), 0);
    ck_assert_uint_eq(count_lines(err, "has zero output but"), pairs);
    free(out), free(err);
}
END_TEST

/* A table with regions DE, FR, US, de, group EU of DE and FR, and
 * stressors that share prefixes and cases. */
static emb_table *names_table(void)
{
    const char *r[] = {"DE", "FR", "US", "de"};
    const char *st[] = {"CO2", "co2/CO2/air", "co2/CO2/water", "CH4 - air", "N2O"};
    emb_table *t = NULL;
    ck_assert_int_eq(emb_table_create(4, 1, 1, 5, EMB_TECH_Z, 1, &t), EMB_OK);
    for (size_t i = 0; i < 4; i++)
        ck_assert_int_eq(emb_table_set_label(t, EMB_LABEL_REGION, i, r[i]), EMB_OK);
    ck_assert_int_eq(emb_table_set_label(t, EMB_LABEL_SECTOR, 0, "s"), EMB_OK);
    ck_assert_int_eq(emb_table_set_label(t, EMB_LABEL_FD_CATEGORY, 0, "hh"), EMB_OK);
    for (size_t i = 0; i < 5; i++) {
        ck_assert_int_eq(emb_table_set_label(t, EMB_LABEL_STRESSOR, i, st[i]), EMB_OK);
        ck_assert_int_eq(emb_table_set_label(t, EMB_LABEL_STRESSOR_UNIT, i, "kt"), EMB_OK);
    }
    ck_assert_int_eq(emb_table_add_group_spec(t, "EU=de,FR"), EMB_OK); /* de: exact, the 4th */
    return t;
}

/* Names that forgive (issue 11, expect 4): exact wins, then the '/'-suffix,
 * then ignoring case, then a unique prefix or substring; a name matching
 * several in the deciding tier is refused naming them; an unknown one gets
 * the closest names. */
START_TEST(names_forgive)
{
    emb_table *t = names_table();
    struct {
        const char *name;
        long want; /* index, or -1: refused */
        const char *words;
    } st[] = {{"CO2", 0, NULL},
              {"co2", 0, NULL},          /* CO2 ignoring case, before any prefix */
              {"co2/CO2/air", 1, NULL},  /* exact */
              {"CO2/air", 1, NULL},      /* '/'-suffix */
              {"water", 2, NULL},        /* '/'-suffix */
              {"co2/co2/AIR", 1, NULL},  /* ignoring case */
              {"ch4", 3, NULL},          /* unique prefix, ignoring case */
              {"n2", 4, NULL},           /* unique prefix */
              {"- air", 3, NULL},        /* unique substring */
              {"co2/", -1, "'co2/CO2/air', 'co2/CO2/water'"},
              {"O2", -1, "matches 'CO2', 'co2/CO2/air', 'co2/CO2/water';"}, /* substrings */
              {"SO2", -1, "closest are 'CO2'"}};
    for (size_t i = 0; i < sizeof st / sizeof st[0]; i++) {
        size_t idx = 99;
        emb_status rc = emb_table_find_stressor(t, st[i].name, &idx);
        if (st[i].want >= 0) {
            ck_assert_msg(rc == EMB_OK && idx == (size_t)st[i].want, "%s: %d, index %zu: %s",
                          st[i].name, rc, idx, emb_errmsg());
            ck_assert_int_eq(emb_table_stressor_index(t, st[i].name), st[i].want);
        } else {
            ck_assert_msg(rc == EMB_EUSAGE && strstr(emb_errmsg(), st[i].words), "%s: %d: %s",
                          st[i].name, rc, emb_errmsg());
            ck_assert_int_eq(emb_table_stressor_index(t, st[i].name), -1);
        }
    }
    /* "air": the '/'-suffix tier matches co2/CO2/air alone, before substrings. */
    size_t idx;
    ck_assert_int_eq(emb_table_find_stressor(t, "air", &idx), EMB_OK);
    ck_assert_uint_eq(idx, 1);
    struct {
        const char *name, *label, *words;
    } un[] = {{"DE", "DE", NULL},  {"de", "de", NULL}, {"fr", "FR", NULL}, {"us", "US", NULL},
              {"EU", "EU", NULL},  {"eu", "EU", NULL},
              {"De", NULL, "region 'DE', region 'de'"},
              {"FRA", NULL, "closest regions are 'FR'"},
              {"EU28", NULL, "groups 'EU'"}};
    for (size_t i = 0; i < sizeof un / sizeof un[0]; i++) {
        const char *label = NULL;
        emb_status rc = emb_table_find_unit(t, un[i].name, &label);
        if (un[i].label) {
            ck_assert_msg(rc == EMB_OK && !strcmp(label, un[i].label), "%s: %d: %s", un[i].name, rc,
                          emb_errmsg());
            const size_t *m;
            size_t n, one;
            ck_assert_int_eq(emb_table_resolve_unit(t, un[i].name, &m, &n, &one), EMB_OK);
        } else
            ck_assert_msg(rc == EMB_EUSAGE && strstr(emb_errmsg(), un[i].words), "%s: %d: %s",
                          un[i].name, rc, emb_errmsg());
    }
    /* Group members forgive case too, when unique. */
    ck_assert_int_eq(emb_table_add_group_spec(t, "NA=us"), EMB_OK);
    ck_assert_int_eq(emb_table_add_group_spec(t, "X=De"), EMB_EUSAGE);
    ck_assert_int_eq(emb_table_add_group_spec(t, "Y=USA"), EMB_EUSAGE);
    ck_assert_msg(strstr(emb_errmsg(), "unknown region 'USA'; the closest are 'US'"), "%s",
                  emb_errmsg());
    emb_table_free(t);
}
END_TEST

/* The same through the command line: -s co2 on the demo's co2/CO2/air,
 * lower-case regions in flows printed as the table spells them, a
 * misspelt region answered with the closest ones in one line. */
START_TEST(names_forgive_on_the_command_line)
{
    char *out, *err;
    ck_assert_int_eq(run("flows --from cn --to us --stressor co2 --csv", &out, &err), 0);
    ck_assert_msg(strstr(out, "co2/CO2/air,kt,CN,US,"), "%s", out);
    free(out), free(err);
    ck_assert_int_eq(run("flows --from CHN --to US", &out, &err), 2);
    ck_assert_msg(count_lines(err, "embodied") == 2 /* the demo line, the error */ &&
                      strstr(err, "'CHN' is neither a region nor a group of this table; the "
                                  "closest regions are 'CN'"), "%s", err);
    free(out), free(err);
    ck_assert_int_eq(run("accounts -q -s nox", &out, &err), 2);
    ck_assert_msg(strstr(err, "no stressor 'nox'; the closest are 'co2/CO2/air'"), "%s", err);
    free(out), free(err);
}
END_TEST

/* Run `embodied ARGS` (argv, NULL-terminated) in tmp on a pseudo-terminal:
 * everything it writes (stdout and stderr both go to the terminal),
 * malloc'd; *status its exit status. */
static char *run_on_terminal(char *const argv[], int *status)
{
    int fd;
    pid_t pid = forkpty(&fd, NULL, NULL, NULL);
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        if (chdir(tmp) != 0)
            _exit(126);
        setenv("EMBODIED_PROGRESS_AFTER", "0", 1); /* draw from the start: no timing */
        execv(exe, argv);
        _exit(127);
    }
    size_t cap = 1 << 20, n = 0;
    char *buf = calloc(cap, 1);
    ck_assert_ptr_nonnull(buf);
    for (;;) {
        ssize_t r = read(fd, buf + n, cap - 1 - n);
        if (r > 0) {
            n += (size_t)r;
            if (n + 1 >= cap)
                break;
            continue;
        }
        if (r < 0 && errno == EINTR)
            continue;
        break; /* EIO: the child closed the terminal */
    }
    buf[n] = '\0';
    close(fd);
    int st;
    ck_assert_int_eq(waitpid(pid, &st, 0), pid);
    *status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    return buf;
}

/* Progress (issue 11, expect 7): on a terminal, accounts shows reading,
 * factorising (with an estimate from N = 1000 on), solving (a bar) and writing, and synth
 * generating and writing; with stderr a file, nothing of it.  The one-second
 * delay is set to 0 (EMBODIED_PROGRESS_AFTER) so nothing depends on time. */
START_TEST(progress_on_a_terminal_only)
{
    write_hand_table();
    char *const acc[] = {exe, "accounts", "t.h5", "-q", "-o", "r.h5", NULL};
    int status;
    char *tty = run_on_terminal(acc, &status);
    ck_assert_msg(status == 0, "exit %d: %s", status, tty);
    const char *want[] = {"\r  reading t.h5: ", "\r  factorising I - A: ", " elapsed\033[K",
                          "\r  solving                      [", "%  ", "\r  writing results: ",
                          "\r\033[K"};
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
        ck_assert_msg(strstr(tty, want[i]), "no '%s' on the terminal:\n%s", want[i], tty);
    /* the last phase line is erased before the final message */
    ck_assert_msg(strstr(tty, "\r\033[Kembodied: wrote r.h5"), "%s", tty);
    free(tty);
    char *const syn[] = {exe, "synth", "--regions", "2", "--sectors", "3", "-o", "s.h5", NULL};
    tty = run_on_terminal(syn, &status);
    ck_assert_msg(status == 0 && strstr(tty, "\r  generating the table: ") &&
                      strstr(tty, "\r  writing the table"), "exit %d: %s", status, tty);
    free(tty);
    /* From N = 1000 on, the factorisation comes with an estimate. */
    char *const big_synth[] = {exe, "synth", "--regions", "10", "--sectors", "101", "-k", "1",
                               "-o", "big.h5", NULL};
    free(run_on_terminal(big_synth, &status));
    ck_assert_int_eq(status, 0);
    char *const big[] = {exe, "accounts", "big.h5", "-q", "--solver", "dense", NULL};
    tty = run_on_terminal(big, &status);
    ck_assert_msg(status == 0 && strstr(tty, "\r  factorising I - A: ") &&
                      strstr(tty, " elapsed, about ") && strstr(tty, " in all\033[K"),
                  "exit %d: %s", status, tty);
    free(tty);
    /* Not a terminal: no phase, no carriage return, no escape sequence. */
    char *out, *err;
    setenv("EMBODIED_PROGRESS_AFTER", "0", 1);
    ck_assert_int_eq(run("accounts t.h5 -q -o r2.h5", &out, &err), 0);
    ck_assert_msg(!strchr(err, '\r') && !strchr(err, '\033') && !strstr(err, "factorising") &&
                      strstr(err, "embodied: wrote"), "%s", err);
    free(out), free(err);
    ck_assert_int_eq(run("synth --regions 2 --sectors 3 -o s2.h5", &out, &err), 0);
    unsetenv("EMBODIED_PROGRESS_AFTER");
    ck_assert_msg(!strchr(err, '\r') && !strstr(err, "generating"), "%s", err);
    free(out), free(err);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("cli_ux");
    TCase *tc = tcase_create("cli_ux");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, info_describes_results_file);
    tcase_add_test(tc, info_summarises_warnings);
    tcase_add_test(tc, names_forgive);
    tcase_add_test(tc, names_forgive_on_the_command_line);
    tcase_add_test(tc, progress_on_a_terminal_only);
    suite_add_tcase(s, tc);
    return emb_test_run(s);
}
