/* src/results/output.h — where a results writer's text goes (internal): a
 * file written atomically (io/atomic.h) or standard output, and the CSV
 * cell printers every CSV writer shares.  FILE * stays out of the public
 * headers (include/embodied/results.h). */
#ifndef EMB_RESULTS_OUTPUT_H
#define EMB_RESULTS_OUTPUT_H

#include <stdio.h>

#include "embodied/error.h"
#include "io/atomic.h"

typedef struct emb_out {
    emb_atomic at;    /* the temporary, when writing a file */
    FILE *fp;         /* at.fp or stdout */
    const char *name; /* the path, or "standard output" (messages) */
} emb_out;

/* Open path's temporary for writing, or standard output when path is NULL. */
emb_status emb_out_open(emb_out *o, const char *path);
/* Check the stream and rename the file into place (or flush standard
 * output): EMB_EIO naming o->name when anything failed. */
emb_status emb_out_commit(emb_out *o);
/* Remove the temporary if not committed and release o (safe after commit,
 * and on an o whose open failed). */
void emb_out_abort(emb_out *o);

/* Print a number as CSV would: the shortest of %.15g..%.17g that round-trips,
 * 0 for -0. */
void emb_csv_number(FILE *fp, double v);
/* Print a CSV field, quoted when it contains a comma, quote or newline. */
void emb_csv_field(FILE *fp, const char *s);

#endif
