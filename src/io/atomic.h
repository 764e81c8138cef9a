/* src/io/atomic.h — write-to-temporary-then-rename, so that an interrupted
 * run never leaves a half-written result under the final name.
 *
 *   emb_atomic a;
 *   emb_atomic_begin(&a, "out.h5");   // creates a.tmp_path = "out.h5.tmp.<pid>.<random>" beside it
 *   ... write a.tmp_path (HDF5) or a.fp (stdio, when opened with emb_atomic_fopen) ...
 *   emb_atomic_commit(&a);            // fsync, rename over out.h5, fsync the directory
 *   emb_atomic_abort(&a);             // on failure: remove the temporary (safe after commit)
 *
 * Temporaries of this process are registered so that the CLI's SIGINT/SIGTERM
 * handler can remove them (emb_atomic_cleanup_all is async-signal-safe).
 */
#ifndef EMB_ATOMIC_H
#define EMB_ATOMIC_H

#include <stdio.h>

#include "embodied/error.h"

typedef struct emb_atomic {
    char *path;     /* final name */
    char *tmp_path; /* temporary name in the same directory */
    FILE *fp;       /* set by emb_atomic_fopen */
    int fd;         /* the temporary as created (O_EXCL|O_NOFOLLOW), until fopen or release; -1 */
    int slot;       /* registration slot, -1 if none */
    int done;
    int existed;    /* path existed at begin: commit replaces it (the caller allowed it, e.g.
                       --force); else commit never replaces a file that appeared meanwhile */
} emb_atomic;

/* Create the temporary, empty, under an unpredictable name in path's
 * directory, exclusively and without following a symbolic link (a link
 * planted at a guessable name cannot redirect the write); fails with EMB_EIO
 * if the destination's directory does not exist or is not writable, or `path`
 * is a directory. */
emb_status emb_atomic_begin(emb_atomic *a, const char *path);
/* Open the temporary for stdio writing ("wb"). */
emb_status emb_atomic_fopen(emb_atomic *a);
/* fflush/fsync/fclose a.fp if open (or fsync the file at tmp_path), rename,
 * fsync the directory.  Removes the temporary on failure.  When path did not
 * exist at begin, the rename never replaces a file another process created
 * meanwhile (EMB_EIO: two runs writing the same new output; the loser says so). */
emb_status emb_atomic_commit(emb_atomic *a);
/* Remove the temporary if still there and release the names. */
void emb_atomic_abort(emb_atomic *a);

/* Remove every registered temporary (signal handlers). */
void emb_atomic_cleanup_all(void);

/* Test hook (the CLI's EMBODIED_TEST_SIGNAL_AFTER_TEMP): `hook`, when set, is
 * called once, with the temporary's name, by the first emb_atomic_commit of
 * the process after the temporary is written and synced and before it is
 * renamed into place, so a test can interrupt a run at a known point.  NULL
 * (the default) disables it.  Not for production use. */
void emb_atomic_set_test_hook(void (*hook)(const char *tmp_path));

#endif
