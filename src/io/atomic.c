/* src/io/atomic.c — write-to-temporary-then-rename for files and folders,
 * the output set that commits every output of a command together (see
 * atomic.h), the registry of live temporaries that a signal handler removes,
 * and the removal of stale temporaries left by a killed process.
 *
 * The registry and the output set are the process-wide state of the library:
 * a signal handler has no handle to reach, so the names of the temporaries
 * being written must be findable from a static array.  Slots are claimed with
 * a lock-free compare-and-swap so that threads writing different files in
 * parallel do not race, and emb_atomic_cleanup_all() only loads pointers and
 * calls unlink()/rmdir(), all async-signal-safe.  A temporary that finds no
 * free slot is still written and committed normally; it is merely not removed
 * on a signal (the next run removes it as stale).
 *
 * A commit and a signal handler agree through one atomic state: idle,
 * committing, or closed (a handler removed the temporaries; the process is
 * ending).  A handler that finds a commit in progress only records the
 * signal; the commit then undoes its renames and reports EMB_EINTERRUPTED.
 * The output set itself is meant for one thread (the CLI's main thread).
 */
#define _GNU_SOURCE /* renameat2, RENAME_NOREPLACE, RENAME_EXCHANGE */
#include "io/atomic.h"

#include "core/alloc.h"
#include "core/error_impl.h"

#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <fcntl.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#define EMB_ATOMIC_SLOTS 256

static _Atomic(char *) live[EMB_ATOMIC_SLOTS];
static _Atomic int live_dir[EMB_ATOMIC_SLOTS]; /* the slot names a folder: rmdir after the files */

enum { STATE_IDLE, STATE_COMMITTING, STATE_CLOSED };
static _Atomic int commit_state;
static _Atomic int commit_interrupted;

static _Atomic(void (*)(const char *)) test_hook, during_hook;

void emb_atomic_set_test_hook(void (*hook)(const char *tmp_path))
{
    atomic_store(&test_hook, hook);
}

void emb_atomic_set_commit_test_hook(void (*during)(const char *path))
{
    atomic_store(&during_hook, during);
}

/* Claim a slot for tmp (the string must stay valid until unregister). */
static int register_tmp(char *tmp, int is_dir)
{
    for (int i = 0; i < EMB_ATOMIC_SLOTS; i++) {
        char *expected = NULL;
        if (atomic_compare_exchange_strong(&live[i], &expected, tmp)) {
            atomic_store(&live_dir[i], is_dir);
            return i;
        }
    }
    return -1;
}

/* Release a slot before its string is freed, so the handler never sees a
 * dangling pointer. */
static void unregister_slot(int *slot)
{
    if (*slot >= 0)
        atomic_store(&live[*slot], NULL);
    *slot = -1;
}

/* ---- names ---------------------------------------------------------------- */

/* Directory part of path ("." when it has none), newly allocated. */
static char *dir_of(const char *path)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        return emb_strdup(".");
    if (slash == path)
        return emb_strdup("/");
    return emb_strndup(path, (size_t)(slash - path));
}

/* Random bits for temporary names: /dev/urandom, mixed with the clock and a
 * counter (unpredictable enough against a planted link, which must exist
 * before the name is chosen). */
static unsigned long long random_bits(void)
{
    static _Atomic unsigned long long counter;
    unsigned long long r = 0;
    int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
        if (read(fd, &r, sizeof r) != (ssize_t)sizeof r)
            r = 0;
        close(fd);
    }
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    r ^= (unsigned long long)ts.tv_nsec * 0x9E3779B97F4A7C15ULL ^ (unsigned long long)ts.tv_sec;
    r ^= atomic_fetch_add(&counter, 1) * 0xBF58476D1CE4E5B9ULL;
    return r;
}

/* 32-bit FNV-1a of the host name: a temporary is recognised as stale only by
 * a process on the host that made it (a shared filesystem is seen by other
 * hosts whose pids mean nothing here). */
