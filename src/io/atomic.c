/* src/io/atomic.c — write-to-temporary-then-rename (see atomic.h), and the
 * registry of live temporaries that the CLI's signal handler removes.
 *
 * The registry is the one piece of process-wide state of the library: a signal
 * handler has no handle to reach, so the names of the temporaries being
 * written must be findable from a static array.  Slots are claimed with a
 * lock-free compare-and-swap so that threads writing different files in
 * parallel do not race, and emb_atomic_cleanup_all() only loads pointers and
 * calls unlink(), both async-signal-safe.  A temporary that finds no free slot
 * is still written and committed normally; it is merely not removed on a
 * signal (the registry is a courtesy, not a correctness requirement).
 */
#define _GNU_SOURCE /* renameat2, RENAME_NOREPLACE */
#include "io/atomic.h"

#include "core/alloc.h"
#include "core/error_impl.h"

#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#define EMB_ATOMIC_SLOTS 32

static _Atomic(char *) live[EMB_ATOMIC_SLOTS];

/* emb_atomic_set_test_hook: taken (exchanged with NULL) by the first commit. */
static _Atomic(void (*)(const char *)) test_hook;

void emb_atomic_set_test_hook(void (*hook)(const char *tmp_path))
{
    atomic_store(&test_hook, hook);
}

/* Claim a slot for tmp (the string must stay valid until unregister). */
static int register_tmp(char *tmp)
{
    for (int i = 0; i < EMB_ATOMIC_SLOTS; i++) {
        char *expected = NULL;
        if (atomic_compare_exchange_strong(&live[i], &expected, tmp))
            return i;
    }
    return -1;
}

/* Release the slot before the string is freed, so the handler never sees a
 * dangling pointer. */
static void unregister_tmp(emb_atomic *a)
{
    if (a->slot >= 0)
        atomic_store(&live[a->slot], NULL);
    a->slot = -1;
}

/* Release everything a holds (names, slot, stream); does not touch files. */
static void release(emb_atomic *a)
{
    unregister_tmp(a);
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

/* Random bits for temporary names: getrandom when the kernel has it, else
 * the clock and a counter (unpredictable enough against a planted link,
 * which must exist before the name is chosen). */
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
    if (stat(path, &sb) == 0 && S_ISDIR(sb.st_mode)) {
        st = emb_raise(EMB_EIO, "%s: is a directory, cannot write a file there", path);
        goto done;
    }
    a->existed = lstat(path, &sb) == 0;
    /* Only regular files are replaced: renaming over a device node, a FIFO
     * or a symbolic link would destroy something that is not an output. */
    if (lstat(path, &sb) == 0 && !S_ISREG(sb.st_mode) && !S_ISDIR(sb.st_mode)) {
        st = emb_raise(EMB_EIO, "%s: exists and is not a regular file; only regular files are "
                                "replaced", path);
        goto done;
    }
    if (!(dir = dir_of(path))) {
        st = EMB_ENOMEM;
        goto done;
    }
    if (stat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
        st = emb_raise(EMB_EIO, "%s: cannot write: directory %s does not exist", path, dir);
        goto done;
    }
    if (access(dir, W_OK | X_OK) != 0) {
        st = emb_raise(EMB_EIO, "%s: cannot write in directory %s: %s", path, dir, strerror(errno));
        goto done;
    }
    /* "<path>.tmp.<pid>.<12 random hex digits>", created with O_EXCL and
     * O_NOFOLLOW: an existing file or link of that name is never opened
     * (try another name), and the name cannot be guessed in advance. */
    size_t lp = strlen(path);
    if (!(a->path = emb_strdup(path)) ||
        !(a->tmp_path = emb_alloc(lp + 48, 1, "temporary file name"))) {
        st = EMB_ENOMEM;
        goto done;
    }
    for (int attempt = 0; a->fd < 0; attempt++) {
        unsigned long long r = random_bits();
        snprintf(a->tmp_path, lp + 48, "%s.tmp.%ld.%012llx", path, (long)getpid(),
                 r & 0xffffffffffffULL);
        a->fd = open(a->tmp_path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
        if (a->fd < 0 && (errno != EEXIST || attempt >= 100)) {
            st = emb_raise(EMB_EIO, "%s: cannot create a temporary file in %s: %s", path, dir,
                           strerror(errno));
            goto done;
        }
    }
    a->slot = register_tmp(a->tmp_path);
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

/* fsync the directory holding path so the rename itself is durable.  It
 * runs after the rename, so it must not allocate (a failure here would report
 * an error for a file that is already in place): path is cut at its last '/'
 * in place and restored.  Filesystems that cannot fsync a directory say
 * EINVAL: not an error. */
static emb_status sync_dir(char *path)
{
    emb_status st = EMB_OK;
    char *slash = strrchr(path, '/');
    const char *dir = !slash ? "." : slash == path ? "/" : path;
    if (slash && slash != path)
        *slash = '\0';
    int fd = open(dir, O_RDONLY);
    int err = errno;
    if (fd >= 0 && fsync(fd) != 0 && errno != EINVAL && errno != EROFS)
        err = errno;
    else if (fd >= 0)
        err = 0;
    if (fd >= 0)
        close(fd);
    if (slash && slash != path)
        *slash = '/';
    if (err)
        st = emb_raise(EMB_EIO, "%s: renamed into place, but syncing its directory failed: %s",
                       path, strerror(err));
    return st;
}

/* rename(from, to) that fails with EEXIST instead of replacing `to`:
 * renameat2(RENAME_NOREPLACE), or where the filesystem lacks it, link() (which
 * never replaces) and unlink(). */
static int rename_noreplace(const char *from, const char *to)
{
    if (renameat2(AT_FDCWD, from, AT_FDCWD, to, RENAME_NOREPLACE) == 0)
        return 0;
    if (errno != EINVAL && errno != ENOSYS && errno != ENOTSUP)
        return -1;
    if (link(from, to) != 0)
        return -1;
    unlink(from);
    return 0;
}

/* Make the temporary durable, rename it over path, sync the directory.  Always
 * releases a (so abort afterwards is a no-op); removes the temporary on failure. */
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
        int fd = open(a->tmp_path, O_RDONLY);
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
    void (*hook)(const char *) = atomic_exchange(&test_hook, NULL);
    if (hook)
        hook(a->tmp_path);
    if (a->existed ? rename(a->tmp_path, a->path) != 0 : rename_noreplace(a->tmp_path, a->path) != 0) {
        if (!a->existed && errno == EEXIST)
            st = emb_raise(EMB_EIO, "%s: created by another process while this one was writing; "
                                    "not replaced (this run's result is discarded)", a->path);
        else
            st = emb_raise(EMB_EIO, "%s: cannot rename %s over it: %s", a->path, a->tmp_path,
                           strerror(errno));
        goto done;
    }
    a->done = 1;
    st = sync_dir(a->path);
done:
    if (!a->done)
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

/* unlink() every registered temporary; async-signal-safe (no free, no locks). */
void emb_atomic_cleanup_all(void)
{
    for (int i = 0; i < EMB_ATOMIC_SLOTS; i++) {
        char *p = atomic_load(&live[i]);
        if (p)
            unlink(p);
    }
}
