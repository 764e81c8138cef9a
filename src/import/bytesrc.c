/* src/import/bytesrc.c — folders and zip archives as sources of bytes: opening
 * (with the checks that refuse hostile zips), listing, locating the content
 * root and streaming reads (see bytesrc.h). */
#include "import/bytesrc.h"

#include "core/alloc.h"
#include "core/error_impl.h"
#include "io/input.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zip.h>

struct emb_archive {
    char *path; /* as given, folders without trailing '/' */
    zip_t *zip; /* NULL for a folder */
    emb_progress_fn progress;
    void *progress_ctx;
};

struct emb_bytesrc {
    char *name;      /* display name */
    FILE *fp;        /* folder file, or NULL */
    zip_file_t *zf;  /* zip member, or NULL */
    int sized;       /* zip member with a declared uncompressed size (s->size) */
    emb_progress_fn progress;
    void *progress_ctx;
    unsigned long long size, done, reported; /* bytes: file size, read, last reported */
};

/* Bytes between two progress calls: often enough for a smooth bar, rarely
 * enough to cost nothing. */
#define PROGRESS_STEP (4ull << 20)

/* Why member name `nm` (raw bytes as stored) cannot be a file of the
 * archive, or NULL.  We never extract, but a database download holding
 * such a name is corrupt or built to attack unzip tools: absolute paths,
 * '..' components, backslashes (APPNOTE 4.4.17: only '/' separates) and
 * drive letters. */
static const char *bad_member_name(const char *nm)
{
    if (nm[0] == '/')
        return "an absolute path";
    if (strchr(nm, '\\'))
        return "a backslash (zip paths use '/'; '\\' is how Windows paths escape the folder)";
    if (((nm[0] >= 'A' && nm[0] <= 'Z') || (nm[0] >= 'a' && nm[0] <= 'z')) && nm[1] == ':')
        return "a drive letter";
    for (const char *c = nm; *c;) {
        size_t len = strcspn(c, "/");
        if (len == 2 && c[0] == '.' && c[1] == '.')
            return "a '..' component (a path outside the archive)";
        c += len;
        if (*c)
            c++;
    }
    return NULL;
}

/* Refuse a zip whose central directory is hostile, before any member is
 * inflated: too many entries, member names that escape the archive,
 * declared sizes beyond EMB_ZIP_MEMBER_MAX or that expand more than
 * EMB_ZIP_MAX_RATIO times over EMB_ZIP_RATIO_MIN bytes (a zip bomb: deflate
 * cannot exceed 1032:1, real MRIO text compresses 5-20:1). */
static emb_status check_zip(const emb_archive *a)
{
    zip_int64_t ne = zip_get_num_entries(a->zip, 0);
    if (ne < 0 || (zip_uint64_t)ne > EMB_ZIP_MAX_ENTRIES)
        return emb_raise(EMB_EINPUT, "%s: the zip archive lists %lld members, more than the %llu "
                                     "an MRIO download could need (corrupt or hostile zip)",
                         a->path, (long long)ne, (unsigned long long)EMB_ZIP_MAX_ENTRIES);
    for (zip_int64_t i = 0; i < ne; i++) {
        const char *nm = zip_get_name(a->zip, (zip_uint64_t)i, ZIP_FL_ENC_RAW);
        const char *why;
        if (!nm)
            return emb_raise(EMB_EINPUT, "%s: member %lld has no readable name (corrupt zip)",
                             a->path, (long long)i);
        if ((why = bad_member_name(nm)))
            return emb_raise(EMB_EINPUT, "%s: member '%.200s' has %s: refused as a corrupt or "
                                         "hostile archive", a->path, nm, why);
        /* Two members of one name: which one a reader gets is libzip's
         * choice, not the archive's meaning (issue 11, write side 9). */
        zip_int64_t first = zip_name_locate(a->zip, nm, ZIP_FL_ENC_RAW);
        if (first >= 0 && first != i)
            return emb_raise(EMB_EINPUT, "%s: two members are named '%.200s' (entries %lld and "
                                         "%lld): refused, which one is meant is ambiguous",
                             a->path, nm, (long long)(first < i ? first : i),
                             (long long)(first < i ? i : first));
        zip_stat_t zs;
        zip_stat_init(&zs);
        if (zip_stat_index(a->zip, (zip_uint64_t)i, ZIP_FL_UNCHANGED, &zs) != 0)
            return emb_raise(EMB_EINPUT, "%s: member '%.200s': cannot read its entry (corrupt "
                                         "zip)", a->path, nm);
        if (!(zs.valid & ZIP_STAT_SIZE))
            continue;
        if (zs.size > EMB_ZIP_MEMBER_MAX)
            return emb_raise(EMB_EINPUT, "%s: member '%.200s' declares %llu bytes uncompressed, "
                                         "more than the reader's limit of %llu (corrupt or "
                                         "hostile zip)", a->path, nm,
                             (unsigned long long)zs.size, (unsigned long long)EMB_ZIP_MEMBER_MAX);
        if ((zs.valid & ZIP_STAT_COMP_SIZE) && zs.size > EMB_ZIP_RATIO_MIN &&
            (double)zs.size > EMB_ZIP_MAX_RATIO * (double)(zs.comp_size ? zs.comp_size : 1))
            return emb_raise(EMB_EINPUT, "%s: member '%.200s' declares %llu bytes from %llu "
                                         "compressed, a ratio of %.0f:1 (more than %d:1: a zip "
                                         "bomb?); refused before inflating", a->path, nm,
                             (unsigned long long)zs.size, (unsigned long long)zs.comp_size,
                             (double)zs.size / (double)(zs.comp_size ? zs.comp_size : 1),
                             EMB_ZIP_MAX_RATIO);
    }
    return EMB_OK;
}

