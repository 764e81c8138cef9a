/* src/core/error_impl.h — how the library raises errors (internal).
 *
 * emb_raise() is the single function through which every error leaves the
 * library: it formats the thread's message and returns the status, so callers
 * write `return emb_raise(EMB_EINPUT, "%s: dataset /Y: ...", path)`.  Put a
 * breakpoint on it to stop at the origin of any failure.
 * emb_raise_prefix() prepends context ("while reading X: ") to an error that
 * was already raised further down, keeping its status.
 */
#ifndef EMB_ERROR_IMPL_H
#define EMB_ERROR_IMPL_H

#include "embodied/error.h"

#if defined(__GNUC__)
#define EMB_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define EMB_PRINTF(a, b)
#endif

emb_status emb_raise(emb_status s, const char *fmt, ...) EMB_PRINTF(2, 3);
emb_status emb_raise_prefix(emb_status s, const char *fmt, ...) EMB_PRINTF(2, 3);

#endif
