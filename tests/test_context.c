/* tests/test_context.c — per-call settings (embodied/context.h): the memory
 * limit, threads, interruption and fault injection of a context apply to the
 * call it is bound to, and only to it. */
#include "core/alloc.h"
#include "core/context_impl.h"
#include "core/error_impl.h"
#include "embodied/embodied.h"
#include "testutil.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

extern int openblas_get_num_threads(void);
extern void openblas_set_num_threads(int n);

START_TEST(defaults_and_setters)
{
    emb_context *c = NULL;
    ck_assert_int_eq(emb_context_create(&c), EMB_OK);
    ck_assert_uint_eq(emb_context_memory_limit(c), 0);
    ck_assert_uint_eq(emb_context_threads(c), 0);
    emb_context_set_memory_limit(c, 1u << 20);
    emb_context_set_threads(c, 3);
    ck_assert_uint_eq(emb_context_memory_limit(c), 1u << 20);
    ck_assert_uint_eq(emb_context_threads(c), 3);
    emb_context_free(c);
    emb_context_free(NULL);
    ck_assert_int_eq(emb_context_create(NULL), EMB_EUSAGE);
}
END_TEST

START_TEST(memory_limit_bound_to_the_call)
{
    size_t process = emb_memory_limit();
    emb_context *c = NULL;
    ck_assert_int_eq(emb_context_create(&c), EMB_OK);
    emb_context_set_memory_limit(c, 64u << 10);
    emb_ctx_frame f;
    emb_ctx_enter(&f, c);
    ck_assert_uint_eq(emb_memory_limit(), 64u << 10);
    ck_assert(emb_memory_limit_is_set());
    /* a single request above the context's limit is refused, naming it */
    void *p = emb_alloc(1, 1u << 20, "big block");
    ck_assert_ptr_null(p);
    ck_assert_msg(strstr(emb_errmsg(), "context") != NULL, "%s", emb_errmsg());
    /* nested call without a context keeps the outer one */
    emb_ctx_frame g;
    emb_ctx_enter(&g, NULL);
    ck_assert_uint_eq(emb_memory_limit(), 64u << 10);
    emb_ctx_leave(&g);
    emb_ctx_leave(&f);
    ck_assert_uint_eq(emb_memory_limit(), process);
    ck_assert_ptr_null(emb_ctx_current());
    emb_context_free(c);
}
END_TEST

/* Two threads, two contexts, at the same time: each sees its own limit. */
typedef struct {
    size_t limit;
    size_t seen;
    pthread_barrier_t *bar;
} lim_job;

static void *lim_thread(void *arg)
{
    lim_job *j = arg;
    emb_context *c = NULL;
    if (emb_context_create(&c))
        return NULL;
    emb_context_set_memory_limit(c, j->limit);
    emb_ctx_frame f;
    emb_ctx_enter(&f, c);
    pthread_barrier_wait(j->bar); /* both bound now */
    j->seen = emb_memory_limit();
    pthread_barrier_wait(j->bar);
    emb_ctx_leave(&f);
    emb_context_free(c);
    return NULL;
}

START_TEST(contexts_are_per_call_not_global)
{
    pthread_barrier_t bar;
    pthread_barrier_init(&bar, NULL, 2);
    lim_job a = {1u << 20, 0, &bar}, b = {2u << 20, 0, &bar};
    pthread_t ta, tb;
    ck_assert_int_eq(pthread_create(&ta, NULL, lim_thread, &a), 0);
    ck_assert_int_eq(pthread_create(&tb, NULL, lim_thread, &b), 0);
    pthread_join(ta, NULL);
    pthread_join(tb, NULL);
    pthread_barrier_destroy(&bar);
    ck_assert_uint_eq(a.seen, 1u << 20);
    ck_assert_uint_eq(b.seen, 2u << 20);
}
END_TEST

static int stop_after(void *user)
{
    int *n = user;
    return --*n < 0;
}

START_TEST(interruption_polls)
{
    ck_assert_int_eq(emb_ctx_poll("no context"), EMB_OK);
    emb_context *c = NULL;
    ck_assert_int_eq(emb_context_create(&c), EMB_OK);
    int budget = 2;
    emb_context_set_interrupt(c, stop_after, &budget);
    emb_ctx_frame f;
    emb_ctx_enter(&f, c);
    ck_assert_int_eq(emb_ctx_poll("a"), EMB_OK);
    ck_assert_int_eq(emb_ctx_poll("b"), EMB_OK);
    ck_assert_int_eq(emb_ctx_poll("solving"), EMB_EINTERRUPTED);
    ck_assert_msg(strstr(emb_errmsg(), "solving") != NULL, "%s", emb_errmsg());
    ck_assert_str_eq(emb_strerror(EMB_EINTERRUPTED), "interrupted");
    emb_ctx_leave(&f);
    emb_context_free(c);
}
END_TEST