static unsigned host_hash(void)
{
    char h[256] = "";
    gethostname(h, sizeof h - 1);
    unsigned x = 2166136261u;
    for (const char *p = h; *p; p++)
        x = (x ^ (unsigned char)*p) * 16777619u;
    return x;
}

/* ".<base>.embodied-<kind>.<host>.<pid>.<12 hex digits>" beside path (base
 * cut to 180 bytes, so the name stays under NAME_MAX). */
static char *side_name(const char *path, const char *kind)
{
    const char *slash = strrchr(path, '/');
    const char *base = slash ? slash + 1 : path;
    int dlen = slash ? (int)(slash - path + 1) : 0;
    unsigned long long r = random_bits() & 0xffffffffffffULL;
    return emb_strfmt("%.*s.%.180s.embodied-%s.%08x.%ld.%012llx", dlen, path, base, kind,
                      host_hash(), (long)getpid(), r);
}

/* Is entry `name` a temporary or backup of a process of this host that no
 * longer runs? */
static int is_stale(const char *name)
{
    if (name[0] != '.')
        return 0;
    const char *p = strstr(name, ".embodied-tmp.");
    if (!p)
        p = strstr(name, ".embodied-old.");
    if (!p)
        return 0;
    unsigned host;
    long pid;
    unsigned long long r;
    int used = 0;
    if (sscanf(p + 14, "%8x.%ld.%12llx%n", &host, &pid, &r, &used) != 3 || p[14 + used] != '\0')
        return 0;
    if (host != host_hash() || pid <= 0 || pid == (long)getpid())
        return 0;
    return kill((pid_t)pid, 0) != 0 && errno == ESRCH;
}

/* Remove `name` in directory dfd, a folder with what it holds (at most a few
 * levels: our folders are flat). */
static void remove_at(int dfd, const char *name, int depth)
{
    struct stat sb;
    if (fstatat(dfd, name, &sb, AT_SYMLINK_NOFOLLOW) != 0)
        return;
    if (!S_ISDIR(sb.st_mode)) {
        unlinkat(dfd, name, 0);
        return;
    }
    int fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd >= 0 && depth < 4) {
        DIR *d = fdopendir(fd);
        if (d) {
            for (struct dirent *e; (e = readdir(d));)
                if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
                    remove_at(fd, e->d_name, depth + 1);
            closedir(d); /* closes fd */
            fd = -1;
        }
    }
    if (fd >= 0)
        close(fd);
    unlinkat(dfd, name, AT_REMOVEDIR);
}

static void remove_path(const char *path) { remove_at(AT_FDCWD, path, 0); }

/* Remove the stale temporaries in dir (a run killed by SIGKILL, a power
 * cut): best effort, errors ignored. */
static void remove_stale(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    for (struct dirent *e; (e = readdir(d));)
        if (is_stale(e->d_name))
            remove_at(dirfd(d), e->d_name, 0);
    closedir(d);
}

/* ---- files ---------------------------------------------------------------- */

/* Release everything a holds (names, slot, stream); does not touch files. */
static void release(emb_atomic *a)
{
    unregister_slot(&a->slot);
    if (a->fp)
        fclose(a->fp);
    a->fp = NULL;
    /* A zero-filled emb_atomic that never began has fd 0 and no names: its
     * 0 is not a descriptor of ours (closing it would close stdin). */
    if (a->tmp_path && a->fd >= 0)
        close(a->fd);
    a->fd = -1;
    emb_free(a->path);
    emb_free(a->tmp_path);
    a->path = a->tmp_path = NULL;
}

/* The destination directory of path exists and is writable (EMB_EIO). */
static emb_status check_dir_of(const char *path, char **dir_out)
{
    struct stat sb;
    char *dir = dir_of(path);
    if (!dir)
        return EMB_ENOMEM;
    emb_status st = EMB_OK;
    if (stat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode))
        st = emb_raise(EMB_EIO, "%s: cannot write: directory %s does not exist", path, dir);
    else if (access(dir, W_OK | X_OK) != 0)
        st = emb_raise(EMB_EIO, "%s: cannot write in directory %s: %s", path, dir, strerror(errno));
    if (st || !dir_out)
        emb_free(dir);
    else
        *dir_out = dir;
    return st;
}

