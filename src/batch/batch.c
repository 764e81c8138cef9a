/* src/batch/batch.c — the batch engine (batch.h): tables dealt to workers
 * and ranks, one atomic output folder per table, the manifest and resume;
 * the series is series.c's. */
#define _GNU_SOURCE /* struct dirent d_type, strsep */
#include "batch/batch.h"

#include "core/alloc.h"
#include "core/error_impl.h"
#include "core/sha256.h"
#include "core/table_impl.h"
#include "embodied/embodied.h"
#include "results/output.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static const char *const status_names[] = {"pending", "done", "skipped", "failed", "interrupted"};

const char *emb_batch_status_name(emb_batch_status s)
{
    return (unsigned)s < 5 ? status_names[s] : "?";
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

long emb_batch_year_from_name(const char *path)
{
    const char *b = strrchr(path, '/');
    b = b ? b + 1 : path;
    long year = 0;
    for (const char *p = b; *p;) {
        if (*p < '0' || *p > '9') {
            p++;
            continue;
        }
        const char *q = p;
        while (*q >= '0' && *q <= '9')
            q++;
        if (q - p == 4 && (*p == '1' || *p == '2'))
            year = strtol(p, NULL, 10);
        p = q;
    }
    return year;
}

/* The output folder's name: the input's base name without its extension. */
static char *table_name(const char *path)
{
    const char *b = strrchr(path, '/');
    b = b ? b + 1 : path;
    const char *dot = strrchr(b, '.');
    size_t n = dot && dot != b ? (size_t)(dot - b) : strlen(b);
    return emb_strndup(b, n);
}

/* Remove a folder and everything under it (our own outputs only). */
static void rmtree(const char *path)
{
    DIR *d = opendir(path);
    if (d) {
        for (struct dirent *e; (e = readdir(d));) {
            if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
                continue;
            char *p = emb_strfmt("%s/%s", path, e->d_name);
            if (!p)
                continue;
            struct stat sb;
            if (lstat(p, &sb) == 0 && S_ISDIR(sb.st_mode))
                rmtree(p);
            else
                unlink(p);
            emb_free(p);
        }
        closedir(d);
    }
    rmdir(path);
}

static void fsync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY);
    if (fd >= 0) {
        fsync(fd);
        close(fd);
    }
}

/* ---- The manifest ---- */

static const char manifest_header[] =
    "input,name,size,sha256,options,solver,residual_solve,residual_multipliers,identity_error,"
    "seconds,peak_rss_mib,year,year_source,status,error\n";
enum { MF_INPUT, MF_NAME, MF_SIZE, MF_SHA, MF_OPTIONS, MF_SOLVER, MF_RES, MF_RES_T, MF_IDENT,
       MF_SECONDS, MF_PEAK, MF_YEAR, MF_YEAR_SOURCE, MF_STATUS, MF_ERROR, MF_NCOLS };

static void entry_clear(emb_batch_entry *e)
{
    emb_free(e->input);
    emb_free(e->name);
    emb_free(e->options);
    emb_free(e->solver);
    emb_free(e->explain);
    emb_free(e->error);
    memset(e, 0, sizeof *e);
}

void emb_batch_entries_free(emb_batch_entry *entries, size_t n)
{
    for (size_t i = 0; entries && i < n; i++)
        entry_clear(&entries[i]);
    emb_free(entries);
}

static void print_double(FILE *fp, double v, const char *fmt)
{
    if (v != v)
        return; /* NaN: empty cell */
    fprintf(fp, fmt, v);
}