START_TEST(threads_applied_and_restored)
{
    int before = openblas_get_num_threads();
    emb_context *c = NULL;
    ck_assert_int_eq(emb_context_create(&c), EMB_OK);
    emb_context_set_threads(c, 1);
    emb_ctx_frame f;
    emb_ctx_enter(&f, c);
    ck_assert_int_eq(openblas_get_num_threads(), 1);
    ck_assert_uint_eq(emb_ctx_threads(64), 1);
    emb_ctx_leave(&f);
    ck_assert_int_eq(openblas_get_num_threads(), before);
    emb_context_free(c);
}
END_TEST

START_TEST(fault_injection_per_call)
{
    emb_context *c = NULL;
    ck_assert_int_eq(emb_context_create(&c), EMB_OK);
    emb_context_set_alloc_fail_after(c, 1);
    emb_ctx_frame f;
    emb_ctx_enter(&f, c);
    void *a = emb_alloc(1, 16, "first");
    void *b = emb_alloc(1, 16, "second");
    ck_assert_ptr_nonnull(a);
    ck_assert_ptr_null(b);
    emb_free(a);
    /* re-binding the same context (a nested call) does not restart it */
    emb_context_set_alloc_fail_after(c, 0);
    emb_ctx_frame g;
    emb_ctx_enter(&g, c);
    void *d = emb_alloc(1, 16, "third");
    ck_assert_ptr_nonnull(d);
    emb_free(d);
    emb_ctx_leave(&g);
    emb_ctx_leave(&f);
    /* after the call, nothing is injected */
    void *e = emb_alloc(1, 16, "after");
    ck_assert_ptr_nonnull(e);
    emb_free(e);
    emb_context_free(c);
}
END_TEST


/* A generated table written to a file and read back streamed, so that the
 * solver's passes over T go through the row-block reader. */
static emb_table *streamed_table(char **dir)
{
    emb_synth_opts o = emb_synth_defaults(4, 5, 2, 2, 7);
    emb_table *g = NULL, *t = NULL;
    ck_assert_int_eq(emb_synth_table(&o, &g), EMB_OK);
    *dir = emb_test_tmpdir();
    char *path = emb_test_pathf("%s/t.h5", *dir);
    ck_assert_int_eq(emb_table_write_h5(g, path, NULL), EMB_OK);
    ck_assert_int_eq(emb_table_read_h5(path, EMB_READ_DEFAULT, &t), EMB_OK);
    emb_table_free(g);
    return t;
}

typedef struct {
    const emb_table *t;
    size_t limit;
    emb_status st;
    pthread_barrier_t *bar;
} acc_job;

static void *acc_thread(void *arg)
{
    acc_job *j = arg;
    emb_context *c = NULL;
    if (emb_context_create(&c))
        return NULL;
    emb_context_set_memory_limit(c, j->limit);
    emb_accounts_opts o = {.per_sector = 1, .ctx = c};
    emb_accounts *a = NULL;
    pthread_barrier_wait(j->bar);
    j->st = emb_accounts_compute(j->t, &o, &a);
    emb_accounts_free(a);
    emb_context_free(c);
    return NULL;
}

START_TEST(accounts_under_two_contexts_at_once)
{
    /* One table in memory, two concurrent computations: the one whose
     * context allows 4 KiB is refused by its plan, the other succeeds, and
     * the process-wide limit is untouched. */
    emb_synth_opts so = emb_synth_defaults(4, 5, 2, 2, 3);
    emb_table *t = NULL;
    ck_assert_int_eq(emb_synth_table(&so, &t), EMB_OK);
    size_t process = emb_memory_limit();
    pthread_barrier_t bar;
    pthread_barrier_init(&bar, NULL, 2);
    acc_job small = {t, 4096, EMB_OK, &bar}, big = {t, 0, EMB_ENOMEM, &bar};
    pthread_t a, b;
    ck_assert_int_eq(pthread_create(&a, NULL, acc_thread, &small), 0);
    ck_assert_int_eq(pthread_create(&b, NULL, acc_thread, &big), 0);
    pthread_join(a, NULL);
    pthread_join(b, NULL);
    pthread_barrier_destroy(&bar);
    ck_assert_int_eq(small.st, EMB_ENOMEM);
    ck_assert_int_eq(big.st, EMB_OK);
    ck_assert_uint_eq(emb_memory_limit(), process);
    emb_table_free(t);
}
END_TEST

START_TEST(interrupted_accounts_return_cleanly)
{
    /* Stop at the n-th poll for every n: each run is either interrupted
     * (nothing returned, nothing leaked: ASan) or complete and equal to an
     * uninterrupted run; at least one is interrupted and the loop ends in
     * success. */
    char *dir = NULL;
    emb_table *t = streamed_table(&dir);
    emb_accounts *ref = NULL;
    emb_accounts_opts o = {.per_sector = 1, .solver = {.kind = EMB_SOLVER_DENSE}};
    ck_assert_int_eq(emb_accounts_compute(t, &o, &ref), EMB_OK);
    emb_context *c = NULL;
    ck_assert_int_eq(emb_context_create(&c), EMB_OK);
    o.ctx = c;
    int interrupted = 0, done = 0;
    for (int n = 0; n < 1000 && !done; n++) {
        int budget = n;
        emb_context_set_interrupt(c, stop_after, &budget);
        emb_accounts *a = NULL;
        emb_status st = emb_accounts_compute(t, &o, &a);
        if (st == EMB_EINTERRUPTED) {
            ck_assert_ptr_null(a);
            interrupted++;
            continue;
        }
        ck_assert_msg(st == EMB_OK, "n = %d: %s", n, emb_errmsg());
        for (size_t i = 0; i < t->k * t->n_r; i++)
            ck_assert(a->cba[i] == ref->cba[i] && a->imports[i] == ref->imports[i]);
        emb_accounts_free(a);
        done = 1;
    }
    ck_assert(done);
    ck_assert_int_ge(interrupted, 2); /* reading T and the per-sector solves poll */
    emb_context_free(c);
    emb_accounts_free(ref);
    emb_table_free(t);
    emb_test_rmtree(dir);
    free(dir);
}
END_TEST

