/* src/cli/cmd_info.c — `embodied info [FILE]`: what is in a table, and the
 * data facts a user must know before trusting results (zero-output sectors
 * that emit, negative final demand, summarised per kind); or, for a results
 * file of `embodied accounts`, what it holds (datasets and their shapes,
 * labels, groups) and its provenance (its root attributes). */
#include "cli/cli.h"
#include "io/h5util.h" /* label reading with the library's checks */

#include <getopt.h>
#include <hdf5.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static void usage(FILE *fp)
{
    fputs("Usage: embodied info [FILE] [--group NAME=R1,R2,...] [--verbose]\n"
          "\n"
          "Describe an embodied-mrio HDF5 table: dimensions, labels, stressor totals, groups and\n"
          "data facts (sectors with zero output that still emit, negative final demand: one\n"
          "warning line per kind, with a count and the first sectors).  Without FILE, describes\n"
          "the demo table.  On a results file of `embodied accounts -o`, describes the results:\n"
          "datasets and their shapes, regions, sectors, stressors, groups and the provenance\n"
          "attributes (version, input, solver, residuals, date).\n"
          "\n"
          "  -g, --group NAME=R1,R2  define a region group (repeatable; tables only)\n"
          "  -v, --verbose           every sector behind a warning, one line each\n"
          CLI_MEMORY_HELP
          "  -h, --help              this help\n",
          fp);
}

static void print_labels(const char *what, char *const *v, size_t n)
{
    printf("%-24s %zu:", what, n);
    size_t shown = n > 60 ? 60 : n;
    for (size_t i = 0; i < shown; i++)
        printf(" %s%s", v[i], i + 1 < shown ? "," : "");
    printf("%s\n", n > shown ? " ..." : "");
}

/* Is `path` an HDF5 file whose root carries results_format (written by
 * emb_results_write_h5)?  Nothing is printed for other files: the table
 * reader then gives its own message. */
static int is_results_file(const char *path)
{
    emb_h5_init(); /* HDF5's own error printing off */
    struct stat sb;
    if (stat(path, &sb) != 0 || !S_ISREG(sb.st_mode) || H5Fis_hdf5(path) <= 0)
        return 0;
    hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    if (f < 0)
        return 0;
    int yes = H5Aexists(f, "results_format") > 0;
    H5Fclose(f);
    return yes;
}

/* Print n bytes of s with control characters (an escape sequence, a
 * carriage return) as \xNN, so that no text in a file can act on the
 * terminal (attribute values and object names are not labels, which the
 * reader already checks). */
static void put_text(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 || c == 0x7f)
            printf("\\x%02X", c);
        else
            putchar(c);
    }
}

/* "3 x 4 x 4" of a dataset's dataspace, and its element type in words. */
static void shape_text(hid_t ds, char *buf, size_t cap)
{
    hid_t sp = H5Dget_space(ds), ty = H5Dget_type(ds);
    hsize_t dims[H5S_MAX_RANK];
    int rank = sp >= 0 ? H5Sget_simple_extent_dims(sp, dims, NULL) : -1;
    size_t len = 0;
    buf[0] = '\0';
    if (rank == 0)
        len = (size_t)snprintf(buf, cap, "scalar");
    for (int i = 0; i < rank && len < cap; i++)
        len += (size_t)snprintf(buf + len, cap - len, "%s%llu", i ? " x " : "",
                                (unsigned long long)dims[i]);
    H5T_class_t cls = ty >= 0 ? H5Tget_class(ty) : H5T_NO_CLASS;
    const char *what = cls == H5T_FLOAT     ? (H5Tget_size(ty) == 4 ? "float32" : "float64")
                       : cls == H5T_INTEGER ? "integer"
                       : cls == H5T_STRING  ? "strings"
                                            : "other";
    if (len < cap)
        snprintf(buf + len, cap - len, "  %s", what);
    if (sp >= 0)
        H5Sclose(sp);
    if (ty >= 0)
        H5Tclose(ty);
}

