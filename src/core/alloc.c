/* src/core/alloc.c — overflow-checked allocation with fault injection and
 * the memory limit (embodied/memory.h) applied to every single request. */
#define _DEFAULT_SOURCE /* madvise flags beyond POSIX */
#include "core/alloc.h"
#include "core/error_impl.h"
#include "core/plan.h"
#include "embodied/memory.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

static _Thread_local long fail_countdown = -1; /* < 0: no injection */
static _Thread_local long alloc_count = 0;
static _Thread_local size_t peak_request = 0;

void emb_alloc_fail_after(long n) { fail_countdown = n; }
long emb_alloc_count(void) { return alloc_count; }
size_t emb_alloc_peak_request(void) { return peak_request; }
void emb_alloc_peak_reset(void) { peak_request = 0; }

int emb_mul_overflows(size_t a, size_t b, size_t *out)
{
    if (a != 0 && b > SIZE_MAX / a)
        return -1;
    *out = a * b;
    return 0;
}

/* Decide whether this allocation of `bytes` is the injected failure. */
static int injected(size_t bytes)
{
    alloc_count++;
    if (bytes > peak_request)
        peak_request = bytes;
    if (fail_countdown < 0)
        return 0;
    if (fail_countdown == 0) {
        fail_countdown = -1;
        return 1;
    }
    fail_countdown--;
    return 0;
}

static void *fail(size_t nmemb, size_t size, const char *what, int overflow)
{
    if (overflow)
        emb_raise(EMB_ENOMEM, "%s: size %zu x %zu bytes overflows the address space",
                  what ? what : "allocation", nmemb, size);
    else
    {
        char b[32];
        emb_raise(EMB_ENOMEM, "%s: cannot allocate %s", what ? what : "allocation",
                  emb_fmt_bytes((double)nmemb * (double)size, b, sizeof b));
    }
    return NULL;
}

/* A single request above the memory limit is refused before malloc: with
 * overcommit, malloc would succeed and the process die later, touching it.
 * Plans (core/plan.h) catch sums earlier, with a better message; this is the
 * backstop for every allocation no plan foresaw. */
static void *over_limit(size_t bytes, const char *what)
{
    char b[32], l[32];
    emb_raise(EMB_ENOMEM, "%s: one allocation of %s exceeds the memory limit of %s (%s)",
              what ? what : "allocation", emb_fmt_bytes((double)bytes, b, sizeof b),
              emb_fmt_bytes((double)emb_memory_limit(), l, sizeof l), emb_memory_limit_origin());
    return NULL;
}

void *emb_alloc(size_t nmemb, size_t size, const char *what)
{
    size_t bytes;
    if (emb_mul_overflows(nmemb, size, &bytes))
        return fail(nmemb, size, what, 1);
    if (injected(bytes))
        return fail(nmemb, size, what, 0);
    if (bytes > emb_memory_limit())
        return over_limit(bytes, what);
    void *p = malloc(bytes ? bytes : 1);
    return p ? p : fail(nmemb, size, what, 0);
}

void *emb_calloc(size_t nmemb, size_t size, const char *what)
{
    size_t bytes;
    if (emb_mul_overflows(nmemb, size, &bytes))
        return fail(nmemb, size, what, 1);
    if (injected(bytes))
        return fail(nmemb, size, what, 0);
    if (bytes > emb_memory_limit())
        return over_limit(bytes, what);
    void *p = calloc(nmemb ? nmemb : 1, size ? size : 1);
    return p ? p : fail(nmemb, size, what, 0);
}

#define HUGE_ALIGN ((size_t)2 << 20)
#define HUGE_MIN ((size_t)32 << 20)

void *emb_alloc_big(size_t nmemb, size_t size, const char *what)
{
    size_t bytes;
    if (emb_mul_overflows(nmemb, size, &bytes))
        return fail(nmemb, size, what, 1);
    if (injected(bytes))
        return fail(nmemb, size, what, 0);
    if (bytes > emb_memory_limit())
        return over_limit(bytes, what);
    if (bytes < HUGE_MIN) {
        void *p = malloc(bytes ? bytes : 1);
        return p ? p : fail(nmemb, size, what, 0);
    }
    void *p = NULL;
    if (posix_memalign(&p, HUGE_ALIGN, bytes) != 0)
        return fail(nmemb, size, what, 0);
#ifdef MADV_HUGEPAGE
    (void)madvise(p, bytes, MADV_HUGEPAGE); /* advice only: failure costs speed, not results */
#endif
    return p;
}

void *emb_realloc(void *old, size_t nmemb, size_t size, const char *what)
{
    size_t bytes;
    if (emb_mul_overflows(nmemb, size, &bytes))
        return fail(nmemb, size, what, 1);
    if (injected(bytes))
        return fail(nmemb, size, what, 0);
    if (bytes > emb_memory_limit())
        return over_limit(bytes, what);
    void *p = realloc(old, bytes ? bytes : 1);
    return p ? p : fail(nmemb, size, what, 0);
}

char *emb_strndup(const char *s, size_t n)
{
    char *p = emb_alloc(n + 1, 1, "string");
    if (!p)
        return NULL;
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *emb_strdup(const char *s) { return emb_strndup(s, strlen(s)); }

char *emb_strfmt(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return NULL;
    char *s = emb_alloc((size_t)n + 1, 1, "text");
    if (!s)
        return NULL;
    va_start(ap, fmt);
    vsnprintf(s, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return s;
}

void emb_free(void *p) { free(p); }
