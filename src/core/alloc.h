/* src/core/alloc.h — the one allocation wrapper of the library (internal).
 *
 * Every heap allocation goes through emb_alloc()/emb_calloc()/emb_strdup() so
 * that (1) nmemb*size is checked for overflow before anything is requested,
 * (2) a failure is raised as EMB_ENOMEM with a message saying what was being
 * allocated and how big it was, (3) a single request larger than the memory
 * limit (embodied/memory.h) is refused before malloc sees it, and (4) tests
 * can make the k-th allocation fail (emb_alloc_fail_after) to prove every
 * error path cleans up.
 * emb_free(NULL) is a no-op.
 */
#ifndef EMB_ALLOC_H
#define EMB_ALLOC_H

#include <stddef.h>

/* nmemb*size bytes, uninitialised; NULL (and EMB_ENOMEM raised) on overflow
 * or failure.  `what` names the object for the message ("Z matrix"). */
void *emb_alloc(size_t nmemb, size_t size, const char *what);
/* Same, zero-filled. */
void *emb_calloc(size_t nmemb, size_t size, const char *what);
/* Resize; on failure the old block stays valid and NULL is returned. */
void *emb_realloc(void *p, size_t nmemb, size_t size, const char *what);
/* For the N x N working matrices: like emb_alloc, but aligned to 2 MiB and
 * advised for transparent huge pages (Linux MADV_HUGEPAGE) when at least
 * 32 MiB, which cuts first-touch page faults ~500-fold and TLB misses in
 * dgetrf.  Freed with emb_free. */
void *emb_alloc_big(size_t nmemb, size_t size, const char *what);
char *emb_strdup(const char *s);
/* printf into a new string (NULL and EMB_ENOMEM raised on failure). */
char *emb_strfmt(const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 1, 2)))
#endif
    ;
char *emb_strndup(const char *s, size_t n);
void emb_free(void *p);

/* a*b without overflow: returns 0 and sets *out, or -1 on overflow. */
int emb_mul_overflows(size_t a, size_t b, size_t *out);

/* Test hook (fault injection): the allocation after the next `n` successful
 * ones fails; n < 0 switches injection off.  Counts are per thread. */
void emb_alloc_fail_after(long n);
/* Number of allocations made on this thread since start (for tests). */
long emb_alloc_count(void);
/* Largest single request (bytes) made on this thread since the last
 * emb_alloc_peak_reset(), refused or not (for tests: "nothing large was
 * allocated before the input was refused"). */
size_t emb_alloc_peak_request(void);
void emb_alloc_peak_reset(void);

#endif
