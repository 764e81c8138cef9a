/* src/cli/cmd_sda.c — `embodied sda T0 T1`: structural decomposition of
 * the change in consumption-based emissions between two tables (README
 * "Structural decomposition"), as an aligned table on stdout, CSV on stdout
 * (--csv) or a CSV file (-o).  The library computes and writes; this file
 * parses options and reports. */
#include "cli/cli.h"

#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static void usage(FILE *fp)
{
    fputs("Usage: embodied sda T0.h5 T1.h5 [options]\n"
          "\n"
          "Decompose each region's change in consumption-based emissions between two tables\n"
          "(two years, same regions, sectors and stressors) into four effects, exactly (Shapley:\n"
          "the average over all 4! orders), for CBA_d = S L w_d v_d + F_Y:\n"
          "  intensity (S), technology (L = (I - A)^-1), final-demand structure (w_d = y_d / v_d,\n"
          "  the origin mix included), final-demand level (v_d = 1'y_d), plus the change of\n"
          "  household direct emissions.  Rows: regions, groups (sums of their members), World.\n"
          "Columns: stressor,unit,region,year0,year1,cba0,cba1,delta,intensity,technology,\n"
          "fd_structure,fd_level,household_direct,residual.  Years: the tables' year attribute,\n"
          "else a 4-digit number in the file name.  Money in current prices mixes price and\n"
          "volume changes: --deflate1 divides T1's money by a price index.\n"
          "\n"
          "  -s, --stressor NAME     stressor(s) to report (repeatable; default: all)\n"
          "  -g, --group NAME=R1,R2  define a region group (repeatable)\n"
          "      --groups FILE|NAME  the groups of a CSV file 'group,member', or of a shipped\n"
          "                          file by name (eu27, eu28, eu27_2009, oecd, brics:\n"
          "                          datasets/groups/; the one fitting FILE's regions) (repeatable)\n"
          "      --deflate1 F        divide T1's money (Z, Y, x) by F > 0 (a price index of year 1\n"
          "                          relative to year 0): moves price change out of the level\n"
          "                          effect into the intensity effect; CBA is unchanged\n"
          "      --csv               CSV on stdout instead of the aligned table\n"
          "  -o, --output FILE.csv   write CSV to FILE (atomically) instead of stdout\n"
          "      --force             overwrite an existing output file\n"
          CLI_SOLVER_HELP
          "  -h, --help              this help\n",
          fp);
}

enum { OPT_GROUPS = 500, OPT_DEFLATE1, OPT_CSV, OPT_FORCE };

int cmd_sda(int argc, char **argv)
{
    static const struct option opts[] = {
        {"stressor", required_argument, NULL, 's'}, {"group", required_argument, NULL, 'g'},
        {"groups", required_argument, NULL, OPT_GROUPS},
        {"deflate1", required_argument, NULL, OPT_DEFLATE1}, {"csv", no_argument, NULL, OPT_CSV},
        {"output", required_argument, NULL, 'o'}, {"force", no_argument, NULL, OPT_FORCE},
        {"help", no_argument, NULL, 'h'}, CLI_SOLVER_LONGOPTS, {NULL, 0, NULL, 0}};
    emb_sda_opts so;
    memset(&so, 0, sizeof so);
    cli_list groups = {0}, stressors = {0}, gfiles = {0};
    const char *out = NULL;
    int csv = 0, explain = 0, force = 0, c, rc = EMB_EXIT_OK;
    emb_table *t[2] = {NULL, NULL};
    emb_sda *r = NULL;
    size_t *sel = NULL;
    while ((c = getopt_long(argc, argv, ":s:g:o:h", opts, NULL)) != -1) {
        switch (c) {
        case 's': cli_list_push(&stressors, optarg); break;
        case 'g': cli_list_push(&groups, optarg); break;
        case OPT_GROUPS: cli_list_push(&gfiles, optarg); break;
        case OPT_DEFLATE1: {
            char *end;
            double v = strtod(optarg, &end);
            if (end == optarg || *end || !isfinite(v) || !(v > 0)) {
                rc = cli_usage_error("sda", "--deflate1 '%s': expected a positive number", optarg);
                goto done;
            }
            so.deflate1 = v;
            break;
        }
        case OPT_CSV: csv = 1; break;
        case 'o': out = optarg; break;
        case OPT_FORCE: force = 1; break;
        case 'h': usage(stdout); goto done;
        default:
            if ((rc = cli_solver_option("sda", c, optarg, &so.solver, &explain)) == 0)
                break;
            if (rc < 0)
                rc = cli_option_error("sda", c, argc, argv, opts);
            goto done;
        }
    }
    if (argc - optind != 2) {
        rc = cli_usage_error("sda", "expected two tables T0 and T1 (got %d)", argc - optind);
        goto done;
    }
    cli_note_input(argv[optind]);
    cli_note_input(argv[optind + 1]);
    if ((rc = cli_check_output("sda", out, force)))
        goto done;
    /* Groups belong to the first table: the rows are its regions and groups. */
    if ((rc = cli_load_table(argv[optind], EMB_READ_DEFAULT, groups.v, groups.n, &t[0])) ||
        (rc = cli_load_table(argv[optind + 1], EMB_READ_DEFAULT, NULL, 0, &t[1])))
        goto done;
    if ((rc = cli_add_group_files(t[0], "sda", gfiles.v, gfiles.n)))
        goto done;
    size_t nsel = 0;
    if (!(sel = malloc((stressors.n + t[0]->k + 1) * sizeof *sel))) {
        rc = EMB_EXIT_NOMEM;
        goto done;
    }
    if ((rc = cli_select_stressors(t[0], stressors.v, stressors.n, sel, &nsel)))
        goto done;
    emb_status st = emb_sda_compute(t[0], t[1], &so, &r);
    if (st) {
        rc = cli_fail(st);
        goto done;
    }
    for (int y = 0; y < 2; y++)
        if (!emb_sda_year(r, y))
            fprintf(stderr, "embodied: warning: %s has no year attribute and no 4-digit year in its "
                            "name: year%d is left empty\n", argv[optind + y], y);
    for (int y = 0; y < 2; y++) {
        emb_solver_stats ss;
        if (emb_sda_solver_stats(r, y, &ss) == EMB_OK)
            cli_report_solver(&ss, explain);
    }
    if (explain)
        fprintf(stderr, "embodied: sda: solves L w within %.3g (relative residual); largest "
                        "decomposition residual %.3g of |delta| + |cba0| (bound 1e-10)\n",
                emb_sda_residual_solve(r), emb_sda_worst_residual(r));
    if ((st = emb_sda_write(r, sel, nsel, csv || out ? EMB_RESULTS_CSV : EMB_RESULTS_TEXT, out))) {
        rc = cli_fail(st);
        goto done;
    }
    if (out)
        fprintf(stderr, "embodied: wrote %s\n", out);
done:
    free(sel);
    emb_sda_free(r);
    emb_table_free(t[0]);
    emb_table_free(t[1]);
    cli_list_free(&groups);
    cli_list_free(&stressors);
    cli_list_free(&gfiles);
    return rc;
}
