/* tests/fuzz/fuzz.c — the harnesses' shared machinery (see fuzz.h): the
 * scratch folder of this process, the container format unpacked into it
 * (files, zip archives built from "X.zip/member" entries, "@options"), and
 * the accounts run on every small table that loads. */
#define _XOPEN_SOURCE 700 /* nftw */
#include "fuzz.h"

#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zip.h>

#define MARK_OPEN "==> "
#define MARK_CLOSE " <=="
#define MAX_NAME 200
#define MAX_ENTRIES 64
#define MAX_ZIPS 8

/* ------------------------------------------------------- scratch folder */

static char base[400]; /* this process's folder, made once; "" until then */

static int rm_entry(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb, (void)flag, (void)ftw;
    remove(p);
    return 0;
}

static void rmtree(const char *dir)
{
    struct stat sb;
    if (lstat(dir, &sb) == 0)
        nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static void remove_base(void)
{
    if (base[0])
        rmtree(base);
}

/* base/in, emptied: the folder of one input.  A scratch folder that cannot
 * be made aborts: silently skipping every input would test nothing. */
static const char *fresh_root(void)
{
    static char root[512];
    if (!base[0]) {
        const char *tmp = getenv("TMPDIR");
        snprintf(base, sizeof base, "%s/emb-fuzz-XXXXXX", tmp && *tmp ? tmp : "/tmp");
        if (!mkdtemp(base)) {
            fprintf(stderr, "fuzz: cannot make a scratch folder %s: %s\n", base, strerror(errno));
            abort();
        }
        atexit(remove_base);
        snprintf(root, sizeof root, "%s/in", base);
    }
    rmtree(root);
    /* Someone may have removed the scratch folder under a long run. */
    if (mkdir(root, 0700) != 0 && (errno != ENOENT || mkdir(base, 0700) != 0 || mkdir(root, 0700) != 0)) {
        fprintf(stderr, "fuzz: cannot make %s: %s\n", root, strerror(errno));
        abort();
    }
    return root;
}

/* mkdir -p of the folders leading to file `path` (the last component is
 * not made).  0 on success. */
static int make_parents(char *path, size_t from)
{
    for (char *s = path + from; (s = strchr(s, '/')) != NULL; s++) {
        *s = '\0';
        int r = mkdir(path, 0700);
        int ok = r == 0 || errno == EEXIST;
        *s = '/';
        if (!ok)
            return -1;
    }
    return 0;
}

static int write_file(const char *path, const uint8_t *p, size_t n)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return -1;
    size_t w = n ? fwrite(p, 1, n, f) : 0;
    return fclose(f) == 0 && w == n ? 0 : -1;
}

const char *emb_fuzz_write_one(const uint8_t *data, size_t size, const char *name)
{
    static char path[768];
    const char *root = fresh_root();
    if (!root)
        return NULL;
    snprintf(path, sizeof path, "%s/%s", root, name);
    return write_file(path, data, size) == 0 ? path : NULL;
}

/* ------------------------------------------------------ container format */

/* Is name a relative path of printable ASCII without empty, "." or ".."
 * components? */
static int name_ok(const char *name)
{
    size_t n = strlen(name);
    if (n == 0 || n > MAX_NAME || name[0] == '/' || name[n - 1] == '/')
        return 0;
    for (size_t i = 0; i < n; i++)
        if (name[i] < 0x20 || name[i] > 0x7e || name[i] == '\\')
            return 0;
    for (const char *c = name; *c;) {
        size_t l = strcspn(c, "/");
        if (l == 0 || (l == 1 && c[0] == '.') || (l == 2 && c[0] == '.' && c[1] == '.'))
            return 0;
        c += l + (c[l] == '/');
    }
    return 1;
}

static int ends_with_ci(const char *s, size_t len, const char *suffix)
{
    size_t ls = strlen(suffix);
    return len >= ls && strncasecmp(s + len - ls, suffix, ls) == 0;
}

/* Length of the prefix of name that is a zip archive with members after it
 * ("a/b.zip" of "a/b.zip/c"), or 0. */
static size_t archive_prefix(const char *name)
{
    for (const char *s = strchr(name, '/'); s; s = strchr(s + 1, '/')) {
        size_t l = (size_t)(s - name);
        if (ends_with_ci(name, l, ".zip") || ends_with_ci(name, l, ".xlsx"))
            return l;
    }
    return 0;
}

