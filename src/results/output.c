/* src/results/output.c — the results writers' destinations (a file written
 * atomically, or standard output), the shared CSV cell printers, and the
 * public face of the output set and the removal of temporaries for signal
 * handlers (io/atomic.h). */
#include "results/output.h"

#include "core/error_impl.h"
#include "embodied/results.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* The shortest of %.15g, %.16g, %.17g that reads back as the same double
 * (what Python's repr gives, mostly): exact and readable, "4.8" rather than
 * "4.8000000000000007"; -0 is written 0 (a sum of cancelling terms is not a
 * signed quantity a reader should see). */
void emb_csv_number(FILE *fp, double v)
{
    char buf[40];
    if (v == 0) {
        fputc('0', fp);
        return;
    }
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(buf, sizeof buf, "%.*g", prec, v);
        if (prec == 17 || strtod(buf, NULL) == v)
            break;
    }
    fputs(buf, fp);
}

void emb_csv_field(FILE *fp, const char *s)
{
    if (!strpbrk(s, ",\"\n\r")) {
        fputs(s, fp);
        return;
    }
    fputc('"', fp);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', fp);
        fputc(*s, fp);
    }
    fputc('"', fp);
}

emb_status emb_out_open(emb_out *o, const char *path)
{
    memset(o, 0, sizeof *o);
    o->at.slot = -1;
    if (!path) {
        o->fp = stdout;
        o->name = "standard output";
        return EMB_OK;
    }
    o->name = path;
    emb_status st = emb_atomic_begin(&o->at, path);
    if (!st)
        st = emb_atomic_fopen(&o->at);
    o->fp = o->at.fp;
    return st;
}

emb_status emb_out_commit(emb_out *o)
{
    if (o->fp == stdout) {
        /* A full disk or a closed pipe on standard output is an error of the
         * results, not something to find out at exit.  The error flag is
         * cleared so that it is reported once. */
        if (fflush(stdout) != 0 || ferror(stdout)) {
            int e = errno;
            clearerr(stdout);
            return emb_raise(EMB_EIO, "standard output: write error: %s", strerror(e));
        }
        return EMB_OK;
    }
    if (fflush(o->fp) != 0 || ferror(o->fp))
        return emb_raise(EMB_EIO, "%s: write failed: %s", o->name, strerror(errno));
    return emb_atomic_commit(&o->at);
}

void emb_out_abort(emb_out *o)
{
    if (o->fp != stdout)
        emb_atomic_abort(&o->at);
    o->fp = NULL;
}

void emb_results_remove_temporaries(void) { emb_atomic_cleanup_all(); }

void emb_results_set_commit_hook(void (*hook)(const char *tmp_path)) { emb_atomic_set_test_hook(hook); }

void emb_results_set_during_commit_hook(void (*during)(const char *path))
{
    emb_atomic_set_commit_test_hook(during);
}

emb_status emb_results_begin_set(void) { return emb_atomic_set_begin(); }

emb_status emb_results_commit_set(void) { return emb_atomic_set_commit(); }

void emb_results_discard_set(void) { emb_atomic_set_abort(); }

int emb_results_interrupt(void) { return emb_atomic_interrupt(); }
