/* src/cli/cmd_report.c — `embodied report RESULTS.h5 -o report.html`: a
 * self-contained HTML report of a results file (README "Report").  The
 * library reads, checks and writes (src/report/); this file parses options. */
#include "cli/cli.h"

#include <getopt.h>
#include <string.h>

static void usage(FILE *fp)
{
    fputs("Usage: embodied report RESULTS.h5 -o REPORT.html [options]\n"
          "\n"
          "Write one self-contained HTML page (inline SVG and CSS, no script, nothing from the\n"
          "network; printable) from a results file of 'embodied accounts -o': PBA vs CBA per\n"
          "region (sorted; groups marked), the balance of embodied trade (exports - imports),\n"
          "data facts and provenance.  Every chart has its numbers in a <details> table.\n"
          "\n"
          "  -o, --output FILE.html  the report (written atomically; required)\n"
          "  -s, --stressor NAME     the stressor charted (default: the first)\n"
          "      --svg DIR           also write each chart as a standalone SVG in DIR\n"
          "      --force             overwrite an existing output file\n"
          "  -h, --help              this help\n",
          fp);
}

enum { OPT_SVG = 500, OPT_FORCE };

int cmd_report(int argc, char **argv)
{
    static const struct option opts[] = {
        {"output", required_argument, NULL, 'o'}, {"stressor", required_argument, NULL, 's'},
        {"svg", required_argument, NULL, OPT_SVG}, {"force", no_argument, NULL, OPT_FORCE},
        {"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
    emb_report_opts ro;
    memset(&ro, 0, sizeof ro);
    const char *out = NULL;
    int force = 0, c, rc;
    while ((c = getopt_long(argc, argv, "o:s:h", opts, NULL)) != -1) {
        switch (c) {
        case 'o': out = optarg; break;
        case 's': ro.stressor = optarg; break;
        case OPT_SVG: ro.svg_dir = optarg; break;
        case OPT_FORCE: force = 1; break;
        case 'h': usage(stdout); return EMB_EXIT_OK;
        default: return cli_usage_error("report", "invalid option");
        }
    }
    if (argc - optind != 1)
        return cli_usage_error("report", "expected one results file (got %d)", argc - optind);
    if (!out)
        return cli_usage_error("report", "-o REPORT.html is required");
    if ((rc = cli_check_output("report", out, force)))
        return rc;
    emb_status st = emb_report_write(argv[optind], out, &ro);
    if (st)
        return cli_fail(st);
    fprintf(stderr, "embodied: wrote %s\n", out);
    return EMB_EXIT_OK;
}
