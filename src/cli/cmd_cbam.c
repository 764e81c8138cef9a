/* src/cli/cmd_cbam.c — `embodied cbam`: exposure of exporters to a carbon
 * border adjustment (embodied/cbam.h): the rows as an aligned table on
 * stdout, CSV on stdout (--csv) or a CSV file (-o), and a summary ranking the
 * exporters (on stdout, except with --csv). */
#include "cli/cli.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

static void usage(FILE *fp)
{
    fputs("Usage: embodied cbam [FILE] --importer I --concordance C.csv [options]\n"
          "\n"
          "What a carbon border adjustment (the EU's CBAM, Regulation (EU) 2023/956) would cost\n"
          "each exporter outside I, estimated from the MRIO table.  The concordance maps table\n"
          "sectors to CBAM goods (iron_steel, aluminium, cement, fertilisers, hydrogen,\n"
          "electricity) with the share of the sector's trade in them (datasets/cbam/ has one\n"
          "per database).  Import value v = share x (Z + Y of the sector bought by I); emissions\n"
          "on three bases: direct S v; direct_electricity = direct + electricity consumed\n"
          "(sum_e share_e S_e A_ei v); supply_chain M v (an upper bound).  Cost = tonnes x\n"
          "max(0, price - exporter price).  Sector averages per unit of money, not the\n"
          "regulation's installation-level embedded emissions (README \"CBAM exposure\").\n"
          "Without FILE, runs on the demo table.\n"
          "\n"
          "  -i, --importer I            importing region or group (required), e.g. EU27\n"
          "  -c, --concordance FILE      concordance CSV sector,cbam_group,share (required)\n"
          "  -s, --stressor NAME         stressor in a mass unit (kg, t, kt, Gg, Mt, Tg); needed\n"
          "                              when the table has several\n"
          "      --price EUR_PER_T       carbon price at the border (default 80)\n"
          "      --exporter-price R=P    carbon price R already pays at home, deducted (repeatable;\n"
          "                              R a region or group)\n"
          "      --currency-per-unit F   euros per unit of the table's money (e.g. 0.72e6 for\n"
          "                              million USD in 2009): adds cost_share, cost / import value\n"
          "  -g, --group NAME=R1,R2      define a region group (repeatable)\n"
          "      --groups FILE|NAME      the groups of a CSV file 'group,member', or of a shipped\n"
          "                              file by name (eu27, eu28, eu27_2009, oecd, brics:\n"
          "                              datasets/groups/; the one fitting FILE's regions) (repeatable)\n"
          "      --csv                   CSV on stdout instead of the aligned table (no summary)\n"
          "  -o, --output FILE.csv       write the CSV to FILE (atomically); summary on stdout\n"
          "      --force                 overwrite an existing output file\n"
          CLI_SOLVER_HELP
          "  -h, --help                  this help\n",
          fp);
}

enum { OPT_PRICE = 470, OPT_EXPORTER_PRICE, OPT_CPU, OPT_CSV, OPT_FORCE, OPT_GROUPS };

/* A finite number >= 0 from an option argument, or -1. */
static double parse_nonneg(const char *s)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (end == s || *end || errno == ERANGE || !(v >= 0) || v > 1e300)
        return -1;
    return v;
}

