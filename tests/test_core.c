/* tests/test_core.c — error convention, allocation wrapper and emb_table. */
#include "core/alloc.h"
#include "core/error_impl.h"
#include "embodied/embodied.h"
#include "testutil.h"

#include <math.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#include <stdint.h>
#include <string.h>

START_TEST(raise_sets_message)
{
    emb_status st = emb_raise(EMB_EINPUT, "file %s: row %d", "a.h5", 3);
    ck_assert_int_eq(st, EMB_EINPUT);
    ck_assert_str_eq(emb_errmsg(), "file a.h5: row 3");
    emb_raise_prefix(st, "while reading: ");
    ck_assert_str_eq(emb_errmsg(), "while reading: file a.h5: row 3");
    ck_assert_str_eq(emb_strerror(EMB_ENOMEM), "out of memory");
    emb_errclear();
    ck_assert_str_eq(emb_errmsg(), "");
}
END_TEST

START_TEST(alloc_overflow_is_user_error)
{
    void *p = emb_alloc(SIZE_MAX / 2, 8, "Z matrix");
    ck_assert_ptr_null(p);
    ck_assert_msg(strstr(emb_errmsg(), "Z matrix") != NULL, "%s", emb_errmsg());
    emb_table *t = NULL;
    ck_assert_int_eq(emb_table_create(SIZE_MAX / 4, 4, 1, 1, EMB_TECH_Z, 1, &t), EMB_ENOMEM);
    ck_assert_ptr_null(t);
}
END_TEST

START_TEST(alloc_failure_loop_table_create)
{
    /* Every allocation of emb_table_create may fail: no leak, no crash.  The
     * loop must end in success (else the bound was too small and the later
     * allocations were never made to fail), after at least one failure (else
     * the fault injection did nothing). */
    long k, failures = 0;
    emb_status st = EMB_ENOMEM;
    for (k = 0; k < 1000; k++) {
        emb_table *t = NULL;
        emb_alloc_fail_after(k);
        st = emb_table_create(2, 3, 2, 1, EMB_TECH_Z, 1, &t);
        emb_alloc_fail_after(-1);
        if (st == EMB_OK) {
            ck_assert_ptr_nonnull(t);
            emb_table_free(t);
            break;
        }
        ck_assert_int_eq(st, EMB_ENOMEM);
        ck_assert_ptr_null(t);
        failures++;
    }
    ck_assert_msg(st == EMB_OK, "emb_table_create still failed after %ld injected failures", k);
    ck_assert_msg(failures > 0, "no allocation was made to fail: fault injection inactive");
    ck_assert_int_eq(failures, k);
}
END_TEST

static emb_table *small_table(void)
{
    emb_table *t = NULL;
    ck_assert_int_eq(emb_table_create(2, 2, 1, 1, EMB_TECH_Z, 1, &t), EMB_OK);
    const char *r[] = {"CN", "EU27"}, *s[] = {"coal", "steel"};
    for (size_t i = 0; i < 2; i++) {
        ck_assert_int_eq(emb_table_set_label(t, EMB_LABEL_REGION, i, r[i]), EMB_OK);
        ck_assert_int_eq(emb_table_set_label(t, EMB_LABEL_SECTOR, i, s[i]), EMB_OK);
    }
    emb_table_set_label(t, EMB_LABEL_FD_CATEGORY, 0, "households");
    emb_table_set_label(t, EMB_LABEL_STRESSOR, 0, "co2/CO2/air");
    emb_table_set_label(t, EMB_LABEL_STRESSOR_UNIT, 0, "kt");
    return t;
}

START_TEST(labels_groups_and_lookup)
{
    emb_table *t = small_table();
    ck_assert_int_eq(emb_table_validate(t, NULL), EMB_OK);
    ck_assert_int_eq(emb_table_region_index(t, "EU27"), 1);
    ck_assert_int_eq(emb_table_region_index(t, "US"), -1);
    ck_assert_int_eq(emb_table_stressor_index(t, "CO2/air"), 0);
    ck_assert_int_eq(emb_table_stressor_index(t, "co2/CO2/air"), 0);
    ck_assert_int_eq(emb_table_stressor_index(t, "air"), 0);
    /* not a '/'-suffix, but a unique substring: names forgive (issue 11) */
    ck_assert_int_eq(emb_table_stressor_index(t, "O2/air"), 0);
    ck_assert_int_eq(emb_table_stressor_index(t, "O2/water"), -1);
    ck_assert_int_eq(emb_table_add_group_spec(t, "ALL=CN,EU27"), EMB_OK);
    ck_assert_int_eq(emb_table_add_group_spec(t, "BAD=CN,US"), EMB_EUSAGE);
    ck_assert_msg(strstr(emb_errmsg(), "unknown region 'US'"), "%s", emb_errmsg());
    ck_assert_int_eq(emb_table_add_group_spec(t, "ALL=CN"), EMB_EUSAGE);
    ck_assert_int_eq(emb_table_add_group_spec(t, "CN=EU27"), EMB_EUSAGE);
    ck_assert_int_eq(emb_table_add_group_spec(t, "TWICE=CN,CN"), EMB_EUSAGE);
    ck_assert_int_eq(emb_table_add_group_spec(t, "NOEQ"), EMB_EUSAGE);
    const size_t *m;
    size_t n, one;
    ck_assert_int_eq(emb_table_resolve_unit(t, "ALL", &m, &n, &one), EMB_OK);
    ck_assert_uint_eq(n, 2);
    ck_assert_int_eq(emb_table_resolve_unit(t, "EU27", &m, &n, &one), EMB_OK);
    ck_assert_uint_eq(n, 1);
    ck_assert_uint_eq(m[0], 1);
    ck_assert_int_eq(emb_table_resolve_unit(t, "MN", &m, &n, &one), EMB_EUSAGE);
    emb_table_free(t);
}
END_TEST

