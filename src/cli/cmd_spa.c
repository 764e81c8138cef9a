/* src/cli/cmd_spa.c — `embodied spa`: structural path analysis, the largest
 * supply-chain paths carrying one stressor into a region's final demand
 * (embodied/spa.h), as an aligned table on stdout, CSV on stdout (--csv) or
 * a CSV file (-o).  Parsing and messages only: the library computes and
 * writes. */
#include "cli/cli.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static void usage(FILE *fp)
{
    fputs("Usage: embodied spa [FILE] --to D [--from O] [--stressor NAME] [--top K]\n"
          "                    [--max-order N] [--threshold T] [-o spa.csv] [options]\n"
          "\n"
          "Structural path analysis: the K largest supply-chain paths that carry a stressor\n"
          "into the final demand of D.  A path of order n runs from the final product j0 bought\n"
          "by D through suppliers j1..jn to the emitting industry jn, with value\n"
          "S_jn A_jn,jn-1 ... A_j1,j0 y_j0,D; all paths sum to S L y_D (D's industry CBA).\n"
          "A subtree is pruned only when its total can not reach T x |total| (bound |c| M_j,\n"
          "M = S L), so no large upstream chain is lost.  Without FILE, runs on the demo table.\n"
          "\n"
          "  -t, --to D              consuming region or group (required)\n"
          "  -f, --from O            count only emissions released in O (region or group):\n"
          "                          total, threshold and share then refer to the flow B[O][D]\n"
          "  -s, --stressor NAME     stressor (default: the first one)\n"
          "      --top K             paths listed (default 100)\n"
          "      --max-order N       longest path, in suppliers after the final producer,\n"
          "                          1..1000 (default 20)\n"
          "      --threshold T       prune subtrees below T x |total|, 0 < T < 1 (default 1e-5)\n"
          "  -g, --group NAME=R1,R2  define a region group (repeatable)\n"
          "      --groups FILE|NAME  the groups of a CSV file 'group,member', or of a shipped\n"
          "                          file by name (eu27, eu28, eu27_2009, oecd, brics:\n"
          "                          datasets/groups/; the one fitting FILE's regions) (repeatable)\n"
          "      --csv               CSV on stdout instead of the aligned table\n"
          "  -o, --output FILE.csv   write CSV to FILE (atomically) instead of stdout\n"
          "      --force             overwrite an existing output file\n"
          "      --solver METHOD     how M = S L and L y_D are solved: sparse (default here:\n"
          "                          GMRES on a CSR copy of A, no N x N array), dense, mixed\n"
          "      --explain           say which solver ran and why\n"
          CLI_MEMORY_HELP
          "  -h, --help              this help\n"
          "\n"
          "Output: rank,value,share,order,path (path: REGION:sector > ... > final demand of D,\n"
          "from the emitting industry to the final product), then a summary line: total, sum of\n"
          "the top K, coverage (the sum of every path visited), nodes visited, seconds.\n",
          fp);
}

enum { OPT_TOP = 500, OPT_MAX_ORDER, OPT_THRESHOLD, OPT_GROUPS };

/* A whole decimal number in [lo, hi]; 0 or the usage exit code. */
static int parse_size(const char *opt, const char *arg, size_t lo, size_t hi, size_t *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(arg, &end, 10);
    if (errno || end == arg || *end || arg[0] == '-' || v < lo || v > hi)
        return cli_usage_error("spa", "%s '%s': expected a whole number from %zu to %zu", opt, arg,
                               lo, hi);
    *out = (size_t)v;
    return 0;
}