static emb_status manifest_write(const char *path, const emb_batch_entry *es, size_t n,
                                 const emb_batch_opts *o)
{
    emb_out out;
    emb_status st = emb_out_open(&out, path);
    if (st) {
        emb_out_abort(&out);
        return st;
    }
    FILE *fp = out.fp;
    fputs(manifest_header, fp);
    size_t R = o->nranks ? o->nranks : 1;
    for (size_t i = 0; i < n; i++) {
        const emb_batch_entry *e = &es[i];
        if (i % R != o->rank)
            continue;
        emb_csv_field(fp, e->input ? e->input : "");
        fputc(',', fp);
        emb_csv_field(fp, e->name ? e->name : "");
        fprintf(fp, ",%lld,%s,", e->size, e->sha256);
        emb_csv_field(fp, e->options ? e->options : "");
        fputc(',', fp);
        emb_csv_field(fp, e->solver ? e->solver : "");
        fputc(',', fp);
        print_double(fp, e->residual_solve, "%.3e");
        fputc(',', fp);
        print_double(fp, e->residual_tsolve, "%.3e");
        fputc(',', fp);
        print_double(fp, e->identity_error, "%.3e");
        fputc(',', fp);
        print_double(fp, e->seconds, "%.3f");
        fputc(',', fp);
        print_double(fp, e->peak_rss_mib, "%.1f");
        fprintf(fp, ",%ld,%s,%s,", e->year, e->year_source ? e->year_source : "",
                emb_batch_status_name(e->status));
        emb_csv_field(fp, e->error ? e->error : "");
        fputc('\n', fp);
    }
    st = emb_out_commit(&out);
    emb_out_abort(&out);
    return st;
}

/* Split one CSV record at *p (quoted fields with "" escapes, as
 * emb_csv_field writes them) into at most max fields, in place; advances *p
 * past the record.  Returns the number of fields. */
static size_t csv_record(char **p, char **fields, size_t max)
{
    char *s = *p, *w = s;
    size_t nf = 0;
    if (!*s)
        return 0;
    for (;;) {
        char *start = w;
        if (*s == '"') {
            s++;
            for (; *s; s++) {
                if (*s == '"') {
                    if (s[1] == '"')
                        s++;
                    else {
                        s++;
                        break;
                    }
                }
                *w++ = *s;
            }
        } else {
            while (*s && *s != ',' && *s != '\n')
                *w++ = *s++;
        }
        char end = *s;
        *w++ = '\0';
        if (nf < max)
            fields[nf++] = start;
        if (end == ',') {
            s++;
            continue;
        }
        if (end == '\n')
            s++;
        break;
    }
    *p = s;
    return nf;
}

static const char *static_year_source(const char *s)
{
    static const char *const known[] = {"attribute", "file name", "index"};
    for (size_t i = 0; i < 3; i++)
        if (!strcmp(s, known[i]))
            return known[i];
    return "index";
}

/* The rows of every manifest in dir (manifest.csv and manifest.rank*.csv),
 * appended to *prev; unreadable or foreign files are ignored (the tables
 * are then simply computed again). */