void emb_archive_set_progress(emb_archive *a, emb_progress_fn fn, void *ctx)
{
    a->progress = fn;
    a->progress_ctx = ctx;
}

emb_status emb_archive_open(const char *path, emb_archive **out)
{
    *out = NULL;
    struct stat sb;
    if (!path || !*path)
        return emb_raise(EMB_EUSAGE, "import: empty path (expected a folder or a .zip file)");
    if (stat(path, &sb) != 0)
        return emb_raise(EMB_EIO, "%s: cannot open: %s", path, strerror(errno));
    if (!S_ISDIR(sb.st_mode) && !S_ISREG(sb.st_mode))
        return emb_input_check_type(path, "a folder or a zip archive");
    emb_archive *a = emb_calloc(1, sizeof *a, "archive");
    if (!a)
        return EMB_ENOMEM;
    size_t len = strlen(path);
    if (S_ISDIR(sb.st_mode))
        while (len > 1 && path[len - 1] == '/') /* "dir/" and "dir" name files alike */
            len--;
    if (!(a->path = emb_strndup(path, len))) {
        emb_free(a);
        return EMB_ENOMEM;
    }
    if (S_ISREG(sb.st_mode)) {
        int zerr = 0;
        a->zip = zip_open(path, ZIP_RDONLY, &zerr);
        if (!a->zip) {
            zip_error_t ze;
            zip_error_init_with_code(&ze, zerr);
            /* Not-a-zip and a damaged directory are the input's fault; the
             * rest (permissions, read errors) are I/O. */
            emb_status st = (zerr == ZIP_ER_NOZIP || zerr == ZIP_ER_INCONS) ? EMB_EINPUT : EMB_EIO;
            emb_raise(st, "%s: not a folder or a readable zip archive (libzip: %s)", path,
                      zip_error_strerror(&ze));
            zip_error_fini(&ze);
            emb_archive_close(a);
            return st;
        }
        emb_status st = check_zip(a);
        if (st) {
            emb_archive_close(a);
            return st;
        }
    }
    *out = a;
    return EMB_OK;
}

void emb_archive_close(emb_archive *a)
{
    if (!a)
        return;
    if (a->zip)
        zip_discard(a->zip); /* read-only: nothing to write back */
    emb_free(a->path);
    emb_free(a);
}

const char *emb_archive_path(const emb_archive *a) { return a->path; }

int emb_archive_is_zip(const emb_archive *a) { return a->zip != NULL; }

/* a->path + sep + rel, newly allocated. */
static char *join(const char *a, char sep, const char *rel)
{
    size_t la = strlen(a), lr = strlen(rel);
    char *s = emb_alloc(la + lr + 2, 1, "file name");
    if (!s)
        return NULL;
    memcpy(s, a, la);
    s[la] = sep;
    memcpy(s + la + 1, rel, lr + 1);
    return s;
}

char *emb_archive_display(const emb_archive *a, const char *rel)
{
    return join(a->path, a->zip ? ':' : '/', rel);
}

