/* src/core/memory.c — the memory limit (embodied/memory.h: process-wide, or
 * the running call's context, embodied/context.h) and
 * allocation plans checked against it (core/plan.h). */
#include "embodied/memory.h"

#include "core/context_impl.h"
#include "core/error_impl.h"
#include "core/plan.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* 0: the default (physical memory).  Relaxed atomics: the value is a
 * setting, not a synchronisation point. */
static _Atomic size_t limit_set;
/* Physical memory, computed once (0: not yet).  Two threads racing compute
 * the same number. */
static _Atomic size_t phys_cache;

static size_t physical_memory(void)
{
    size_t p = atomic_load_explicit(&phys_cache, memory_order_relaxed);
    if (p)
        return p;
    long pages = sysconf(_SC_PHYS_PAGES), psize = sysconf(_SC_PAGESIZE);
    if (pages > 0 && psize > 0 && (unsigned long)pages <= SIZE_MAX / (unsigned long)psize)
        p = (size_t)pages * (size_t)psize;
    else
        p = SIZE_MAX; /* unknown: no limit rather than a made-up one */
    atomic_store_explicit(&phys_cache, p, memory_order_relaxed);
    return p;
}

size_t emb_memory_physical(void) { return physical_memory(); }

emb_status emb_memory_parse(const char *text, size_t *bytes)
{
    static const char units[] = "KMGTPE";
    const char *s = text ? text : "";
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    double m = 1;
    if (end != s && *end) {
        const char *u = strchr(units, toupper((unsigned char)*end));
        if (u && *end) {
            for (const char *p = units; p <= u; p++)
                m *= 1024.0;
            end++;
            if (*end == 'i' || *end == 'I')
                end++;
        }
        if (*end == 'b' || *end == 'B')
            end++;
    }
    if (end == s || *end || !(v == v) || isspace((unsigned char)*s))
        return emb_raise(EMB_EUSAGE, "size '%s': expected a number of bytes with an optional unit "
                                     "K, M, G, T, P or E (powers of 1024), e.g. 8G, 512MiB", s);
    double b = v * m;
    if (!(b >= 1.0))
        return emb_raise(EMB_EUSAGE, "size '%s': must be at least one byte", s);
    if (!(b < 18446744073709551616.0) || b >= (double)SIZE_MAX)
        return emb_raise(EMB_EUSAGE, "size '%s': overflows (the largest size is 2^64 - 1 bytes, "
                                     "16 EiB)", s);
    *bytes = (size_t)b;
    return EMB_OK;
}

size_t emb_set_memory_limit(size_t bytes)
{
    return atomic_exchange_explicit(&limit_set, bytes, memory_order_relaxed);
}

/* An address-space or data-segment limit (ulimit -v, Grid Engine's h_vmem,
 * Slurm's memory limits): what the plans may use under it, 3/4 of it (the
 * rest is the program, its libraries and OpenBLAS's per-thread buffers,
 * which under such a limit would otherwise retry an allocation forever);
 * SIZE_MAX when there is none. */