static void manifests_read(const char *dir, emb_batch_entry **prev, size_t *n_prev)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    for (struct dirent *de; (de = readdir(d));) {
        size_t len = strlen(de->d_name);
        if (strncmp(de->d_name, "manifest", 8) || len < 12 || strcmp(de->d_name + len - 4, ".csv") ||
            (strcmp(de->d_name, "manifest.csv") && strncmp(de->d_name, "manifest.rank", 13)))
            continue;
        size_t parts = 0;
        const char *of = strstr(de->d_name, "-of-");
        if (!strncmp(de->d_name, "manifest.rank", 13) && of)
            parts = (size_t)strtoull(of + 4, NULL, 10);
        char *path = emb_strfmt("%s/%s", dir, de->d_name);
        FILE *fp = path ? fopen(path, "rb") : NULL;
        emb_free(path);
        if (!fp)
            continue;
        char *text = NULL;
        size_t cap = 0, n = 0;
        for (;;) {
            if (n + 4096 + 1 > cap) {
                char *t = emb_realloc(text, cap ? 2 * cap : 8192, 1, "manifest");
                if (!t)
                    break;
                text = t;
                cap = cap ? 2 * cap : 8192;
            }
            size_t r = fread(text + n, 1, cap - n - 1, fp);
            n += r;
            if (r == 0)
                break;
        }
        fclose(fp);
        if (!text)
            continue;
        text[n] = '\0';
        char *p = text, *f[MF_NCOLS + 1];
        if (strncmp(p, manifest_header, sizeof manifest_header - 1) == 0) {
            p += sizeof manifest_header - 1;
            size_t nf;
            while ((nf = csv_record(&p, f, MF_NCOLS + 1)) > 0) {
                if (nf != MF_NCOLS)
                    continue;
                emb_batch_entry *v = emb_realloc(*prev, *n_prev + 1, sizeof *v, "manifest");
                if (!v)
                    break;
                *prev = v;
                emb_batch_entry *e = &v[(*n_prev)++];
                memset(e, 0, sizeof *e);
                e->input = emb_strdup(f[MF_INPUT]);
                e->name = emb_strdup(f[MF_NAME]);
                e->size = strtoll(f[MF_SIZE], NULL, 10);
                snprintf(e->sha256, sizeof e->sha256, "%s", f[MF_SHA]);
                e->options = emb_strdup(f[MF_OPTIONS]);
                e->solver = emb_strdup(f[MF_SOLVER]);
                e->residual_solve = *f[MF_RES] ? strtod(f[MF_RES], NULL) : 0.0 / 0.0;
                e->residual_tsolve = *f[MF_RES_T] ? strtod(f[MF_RES_T], NULL) : 0.0 / 0.0;
                e->identity_error = *f[MF_IDENT] ? strtod(f[MF_IDENT], NULL) : 0.0 / 0.0;
                e->seconds = *f[MF_SECONDS] ? strtod(f[MF_SECONDS], NULL) : 0.0 / 0.0;
                e->peak_rss_mib = *f[MF_PEAK] ? strtod(f[MF_PEAK], NULL) : 0.0 / 0.0;
                e->year = strtol(f[MF_YEAR], NULL, 10);
                e->year_source = static_year_source(f[MF_YEAR_SOURCE]);
                e->status = EMB_BATCH_FAILED;
                for (int s = 0; s < 5; s++)
                    if (!strcmp(f[MF_STATUS], status_names[s]))
                        e->status = (emb_batch_status)s;
                if (*f[MF_ERROR])
                    e->error = emb_strdup(f[MF_ERROR]);
                e->parts = parts;
            }
        }
        emb_free(text);
    }
    closedir(d);
}

/* ---- One table ---- */

typedef struct batch {
    const emb_batch_opts *o;
    const char *const *inputs;
    size_t n, next, nranks;
    unsigned threads;
    emb_batch_entry *entries; /* under lock */
    emb_batch_entry *prev;    /* rows of the manifests found in dir */
    size_t n_prev;
    char *manifest_path;
    int stop;                 /* interrupted: start nothing more */
    emb_status manifest_st;   /* first failure to write the manifest */
    pthread_mutex_t lock;
} batch;

static int polled_interrupt(batch *b)
{
    const emb_batch_opts *o = b->o;
    return o->interrupt && o->interrupt(o->interrupt_user);
}

/* Peak resident memory of the process (VmHWM), MiB; NaN when unknown. */
static double peak_rss_mib(void)
{
    FILE *fp = fopen("/proc/self/status", "r");
    double v = 0.0 / 0.0;
    if (!fp)
        return v;
    char line[256];
    while (fgets(line, sizeof line, fp))
        if (!strncmp(line, "VmHWM:", 6)) {
            v = strtod(line + 6, NULL) / 1024.0;
            break;
        }
    fclose(fp);
    return v;
}

/* Start a new peak (Linux: "5" to clear_refs resets VmHWM). */
static void reset_peak_rss(void)
{
    int fd = open("/proc/self/clear_refs", O_WRONLY);
    if (fd >= 0) {
        if (write(fd, "5", 1) < 0) { /* older kernels: the peak stays the process's */
        }
        close(fd);
    }
}