int cmd_spa(int argc, char **argv)
{
    static const struct option opts[] = {
        {"to", required_argument, NULL, 't'}, {"from", required_argument, NULL, 'f'},
        {"stressor", required_argument, NULL, 's'}, {"group", required_argument, NULL, 'g'},
        {"top", required_argument, NULL, OPT_TOP},
        {"max-order", required_argument, NULL, OPT_MAX_ORDER},
        {"threshold", required_argument, NULL, OPT_THRESHOLD}, {"csv", no_argument, NULL, 'C'},
        {"groups", required_argument, NULL, OPT_GROUPS},
        {"output", required_argument, NULL, 'o'}, {"force", no_argument, NULL, 'F'},
        {"help", no_argument, NULL, 'h'}, CLI_SOLVER_LONGOPTS, {NULL, 0, NULL, 0}};
    emb_spa_opts so;
    memset(&so, 0, sizeof so);
    cli_list groups = {0}, gfiles = {0};
    const char *out = NULL, *to = NULL, *from = NULL, *stressor = NULL;
    int csv = 0, explain = 0, force = 0, c, rc = EMB_EXIT_OK;
    emb_table *t = NULL;
    emb_spa_result *r = NULL;
    while ((c = getopt_long(argc, argv, ":t:f:s:g:o:h", opts, NULL)) != -1) {
        switch (c) {
        case 't': to = optarg; break;
        case 'f': from = optarg; break;
        case 's':
            if (stressor) {
                rc = cli_usage_error("spa", "one --stressor at a time (the search follows one)");
                goto done;
            }
            stressor = optarg;
            break;
        case 'g': cli_list_push(&groups, optarg); break;
        case OPT_GROUPS: cli_list_push(&gfiles, optarg); break;
        case OPT_TOP:
            if ((rc = parse_size("--top", optarg, 1, (size_t)1 << 24, &so.top)))
                goto done;
            break;
        case OPT_MAX_ORDER:
            if ((rc = parse_size("--max-order", optarg, 1, EMB_SPA_MAX_ORDER, &so.max_order)))
                goto done;
            break;
        case OPT_THRESHOLD: {
            char *end;
            errno = 0;
            double v = strtod(optarg, &end);
            if (errno || end == optarg || *end || !(v > 0 && v < 1)) {
                rc = cli_usage_error("spa", "--threshold '%s': expected a share of the total "
                                            "between 0 and 1 (exclusive), e.g. 1e-5", optarg);
                goto done;
            }
            so.threshold = v;
            break;
        }
        case 'C': csv = 1; break;
        case 'o': out = optarg; break;
        case 'F': force = 1; break;
        case 'h': usage(stdout); goto done;
        default:
            if ((rc = cli_solver_option("spa", c, optarg, &so.solver, &explain)) == 0)
                break;
            if (rc < 0)
                rc = cli_option_error("spa", c, argc, argv, opts);
            goto done;
        }
    }
    if (!to) {
        rc = cli_usage_error("spa", "--to D is required (the region or group whose final demand "
                                    "the paths end in)");
        goto done;
    }
    if (argc - optind > 1) {
        rc = cli_usage_error("spa", "expected at most one FILE");
        goto done;
    }
    cli_note_input(optind < argc ? argv[optind] : NULL);
    if ((rc = cli_check_output("spa", out, force)))
        goto done;
    if ((rc = cli_load_table(optind < argc ? argv[optind] : NULL, EMB_READ_DEFAULT, groups.v,
                             groups.n, &t)) ||
        (rc = cli_add_group_files(t, "spa", gfiles.v, gfiles.n)))
        goto done;
    size_t s = 0, ns = 0;
    if (stressor) {
        if ((rc = cli_select_stressors(t, &stressor, 1, &s, &ns)))
            goto done;
    } else if (t->k > 1) {
        fprintf(stderr, "embodied: spa: stressor %s (the first of %zu; --stressor to choose)\n",
                t->stressors[0], t->k);
    }
    so.stressor = s;
    so.to = to;
    so.from = from;
    emb_status st = emb_spa_compute(t, &so, &r);
    if (st) {
        rc = cli_fail(st);
        goto done;
    }
    cli_report_solver(&r->solver, explain);
    if ((st = emb_spa_write(r, t, csv || out ? EMB_SPA_CSV : EMB_SPA_TEXT, out))) {
        rc = cli_fail(st);
        goto done;
    }
    if (out)
        fprintf(stderr, "embodied: wrote %s (%zu paths; total %.6g, top %zu %.4g %%, coverage "
                        "%.4g %%, %zu nodes visited, %.2f s)\n",
                out, r->n_paths, r->total, r->n_paths,
                r->total != 0 ? 100 * r->sum_top / r->total : 0.0,
                r->total != 0 ? 100 * r->coverage / r->total : 0.0, r->nodes_visited,
                r->seconds_total);
done:
    emb_spa_free(r);
    emb_table_free(t);
    cli_list_free(&groups);
    cli_list_free(&gfiles);
    return rc;
}
