/* src/cli/cmd_info.c — `embodied info [FILE]`: what is in a table, and the
 * data facts a user must know before trusting results (zero-output sectors
 * that emit, negative final demand). */
#include "cli/cli.h"

#include <getopt.h>
#include <sys/stat.h>

static void usage(FILE *fp)
{
    fputs("Usage: embodied info [FILE] [--group NAME=R1,R2,...]\n"
          "\n"
          "Describe an embodied-mrio HDF5 table: dimensions, labels, stressor totals, groups and\n"
          "data facts (sectors with zero output that still emit, negative final demand).\n"
          "Without FILE, describes the demo table.\n"
          "\n"
          "  -g, --group NAME=R1,R2  define a region group (repeatable)\n"
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

int cmd_info(int argc, char **argv)
{
    static const struct option opts[] = {{"group", required_argument, NULL, 'g'},
                                         {"help", no_argument, NULL, 'h'},
                                         {"max-memory", required_argument, NULL, CLI_OPT_MAX_MEMORY},
                                         {NULL, 0, NULL, 0}};
    cli_list groups = {0};
    int c, rc;
    while ((c = getopt_long(argc, argv, "g:h", opts, NULL)) != -1) {
        switch (c) {
        case 'g': cli_list_push(&groups, optarg); break;
        case 'h': usage(stdout); cli_list_free(&groups); return EMB_EXIT_OK;
        case CLI_OPT_MAX_MEMORY:
            if ((rc = cli_memory_option("info", optarg))) {
                cli_list_free(&groups);
                return rc;
            }
            break;
        default: cli_list_free(&groups); return cli_usage_error("info", "invalid option");
        }
    }
    if (argc - optind > 1) {
        cli_list_free(&groups);
        return cli_usage_error("info", "expected at most one FILE");
    }
    emb_table *t = NULL;
    rc = cli_load_table(optind < argc ? argv[optind] : NULL, EMB_READ_DEFAULT, groups.v, groups.n, &t);
    cli_list_free(&groups);
    if (rc)
        return rc;
    struct stat sb;
    printf("%-24s %s", "file", t->path);
    if (stat(t->path, &sb) == 0)
        printf(" (%.3f MB)", (double)sb.st_size / 1e6);
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
    size_t nzero = 0, nemit = 0;
    for (size_t i = 0; i < t->N; i++) {
        if (t->x[i] > 0)
            continue;
        nzero++;
        int emits = 0;
        for (size_t s = 0; s < t->k; s++)
            if (t->F[s * t->N + i] != 0) {
                if (!emits)
                    nemit++;
                emits = 1;
                fprintf(stderr, "embodied: warning: %s/%s has zero output but %s = %.6g %s "
                                "(reported as unallocated by accounts)\n",
                        t->regions[i / t->n_s], t->sectors[i % t->n_s], t->stressors[s],
                        t->F[s * t->N + i], t->stressor_units[s]);
            }
    }
    printf("%-24s %zu (of which %zu emit)\n", "zero-output sectors", nzero, nemit);
    printf("%-24s %zu (sum %.6g; inventory changes, valid)\n", "negative final demand", f.n_negative_Y,
           f.sum_negative_Y);
    emb_table_free(t);
    return EMB_EXIT_OK;
}