static int outputs_exist(const char *dir, const char *name)
{
    struct stat sb;
    char *a = emb_strfmt("%s/%s/results.h5", dir, name), *c = emb_strfmt("%s/%s/accounts.csv", dir, name);
    int ok = a && c && stat(a, &sb) == 0 && S_ISREG(sb.st_mode) && stat(c, &sb) == 0 &&
             S_ISREG(sb.st_mode);
    emb_free(a);
    emb_free(c);
    return ok;
}

/* The previous row that lets table e be skipped, or NULL. */
static const emb_batch_entry *resumable(const batch *b, const emb_batch_entry *e)
{
    if (b->o->force)
        return NULL;
    for (size_t j = b->n_prev; j-- > 0;) {
        const emb_batch_entry *p = &b->prev[j];
        if (p->name && !strcmp(p->name, e->name) &&
            (p->status == EMB_BATCH_DONE || p->status == EMB_BATCH_SKIPPED) &&
            !strcmp(p->sha256, e->sha256) && p->options && !strcmp(p->options, e->options) &&
            outputs_exist(b->o->dir, e->name))
            return p;
    }
    return NULL;
}

/* The numbers and status of a manifest row recorded earlier (a resumed
 * table, or a rank's part in the final pass), into this run's entry. */
static void copy_recorded(emb_batch_entry *e, const emb_batch_entry *p)
{
    e->size = p->size;
    memcpy(e->sha256, p->sha256, sizeof e->sha256);
    e->residual_solve = p->residual_solve;
    e->residual_tsolve = p->residual_tsolve;
    e->identity_error = p->identity_error;
    e->seconds = p->seconds;
    e->peak_rss_mib = p->peak_rss_mib;
    e->year = p->year;
    e->year_source = p->year_source;
    e->status = p->status;
}

static void set_error(emb_batch_entry *e, emb_status st, const char *msg)
{
    e->status = st == EMB_EINTERRUPTED ? EMB_BATCH_INTERRUPTED : EMB_BATCH_FAILED;
    e->error_status = st;
    emb_free(e->error);
    e->error = emb_strdup(msg && *msg ? msg : emb_strerror(st));
}

/* Rename the complete temporary folder tmpd to dir/name, replacing an older
 * one (moved aside first: a folder is renamed over only when empty). */
static emb_status commit_folder(const char *dir, const char *name, const char *tmpd)
{
    emb_status st = EMB_OK;
    char *final = emb_strfmt("%s/%s", dir, name),
         *old = emb_strfmt("%s/.%s.old.%ld", dir, name, (long)getpid());
    if (!final || !old) {
        st = EMB_ENOMEM;
        goto done;
    }
    struct stat sb;
    int had = lstat(final, &sb) == 0;
    if (had && !S_ISDIR(sb.st_mode)) {
        st = emb_raise(EMB_EIO, "%s: exists and is not a folder; the table's results go there",
                       final);
        goto done;
    }
    if (had && rename(final, old) != 0) {
        st = emb_raise(EMB_EIO, "%s: cannot move the previous results aside: %s", final,
                       strerror(errno));
        goto done;
    }
    if (rename(tmpd, final) != 0) {
        st = emb_raise(EMB_EIO, "%s: cannot rename the complete results into place: %s", final,
                       strerror(errno));
        if (had)
            rename(old, final);
        goto done;
    }
    if (had)
        rmtree(old);
    fsync_dir(dir);
done:
    emb_free(final);
    emb_free(old);
    return st;
}