typedef struct entry {
    char name[MAX_NAME + 1];
    const uint8_t *p;
    size_t n;
} entry;

/* Is line [p, e) a marker?  Then its NAME goes into name. */
static int marker(const uint8_t *p, const uint8_t *e, char *name)
{
    size_t lo = strlen(MARK_OPEN), lc = strlen(MARK_CLOSE), n = (size_t)(e - p);
    if (n > 0 && e[-1] == '\r')
        n--;
    if (n < lo + lc + 1 || memcmp(p, MARK_OPEN, lo) != 0 || memcmp(p + n - lc, MARK_CLOSE, lc) != 0)
        return 0;
    size_t l = n - lo - lc;
    if (l > MAX_NAME)
        return 0;
    memcpy(name, p + lo, l);
    name[l] = '\0';
    return strlen(name) == l; /* no NUL inside */
}

/* Split the input into entries (at most MAX_ENTRIES). */
static size_t split(const uint8_t *data, size_t size, entry *ent)
{
    size_t n = 0;
    entry *cur = NULL;
    const uint8_t *p = data, *end = data + size;
    while (p < end) {
        const uint8_t *nl = memchr(p, '\n', (size_t)(end - p));
        const uint8_t *le = nl ? nl : end, *next = nl ? nl + 1 : end;
        char name[MAX_NAME + 1];
        if (marker(p, le, name)) {
            if (cur)
                cur->n = (size_t)(p - cur->p);
            cur = n < MAX_ENTRIES ? &ent[n++] : NULL;
            if (!cur)
                return n;
            memcpy(cur->name, name, sizeof name);
            cur->p = next;
        }
        p = next;
    }
    if (cur)
        cur->n = (size_t)(end - cur->p);
    return n;
}

/* "@options" lines into in->opts. */
static void parse_options(emb_fuzz_input *in, const uint8_t *p, size_t n)
{
    if (n >= sizeof in->optbuf)
        n = sizeof in->optbuf - 1;
    memcpy(in->optbuf, p, n);
    in->optbuf[n] = '\0';
    for (char *line = in->optbuf, *nl; line && *line; line = nl) {
        nl = strchr(line, '\n');
        if (nl)
            *nl++ = '\0';
        char *sp = strchr(line, ' ');
        if (!sp)
            continue;
        *sp = '\0';
        char *val = sp + 1;
        size_t lv = strlen(val);
        if (lv && val[lv - 1] == '\r')
            val[lv - 1] = '\0';
        if (strcmp(line, "stressors") == 0 && in->opts.n_stressor_patterns < EMB_FUZZ_MAX_OPTS)
            in->pats[in->opts.n_stressor_patterns++] = val;
        else if (strcmp(line, "extension") == 0 && in->opts.n_extensions < EMB_FUZZ_MAX_OPTS)
            in->exts[in->opts.n_extensions++] = val;
        else if (strcmp(line, "stressors_csv") == 0 && name_ok(val)) {
            snprintf(in->stressors_csv, sizeof in->stressors_csv, "%s/%s", in->root, val);
            in->opts.stressors_csv = in->stressors_csv;
        }
    }
    in->opts.stressor_patterns = in->opts.n_stressor_patterns ? in->pats : NULL;
    in->opts.extensions = in->opts.n_extensions ? in->exts : NULL;
}

/* Build the zip archive root/prefix from every entry "prefix/member". */
static void build_zip(emb_fuzz_input *in, const entry *ent, size_t n, const char *prefix,
                      size_t lp)
{
    char path[768];
    snprintf(path, sizeof path, "%s/%s", in->root, prefix);
    if (make_parents(path, strlen(in->root) + 1) != 0)
        return;
    int err = 0;
    zip_t *z = zip_open(path, ZIP_CREATE | ZIP_TRUNCATE, &err);
    if (!z)
        return;
    for (size_t i = 0; i < n; i++) {
        if (archive_prefix(ent[i].name) != lp || strncmp(ent[i].name, prefix, lp) != 0)
            continue;
        const char *member = ent[i].name + lp + 1;
        zip_source_t *src = zip_source_buffer(z, ent[i].p, ent[i].n, 0);
        if (!src)
            continue;
        zip_int64_t idx = zip_file_add(z, member, src, ZIP_FL_OVERWRITE | ZIP_FL_ENC_UTF_8);
        if (idx < 0) {
            zip_source_free(src);
            continue;
        }
        zip_set_file_compression(z, (zip_uint64_t)idx, ZIP_CM_STORE, 0);
        in->n_files++;
    }
    if (zip_close(z) != 0)
        zip_discard(z);
}

