/* src/import/bytesrc.h — where importers get their bytes from (internal).
 *
 * An emb_archive is either a folder on disk or a .zip file (read with libzip);
 * both are addressed by '/'-separated paths relative to their top ("Z.txt",
 * "satellite/F.txt").  An emb_bytesrc is one file of an archive opened for
 * sequential reading into caller buffers: zip members are decompressed as
 * they are read, never loaded whole, so memory stays bounded by the caller's
 * buffer whatever the member's size.
 *
 * Every file is known by a display name used in all messages:
 * "<folder>/<rel>" for folders, "<zip>:<member>" for zips.
 *
 * Hostile zips are refused when opened, from the central directory alone
 * (EMB_EINPUT naming the archive and the member): more than
 * EMB_ZIP_MAX_ENTRIES members; a member name that is absolute, has a '..'
 * component, a backslash or a drive letter (we never extract, but a
 * database download with such a name is corrupt or an attack on unzip
 * tools); a declared uncompressed size above EMB_ZIP_MEMBER_MAX, or above
 * EMB_ZIP_RATIO_MIN and more than EMB_ZIP_MAX_RATIO times the compressed
 * size (a zip bomb: deflate cannot exceed 1032:1, real MRIO text compresses
 * 5-20:1).  While streaming, a member is never inflated past its declared
 * size: one that runs on is EMB_EINPUT.
 */
#ifndef EMB_IMPORT_BYTESRC_H
#define EMB_IMPORT_BYTESRC_H

#include <stddef.h>

#include "embodied/error.h"
#include "embodied/progress.h"

#define EMB_ZIP_MAX_ENTRIES 65535u /* the classic zip format's limit; no MRIO download nears it */
#define EMB_ZIP_MEMBER_MAX (1ull << 40) /* 1 TiB: GLORIA's largest CSV is tens of GB */
#define EMB_ZIP_RATIO_MIN (64ull << 20)
#define EMB_ZIP_MAX_RATIO 1000

typedef struct emb_archive emb_archive;
typedef struct emb_bytesrc emb_bytesrc;

/* Open `path`, a folder or a zip file.  A missing path or a file that is not
 * a zip archive is EMB_EIO naming it; a hostile zip (above) EMB_EINPUT.
 * *out owned by the caller. */
emb_status emb_archive_open(const char *path, emb_archive **out);

/* Close; NULL is a no-op.  Sources opened from it must be closed first. */
void emb_archive_close(emb_archive *a);

/* The path given to emb_archive_open (folders without trailing '/'). */
const char *emb_archive_path(const emb_archive *a);

/* 1 for a zip archive, 0 for a folder. */
int emb_archive_is_zip(const emb_archive *a);

/* Display name of `rel` ("dir/rel" or "x.zip:rel"), newly allocated (emb_free);
 * NULL with EMB_ENOMEM raised on allocation failure. */
char *emb_archive_display(const emb_archive *a, const char *rel);

/* 1 when `rel` names a regular file (folder) or a non-directory member (zip). */
int emb_archive_has(const emb_archive *a, const char *rel);

/* Names of the immediate sub-folders of folder `dir` ("" = the top, else
 * ending in '/'), sorted by strcmp.  *names[*n] owned by the caller (free each
 * with emb_free, then the array). */
emb_status emb_archive_subdirs(const emb_archive *a, const char *dir, char ***names, size_t *n);

/* Names of the regular files (members) directly inside folder `dir` ("" =
 * the top, else ending in '/'), sorted by strcmp; hidden files skipped in
 * folders.  Same ownership as emb_archive_subdirs. */
emb_status emb_archive_files(const emb_archive *a, const char *dir, char ***names, size_t *n);

/* Find where the archive's content starts: "" when `marker` (e.g.
 * "file_parameters.json") is at the top, "<folder>/" when it is inside exactly
 * one top-level folder (EXIOBASE zips hold IOT_2011_ixi/...).  Anything else
 * is EMB_EINPUT naming the archive.  *prefix owned by the caller. */
emb_status emb_archive_locate(const emb_archive *a, const char *marker, char **prefix);

/* Report reading progress of every source opened from now on: fn(ctx,
 * display name, bytes read, file size) every 4 MiB and once at end of file
 * (uncompressed bytes for zip members).  fn NULL switches it off. */
void emb_archive_set_progress(emb_archive *a, emb_progress_fn fn, void *ctx);

/* Open file `rel` of the archive for reading (EMB_EIO naming it when it does
 * not exist or cannot be opened).  *out owned by the caller. */
emb_status emb_bytesrc_open(emb_archive *a, const char *rel, emb_bytesrc **out);

/* Open the single file `path` (not inside an archive) for reading; its
 * display name is `path`.  A missing, unreadable or non-regular file is
 * EMB_EIO "<path>: cannot open the <what>: <reason>".  *out owned by the
 * caller. */
emb_status emb_bytesrc_open_file(const char *path, const char *what, emb_bytesrc **out);

/* Read up to cap bytes into buf; *got = 0 means end of file.  A read or
 * decompression (CRC) failure is EMB_EIO naming the file; a zip member that
 * inflates past its declared size, EMB_EINPUT. */
emb_status emb_bytesrc_read(emb_bytesrc *s, void *buf, size_t cap, size_t *got);

/* The file's size in bytes as the folder or the zip directory states it
 * (uncompressed for zip members), or 0 when unknown: a hint for sizing
 * buffers, not a promise (a damaged zip may state anything). */
unsigned long long emb_bytesrc_size(const emb_bytesrc *s);

/* Display name of the open file (valid while it is open). */
const char *emb_bytesrc_name(const emb_bytesrc *s);

/* Close; NULL is a no-op. */
void emb_bytesrc_close(emb_bytesrc *s);

#endif