/* a = a new, empty temporary beside path (see atomic.h); EMB_EIO if it cannot be written there. */
emb_status emb_atomic_begin(emb_atomic *a, const char *path)
{
    emb_status st = EMB_OK;
    char *dir = NULL;
    struct stat sb;
    memset(a, 0, sizeof *a);
    a->slot = -1;
    a->fd = -1;
    if (!path || !*path)
        return emb_raise(EMB_EUSAGE, "output path is empty");
    if (stat(path, &sb) == 0 && S_ISDIR(sb.st_mode))
        return emb_raise(EMB_EIO, "%s: is a directory, cannot write a file there", path);
    a->existed = lstat(path, &sb) == 0;
    /* Only regular files are replaced: renaming over a device node, a FIFO
     * or a symbolic link would destroy something that is not an output. */
    if (a->existed && !S_ISREG(sb.st_mode))
        return emb_raise(EMB_EIO, "%s: exists and is not a regular file; only regular files are "
                                  "replaced", path);
    if ((st = check_dir_of(path, &dir)))
        return st;
    remove_stale(dir);
    if (!(a->path = emb_strdup(path))) {
        st = EMB_ENOMEM;
        goto done;
    }
    /* Created with O_EXCL and O_NOFOLLOW: an existing file or link of that
     * name is never opened (try another name), and the name cannot be
     * guessed in advance. */
    for (int attempt = 0; a->fd < 0; attempt++) {
        emb_free(a->tmp_path);
        if (!(a->tmp_path = side_name(path, "tmp"))) {
            st = EMB_ENOMEM;
            goto done;
        }
        a->fd = open(a->tmp_path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
        if (a->fd < 0 && (errno != EEXIST || attempt >= 100)) {
            st = emb_raise(EMB_EIO, "%s: cannot create a temporary file in %s: %s", path, dir,
                           strerror(errno));
            goto done;
        }
    }
    a->slot = register_tmp(a->tmp_path, 0);
done:
    emb_free(dir);
    if (st) {
        if (a->fd >= 0 && a->tmp_path)
            unlink(a->tmp_path); /* ours: created above */
        release(a);
    }
    return st;
}

/* a->fp = fopen(a->tmp_path, "wb"). */
emb_status emb_atomic_fopen(emb_atomic *a)
{
    if (!a->tmp_path)
        return emb_raise(EMB_EINTERNAL, "emb_atomic_fopen: no temporary (begin failed or already done)");
    if (a->fp)
        return EMB_OK;
    /* The descriptor created by begin, never the name again (a name can be
     * replaced by a link in between). */
    if (a->fd < 0 || !(a->fp = fdopen(a->fd, "wb")))
        return emb_raise(EMB_EIO, "%s: cannot open %s: %s", a->path, a->tmp_path,
                         a->fd < 0 ? "no descriptor" : strerror(errno));
    a->fd = -1; /* owned by fp now */
    return EMB_OK;
}

/* fsync the directory holding path so the rename itself is durable.
 * Filesystems that cannot fsync a directory say EINVAL: not an error. */
static int sync_dir_of(const char *path)
{
    char *dir = dir_of(path);
    int fd = open(dir ? dir : ".", O_RDONLY | O_CLOEXEC);
    int err = fd < 0 ? errno : 0;
    if (fd >= 0 && fsync(fd) != 0 && errno != EINVAL && errno != EROFS)
        err = errno;
    if (fd >= 0)
        close(fd);
    emb_free(dir);
    return err;
}

/* rename(from, to) that fails with EEXIST instead of replacing `to`:
 * renameat2(RENAME_NOREPLACE), or where the filesystem lacks it, link() (which
 * never replaces) and unlink(); folders: renameat2 or a checked rename. */
static int rename_noreplace(const char *from, const char *to, int is_dir)
{
    if (renameat2(AT_FDCWD, from, AT_FDCWD, to, RENAME_NOREPLACE) == 0)
        return 0;
    if (errno != EINVAL && errno != ENOSYS && errno != ENOTSUP)
        return -1;
    if (is_dir) {
        /* rename() replaces only an empty folder: the race left is with a run
         * that created an empty one. */
        struct stat sb;
        if (lstat(to, &sb) == 0) {
            errno = EEXIST;
            return -1;
        }
        return rename(from, to);
    }
    if (link(from, to) != 0)
        return -1;
    unlink(from);
    return 0;
}

/* ---- output set and the commit of several outputs --------------------------- */

typedef struct entry {
    char *path, *tmp, *backup; /* backup: the replaced file's hard link, or the old folder */
    int is_dir, existed, slot, renamed;
    size_t n_files;
    char *files[EMB_ATOMIC_DIR_FILES];
    int file_slots[EMB_ATOMIC_DIR_FILES];
} entry;

static int set_open;
static entry *set_v;
static size_t set_n, set_cap;

/* Forget e's names (files stay). */
static void entry_release(entry *e)
{
    unregister_slot(&e->slot);
    for (size_t i = 0; i < e->n_files; i++) {
        unregister_slot(&e->file_slots[i]);
        emb_free(e->files[i]);
    }
    e->n_files = 0;
    emb_free(e->path);
    emb_free(e->tmp);
    emb_free(e->backup);
    e->path = e->tmp = e->backup = NULL;
}

/* Remove e's temporary (not renamed). */
static void entry_discard(entry *e)
{
    if (e->tmp)
        remove_path(e->tmp);
    entry_release(e);
}

/* Put one renamed output back as it was: the replaced file or folder back,
 * or this run's new one removed.  Best effort (0: restored). */
static int entry_undo(entry *e)
{
    int bad = 0;
    if (!e->renamed)
        return 0;
    if (e->is_dir && e->existed) {
        /* The old folder is at e->backup (the exchange put it there). */
        bad = renameat2(AT_FDCWD, e->backup, AT_FDCWD, e->path, RENAME_EXCHANGE) != 0;
        if (!bad)
            remove_path(e->backup); /* now this run's folder */
    } else if (e->existed) {
        bad = rename(e->backup, e->path) != 0;
    } else {
        remove_path(e->path);
    }
    e->renamed = 0;
    return bad;
}

/* Rename v[0 .. n) into place, in order, or none: see atomic.h.  Releases
 * every entry.  The caller holds commit_lock. */
static emb_status commit_entries_locked(entry *v, size_t n)
{
    emb_status st = EMB_OK;
    int expected = STATE_IDLE;
    if (!atomic_compare_exchange_strong(&commit_state, &expected, STATE_COMMITTING)) {
        /* A signal handler has removed the temporaries: the process is ending. */
        st = emb_raise(EMB_EINTERRUPTED, "%s%s: interrupted before it was renamed into place; "
                                         "not written",
                       n ? v[0].path : "output", n > 1 ? " and the other outputs" : "");
        for (size_t i = 0; i < n; i++)
            entry_discard(&v[i]);
        return st;
    }
    atomic_store(&commit_interrupted, 0);
    size_t i = 0;
    for (; i < n && !st; i++) {
        entry *e = &v[i];
        if (e->existed && !e->is_dir) {
            /* A hard link keeps the old file for an undo; rename replaces
             * the name atomically. */
            for (int attempt = 0; !e->backup && attempt < 100; attempt++) {
                if (!(e->backup = side_name(e->path, "old"))) {
                    st = EMB_ENOMEM;
                    break;
                }
                if (link(e->path, e->backup) != 0) {
                    int err = errno;
                    emb_free(e->backup);
                    e->backup = NULL;
                    if (err == EEXIST)
                        continue;
                    if (err == ENOENT) { /* removed meanwhile: a new file now */
                        e->existed = 0;
                        break;
                    }
                    st = emb_raise(EMB_EIO, "%s: cannot keep the old file while replacing it: %s",
                                   e->path, strerror(err));
                    break;
                }
            }
            if (st)
                break;
        }
        int bad;
        if (e->existed && e->is_dir) {
            bad = renameat2(AT_FDCWD, e->tmp, AT_FDCWD, e->path, RENAME_EXCHANGE) != 0;
            if (!bad) { /* the old folder is at e->tmp now */
                e->backup = e->tmp;
                e->tmp = NULL;
            }
        } else if (e->existed) {
            bad = rename(e->tmp, e->path) != 0;
        } else {
            bad = rename_noreplace(e->tmp, e->path, e->is_dir) != 0;
        }
        if (bad) {
            int err = errno;
            if (e->backup && !e->is_dir) {
                unlink(e->backup);
                emb_free(e->backup);
                e->backup = NULL;
            }
            if (!e->existed && err == EEXIST)
                st = emb_raise(EMB_EIO, "%s: created by another process while this one was "
                                        "writing; not replaced (this run's outputs are discarded)",
                               e->path);
            else
                st = emb_raise(EMB_EIO, "%s: cannot rename %s over it: %s", e->path, e->tmp,
                               strerror(err));
            break;
        }
        e->renamed = 1;
        if (i == 0) {
            void (*during)(const char *) = atomic_load(&during_hook);
            if (during)
                during(e->path);
        }
        if (atomic_load(&commit_interrupted))
            break;
    }
    if (!st && atomic_load(&commit_interrupted))
        st = emb_raise(EMB_EINTERRUPTED, "interrupted while renaming the outputs into place; "
                                         "every rename was undone");
    if (st) {
        size_t bad_undo = 0;
        for (size_t j = n; j-- > 0;)
            bad_undo += entry_undo(&v[j]) != 0;
        if (bad_undo) {
            char msg[1024];
            snprintf(msg, sizeof msg, "%s", emb_errmsg());
            st = emb_raise(st, "%s (and %zu output(s) could not be put back as they were)",
                           msg, bad_undo);
        }
    }
    /* Success: the replaced files' links and the old folders go.  Failure:
     * an undone rename took its backup back; one that could not be undone
     * leaves it in place (the old output, until the next run's cleanup). */
    for (size_t j = 0; j < n; j++) {
        entry *e = &v[j];
        if (!st && e->backup)
            remove_path(e->backup);
        emb_free(e->backup);
        e->backup = NULL;
    }
    int sync_err = 0;
    const char *sync_path = NULL;
    for (size_t j = 0; j < n; j++) {
        if (!st) {
            int err = sync_dir_of(v[j].path);
            if (err && !sync_err)
                sync_err = err, sync_path = v[j].path;
        }
        entry_discard(&v[j]); /* removes what was not renamed */
    }
    atomic_store(&commit_state, STATE_IDLE);
    if (!st && sync_err)
        st = emb_raise(EMB_EIO, "%s: renamed into place, but syncing its directory failed: %s",
                       sync_path, strerror(sync_err));
    return st;
}

/* Threads of one process (a batch's jobs, a Python program) commit one after
 * another: commit_state is the process's, and a second thread finding it
 * COMMITTING must wait, not take it for a signal ending the process. */
static pthread_mutex_t commit_lock = PTHREAD_MUTEX_INITIALIZER;

static emb_status commit_entries(entry *v, size_t n)
{
    pthread_mutex_lock(&commit_lock);
    emb_status st = commit_entries_locked(v, n);
    pthread_mutex_unlock(&commit_lock);
    return st;
}

/* Hand e to the open set (taking its names), or commit it alone. */
static emb_status commit_or_defer(entry *e)
{
    if (!set_open)
        return commit_entries(e, 1);
    if (set_n == set_cap) {
        size_t cap = set_cap ? 2 * set_cap : 16;
        entry *v = emb_realloc(set_v, cap, sizeof *v, "output set");
        if (!v) {
            entry_discard(e);
            return EMB_ENOMEM;
        }
        set_v = v;
        set_cap = cap;
    }
    set_v[set_n++] = *e;
    return EMB_OK;
}

emb_status emb_atomic_set_begin(void)
{
    if (set_open)
        return emb_raise(EMB_EUSAGE, "an output set is already open");
    set_open = 1;
    set_n = 0;
    return EMB_OK;
}

emb_status emb_atomic_set_commit(void)
{
    if (!set_open)
        return emb_raise(EMB_EUSAGE, "no output set is open");
    set_open = 0;
    emb_status st = commit_entries(set_v, set_n);
    emb_free(set_v);
    set_v = NULL;
    set_n = set_cap = 0;
    return st;
}

void emb_atomic_set_abort(void)
{
    for (size_t i = 0; i < set_n; i++)
        entry_discard(&set_v[i]);
    emb_free(set_v);
    set_v = NULL;
    set_n = set_cap = 0;
    set_open = 0;
}

/* Make the temporary durable, then rename it over path (or hand it to the
 * set).  Always releases a (so abort afterwards is a no-op); removes the
 * temporary on failure. */
emb_status emb_atomic_commit(emb_atomic *a)
{
    emb_status st = EMB_OK;
    if (!a->tmp_path)
        return emb_raise(EMB_EINTERNAL, "emb_atomic_commit: no temporary (begin failed or already done)");
    if (a->fp) {
        FILE *fp = a->fp;
        a->fp = NULL;
        int err = 0;
        if (fflush(fp) != 0 || fsync(fileno(fp)) != 0)
            err = errno ? errno : EIO;
        if (fclose(fp) != 0 && !err) /* always close, even after a failure */
            err = errno ? errno : EIO;
        if (err) {
            st = emb_raise(EMB_EIO, "%s: writing %s failed: %s", a->path, a->tmp_path,
                           strerror(err));
            goto done;
        }
    } else {
        /* Written by another library (HDF5), which has closed it: sync by name. */
        int fd = open(a->tmp_path, O_RDONLY | O_CLOEXEC);
        if (fd < 0) {
            st = emb_raise(EMB_EIO, "%s: cannot open %s to sync it: %s", a->path, a->tmp_path,
                           strerror(errno));
            goto done;
        }
        int bad = fsync(fd) != 0;
        int err = errno;
        close(fd);
        if (bad) {
            st = emb_raise(EMB_EIO, "%s: cannot sync %s: %s", a->path, a->tmp_path, strerror(err));
            goto done;
        }
    }
    void (*hook)(const char *) = atomic_load(&test_hook);
    if (hook)
        hook(a->tmp_path);
    entry e;
    memset(&e, 0, sizeof e);
    e.path = a->path;
    e.tmp = a->tmp_path;
    e.existed = a->existed;
    e.slot = a->slot;
    a->path = a->tmp_path = NULL; /* owned by e now */
    a->slot = -1;
    a->done = 1;
    st = commit_or_defer(&e);
done:
    if (!a->done && a->tmp_path)
        unlink(a->tmp_path);
    release(a);
    return st;
}

/* Remove the temporary unless committed; release the names.  Idempotent. */
void emb_atomic_abort(emb_atomic *a)
{
    if (!a)
        return;
    if (a->fp) {
        fclose(a->fp);
        a->fp = NULL;
    }
    if (a->tmp_path && !a->done)
        unlink(a->tmp_path);
    release(a);
}

/* ---- folders -------------------------------------------------------------- */

/* path without trailing slashes ("csv/" names the folder csv; "/" stays),
 * newly allocated. */
static char *strip_slashes(const char *path)
{
    size_t n = strlen(path);
    while (n > 1 && path[n - 1] == '/')
        n--;
    return emb_strndup(path, n);
}

static emb_status dir_check(const char *path, const char *const *allowed, size_t n_allowed,
                            int *existed);

emb_status emb_atomic_dir_check(const char *path, const char *const *allowed, size_t n_allowed,
                                int *existed)
{
    *existed = 0;
    if (!path || !*path)
        return emb_raise(EMB_EUSAGE, "output folder name is empty");
    char *p = strip_slashes(path);
    if (!p)
        return EMB_ENOMEM;
    emb_status st = dir_check(p, allowed, n_allowed, existed);
    emb_free(p);
    return st;
}

static emb_status dir_check(const char *path, const char *const *allowed, size_t n_allowed,
                            int *existed)
{
    struct stat sb;
    if (lstat(path, &sb) != 0)
        return check_dir_of(path, NULL);
    if (S_ISLNK(sb.st_mode))
        return emb_raise(EMB_EIO, "%s: is a symbolic link; a results folder is replaced as a whole, "
                                  "so only a real folder is", path);
    if (!S_ISDIR(sb.st_mode))
        return emb_raise(EMB_EIO, "%s: exists and is not a directory (a folder of results is "
                                  "expected)", path);
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    if (!*base || strcmp(base, ".") == 0 || strcmp(base, "..") == 0)
        return emb_raise(EMB_EIO, "%s: a results folder is replaced as a whole: name it by its own "
                                  "name, not '.' or '..'", path);
    emb_status st = check_dir_of(path, NULL);
    if (st)
        return st;
    DIR *d = opendir(path);
    if (!d)
        return emb_raise(EMB_EIO, "%s: cannot read the folder: %s", path, strerror(errno));
    for (struct dirent *e; !st && (e = readdir(d));) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..") || is_stale(e->d_name))
            continue;
        int ok = 0;
        for (size_t i = 0; i < n_allowed && !ok; i++)
            ok = strcmp(e->d_name, allowed[i]) == 0;
        struct stat eb;
        if (ok && (fstatat(dirfd(d), e->d_name, &eb, AT_SYMLINK_NOFOLLOW) != 0 ||
                   !S_ISREG(eb.st_mode)))
            ok = 0;
        if (!ok)
            st = emb_raise(EMB_EIO, "%s: holds '%s', which is not a result file of embodied; a "
                                    "results folder is replaced as a whole, so this one is not "
                                    "(choose a new or empty folder)", path, e->d_name);
    }
    closedir(d);
    *existed = 1;
    return st;
}