static int always(void *user)
{
    (void)user;
    return 1;
}

START_TEST(solver_binds_its_context)
{
    /* Created with a context, the solver uses its limit and its
     * interruption for creation and for every later call. */
    char *dir = NULL;
    emb_table *t = streamed_table(&dir);
    emb_context *c = NULL;
    ck_assert_int_eq(emb_context_create(&c), EMB_OK);
    emb_solver_opts o = {.kind = EMB_SOLVER_DENSE, .ctx = c};
    emb_leontief *lf = NULL;
    emb_context_set_memory_limit(c, 1024); /* the N x N factor cannot fit */
    ck_assert_int_eq(emb_leontief_create(t, &o, &lf), EMB_ENOMEM);
    ck_assert_msg(strstr(emb_errmsg(), "context") != NULL, "%s", emb_errmsg());
    emb_context_set_memory_limit(c, 0);
    emb_context_set_interrupt(c, always, NULL);
    ck_assert_int_eq(emb_leontief_create(t, &o, &lf), EMB_EINTERRUPTED); /* reading T */
    ck_assert_ptr_null(lf);
    emb_context_set_interrupt(c, NULL, NULL);
    emb_context_set_threads(c, 1);
    ck_assert_int_eq(emb_leontief_create(t, &o, &lf), EMB_OK);
    double *b = calloc(t->N, sizeof *b);
    b[0] = 1;
    emb_context_set_interrupt(c, always, NULL);
    ck_assert_int_eq(emb_leontief_solve(lf, 1, b, t->N), EMB_EINTERRUPTED);
    emb_context_set_interrupt(c, NULL, NULL);
    ck_assert_int_eq(emb_leontief_solve(lf, 1, b, t->N), EMB_OK);
    ck_assert(b[0] >= 1.0); /* (I - A)^-1 e_0 >= e_0 for A >= 0 */
    free(b);
    emb_leontief_free(lf);
    emb_context_free(c);
    emb_table_free(t);
    emb_test_rmtree(dir);
    free(dir);
}
END_TEST

static void count_progress(void *user, const char *what, unsigned long long done,
                           unsigned long long total)
{
    (void)what, (void)done, (void)total;
    ++*(int *)user;
}

START_TEST(importers_and_generator_take_the_context)
{
    /* The importer reports progress through the context's callback when its
     * options have none, and plans against the context's limit; so does the
     * generator. */
    emb_context *c = NULL;
    ck_assert_int_eq(emb_context_create(&c), EMB_OK);
    int calls = 0;
    emb_context_set_progress(c, count_progress, &calls);
    emb_import_opts io = {.ctx = c};
    emb_table *t = NULL;
    ck_assert_int_eq(emb_import_csv(emb_test_src_path("datasets/csv-example"), &io, &t), EMB_OK);
    ck_assert_int_gt(calls, 0);
    emb_table_free(t);
    t = NULL;
    emb_context_set_memory_limit(c, 512);
    ck_assert_int_eq(emb_import_csv(emb_test_src_path("datasets/csv-example"), &io, &t), EMB_ENOMEM);
    ck_assert_ptr_null(t);
    emb_synth_opts so = emb_synth_defaults(4, 5, 2, 2, 1);
    so.ctx = c;
    ck_assert_int_eq(emb_synth_table(&so, &t), EMB_ENOMEM);
    ck_assert_msg(strstr(emb_errmsg(), "context") != NULL, "%s", emb_errmsg());
    emb_context_set_memory_limit(c, 0);
    ck_assert_int_eq(emb_synth_table(&so, &t), EMB_OK);
    emb_table_free(t);
    emb_context_free(c);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("context");
    TCase *tc = tcase_create("context");
    tcase_add_test(tc, defaults_and_setters);
    tcase_add_test(tc, memory_limit_bound_to_the_call);
    tcase_add_test(tc, contexts_are_per_call_not_global);
    tcase_add_test(tc, interruption_polls);
    tcase_add_test(tc, threads_applied_and_restored);
    tcase_add_test(tc, fault_injection_per_call);
    tcase_add_test(tc, accounts_under_two_contexts_at_once);
    tcase_add_test(tc, interrupted_accounts_return_cleanly);
    tcase_add_test(tc, solver_binds_its_context);
    tcase_add_test(tc, importers_and_generator_take_the_context);
    suite_add_tcase(s, tc);
    return emb_test_run(s);
}