int emb_archive_has(const emb_archive *a, const char *rel)
{
    size_t lr = strlen(rel);
    if (lr == 0 || rel[lr - 1] == '/')
        return 0;
    if (a->zip)
        return zip_name_locate(a->zip, rel, 0) >= 0;
    /* Not through emb_alloc: a probe must not consume an injected failure
     * and turn "absent" into a spurious out-of-memory. */
    size_t la = strlen(a->path);
    char *full = malloc(la + lr + 2);
    if (!full)
        return 0;
    memcpy(full, a->path, la);
    full[la] = '/';
    memcpy(full + la + 1, rel, lr + 1);
    struct stat sb;
    int ok = stat(full, &sb) == 0 && S_ISREG(sb.st_mode);
    free(full);
    return ok;
}

static int cmp_str(const void *x, const void *y)
{
    return strcmp(*(char *const *)x, *(char *const *)y);
}

/* Append a copy of s[0..len) to *v unless already present. */
static emb_status push_unique(char ***v, size_t *n, size_t *cap, const char *s, size_t len)
{
    for (size_t i = 0; i < *n; i++)
        if (strlen((*v)[i]) == len && memcmp((*v)[i], s, len) == 0)
            return EMB_OK;
    if (*n == *cap) {
        size_t nc = *cap ? 2 * *cap : 8;
        char **nv = emb_realloc(*v, nc, sizeof *nv, "folder list");
        if (!nv)
            return EMB_ENOMEM;
        *v = nv, *cap = nc;
    }
    if (!((*v)[*n] = emb_strndup(s, len)))
        return EMB_ENOMEM;
    (*n)++;
    return EMB_OK;
}

static void free_names(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        emb_free(v[i]);
    emb_free(v);
}

/* The sorted, distinct names directly inside `dir` of the archive: its
 * sub-folders (want_dirs) or its files. */
static emb_status list_dir(const emb_archive *a, const char *dir, int want_dirs, char ***names,
                           size_t *n)
{
    *names = NULL, *n = 0;
    char **v = NULL;
    size_t nv = 0, cap = 0;
    emb_status st = EMB_OK;
    size_t ld = strlen(dir);
    if (a->zip) {
        /* Zips need not hold entries for folders: derive them from members. */
        zip_int64_t ne = zip_get_num_entries(a->zip, 0);
        for (zip_int64_t i = 0; i < ne && st == EMB_OK; i++) {
            const char *nm = zip_get_name(a->zip, (zip_uint64_t)i, ZIP_FL_ENC_GUESS);
            if (!nm || strncmp(nm, dir, ld) != 0)
                continue;
            const char *rest = nm + ld, *slash = strchr(rest, '/');
            if (want_dirs && slash && slash > rest)
                st = push_unique(&v, &nv, &cap, rest, (size_t)(slash - rest));
            else if (!want_dirs && *rest && !slash)
                st = push_unique(&v, &nv, &cap, rest, strlen(rest));
        }
    } else {
        char *full = ld ? join(a->path, '/', dir) : emb_strdup(a->path);
        if (!full)
            return EMB_ENOMEM;
        DIR *d = opendir(full);
        if (!d) {
            st = emb_raise(EMB_EIO, "%s: cannot list folder: %s", full, strerror(errno));
            emb_free(full);
            return st;
        }
        struct dirent *de;
        while (st == EMB_OK && (de = readdir(d)) != NULL) {
            if (de->d_name[0] == '.') /* ".", ".." and hidden entries */
                continue;
            char *sub = join(full, '/', de->d_name);
            struct stat sb;
            if (!sub)
                st = EMB_ENOMEM;
            else if (stat(sub, &sb) == 0 && (want_dirs ? S_ISDIR(sb.st_mode) : S_ISREG(sb.st_mode)))
                st = push_unique(&v, &nv, &cap, de->d_name, strlen(de->d_name));
            emb_free(sub);
        }
        closedir(d);
        emb_free(full);
    }
    if (st != EMB_OK) {
        free_names(v, nv);
        return st;
    }
    if (nv)
        qsort(v, nv, sizeof *v, cmp_str);
    *names = v, *n = nv;
    return EMB_OK;
}

emb_status emb_archive_subdirs(const emb_archive *a, const char *dir, char ***names, size_t *n)
{
    return list_dir(a, dir, 1, names, n);
}