emb_status emb_atomic_dir_begin(emb_atomic_dir *d, const char *path, const char *const *allowed,
                                size_t n_allowed)
{
    memset(d, 0, sizeof *d);
    d->slot = -1;
    emb_status st = emb_atomic_dir_check(path, allowed, n_allowed, &d->existed);
    if (st)
        return st;
    if (!(d->path = strip_slashes(path)))
        return EMB_ENOMEM;
    path = d->path;
    char *dir = dir_of(path);
    if (!dir) {
        emb_atomic_dir_abort(d);
        return EMB_ENOMEM;
    }
    remove_stale(dir);
    emb_free(dir);
    for (int attempt = 0;; attempt++) {
        if (!(d->tmp_path = side_name(path, "tmp"))) {
            emb_atomic_dir_abort(d);
            return EMB_ENOMEM;
        }
        if (mkdir(d->tmp_path, 0777) == 0)
            break;
        int err = errno;
        emb_free(d->tmp_path);
        d->tmp_path = NULL;
        if (err != EEXIST || attempt >= 100) {
            st = emb_raise(EMB_EIO, "%s: cannot create a temporary folder beside it: %s", path,
                           strerror(err));
            emb_atomic_dir_abort(d);
            return st;
        }
    }
    d->slot = register_tmp(d->tmp_path, 1);
    return EMB_OK;
}