static herr_t print_dataset(hid_t loc, const char *name, const H5O_info_t *oi, void *op)
{
    (void)op;
    if (oi->type != H5O_TYPE_DATASET)
        return 0;
    hid_t ds = H5Dopen2(loc, name, H5P_DEFAULT);
    if (ds < 0)
        return 0;
    char shape[160], *units = NULL;
    int present = 0;
    shape_text(ds, shape, sizeof shape);
    if (H5Aexists(ds, "units") > 0 && emb_h5_attr_read_string(ds, "", "units", &units, &present))
        units = NULL;
    printf("  ");
    put_text(name, strlen(name));
    printf("%*s %s", strlen(name) < 30 ? (int)(30 - strlen(name)) : 0, "", shape);
    if (units) {
        printf("  [");
        put_text(units, strlen(units));
        printf("]");
    }
    printf("\n");
    free(units);
    H5Dclose(ds);
    return 0;
}

/* One root attribute as "  name  value" (strings line by line). */
static herr_t print_attribute(hid_t loc, const char *name, const H5A_info_t *ai, void *op)
{
    (void)ai;
    const char *fn = op;
    hid_t a = H5Aopen(loc, name, H5P_DEFAULT);
    if (a < 0)
        return 0;
    hid_t ty = H5Aget_type(a), sp = H5Aget_space(a);
    H5T_class_t cls = H5Tget_class(ty);
    hssize_t n = H5Sget_simple_extent_npoints(sp);
    printf("  ");
    put_text(name, strlen(name));
    printf("%*s ", strlen(name) < 30 ? (int)(30 - strlen(name)) : 0, "");
    if (cls == H5T_STRING && n == 1) {
        char *v = NULL;
        int present = 0;
        if (emb_h5_attr_read_string(loc, fn, name, &v, &present) == EMB_OK && present) {
            /* several lines (a run's warnings): each on its own line */
            for (char *p = v, *nl; p && *p; p = nl ? nl + 1 : NULL) {
                nl = strchr(p, '\n');
                printf("%s", p == v ? "" : "                                 ");
                put_text(p, nl ? (size_t)(nl - p) : strlen(p));
                printf("\n");
            }
            if (!*v)
                printf("(empty)\n");
        } else
            printf("(unreadable string)\n");
        free(v);
    } else if ((cls == H5T_INTEGER || cls == H5T_FLOAT) && n == 1) {
        double d = 0;
        long long l = 0;
        if (cls == H5T_INTEGER && H5Aread(a, H5T_NATIVE_LLONG, &l) >= 0)
            printf("%lld\n", l);
        else if (cls == H5T_FLOAT && H5Aread(a, H5T_NATIVE_DOUBLE, &d) >= 0)
            printf("%.6g\n", d);
        else
            printf("(unreadable)\n");
    } else
        printf("(%lld values)\n", (long long)n);
    H5Sclose(sp);
    H5Tclose(ty);
    H5Aclose(a);
    return 0;
}