int emb_fuzz_unpack(const uint8_t *data, size_t size, emb_fuzz_input *in)
{
    static entry ent[MAX_ENTRIES];
    memset(in, 0, sizeof *in);
    const char *root = fresh_root();
    if (!root)
        return -1;
    snprintf(in->root, sizeof in->root, "%s", root);
    size_t n = split(data, size, ent);
    const char *done_zips[MAX_ZIPS];
    size_t n_zips = 0;
    for (size_t i = 0; i < n; i++) {
        const entry *e = &ent[i];
        if (strcmp(e->name, "@options") == 0) {
            parse_options(in, e->p, e->n);
            continue;
        }
        if (!name_ok(e->name))
            continue;
        size_t lp = archive_prefix(e->name);
        if (lp) { /* a zip member: the archive is built once, from all its entries */
            size_t z = 0;
            while (z < n_zips && !(strlen(done_zips[z]) == lp && !strncmp(done_zips[z], e->name, lp)))
                z++;
            if (z < n_zips || n_zips == MAX_ZIPS)
                continue;
            done_zips[n_zips++] = e->name;
            char prefix[MAX_NAME + 1];
            memcpy(prefix, e->name, lp);
            prefix[lp] = '\0';
            build_zip(in, ent, n, prefix, lp);
        } else {
            char path[768];
            snprintf(path, sizeof path, "%.511s/%.200s", in->root, e->name);
            if (make_parents(path, strlen(in->root) + 1) != 0 || write_file(path, e->p, e->n) != 0)
                continue;
            in->n_files++;
        }
        if (!in->first[0]) {
            size_t l = lp ? lp : strcspn(e->name, "/");
            snprintf(in->first, sizeof in->first, "%s/%.*s", in->root, (int)l, e->name);
            in->first_is_zip = ends_with_ci(e->name, l, ".zip") || ends_with_ci(e->name, l, ".xlsx");
        }
    }
    return in->n_files ? 0 : -1;
}

/* -------------------------------------------------------------- accounts */

void emb_fuzz_note(const char *what, emb_status st)
{
    static int debug = -1;
    if (debug < 0)
        debug = getenv("EMB_FUZZ_DEBUG") != NULL;
    if (debug)
        fprintf(stderr, "%s: %s%s%s\n", what, st == EMB_OK ? "ok" : emb_strerror(st),
                st == EMB_OK ? "" : ": ", st == EMB_OK ? "" : emb_errmsg());
}

void emb_fuzz_use_table(const emb_table *t)
{
    if (emb_table_validate(t, NULL) != EMB_OK)
        return;
    /* Small tables only: the point is hostile values, not big ones, and a
     * fuzzer's executions per second. */
    if (t->N > 64 || t->k > 64 || t->n_y > 256)
        return;
    static const emb_solver_kind kinds[] = {EMB_SOLVER_AUTO, EMB_SOLVER_DENSE, EMB_SOLVER_MIXED,
                                            EMB_SOLVER_SPARSE};
    for (size_t i = 0; i < sizeof kinds / sizeof *kinds; i++) {
        emb_accounts_opts o;
        memset(&o, 0, sizeof o);
        o.per_sector = 1;
        o.flows_by_sector = i == 0;
        o.solver.kind = kinds[i];
        o.solver.max_memory = 256.0 * (1 << 20);
        emb_accounts *acc = NULL;
        emb_status st = emb_accounts_compute(t, &o, &acc);
        char what[64];
        snprintf(what, sizeof what, "emb_accounts_compute(%s)", emb_solver_name(kinds[i]));
        emb_fuzz_note(what, st);
        if (st == EMB_OK) {
            double worst = 0, v = 0;
            (void)emb_accounts_check(acc, 1e-9, &worst);
            if (t->k > 0)
                (void)emb_accounts_flow(acc, t, 0, t->regions[0], t->regions[t->n_r - 1], &v);
        }
        emb_accounts_free(acc);
    }
}