emb_status emb_atomic_dir_file(emb_atomic_dir *d, const char *name, FILE **fp)
{
    *fp = NULL;
    if (!d->tmp_path || d->n_files >= EMB_ATOMIC_DIR_FILES)
        return emb_raise(EMB_EINTERNAL, "emb_atomic_dir_file: no folder or too many files");
    char *p = emb_strfmt("%s/%s", d->tmp_path, name);
    if (!p)
        return EMB_ENOMEM;
    int fd = open(p, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
    if (fd < 0) {
        emb_status st = emb_raise(EMB_EIO, "%s/%s: cannot create %s: %s", d->path, name, p,
                                  strerror(errno));
        emb_free(p);
        return st;
    }
    d->files[d->n_files] = p;
    d->file_slots[d->n_files] = register_tmp(p, 0);
    d->n_files++;
    if (!(*fp = fdopen(fd, "wb"))) {
        close(fd);
        return emb_raise(EMB_EIO, "%s/%s: cannot open %s: %s", d->path, name, p, strerror(errno));
    }
    return EMB_OK;
}

emb_status emb_atomic_dir_commit(emb_atomic_dir *d)
{
    if (!d->tmp_path)
        return emb_raise(EMB_EINTERNAL, "emb_atomic_dir_commit: no folder (begin failed or done)");
    /* fclose does not sync: sync each file, then the folder, so that the
     * rename publishes durable contents. */
    emb_status st = EMB_OK;
    for (size_t i = 0; i < d->n_files && !st; i++) {
        int fd = open(d->files[i], O_RDONLY | O_CLOEXEC);
        if (fd < 0 || fsync(fd) != 0)
            st = emb_raise(EMB_EIO, "%s: cannot sync %s: %s", d->path, d->files[i], strerror(errno));
        if (fd >= 0)
            close(fd);
    }
    if (!st) {
        int fd = open(d->tmp_path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd >= 0) {
            fsync(fd); /* EINVAL on filesystems that cannot: not an error */
            close(fd);
        }
    }
    if (st) {
        emb_atomic_dir_abort(d);
        return st;
    }
    void (*hook)(const char *) = atomic_load(&test_hook);
    if (hook)
        hook(d->tmp_path);
    entry e;
    memset(&e, 0, sizeof e);
    e.path = d->path;
    e.tmp = d->tmp_path;
    e.is_dir = 1;
    e.existed = d->existed;
    e.slot = d->slot;
    e.n_files = d->n_files;
    for (size_t i = 0; i < d->n_files; i++)
        e.files[i] = d->files[i], e.file_slots[i] = d->file_slots[i];
    d->path = d->tmp_path = NULL;
    d->slot = -1;
    d->n_files = 0;
    d->done = 1;
    return commit_or_defer(&e);
}

void emb_atomic_dir_abort(emb_atomic_dir *d)
{
    if (!d)
        return;
    for (size_t i = 0; i < d->n_files; i++) {
        unregister_slot(&d->file_slots[i]);
        unlink(d->files[i]);
        emb_free(d->files[i]);
    }
    d->n_files = 0;
    unregister_slot(&d->slot);
    if (d->tmp_path)
        remove_path(d->tmp_path);
    emb_free(d->tmp_path);
    emb_free(d->path);
    d->tmp_path = d->path = NULL;
}

/* ---- signals -------------------------------------------------------------- */

/* unlink() every registered file, then rmdir() every registered folder;
 * async-signal-safe (no free, no locks). */
void emb_atomic_cleanup_all(void)
{
    for (int pass = 0; pass < 2; pass++)
        for (int i = 0; i < EMB_ATOMIC_SLOTS; i++) {
            char *p = atomic_load(&live[i]);
            if (p && atomic_load(&live_dir[i]) == pass)
                pass ? rmdir(p) : unlink(p);
        }
}

int emb_atomic_interrupt(void)
{
    int expected = STATE_IDLE;
    if (atomic_compare_exchange_strong(&commit_state, &expected, STATE_CLOSED)) {
        emb_atomic_cleanup_all();
        return 1;
    }
    if (expected == STATE_CLOSED)
        return 1;
    atomic_store(&commit_interrupted, 1); /* the commit undoes itself */
    return 0;
}
