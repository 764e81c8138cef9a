/* src/core/error.c — emb_status strings and the per-thread error message.
 * The message lives in thread-local storage so that concurrent jobs (one table
 * per thread in a batch driver) never see each other's errors. */
#include "core/error_impl.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define EMB_ERRMSG_MAX 1024

static _Thread_local char errmsg[EMB_ERRMSG_MAX];

const char *emb_strerror(emb_status s)
{
    switch (s) {
    case EMB_OK: return "success";
    case EMB_EUSAGE: return "usage error";
    case EMB_EINPUT: return "input data error";
    case EMB_ENUMERIC: return "numerical error";
    case EMB_EIO: return "I/O error";
    case EMB_ENOMEM: return "out of memory";
    case EMB_EINTERNAL: return "internal error";
    }
    return "unknown status";
}

const char *emb_errmsg(void) { return errmsg; }

void emb_errclear(void) { errmsg[0] = '\0'; }

emb_status emb_raise(emb_status s, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(errmsg, sizeof errmsg, fmt, ap);
    va_end(ap);
    return s;
}

emb_status emb_raise_prefix(emb_status s, const char *fmt, ...)
{
    char prefix[EMB_ERRMSG_MAX], old[EMB_ERRMSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(prefix, sizeof prefix, fmt, ap);
    va_end(ap);
    memcpy(old, errmsg, sizeof old);
    size_t lp = strlen(prefix), lo = strlen(old);
    if (lp > sizeof errmsg - 1)
        lp = sizeof errmsg - 1;
    if (lo > sizeof errmsg - 1 - lp)
        lo = sizeof errmsg - 1 - lp; /* truncate the tail, keep the context */
    memcpy(errmsg, prefix, lp);
    memcpy(errmsg + lp, old, lo);
    errmsg[lp + lo] = '\0';
    return s;
}