/* Read, compute, write table i into a temporary folder and commit it. */
static void run_table(batch *b, size_t i, emb_batch_entry *e, int *computed)
{
    const emb_batch_opts *o = b->o;
    const char *path = b->inputs[i];
    double t0 = now_s();
    emb_context *ctx = NULL;
    emb_table *t = NULL;
    emb_accounts *a = NULL;
    char *tmpd = NULL, *h5 = NULL;
    emb_status st;
    if (b->o->jobs <= 1)
        reset_peak_rss();
    if (o->check_input) {
        char msg[1024] = "";
        if (o->check_input(i, path, msg, sizeof msg, o->user)) {
            set_error(e, EMB_EINPUT, msg);
            goto done;
        }
    }
    if ((st = emb_context_create(&ctx)))
        goto fail;
    emb_context_set_threads(ctx, b->threads);
    emb_context_set_memory_limit(ctx, o->memory_limit);
    emb_context_set_interrupt(ctx, o->interrupt, o->interrupt_user);
    if ((st = emb_table_read_h5_ctx(path, EMB_READ_DEFAULT, ctx, &t)))
        goto fail;
    for (size_t g = 0; g < o->n_groups; g++)
        if ((st = emb_table_add_group_spec(t, o->groups[g])))
            goto fail;
    if (t->year && o->year_from == 0) {
        e->year = t->year;
        e->year_source = "attribute";
    }
    emb_accounts_opts ao = o->acc;
    ao.ctx = ctx;
    if (o->compute) {
        *computed = 1;
        st = o->compute(i, t, &ao, &a, o->user);
    } else {
        st = emb_accounts_compute(t, &ao, &a);
    }
    if (st)
        goto fail;
    e->solver = emb_strdup(emb_solver_name(a->solver.kind));
    e->explain = emb_strdup(a->solver.explain);
    e->residual_solve = a->residual_solve;
    e->residual_tsolve = a->residual_tsolve;
    e->identity_error = a->identity_error;
    if (!(tmpd = emb_strfmt("%s/.%s.tmp.%ld", o->dir, e->name, (long)getpid())) ||
        !(h5 = emb_strfmt("%s/results.h5", tmpd))) {
        st = EMB_ENOMEM;
        goto fail;
    }
    rmtree(tmpd); /* a leftover of this pid's name (pids are reused) */
    /* The CSV writer builds its folder as a unit (it creates tmpd), then the
     * results file goes beside the CSV files. */
    if ((st = emb_results_write_csv(a, t, tmpd)) || (st = emb_results_write_h5(a, t, h5)))
        goto fail;
    fsync_dir(tmpd);
    if (o->before_commit)
        o->before_commit(i, o->user);
    if (polled_interrupt(b)) {
        st = emb_raise(EMB_EINTERRUPTED, "%s: interrupted before its results were committed; "
                                         "nothing kept", path);
        goto fail;
    }
    if ((st = commit_folder(o->dir, e->name, tmpd)))
        goto fail;
    e->status = EMB_BATCH_DONE;
    goto done;
fail:
    /* A signal can also surface as a failed system call (EINTR) inside a
     * step: once the caller asks to stop, the table is interrupted. */
    if (st != EMB_EINTERRUPTED && polled_interrupt(b))
        st = emb_raise(EMB_EINTERRUPTED, "%s: interrupted (%s)", path, emb_errmsg());
    set_error(e, st, emb_errmsg());
done:
    if (tmpd)
        rmtree(tmpd); /* gone after a commit; the partial folder otherwise */
    emb_free(tmpd);
    emb_free(h5);
    emb_accounts_free(a);
    emb_table_free(t);
    emb_context_free(ctx);
    e->seconds = now_s() - t0;
    e->peak_rss_mib = peak_rss_mib();
}

/* The final pass of an MPI run (opts.merge_ranks): table e as the rank that
 * had it recorded it in its manifest part of this run (same name and
 * options), its checksum and size included: the input is not read again
 * (rank 0 would otherwise read every table once more, alone). */