START_TEST(validate_rejects_bad_values)
{
    emb_table *t = small_table();
    emb_table_set_path(t, "bad.h5");
    t->Y[1] = NAN;
    ck_assert_int_eq(emb_table_validate(t, NULL), EMB_EINPUT);
    ck_assert_msg(strstr(emb_errmsg(), "bad.h5") && strstr(emb_errmsg(), "/Y") &&
                      strstr(emb_errmsg(), "NaN"), "%s", emb_errmsg());
    t->Y[1] = -5; /* inventory change: valid, counted */
    emb_table_facts f;
    ck_assert_int_eq(emb_table_validate(t, &f), EMB_OK);
    ck_assert_uint_eq(f.n_negative_Y, 1);
    emb_table_alloc_x(t);
    t->x[3] = -1;
    ck_assert_int_eq(emb_table_validate(t, NULL), EMB_EINPUT);
    ck_assert_msg(strstr(emb_errmsg(), "negative") && strstr(emb_errmsg(), "EU27"), "%s",
                  emb_errmsg());
    t->x[3] = 0;
    ck_assert_int_eq(emb_table_validate(t, &f), EMB_OK);
    ck_assert_uint_eq(f.n_zero_x, 4);
    emb_table_set_label(t, EMB_LABEL_REGION, 1, "CN");
    ck_assert_int_eq(emb_table_validate(t, NULL), EMB_EINPUT);
    ck_assert_msg(strstr(emb_errmsg(), "duplicate region"), "%s", emb_errmsg());
    emb_table_free(t);
}
END_TEST

/* --max-memory's parser (issue 11: "8gib" and "8Gb" were refused although
 * the README calls the spellings alike; 2^64 and more was accepted). */
START_TEST(memory_sizes_parse_alike)
{
    const char *same[] = {"8G", "8g", "8GiB", "8gib", "8GB", "8Gb", "8gB", "8192M", "8388608k",
                          "0.0078125T", "8589934592", "8589934592B", "8.0e0G"};
    for (size_t i = 0; i < sizeof same / sizeof same[0]; i++) {
        size_t v = 0;
        ck_assert_msg(emb_memory_parse(same[i], &v) == EMB_OK, "%s: %s", same[i], emb_errmsg());
        ck_assert_msg(v == ((size_t)8 << 30), "%s -> %zu", same[i], v);
    }
    size_t v = 0;
    ck_assert_int_eq(emb_memory_parse("1P", &v), EMB_OK);
    ck_assert(v == (size_t)1 << 50);
    ck_assert_int_eq(emb_memory_parse("15E", &v), EMB_OK);
    const char *bad[] = {"", "G", "12X", "8 G", " 8G", "8GiBs", "-1G", "0", "0.5", "nan", "inf",
                         "16E", "16EiB", "18446744073709551616", "1e30", "8Gi B"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        v = 42;
        ck_assert_msg(emb_memory_parse(bad[i], &v) == EMB_EUSAGE, "'%s' accepted", bad[i]);
        ck_assert_uint_eq(v, 42);
        ck_assert_msg(strstr(emb_errmsg(), "size '") != NULL, "%s", emb_errmsg());
    }
    ck_assert_int_eq(emb_memory_parse("16E", &v), EMB_EUSAGE);
    ck_assert_msg(strstr(emb_errmsg(), "overflows") != NULL, "%s", emb_errmsg());
    ck_assert_uint_gt(emb_memory_physical(), 0);
}
END_TEST

/* Under an address-space limit (ulimit -v, Grid Engine's h_vmem) the default
 * limit is 3/4 of it, so plans are refused up front instead of the run
 * failing deep inside (issue 11, write side 5).  Checked in a child, which
 * alone gets the limit. */
START_TEST(address_space_limit_bounds_the_default)
{
    emb_set_memory_limit(0);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        struct rlimit rl = {(rlim_t)256 << 20, (rlim_t)256 << 20};
        if (setrlimit(RLIMIT_AS, &rl) != 0)
            _exit(3);
        size_t lim = emb_memory_limit();
        int ok = lim == ((size_t)256 << 20) / 4 * 3 && !emb_memory_limit_is_set();
        _exit(ok ? 0 : 1);
    }
    int status = 0;
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child status %d", status);
    ck_assert_uint_gt(emb_memory_limit(), (size_t)256 << 20); /* the parent is not limited */
}
END_TEST

int main(void)
{
    Suite *s = suite_create("core");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, raise_sets_message);
    tcase_add_test(tc, alloc_overflow_is_user_error);
    tcase_add_test(tc, alloc_failure_loop_table_create);
    tcase_add_test(tc, labels_groups_and_lookup);
    tcase_add_test(tc, validate_rejects_bad_values);
    tcase_add_test(tc, memory_sizes_parse_alike);
    tcase_add_test(tc, address_space_limit_bounds_the_default);
    suite_add_tcase(s, tc);
    return emb_test_run(s);
}