emb_status emb_archive_files(const emb_archive *a, const char *dir, char ***names, size_t *n)
{
    return list_dir(a, dir, 0, names, n);
}

emb_status emb_archive_locate(const emb_archive *a, const char *marker, char **prefix)
{
    *prefix = NULL;
    if (emb_archive_has(a, marker)) {
        *prefix = emb_strdup("");
        return *prefix ? EMB_OK : EMB_ENOMEM;
    }
    char **dirs = NULL;
    size_t nd = 0;
    emb_status st = emb_archive_subdirs(a, "", &dirs, &nd);
    if (st != EMB_OK)
        return st;
    size_t hits = 0, hit = 0;
    for (size_t i = 0; i < nd; i++) {
        char *rel = join(dirs[i], '/', marker);
        if (!rel) {
            free_names(dirs, nd);
            return EMB_ENOMEM;
        }
        if (emb_archive_has(a, rel))
            hits++, hit = i;
        emb_free(rel);
    }
    if (hits == 1) {
        *prefix = join(dirs[hit], '/', "");
        st = *prefix ? EMB_OK : EMB_ENOMEM;
    } else if (hits == 0) {
        st = emb_raise(EMB_EINPUT, "%s: no %s at the top or inside a top-level folder "
                                   "(is this a pymrio / EXIOBASE-3 text-layout %s?)",
                       a->path, marker, a->zip ? "zip" : "folder");
    } else {
        st = emb_raise(EMB_EINPUT, "%s: %zu top-level folders hold a %s; expected one "
                                   "(or one at the top)", a->path, hits, marker);
    }
    free_names(dirs, nd);
    return st;
}

/* A libzip error on a member as a status: what the archive holds
 * (encryption, a compression method this libzip lacks, corrupt deflate data,
 * a failed CRC, an inconsistent entry) is bad input (EMB_EINPUT, exit 3);
 * reading the file itself failing is I/O; each named, with the member. */
static emb_status zip_error_status(zip_error_t *ze, const char *name, const char *doing)
{
    int code = zip_error_code_zip(ze);
    const char *why = NULL;
    switch (code) {
    case ZIP_ER_ENCRNOTSUPP:
    case ZIP_ER_NOPASSWD:
    case ZIP_ER_WRONGPASSWD:
        why = "the member is encrypted; embodied reads unencrypted archives (extract it first)";
        break;
    case ZIP_ER_COMPNOTSUPP:
        why = "the member is compressed with a method this build of libzip cannot read "
              "(re-pack it with deflate)";
        break;
    case ZIP_ER_ZLIB: why = "its deflate data are corrupt"; break;
    case ZIP_ER_CRC: why = "its data fail the CRC-32 check (damaged archive)"; break;
    case ZIP_ER_INCONS:
    case ZIP_ER_EOF: why = "its entry is inconsistent or truncated (damaged archive)"; break;
    case ZIP_ER_MEMORY: return emb_raise(EMB_ENOMEM, "%s: %s: out of memory", name, doing);
    default: break;
    }
    if (why)
        return emb_raise(EMB_EINPUT, "%s: %s: %s (libzip: %s)", name, doing, why,
                         zip_error_strerror(ze));
    return emb_raise(EMB_EIO, "%s: %s: %s", name, doing, zip_error_strerror(ze));
}

emb_status emb_bytesrc_open(emb_archive *a, const char *rel, emb_bytesrc **out)
{
    *out = NULL;
    emb_bytesrc *s = emb_calloc(1, sizeof *s, "byte source");
    if (!s)
        return EMB_ENOMEM;
    if (!(s->name = emb_archive_display(a, rel))) {
        emb_free(s);
        return EMB_ENOMEM;
    }
    emb_status st = EMB_OK;
    if (a->zip) {
        if (zip_name_locate(a->zip, rel, 0) < 0)
            st = emb_raise(EMB_EIO, "%s: no such member in the zip archive", s->name);
        else if (!(s->zf = zip_fopen(a->zip, rel, 0)))
            st = zip_error_status(zip_get_error(a->zip), s->name, "cannot open member");
        else {
            zip_stat_t zs;
            zip_stat_init(&zs);
            if (zip_stat(a->zip, rel, 0, &zs) == 0 && (zs.valid & ZIP_STAT_SIZE))
                s->size = (unsigned long long)zs.size, s->sized = 1;
        }
    } else {
        struct stat sb;
        const char *full = s->name; /* for folders the display name is the path */
        if (stat(full, &sb) != 0)
            st = emb_raise(EMB_EIO, "%s: cannot open: %s", full, strerror(errno));
        else if (!S_ISREG(sb.st_mode) && !S_ISDIR(sb.st_mode))
            st = emb_input_check_type(full, "a table file");
        else if (!S_ISREG(sb.st_mode))
            st = emb_raise(EMB_EIO, "%s: not a regular file", full);
        else if (!(s->fp = fopen(full, "rb")))
            st = emb_raise(EMB_EIO, "%s: cannot open: %s", full, strerror(errno));
        else
            s->size = (unsigned long long)sb.st_size;
    }
    s->progress = a->progress;
    s->progress_ctx = a->progress_ctx;
    if (st != EMB_OK) {
        emb_bytesrc_close(s);
        return st;
    }
    *out = s;
    return EMB_OK;
}