static void merged(const batch *b, emb_batch_entry *e)
{
    const emb_batch_entry *p = NULL;
    for (size_t j = b->n_prev; j-- > 0 && !p;)
        if (b->prev[j].parts == b->o->merge_ranks && b->prev[j].name &&
            !strcmp(b->prev[j].name, e->name) && b->prev[j].options && !strcmp(b->prev[j].options, e->options))
            p = &b->prev[j];
    if (!p || p->status == EMB_BATCH_PENDING || p->status == EMB_BATCH_INTERRUPTED) {
        emb_status st = emb_raise(EMB_EINPUT, "%s: not computed: no rank of the %zu recorded it "
                                              "done or failed in %s/manifest.rank*-of-%zu.csv",
                                  e->input, b->o->merge_ranks, b->o->dir, b->o->merge_ranks);
        set_error(e, st, emb_errmsg());
        return;
    }
    e->solver = emb_strdup(p->solver ? p->solver : "");
    copy_recorded(e, p);
    if ((p->status == EMB_BATCH_DONE || p->status == EMB_BATCH_SKIPPED) &&
        !outputs_exist(b->o->dir, e->name)) {
        emb_status st = emb_raise(EMB_EIO, "%s: recorded done, but %s/%s/ lacks results.h5 or "
                                           "accounts.csv", e->input, b->o->dir, e->name);
        set_error(e, st, emb_errmsg());
        return;
    }
    if (p->status == EMB_BATCH_FAILED) {
        e->error_status = EMB_EINPUT; /* the manifest keeps the message, not the class */
        e->error = emb_strdup(p->error ? p->error : "failed");
    }
}

/* One table from start to manifest: checksum, resume, run. */
static void process(batch *b, size_t i)
{
    const emb_batch_opts *o = b->o;
    emb_batch_entry e = {.size = -1,
                         .residual_solve = 0.0 / 0.0,
                         .residual_tsolve = 0.0 / 0.0,
                         .identity_error = 0.0 / 0.0,
                         .seconds = 0.0 / 0.0,
                         .peak_rss_mib = 0.0 / 0.0};
    const char *path = b->inputs[i];
    double t0 = now_s();
    int computed = 0;
    e.input = emb_strdup(path);
    e.name = table_name(path);
    e.options = emb_strdup(o->options_text ? o->options_text : "");
    long ny = o->year_from == 2 ? 0 : emb_batch_year_from_name(path);
    e.year = ny ? ny : (long)i + 1;
    e.year_source = ny ? "file name" : "index";
    struct stat sb;
    emb_status st;
    if (!e.input || !e.name || !e.options) {
        set_error(&e, EMB_ENOMEM, "out of memory");
    } else if (o->merge_ranks) {
        merged(b, &e);
    } else if (stat(path, &sb) != 0) {
        st = emb_raise(EMB_EIO, "%s: cannot open: %s", path, strerror(errno));
        set_error(&e, st, emb_errmsg());
    } else if ((e.size = (long long)sb.st_size), (st = emb_sha256_file(path, e.sha256))) {
        set_error(&e, st, emb_errmsg());
    } else {
        const emb_batch_entry *p = resumable(b, &e);
        if (p) {
            /* Keep what the run that computed it measured. */
            e.solver = emb_strdup(p->solver ? p->solver : "");
            e.residual_solve = p->residual_solve;
            e.residual_tsolve = p->residual_tsolve;
            e.identity_error = p->identity_error;
            e.seconds = p->seconds;
            e.peak_rss_mib = p->peak_rss_mib;
            if (o->year_from == 0 && !strcmp(p->year_source, "attribute")) {
                e.year = p->year; /* known without reading the table again */
                e.year_source = p->year_source;
            }
            e.status = EMB_BATCH_SKIPPED;
        } else {
            run_table(b, i, &e, &computed);
            e.seconds = now_s() - t0; /* the checksum included */
        }
    }
    if (o->compute && !computed)
        o->compute(i, NULL, NULL, NULL, o->user); /* the group goes on to the next table */
    e.processed = 1;
    pthread_mutex_lock(&b->lock);
    entry_clear(&b->entries[i]);
    b->entries[i] = e;
    if (e.status == EMB_BATCH_INTERRUPTED)
        b->stop = 1;
    st = manifest_write(b->manifest_path, b->entries, b->n, o);
    if (st && !b->manifest_st)
        b->manifest_st = st;
    if (o->after_table)
        o->after_table(i, &b->entries[i], o->user);
    pthread_mutex_unlock(&b->lock);
}

