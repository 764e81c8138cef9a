/* embodied/error.h — the one error convention of the library.
 *
 * Every fallible function returns an emb_status: EMB_OK (0) on success, a
 * negative code on failure.  The code says which class of failure it was (it
 * maps 1:1 onto the CLI's exit codes, see README "Exit codes"); the detailed
 * one-line message — naming the file, dataset, row/column and what was
 * expected — is kept per thread and read with emb_errmsg().  The library never
 * prints and never aborts.
 */
#ifndef EMBODIED_ERROR_H
#define EMBODIED_ERROR_H

#ifdef __cplusplus
extern "C" {
#endif

typedef enum emb_status {
    EMB_OK = 0,
    EMB_EUSAGE = -1,    /* invalid argument or option (caller's mistake) */
    EMB_EINPUT = -2,    /* input data malformed or inconsistent */
    EMB_ENUMERIC = -3,  /* numerical failure: singular system, residual or identity check failed */
    EMB_EIO = -4,       /* a file could not be opened, read, written or renamed */
    EMB_ENOMEM = -5,    /* allocation failed, a size overflows, or a plan exceeds the memory limit */
    EMB_EINTERNAL = -6, /* a bug: an invariant of the library itself failed */
    EMB_EINTERRUPTED = -7 /* the caller's interruption callback (embodied/context.h) asked to stop */
} emb_status;

/* Short, static description of a status class ("input data error", ...). */
const char *emb_strerror(emb_status s);

/* The calling thread's message for the most recent error raised by the
 * library (empty string if none).  Valid until the next failing call on this
 * thread; copy it if you need it longer. */
const char *emb_errmsg(void);

/* Clear the calling thread's message. */
void emb_errclear(void);

#ifdef __cplusplus
}
#endif
#endif