emb_status emb_bytesrc_open_file(const char *path, const char *what, emb_bytesrc **out)
{
    *out = NULL;
    if (!path || !*path)
        return emb_raise(EMB_EUSAGE, "empty file name (expected the %s)", what);
    emb_bytesrc *s = emb_calloc(1, sizeof *s, "byte source");
    if (!s)
        return EMB_ENOMEM;
    if (!(s->name = emb_strdup(path))) {
        emb_free(s);
        return EMB_ENOMEM;
    }
    struct stat sb;
    emb_status st = EMB_OK;
    if (stat(path, &sb) != 0)
        st = emb_raise(EMB_EIO, "%s: cannot open the %s: %s", path, what, strerror(errno));
    else if (!S_ISREG(sb.st_mode) && !S_ISDIR(sb.st_mode))
        st = emb_input_check_type(path, what);
    else if (!S_ISREG(sb.st_mode))
        st = emb_raise(EMB_EIO, "%s: cannot open the %s: not a regular file", path, what);
    else if (!(s->fp = fopen(path, "rb")))
        st = emb_raise(EMB_EIO, "%s: cannot open the %s: %s", path, what, strerror(errno));
    else
        s->size = (unsigned long long)sb.st_size;
    if (st != EMB_OK) {
        emb_bytesrc_close(s);
        return st;
    }
    *out = s;
    return EMB_OK;
}

static void report(emb_bytesrc *s, size_t got)
{
    s->done += got;
    if (!s->progress)
        return;
    if (got == 0 || s->done - s->reported >= PROGRESS_STEP) {
        s->reported = s->done;
        s->progress(s->progress_ctx, s->name, s->done, got == 0 ? s->done : s->size);
    }
}

emb_status emb_bytesrc_read(emb_bytesrc *s, void *buf, size_t cap, size_t *got)
{
    *got = 0;
    if (cap == 0)
        return EMB_OK;
    if (s->zf) {
        /* Never inflate more than the declared size (+ 1 byte, to see that
         * there is more): a member whose deflate stream runs on past it is
         * a forged entry, and stops here, not when the disk or the CRC says. */
        zip_uint64_t want = (zip_uint64_t)cap;
        if (s->sized && want > s->size - s->done + 1)
            want = s->size - s->done + 1;
        zip_int64_t r = zip_fread(s->zf, buf, want);
        if (r < 0)
            return zip_error_status(zip_file_get_error(s->zf), s->name, "cannot read member");
        if (s->sized && s->done + (unsigned long long)r > s->size)
            return emb_raise(EMB_EINPUT, "%s: the member inflates to more than the %llu bytes "
                                         "its entry declares (corrupt or hostile zip)", s->name,
                             s->size);
        *got = (size_t)r;
        report(s, *got);
        return EMB_OK;
    }
    size_t r = fread(buf, 1, cap, s->fp);
    if (r == 0 && ferror(s->fp))
        return emb_raise(EMB_EIO, "%s: read error: %s", s->name, strerror(errno));
    *got = r;
    report(s, *got);
    return EMB_OK;
}

const char *emb_bytesrc_name(const emb_bytesrc *s) { return s->name; }

unsigned long long emb_bytesrc_size(const emb_bytesrc *s) { return s->size; }

void emb_bytesrc_close(emb_bytesrc *s)
{
    if (!s)
        return;
    if (s->zf)
        zip_fclose(s->zf);
    if (s->fp)
        fclose(s->fp);
    emb_free(s->name);
    emb_free(s);
}