static void *worker(void *arg)
{
    batch *b = arg;
    for (;;) {
        pthread_mutex_lock(&b->lock);
        size_t i = b->next;
        while (i < b->n && i % b->nranks != b->o->rank)
            i++;
        b->next = i + 1;
        int stop = b->stop || polled_interrupt(b);
        if (stop)
            b->stop = 1;
        pthread_mutex_unlock(&b->lock);
        if (i >= b->n || stop)
            return NULL;
        process(b, i);
    }
}

/* Remove the temporary and set-aside folders a killed run left for the
 * tables of this rank (.NAME.tmp.PID, .NAME.old.PID). */
static void remove_stale(const batch *b)
{
    DIR *d = opendir(b->o->dir);
    if (!d)
        return;
    for (struct dirent *de; (de = readdir(d));) {
        if (de->d_name[0] != '.')
            continue;
        for (size_t i = b->o->rank; i < b->n; i += b->nranks) {
            const char *nm = b->entries[i].name;
            size_t ln = nm ? strlen(nm) : 0;
            if (ln && !strncmp(de->d_name + 1, nm, ln) &&
                (!strncmp(de->d_name + 1 + ln, ".tmp.", 5) ||
                 !strncmp(de->d_name + 1 + ln, ".old.", 5))) {
                char *p = emb_strfmt("%s/%s", b->o->dir, de->d_name);
                if (p)
                    rmtree(p);
                emb_free(p);
                break;
            }
        }
    }
    closedir(d);
}

/* ---- The batch ---- */

