/* tests/test_context.c — per-call settings (embodied/context.h): the memory
 * limit, threads, interruption and fault injection of a context apply to the
 * call it is bound to, and only to it. */
#include "core/alloc.h"
#include "core/context_impl.h"
#include "core/error_impl.h"
#include "embodied/embodied.h"
#include "testutil.h"

#include <pthread.h>
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
    suite_add_tcase(s, tc);
    return emb_test_run(s);
}
