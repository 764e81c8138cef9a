/* src/results/output.c — the results writers' destinations (a file written
 * atomically, or standard output), the shared CSV cell printers, and the
 * public removal of temporaries for signal handlers. */
#include "results/output.h"

#include "core/error_impl.h"
#include "embodied/results.h"

#include <errno.h>
#include <string.h>

void emb_csv_number(FILE *fp, double v) { fprintf(fp, "%.17g", v); }

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