int cmd_cbam(int argc, char **argv)
{
    static const struct option opts[] = {
        {"importer", required_argument, NULL, 'i'},
        {"concordance", required_argument, NULL, 'c'},
        {"stressor", required_argument, NULL, 's'},
        {"price", required_argument, NULL, OPT_PRICE},
        {"exporter-price", required_argument, NULL, OPT_EXPORTER_PRICE},
        {"currency-per-unit", required_argument, NULL, OPT_CPU},
        {"group", required_argument, NULL, 'g'},
        {"groups", required_argument, NULL, OPT_GROUPS},
        {"csv", no_argument, NULL, OPT_CSV},
        {"output", required_argument, NULL, 'o'},
        {"force", no_argument, NULL, OPT_FORCE},
        {"help", no_argument, NULL, 'h'},
        CLI_SOLVER_LONGOPTS,
        {NULL, 0, NULL, 0}};
    emb_solver_opts so = {.kind = EMB_SOLVER_AUTO};
    emb_cbam_opts co = {.price = 80};
    cli_list groups = {0}, eprices = {0}, gfiles = {0};
    const char *out = NULL, *conc_path = NULL;
    int csv = 0, explain = 0, force = 0, c, rc = EMB_EXIT_OK;
    emb_table *t = NULL;
    emb_leontief *lf = NULL;
    emb_cbam_concordance *conc = NULL;
    emb_cbam *res = NULL;
    emb_cbam_price *prices = NULL;
    char *pricebuf = NULL;
    while ((c = getopt_long(argc, argv, ":i:c:s:g:o:h", opts, NULL)) != -1) {
        switch (c) {
        case 'i': co.importer = optarg; break;
        case 'c': conc_path = optarg; break;
        case 's': co.stressor = optarg; break;
        case 'g': cli_list_push(&groups, optarg); break;
        case OPT_GROUPS: cli_list_push(&gfiles, optarg); break;
        case 'o': out = optarg; break;
        case OPT_CSV: csv = 1; break;
        case OPT_FORCE: force = 1; break;
        case OPT_PRICE:
            if ((co.price = parse_nonneg(optarg)) < 0) {
                rc = cli_usage_error("cbam", "--price '%s': expected EUR per tonne >= 0", optarg);
                goto done;
            }
            break;
        case OPT_CPU:
            if ((co.currency_per_unit = parse_nonneg(optarg)) <= 0) {
                rc = cli_usage_error("cbam", "--currency-per-unit '%s': expected a number > 0",
                                     optarg);
                goto done;
            }
            break;
        case OPT_EXPORTER_PRICE: cli_list_push(&eprices, optarg); break;
        case 'h': usage(stdout); goto done;
        default:
            if ((rc = cli_solver_option("cbam", c, optarg, &so, &explain)) == 0)
                break;
            if (rc < 0)
                rc = cli_option_error("cbam", c, argc, argv, opts);
            goto done;
        }
    }
    if (!co.importer || !conc_path) {
        rc = cli_usage_error("cbam", "--importer and --concordance are required");
        goto done;
    }
    if (argc - optind > 1) {
        rc = cli_usage_error("cbam", "expected at most one FILE");
        goto done;
    }
    if (out && csv) {
        rc = cli_usage_error("cbam", "--csv and -o exclude each other");
        goto done;
    }
    /* R=P pairs: split into region names and prices (names point into pricebuf). */
    if (eprices.n) {
        size_t len = 0;
        for (size_t i = 0; i < eprices.n; i++)
            len += strlen(eprices.v[i]) + 1;
        if (!(prices = calloc(eprices.n, sizeof *prices)) || !(pricebuf = malloc(len))) {
            rc = EMB_EXIT_NOMEM;
            goto done;
        }
        char *w = pricebuf;
        for (size_t i = 0; i < eprices.n; i++) {
            strcpy(w, eprices.v[i]);
            char *eq = strrchr(w, '=');
            double p = eq ? parse_nonneg(eq + 1) : -1;
            if (!eq || eq == w || p < 0) {
                rc = cli_usage_error("cbam", "--exporter-price '%s': expected REGION=EUR_PER_T "
                                             "with a price >= 0", eprices.v[i]);
                goto done;
            }
            *eq = '\0';
            prices[i] = (emb_cbam_price){w, p};
            w = eq + strlen(eq + 1) + 2;
        }
        co.exporter_prices = prices;
        co.n_exporter_prices = eprices.n;
    }
    cli_note_input(optind < argc ? argv[optind] : NULL);
    if ((rc = cli_check_output("cbam", out, force)))
        goto done;
    if ((rc = cli_load_table(optind < argc ? argv[optind] : NULL, EMB_READ_DEFAULT, groups.v,
                             groups.n, &t)) ||
        (rc = cli_add_group_files(t, "cbam", gfiles.v, gfiles.n)))
        goto done;
    /* Names and the concordance before the (long) factorisation. */
    const size_t *m;
    size_t n, one;
    emb_status st;
    if ((st = emb_table_resolve_unit(t, co.importer, &m, &n, &one)) ||
        (st = emb_cbam_concordance_read(conc_path, t, &conc))) {
        rc = cli_fail(st);
        goto done;
    }
    for (size_t i = 0; i < co.n_exporter_prices; i++)
        if ((st = emb_table_resolve_unit(t, prices[i].region, &m, &n, &one))) {
            rc = cli_fail(st);
            goto done;
        }
    if ((st = emb_leontief_create(t, &so, &lf)) || (st = emb_cbam_compute(t, lf, conc, &co, &res))) {
        rc = cli_fail(st);
        goto done;
    }
    emb_solver_stats ss;
    emb_leontief_get_stats(lf, &ss);
    cli_report_solver(&ss, explain);
    if ((st = emb_cbam_write(res, t, csv || out ? EMB_RESULTS_CSV : EMB_RESULTS_TEXT, out))) {
        rc = cli_fail(st);
        goto done;
    }
    if (out)
        fprintf(stderr, "embodied: wrote %s\n", out);
    if (out && (rc = cli_commit_outputs())) /* the file before the summary on stdout */
        goto done;
    if (!csv) {
        if (!out)
            fputc('\n', stdout);
        if ((st = emb_cbam_write_summary(res, t, NULL))) {
            rc = cli_fail(st);
            goto done;
        }
    }
done:
    free(prices);
    free(pricebuf);
    emb_cbam_free(res);
    emb_cbam_concordance_free(conc);
    emb_leontief_free(lf);
    emb_table_free(t);
    cli_list_free(&groups);
    cli_list_free(&eprices);
    cli_list_free(&gfiles);
    return rc;
}
