/* src/io/atomic.h — write-to-temporary-then-rename, so that an interrupted
 * run never leaves a half-written result under the final name, and the
 * output set: every output of one command committed together.
 *
 *   emb_atomic a;
 *   emb_atomic_begin(&a, "out.h5");   // creates a.tmp_path = ".out.h5.embodied-tmp.<host>.<pid>.<random>"
 *   ... write a.tmp_path (HDF5) or a.fp (stdio, when opened with emb_atomic_fopen) ...
 *   emb_atomic_commit(&a);            // fsync, rename over out.h5, fsync the directory
 *   emb_atomic_abort(&a);             // on failure: remove the temporary (safe after commit)
 *
 * A folder (the CSV results) is built the same way: emb_atomic_dir_begin
 * creates a temporary folder beside it, emb_atomic_dir_file creates its files,
 * emb_atomic_dir_commit renames it into place, or exchanges it with the old
 * folder (renameat2 RENAME_EXCHANGE) so that the folder is replaced as a unit
 * and no file of an earlier run stays.
 *
 * Output set (emb_atomic_set_begin .. emb_atomic_set_commit): while one is
 * open, emb_atomic_commit and emb_atomic_dir_commit only make the temporary
 * durable and hand it to the set; emb_atomic_set_commit renames every one
 * into place, in order, and undoes the renames already done (a replaced file
 * comes back from a hard-linked backup, a replaced folder is exchanged back)
 * when one fails or a signal arrives meanwhile (emb_atomic_interrupt).  So
 * the outputs of a command appear together or not at all; the window in
 * which a SIGKILL or a power cut can leave a mix is the renames alone.
 *
 * Temporaries of this process are registered so that a signal handler can
 * remove them (emb_atomic_interrupt and emb_atomic_cleanup_all are
 * async-signal-safe).  Their names hold a hash of the host name and the pid,
 * so that the next run writing in the same directory removes those of a
 * process that no longer runs (one killed by SIGKILL).
 */
#ifndef EMB_ATOMIC_H
#define EMB_ATOMIC_H

#include <stddef.h>
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

#define EMB_ATOMIC_DIR_FILES 16

typedef struct emb_atomic_dir {
    char *path;                           /* final folder */
    char *tmp_path;                       /* the folder being built, beside it */
    int slot;                             /* registration of tmp_path, -1 if none */
    int existed;                          /* commit exchanges it with the old folder */
    int done;
    size_t n_files;
    char *files[EMB_ATOMIC_DIR_FILES];    /* full names of the files created in tmp_path */
    int file_slots[EMB_ATOMIC_DIR_FILES];
} emb_atomic_dir;

/* Create the temporary, empty, under an unpredictable name in path's
 * directory, exclusively and without following a symbolic link (a link
 * planted at a guessable name cannot redirect the write); fails with EMB_EIO
 * if the destination's directory does not exist or is not writable, or `path`
 * is a directory.  Removes stale temporaries of dead processes there. */
emb_status emb_atomic_begin(emb_atomic *a, const char *path);
/* Open the temporary for stdio writing ("wb"). */
emb_status emb_atomic_fopen(emb_atomic *a);
/* fflush/fsync/fclose a.fp if open (or fsync the file at tmp_path), then
 * rename into place and fsync the directory, or, while an output set is
 * open, hand the temporary to the set.  Removes the temporary on failure.
 * When path did not exist at begin, the rename never replaces a file another
 * process created meanwhile (EMB_EIO: two runs writing the same new output;
 * the loser says so). */
emb_status emb_atomic_commit(emb_atomic *a);
/* Remove the temporary if still there and release the names. */
void emb_atomic_abort(emb_atomic *a);

/* Check that folder `path` can be (re)placed by a folder of results:
 * missing (its parent must be a writable directory), or a real directory
 * (not a link) whose entries are all regular files named in
 * allowed[0 .. n_allowed) or stale temporaries (a folder holding anything
 * else is not replaced: EMB_EIO naming the entry).  *existed = whether it
 * exists. */
emb_status emb_atomic_dir_check(const char *path, const char *const *allowed, size_t n_allowed,
                                int *existed);
/* emb_atomic_dir_check, then create the temporary folder beside path. */
emb_status emb_atomic_dir_begin(emb_atomic_dir *d, const char *path, const char *const *allowed,
                                size_t n_allowed);
/* Create file `name` in the folder being built (exclusively) and open it
 * for writing in *fp; the caller fcloses it (an error of fclose is its). */
emb_status emb_atomic_dir_file(emb_atomic_dir *d, const char *name, FILE **fp);
/* fsync the folder, then rename it into place (exchange with the old one),
 * or hand it to the open output set. */
emb_status emb_atomic_dir_commit(emb_atomic_dir *d);
/* Remove the folder being built and its files; idempotent. */
void emb_atomic_dir_abort(emb_atomic_dir *d);

/* Open the output set (EMB_EUSAGE if one is open). */
emb_status emb_atomic_set_begin(void);
/* Rename every output of the set into place or none (see above): EMB_EIO
 * naming the output that failed, EMB_EINTERRUPTED when a signal arrived; the
 * set is closed either way. */
emb_status emb_atomic_set_commit(void);
/* Remove every temporary of the set and close it; a no-op when none is open. */
void emb_atomic_set_abort(void);

/* For a signal handler (async-signal-safe): when no commit is in progress,
 * remove every registered temporary and return 1 (the process should end
 * now; later commits are refused); during a commit, return 0: the commit
 * undoes its renames and returns EMB_EINTERRUPTED, so the handler returns
 * and the caller ends the process after that. */
int emb_atomic_interrupt(void);

/* Remove every registered temporary (signal handlers). */
void emb_atomic_cleanup_all(void);

/* Test hooks (the CLI's EMBODIED_TEST_SIGNAL_AFTER_TEMP): `hook`, when set,
 * is called with the temporary's name by every emb_atomic_commit and
 * emb_atomic_dir_commit after the temporary is written and synced and before
 * it is renamed (or handed to the set); `during` is called by every commit
 * (of one output or of a set) after its first rename, with that output's
 * final name.  NULL (the default) disables them.  Not for production use. */
void emb_atomic_set_test_hook(void (*hook)(const char *tmp_path));
void emb_atomic_set_commit_test_hook(void (*during)(const char *path));

#endif
