/* src/batch/batch.h — the accounts of many tables in one process (internal;
 * the engine of `embodied batch`, README "Batch runs").
 *
 * For each input table i (in the order given) that belongs to this rank
 * (i mod nranks == rank: an MPI driver or a job array passes its rank; a
 * serial run is rank 0 of 1), the accounts are computed and written, through
 * the results writers, into DIR/<name>/ (results.h5 and the CSV files), where
 * <name> is the input's file name without its extension.  A table's files are
 * written into a temporary directory DIR/.<name>.tmp.<pid> that is renamed
 * into place once complete, so DIR/<name>/ is either absent or complete.
 *
 * DIR/manifest.csv (DIR/manifest.rank<R>-of-<P>.csv when nranks > 1) has one
 * row per table of the rank (header in batch.c, README) and is rewritten
 * atomically after each table.  A table is skipped (its previous row kept)
 * when a manifest in DIR has a `done` row for its name with the same SHA-256
 * and options and DIR/<name>/results.h5 and accounts.csv exist; opts.force
 * redoes it.  A failing table is recorded (status `failed`, the message) and
 * the others go on.
 *
 * Once every table is done (rank 0 of 1, not interrupted), DIR/series.csv
 * `year,stressor,unit,region,pba,cba,imports,exports,unallocated,kind` is
 * built from the tables' results.h5 files (kind region or group; sorted by
 * year, then input order), and DIR/series_flows.csv
 * `year,stressor,unit,origin,destination,value` for the pairs asked.
 * Regions, sectors and stressors (and their units) must be those of the
 * first table unless opts.allow_different_labels: else EMB_EINPUT naming the
 * first difference, and no series is written.
 *
 * Threads: opts.jobs tables at once, each with an emb_context of
 * opts.threads threads (0: cores / jobs, at least 1). */
#ifndef EMB_BATCH_H
#define EMB_BATCH_H

#include <stddef.h>

#include "embodied/accounts.h"
#include "embodied/context.h"
#include "embodied/results.h"

typedef enum emb_batch_status {
    EMB_BATCH_PENDING = 0, /* not reached (interrupted batch) */
    EMB_BATCH_DONE,        /* computed in this run */
    EMB_BATCH_SKIPPED,     /* done by an earlier run and unchanged (resume) */
    EMB_BATCH_FAILED,
    EMB_BATCH_INTERRUPTED  /* was running when the batch was interrupted: nothing kept */
} emb_batch_status;

/* What the manifest records of one table. */
typedef struct emb_batch_entry {
    char *input;            /* path as given */
    char *name;             /* output folder name in DIR */
    long long size;         /* bytes, -1 when unknown */
    char sha256[65];        /* hex, "" when the file could not be read */
    char *options;          /* the options text the table ran with */
    char *solver;           /* solver used, "" when none ran */
    char *explain;          /* the solver's reason for its choice (not in the manifest), or NULL */
    double residual_solve, residual_tsolve, identity_error;
    double seconds;         /* read, solve, write */
    double peak_rss_mib;    /* process peak resident memory while it ran (VmHWM) */
    long year;
    const char *year_source; /* "attribute", "file name", "index" (static strings) */
    emb_batch_status status;
    int processed;           /* 1 once this run processed it (else: an earlier run's row) */
    emb_status error_status;
    char *error;            /* message, NULL when none */
    size_t parts;           /* a row read from DIR/manifest.rank*-of-<parts>.csv (0: from
                             * manifest.csv, or computed in this run) */
} emb_batch_entry;

