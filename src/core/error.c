/* src/core/error.c — emb_status strings and the per-thread error message.
 * The message lives in thread-local storage so that concurrent jobs (one table
 * per thread in a batch driver) never see each other's errors.  Messages
 * quote input (labels, cells, member names) that may hold anything: every
 * message is made one printable line here, control characters and bytes
 * that are not UTF-8 written as \xNN, so no input can forge extra lines or
 * send terminal escape sequences through a message. */
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
    case EMB_EINTERRUPTED: return "interrupted";
    }
    return "unknown status";
}

const char *emb_errmsg(void) { return errmsg; }

void emb_errclear(void) { errmsg[0] = '\0'; }

/* Length of the valid UTF-8 sequence (not a C1 control) at s, or 0. */
static size_t printable_seq(const unsigned char *s)
{
    unsigned c = s[0], v;
    size_t len;
    if (c >= 0x20 && c < 0x7F)
        return 1;
    if (c >= 0xC2 && c <= 0xDF)
        len = 2, v = c & 0x1F;
    else if (c >= 0xE0 && c <= 0xEF)
        len = 3, v = c & 0x0F;
    else if (c >= 0xF0 && c <= 0xF4)
        len = 4, v = c & 0x07;
    else
        return 0;
    for (size_t i = 1; i < len; i++) { /* the NUL ending s stops this too */
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        v = (v << 6) | (s[i] & 0x3F);
    }
    static const unsigned min[5] = {0, 0, 0x80, 0x800, 0x10000};
    if (v < min[len] || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF) || v <= 0x9F)
        return 0;
    return len;
}

/* Copy src into dst[cap] as one printable line (see the top of the file),
 * cut at a whole character when it does not fit. */
static void sanitize(char *dst, size_t cap, const char *src)
{
    const unsigned char *s = (const unsigned char *)src;
    size_t o = 0;
    while (*s) {
        size_t l = printable_seq(s);
        if (l) {
            if (o + l >= cap)
                break;
            for (size_t i = 0; i < l; i++)
                dst[o++] = (char)s[i];
            s += l;
        } else {
            if (o + 4 >= cap)
                break;
            snprintf(dst + o, 5, "\\x%02X", *s++);
            o += 4;
        }
    }
    dst[o] = '\0';
}

emb_status emb_raise(emb_status s, const char *fmt, ...)
{
    char raw[EMB_ERRMSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(raw, sizeof raw, fmt, ap);
    va_end(ap);
    sanitize(errmsg, sizeof errmsg, raw);
    return s;
}

emb_status emb_raise_prefix(emb_status s, const char *fmt, ...)
{
    char raw[EMB_ERRMSG_MAX], prefix[EMB_ERRMSG_MAX], old[EMB_ERRMSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(raw, sizeof raw, fmt, ap);
    va_end(ap);
    sanitize(prefix, sizeof prefix, raw);
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