static size_t rlimit_memory(void)
{
    size_t lim = SIZE_MAX;
    const int which[] = {RLIMIT_AS, RLIMIT_DATA};
    for (size_t i = 0; i < sizeof which / sizeof which[0]; i++) {
        struct rlimit rl;
        if (getrlimit(which[i], &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
            (unsigned long long)rl.rlim_cur < (unsigned long long)lim)
            lim = (size_t)rl.rlim_cur;
    }
    return lim == SIZE_MAX ? lim : lim / 4 * 3;
}

/* The default limit: physical memory, or less under an address-space limit. */
static size_t default_limit(void)
{
    size_t p = physical_memory(), r = rlimit_memory();
    return r < p ? r : p;
}

size_t emb_memory_limit(void)
{
    size_t c = emb_ctx_memory_limit(); /* the running call's context first */
    if (c)
        return c;
    size_t v = atomic_load_explicit(&limit_set, memory_order_relaxed);
    return v ? v : default_limit();
}

int emb_memory_limit_is_set(void)
{
    return emb_ctx_memory_limit() != 0 || atomic_load_explicit(&limit_set, memory_order_relaxed) != 0;
}

const char *emb_memory_limit_origin(void)
{
    if (emb_ctx_memory_limit())
        return "the context's memory limit";
    if (emb_memory_limit_is_set())
        return "--max-memory";
    return rlimit_memory() < physical_memory()
               ? "3/4 of the process's address-space limit, ulimit -v"
               : "machine memory";
}

size_t emb_block_bytes(size_t want)
{
    size_t cap = emb_memory_limit() / 16;
    return want < cap ? want : cap;
}

const char *emb_fmt_bytes(double bytes, char *buf, size_t cap)
{
    static const char *const unit[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
    size_t u = 0;
    double v = bytes;
    while (v >= 1024.0 && u + 1 < sizeof unit / sizeof unit[0])
        v /= 1024.0, u++;
    if (u == 0)
        snprintf(buf, cap, "%.0f B", v);
    else if (v >= 1024.0) /* beyond EiB: only hostile files get here */
        snprintf(buf, cap, "%.3g %s", v, unit[u]);
    else
        snprintf(buf, cap, v < 10 ? "%.1f %s" : "%.0f %s", v, unit[u]);
    return buf;
}

void emb_plan_init(emb_plan *p) { memset(p, 0, sizeof *p); }

void emb_plan_add(emb_plan *p, const char *what, double n1, double n2, double elem)
{
    double b = n1 * n2 * elem;
    if (!(b > 0))
        return;
    if (p->n < EMB_PLAN_MAX) {
        p->item[p->n].what = what;
        p->item[p->n++].bytes = b;
    } else {
        p->item[EMB_PLAN_MAX - 1].bytes += b;
    }
}

void emb_plan_table(emb_plan *p, double n_r, double n_s, double n_f, double k, int with_T,
                    const char *tname, int with_x)
{
    double N = n_r * n_s, n_y = n_r * n_f;
    if (with_T)
        emb_plan_add(p, tname, N, N, sizeof(double));
    emb_plan_add(p, "Y", N, n_y, sizeof(double));
    emb_plan_add(p, "F", k, N, sizeof(double));
    emb_plan_add(p, "F_Y", k, n_y, sizeof(double));
    if (with_x)
        emb_plan_add(p, "x", N, 1, sizeof(double));
    emb_plan_add(p, "label slots", n_r + n_s + n_f + 2 * k, 1, sizeof(char *));
}

double emb_plan_total(const emb_plan *p)
{
    double s = 0;
    for (size_t i = 0; i < p->n; i++)
        s += p->item[i].bytes;
    return s;
}

emb_status emb_plan_check(const emb_plan *p, const char *file, const char *subject)
{
    return emb_plan_check_against(p, file, subject, (double)emb_memory_limit(),
                                  emb_memory_limit_origin());
}

emb_status emb_plan_check_against(const emb_plan *p, const char *file, const char *subject,
                                  double limit, const char *origin)
{
    double total = emb_plan_total(p);
    if (total <= limit)
        return EMB_OK;
    /* The largest items first: they are what the user can act on. */
    size_t order[EMB_PLAN_MAX];
    for (size_t i = 0; i < p->n; i++) {
        size_t j = i;
        while (j > 0 && p->item[order[j - 1]].bytes < p->item[i].bytes) {
            order[j] = order[j - 1];
            j--;
        }
        order[j] = i;
    }
    char list[400], b[32], t[32], l[32];
    size_t off = 0, shown = p->n < 5 ? p->n : 5;
    list[0] = '\0';
    for (size_t i = 0; i < shown && off < sizeof list; i++) {
        const emb_plan_item *it = &p->item[order[i]];
        int w = snprintf(list + off, sizeof list - off, "%s%s %s", i ? ", " : "", it->what,
                         emb_fmt_bytes(it->bytes, b, sizeof b));
        if (w < 0)
            break;
        off += (size_t)w;
    }
    if (p->n > shown && off < sizeof list)
        snprintf(list + off, sizeof list - off, ", ...");
    return emb_raise(EMB_ENOMEM, "%s: %s needs %s (%s) but the memory limit is %s (%s)", file,
                     subject, emb_fmt_bytes(total, t, sizeof t), list,
                     emb_fmt_bytes(limit, l, sizeof l), origin);
}