emb_status emb_batch_run(const char *const *inputs, size_t n, const emb_batch_opts *o,
                         emb_batch_entry **entries, size_t *n_failed)
{
    *entries = NULL;
    *n_failed = 0;
    batch b = {.o = o, .inputs = inputs, .n = n, .nranks = o->nranks ? o->nranks : 1};
    emb_status st = EMB_OK;
    if (o->rank >= b.nranks)
        return emb_raise(EMB_EUSAGE, "batch: rank %zu of %zu: expected a rank below %zu", o->rank,
                         b.nranks, b.nranks);
    if (!(b.entries = emb_calloc(n + 1, sizeof *b.entries, "batch entries")))
        return EMB_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        emb_batch_entry *e = &b.entries[i];
        e->size = -1;
        e->residual_solve = e->residual_tsolve = e->identity_error = e->seconds =
            e->peak_rss_mib = 0.0 / 0.0;
        e->year = (long)i + 1;
        e->year_source = "index";
        if (!(e->input = emb_strdup(inputs[i])) || !(e->name = table_name(inputs[i])) ||
            !(e->options = emb_strdup(o->options_text ? o->options_text : ""))) {
            st = EMB_ENOMEM;
            goto out;
        }
        if (!*e->name || e->name[0] == '.') {
            st = emb_raise(EMB_EUSAGE, "%s: cannot name an output folder after this input", inputs[i]);
            goto out;
        }
        for (size_t j = 0; j < i; j++)
            if (!strcmp(b.entries[j].name, e->name)) {
                st = emb_raise(EMB_EUSAGE, "%s and %s: both would write %s/%s/; give the inputs "
                                           "different file names", inputs[j], inputs[i], o->dir,
                               e->name);
                goto out;
            }
    }
    if (mkdir(o->dir, 0777) != 0 && errno != EEXIST) {
        st = emb_raise(EMB_EIO, "%s: cannot create the output folder: %s", o->dir, strerror(errno));
        goto out;
    }
    struct stat sb;
    if (stat(o->dir, &sb) != 0 || !S_ISDIR(sb.st_mode) || access(o->dir, W_OK | X_OK) != 0) {
        st = emb_raise(EMB_EIO, "%s: %s", o->dir,
                       stat(o->dir, &sb) == 0 && !S_ISDIR(sb.st_mode) ? "exists and is not a folder"
                                                                       : "not a writable folder");
        goto out;
    }
    b.manifest_path = b.nranks > 1 ? emb_strfmt("%s/manifest.rank%zu-of-%zu.csv", o->dir, o->rank,
                                                b.nranks)
                                   : emb_strfmt("%s/manifest.csv", o->dir);
    if (!b.manifest_path) {
        st = EMB_ENOMEM;
        goto out;
    }
    manifests_read(o->dir, &b.prev, &b.n_prev);
    remove_stale(&b);
    /* Until a table is processed its row is the one an earlier run left (so
     * that a run killed outright loses nothing it could resume from), else
     * pending. */
    for (size_t i = o->rank; i < n; i += b.nranks)
        for (size_t j = b.n_prev; j-- > 0;)
            if (b.prev[j].name && !strcmp(b.prev[j].name, b.entries[i].name)) {
                const emb_batch_entry *p = &b.prev[j];
                emb_batch_entry *e = &b.entries[i];
                char *opt = emb_strdup(p->options ? p->options : ""),
                     *sol = emb_strdup(p->solver ? p->solver : ""),
                     *er = p->error ? emb_strdup(p->error) : NULL;
                emb_free(e->options);
                emb_free(e->solver);
                emb_free(e->error);
                e->options = opt, e->solver = sol, e->error = er;
                copy_recorded(e, p);
                break;
            }
    /* The manifest exists (every table pending) before the first table runs. */
    if ((st = manifest_write(b.manifest_path, b.entries, n, o)))
        goto out;
    unsigned jobs = o->jobs ? o->jobs : 1;
    /* The CPUs this process may run on (a Slurm allocation, taskset), not
     * the machine's. */
    cpu_set_t cs;
    long cores = sched_getaffinity(0, sizeof cs, &cs) == 0 ? CPU_COUNT(&cs)
                                                           : sysconf(_SC_NPROCESSORS_ONLN);
    b.threads = o->threads ? o->threads
                           : (unsigned)(cores > (long)jobs ? cores / (long)jobs : 1);
    pthread_mutex_init(&b.lock, NULL);
    if (jobs == 1) {
        worker(&b);
    } else {
        pthread_t *th = emb_alloc(jobs, sizeof *th, "batch threads");
        unsigned started = 0;
        for (; th && started < jobs; started++)
            if (pthread_create(&th[started], NULL, worker, &b) != 0)
                break;
        if (started == 0)
            worker(&b); /* no thread could start: run them here */
        for (unsigned j = 0; j < started; j++)
            pthread_join(th[j], NULL);
        emb_free(th);
    }
    pthread_mutex_destroy(&b.lock);
    int interrupted = b.stop;

    for (size_t i = o->rank; i < n; i += b.nranks)
        *n_failed += b.entries[i].processed && b.entries[i].status == EMB_BATCH_FAILED;
    if (interrupted) {
        st = emb_raise(EMB_EINTERRUPTED, "batch interrupted: the tables not done are not kept; "
                                         "run the same command again to complete it");
        goto out;
    }
    if (b.manifest_st) {
        st = b.manifest_st;
        goto out;
    }
    if (b.nranks == 1)
        st = emb_batch_write_series(b.entries, n, o);
out:
    emb_batch_entries_free(b.prev, b.n_prev);
    emb_free(b.manifest_path);
    *entries = b.entries;
    return st;
}
