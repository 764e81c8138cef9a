/* src/cli/cmd_report.c — `embodied report RESULTS.h5 -o report.html`: a
 * self-contained HTML report of a results file (README "Report").  The
 * library reads, checks and writes (src/report/); this file parses options. */
#include "cli/cli.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

static void usage(FILE *fp)
{
    fputs("Usage: embodied report RESULTS.h5 [SERIES.csv] -o REPORT.html [options]\n"
          "\n"
          "Write one self-contained HTML page (inline SVG and CSS, no script, nothing from the\n"
          "network; printable) from a results file of 'embodied accounts -o': PBA vs CBA per\n"
          "region (sorted; groups marked), the balance of embodied trade (exports - imports),\n"
          "net-transfer heatmap B[o][d] - B[d][o] of the largest regions, chosen pairs by\n"
          "origin sector, time series of a batch (--series, or a second argument ending in .csv),\n"
          "data facts and provenance.  Every chart has its numbers in a <details> table.\n"
          "\n"
          "  -o, --output FILE.html  the report (written atomically; required)\n"
          "  -s, --stressor NAME     the stressor charted (default: the first)\n"
          "      --pair O:D          chart the flows from O to D (regions or groups) by origin\n"
          "                          sector (repeatable; needs accounts --flows-by-sector)\n"
          "      --heatmap-regions M  the net-transfer heatmap's regions: the M largest by\n"
          "                          PBA (default 10)\n"
          "      --series FILE.csv   chart PBA and CBA over the years from the series file of\n"
          "                          'embodied batch' (DIR/series.csv)\n"
          "      --svg DIR           also write each chart as a standalone SVG in DIR\n"
          "      --force             overwrite an existing output file\n"
          "  -h, --help              this help\n",
          fp);
}

enum { OPT_SVG = 500, OPT_FORCE, OPT_PAIR, OPT_HEAT, OPT_SERIES };

static int ends_with(const char *s, const char *tail)
{
    size_t n = strlen(s), m = strlen(tail);
    return n >= m && strcmp(s + n - m, tail) == 0;
}

int cmd_report(int argc, char **argv)
{
    static const struct option opts[] = {
        {"output", required_argument, NULL, 'o'}, {"stressor", required_argument, NULL, 's'},
        {"svg", required_argument, NULL, OPT_SVG},
        {"pair", required_argument, NULL, OPT_PAIR}, {"heatmap-regions", required_argument, NULL, OPT_HEAT}, {"force", no_argument, NULL, OPT_FORCE},
        {"series", required_argument, NULL, OPT_SERIES},
        {"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
    emb_report_opts ro;
    memset(&ro, 0, sizeof ro);
    const char *out = NULL;
    int force = 0, c, rc = EMB_EXIT_OK;
    cli_list pairs = {0};
    while ((c = getopt_long(argc, argv, ":o:s:h", opts, NULL)) != -1) {
        switch (c) {
        case 'o': out = optarg; break;
        case 's': ro.stressor = optarg; break;
        case OPT_SVG: ro.svg_dir = optarg; break;
        case OPT_SERIES: ro.series = optarg; break;
        case OPT_FORCE: force = 1; break;
        case OPT_PAIR:
            if (cli_list_push(&pairs, optarg)) {
                rc = EMB_EXIT_NOMEM;
                goto done;
            }
            break;
        case OPT_HEAT: {
            char *end;
            long v = strtol(optarg, &end, 10);
            if (end == optarg || *end || v < 1) {
                rc = cli_usage_error("report", "--heatmap-regions '%s': expected a positive integer", optarg);
                goto done;
            }
            ro.heatmap_regions = (size_t)v;
            break;
        }
        case 'h': usage(stdout); goto done;
        default: rc = cli_option_error("report", c, argc, argv, opts); goto done;
        }
    }
    /* A second argument ending in .csv is the series file (as --series). */
    if (argc - optind == 2 && !ro.series && ends_with(argv[optind + 1], ".csv") &&
        !ends_with(argv[optind], ".csv"))
        ro.series = argv[optind + 1];
    else if (argc - optind != 1) {
        rc = cli_usage_error("report", "expected one results file%s (got %d arguments)",
                             ro.series ? "" : " and at most one series .csv", argc - optind);
        goto done;
    }
    if (!out) {
        rc = cli_usage_error("report", "-o REPORT.html is required");
        goto done;
    }
    if ((rc = cli_check_output("report", out, force)) ||
        (rc = cli_check_output_dir("report", "--svg", ro.svg_dir)))
        goto done;
    ro.pairs = pairs.v;
    ro.n_pairs = pairs.n;
    emb_status st = emb_report_write(argv[optind], out, &ro);
    if (st) {
        rc = cli_fail(st);
        goto done;
    }
    fprintf(stderr, "embodied: wrote %s\n", out);
done:
    cli_list_free(&pairs);
    return rc;
}