typedef struct emb_batch_opts {
    const char *dir;                 /* output folder (created if missing) */
    unsigned jobs;                   /* tables at once; 0 = 1 */
    unsigned threads;                /* threads per table; 0 = cores / jobs */
    size_t memory_limit;             /* per table (emb_context); 0 = the process-wide limit */
    emb_accounts_opts acc;           /* accounts options (acc.ctx ignored: one context per table) */
    const char *const *groups;       /* --group specs added to every table */
    size_t n_groups;
    const char *options_text;        /* the options as the manifest records them (resume key) */
    int force;                       /* redo tables already done */
    int allow_different_labels;
    int year_from;                   /* 0: the table's year attribute, else a 4-digit number in
                                      * the file name, else the index; 1: file name, else index;
                                      * 2: the index (1-based position in the inputs) */
    const emb_flow_pair *pairs;      /* series_flows.csv pairs (region or group names) */
    size_t npairs;
    int all_flows;                   /* series_flows.csv with every region pair */
    size_t rank, nranks;             /* tables i with i mod nranks == rank; nranks 0 = 1 */
    emb_interrupt_fn interrupt;      /* polled between tables and inside each (NULL: never) */
    void *interrupt_user;
    /* Called before reading a table (the CLI's damaged-HDF5 probe): return 0,
     * or non-zero after writing a message into msg[msglen] to fail it. */
    int (*check_input)(size_t i, const char *path, char *msg, size_t msglen, void *user);
    /* Called on the worker thread once table i's files are complete in its
     * temporary folder, before it is renamed into place (tests interrupt
     * here), and after each table with its final entry (logs). */
    void (*before_commit)(size_t i, void *user);
    void (*after_table)(size_t i, const emb_batch_entry *e, void *user);
    /* The accounts of table i instead of emb_accounts_compute (an MPI group's
     * rank 0: emb_mpi_accounts with the other ranks of its group).  With it,
     * jobs must be 1: it is called exactly once per table of this rank that
     * the run processes, in order, with t, ao and out NULL when the table is
     * not computed (skipped, or failed before its solve). */
    emb_status (*compute)(size_t i, const emb_table *t, const emb_accounts_opts *ao,
                          emb_accounts **out, void *user);
    void *user;
    /* The final pass of an MPI run dealt to merge_ranks parts (0: none): no
     * table is computed; each takes the row of DIR/manifest.rank*-of-
     * <merge_ranks>.csv with its name and options, checksum and size
     * included (the inputs are not read again; a table without one fails: no
     * rank recorded it), then manifest.csv and the series are written as by
     * a serial run. */
    size_t merge_ranks;
} emb_batch_opts;

/* Run the batch over inputs[0 .. n).  *entries (n entries, owned by the
 * caller: emb_batch_entries_free; NULL only when they could not be
 * allocated) receives every table's entry and *n_failed the number of this
 * rank's tables that failed (their messages in the entries: a failed table
 * does not stop the others, and the series holds the tables done).
 * Returns EMB_OK when the run and the series (if due) completed, whatever
 * the tables' own outcomes; EMB_EINTERRUPTED when interrupted (no series);
 * EMB_EUSAGE for inputs that give the same output name; EMB_EIO for DIR or
 * the manifest; EMB_EINPUT for tables whose labels differ (no series). */
emb_status emb_batch_run(const char *const *inputs, size_t n, const emb_batch_opts *opts,
                         emb_batch_entry **entries, size_t *n_failed);

void emb_batch_entries_free(emb_batch_entry *entries, size_t n);

/* The series of entries[0 .. n) whose status is done or skipped, from
 * opts->dir/<name>/results.h5 (series.c): DIR/series.csv and, with
 * opts->npairs or opts->all_flows, DIR/series_flows.csv.  EMB_EINPUT for
 * labels that differ (unless opts->allow_different_labels) or two tables of
 * one year, EMB_ENUMERIC for a table failing the identities, EMB_EUSAGE for
 * a pair naming no region or group; nothing is written then. */
emb_status emb_batch_write_series(const emb_batch_entry *entries, size_t n,
                                  const emb_batch_opts *opts);

/* Name of an entry status ("done", "skipped", ...). */
const char *emb_batch_status_name(emb_batch_status s);

/* The year of a table from its file name: the last run of exactly four
 * digits in the base name (1000..2999); 0 when none. */
long emb_batch_year_from_name(const char *path);

#endif