/* Labels `name` of the results file, "n: a, b, c, ..." (at most 60 shown). */
static void print_result_labels(hid_t f, const char *fn, const char *title, const char *name,
                                char ***keep, size_t *nkeep)
{
    char **v = NULL;
    size_t n = 0;
    if (H5Lexists(f, name, H5P_DEFAULT) <= 0 || emb_h5_probe_strings(f, fn, name, &n, NULL) ||
        emb_h5_read_strings(f, fn, name, 0, 1, &v, &n)) {
        if (keep)
            *keep = NULL, *nkeep = 0;
        return;
    }
    print_labels(title, v, n);
    if (keep) {
        *keep = v, *nkeep = n;
        return;
    }
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

static void free_labels(char **v, size_t n)
{
    for (size_t i = 0; v && i < n; i++)
        free(v[i]);
    free(v);
}

static int describe_results(const char *path)
{
    hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    if (f < 0) {
        fprintf(stderr, "embodied: %s: cannot open the results file\n", path);
        return EMB_EXIT_IO;
    }
    struct stat sb;
    char size[32] = "";
    if (stat(path, &sb) == 0)
        emb_fmt_bytes((double)sb.st_size, size, sizeof size);
    printf("%-24s %s (%s)\n", "file", path, size);
    char *fmt = NULL;
    long ver = 0;
    int p1 = 0, p2 = 0;
    emb_h5_attr_read_string(f, path, "results_format", &fmt, &p1);
    emb_h5_attr_read_long(f, path, "results_format_version", &ver, &p2);
    printf("%-24s %s version %ld: results of `embodied accounts`, not a table (`embodied "
           "report` charts them)\n", "format", p1 && fmt ? fmt : "?", p2 ? ver : 0L);
    free(fmt);
    char **st = NULL, **units = NULL, **groups = NULL;
    size_t k = 0, ku = 0, ng = 0;
    print_result_labels(f, path, "regions", "regions", NULL, NULL);
    print_result_labels(f, path, "sectors", "sectors", NULL, NULL);
    if (H5Lexists(f, "stressors", H5P_DEFAULT) > 0 &&
        !emb_h5_probe_strings(f, path, "stressors", &k, NULL) &&
        !emb_h5_read_strings(f, path, "stressors", 0, 1, &st, &k)) {
        if (H5Lexists(f, "stressor_units", H5P_DEFAULT) > 0 &&
            !emb_h5_probe_strings(f, path, "stressor_units", &ku, NULL) &&
            emb_h5_read_strings(f, path, "stressor_units", 0, 1, &units, &ku))
            units = NULL, ku = 0;
        printf("%-24s %zu\n", "stressors", k);
        for (size_t s = 0; s < k && s < 50; s++)
            printf("  %-40s [%s]\n", st[s], units && s < ku ? units[s] : "?");
        if (k > 50)
            printf("  ... (%zu more)\n", k - 50);
    }
    print_result_labels(f, path, "groups", "group_names", &groups, &ng);
    printf("datasets\n");
    H5Ovisit(f, H5_INDEX_NAME, H5_ITER_INC, print_dataset, NULL);
    printf("provenance (root attributes)\n");
    hsize_t idx = 0;
    H5Aiterate2(f, H5_INDEX_NAME, H5_ITER_INC, &idx, print_attribute, (void *)path);
    free_labels(st, k);
    free_labels(units, ku);
    free_labels(groups, ng);
    H5Fclose(f);
    return EMB_EXIT_OK;
}

/* Zero-output sectors that emit: one warning line for all of them (count,
 * the first few), or with verbose one line per (sector, stressor); returns
 * the number of such sectors and counts zero-output sectors in *nzero. */
static size_t warn_zero_output(const emb_table *t, int verbose, size_t *nzero)
{
    enum { SHOWN = 5 };
    size_t nemit = 0, pairs = 0;
    char first[SHOWN * 96] = "";
    size_t len = 0;
    *nzero = 0;
    for (size_t i = 0; i < t->N; i++) {
        if (t->x[i] > 0)
            continue;
        (*nzero)++;
        int emits = 0;
        for (size_t s = 0; s < t->k; s++) {
            if (t->F[s * t->N + i] == 0)
                continue;
            pairs++;
            if (verbose)
                fprintf(stderr, "embodied: warning: %s/%s has zero output but %s = %.6g %s "
                                "(reported as unallocated by accounts)\n",
                        t->regions[i / t->n_s], t->sectors[i % t->n_s], t->stressors[s],
                        t->F[s * t->N + i], t->stressor_units[s]);
            if (!emits && nemit < SHOWN && len < sizeof first)
                len += (size_t)snprintf(first + len, sizeof first - len, "%s%s/%s", nemit ? ", " : "",
                                        t->regions[i / t->n_s], t->sectors[i % t->n_s]);
            if (!emits)
                nemit++;
            emits = 1;
        }
    }
    if (nemit && !verbose)
        fprintf(stderr, "embodied: warning: %zu sector%s with zero output emit (%zu sector-stressor "
                        "pair%s; reported as unallocated by accounts): %s%s%s\n",
                nemit, nemit == 1 ? "" : "s", pairs, pairs == 1 ? "" : "s", first,
                nemit > SHOWN ? ", ..." : "", nemit > SHOWN ? " (--verbose lists all)" : "");
    return nemit;
}

int cmd_info(int argc, char **argv)
{
    static const struct option opts[] = {{"group", required_argument, NULL, 'g'},
                                         {"verbose", no_argument, NULL, 'v'},
                                         {"help", no_argument, NULL, 'h'},
                                         {"max-memory", required_argument, NULL, CLI_OPT_MAX_MEMORY},
                                         {NULL, 0, NULL, 0}};
    cli_list groups = {0};
    int c, rc, verbose = 0;
    while ((c = getopt_long(argc, argv, ":g:vh", opts, NULL)) != -1) {
        switch (c) {
        case 'g': cli_list_push(&groups, optarg); break;
        case 'v': verbose = 1; break;
        case 'h': usage(stdout); cli_list_free(&groups); return EMB_EXIT_OK;
        case CLI_OPT_MAX_MEMORY:
            if ((rc = cli_memory_option("info", optarg))) {
                cli_list_free(&groups);
                return rc;
            }
            break;
        default: cli_list_free(&groups); return cli_option_error("info", c, argc, argv, opts);
        }
    }
    if (argc - optind > 1) {
        cli_list_free(&groups);
        return cli_usage_error("info", "expected at most one FILE");
    }
    if (optind < argc && is_results_file(argv[optind])) {
        rc = groups.n ? cli_usage_error("info", "--group applies to a table, not to the results "
                                                "file %s (its groups are stored in it)",
                                        argv[optind])
                      : describe_results(argv[optind]);
        cli_list_free(&groups);
        return rc;
    }
    emb_table *t = NULL;
    rc = cli_load_table(optind < argc ? argv[optind] : NULL, EMB_READ_DEFAULT, groups.v, groups.n, &t);
    cli_list_free(&groups);
    if (rc)
        return rc;
    struct stat sb;
    printf("%-24s %s", "file", t->path);
    if (stat(t->path, &sb) == 0)
    {
        char b[32];
        printf(" (%s)", emb_fmt_bytes((double)sb.st_size, b, sizeof b));
    }
    printf("\n%-24s %s version %d\n", "format", EMB_MRIO_FORMAT, EMB_MRIO_FORMAT_VERSION);
    if (t->source)
        printf("%-24s %s\n", "source", t->source);
    if (t->year)
        printf("%-24s %d\n", "year", t->year);
    printf("%-24s %s\n", "monetary unit", t->monetary_unit ? t->monetary_unit : "(not given)");
    printf("%-24s %zu x %zu (%s), N = %zu\n", "technology matrix", t->N, t->N,
           t->tech_kind == EMB_TECH_Z ? "Z, flows" : "A, coefficients", t->N);
    if (t->csr)
        printf("%-24s CSR, %zu non-zeros (%.3g %% of N^2)\n", "  stored as", t->csr->nnz,
               100.0 * (double)t->csr->nnz / ((double)t->N * (double)t->N));
    print_labels("regions", t->regions, t->n_r);
    print_labels("sectors", t->sectors, t->n_s);
    print_labels("final-demand categories", t->fd_categories, t->n_f);
    printf("%-24s %zu\n", "stressors", t->k);
    for (size_t s = 0; s < t->k && s < 50; s++) {
        double fi = 0, fy = 0;
        for (size_t i = 0; i < t->N; i++)
            fi += t->F[s * t->N + i];
        for (size_t j = 0; j < t->n_y; j++)
            fy += t->F_Y[s * t->n_y + j];
        printf("  %-40s [%s] industries %.6g, final demand %.6g\n", t->stressors[s],
               t->stressor_units[s], fi, fy);
    }
    if (t->k > 50)
        printf("  ... (%zu more)\n", t->k - 50);
    for (size_t g = 0; g < t->n_groups; g++)
        printf("group %-18s %zu regions\n", t->groups[g].name, t->groups[g].n);
    if (t->population) { /* per-capita accounts (README "Per-capita and intensity accounts") */
        double pop = 0;
        for (size_t r = 0; r < t->n_r; r++)
            pop += t->population[r];
        printf("%-24s %zu regions, %.6g persons in all\n", "population", t->n_r, pop);
    }

    emb_table_facts f;
    emb_status st = emb_table_validate(t, &f);
    if (!st && !t->x) {
        printf("%-24s not stored: computed as Z 1 + Y 1\n", "gross output x");
        st = emb_table_complete_x(t);
    }
    if (st) {
        rc = cli_fail(st);
        emb_table_free(t);
        return rc;
    }
    size_t nzero = 0, nemit = warn_zero_output(t, verbose, &nzero);
    printf("%-24s %zu (of which %zu emit)\n", "zero-output sectors", nzero, nemit);
    printf("%-24s %zu (sum %.6g; inventory changes, valid)\n", "negative final demand", f.n_negative_Y,
           f.sum_negative_Y);
    emb_table_free(t);
    return EMB_EXIT_OK;
}
