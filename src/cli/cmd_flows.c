/* src/cli/cmd_flows.c — `embodied flows`: emissions released in an origin
 * (region or group) to satisfy final demand in a destination, as an aligned
 * table on stdout, CSV on stdout (--csv) or a CSV file (-o); with --by, the
 * drill-down of one pair by origin sector, final product or both
 * (embodied/drilldown.h). */
#include "cli/cli.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

static void usage(FILE *fp)
{
    fputs("Usage: embodied flows [FILE] [--from ORIGIN --to DESTINATION]... [options]\n"
          "\n"
          "Emissions released in ORIGIN to satisfy final demand in DESTINATION (each a region or\n"
          "a group), from the bilateral flow matrix B[o][d] = sum_{i in o} S_i (L y_d)_i.  --from\n"
          "and --to pair up in order; --from alone: to every region and group, --to alone: from\n"
          "every region and group; without either, every region pair is listed.\n"
          "Without FILE, runs on the demo table.  FILE may be a results file (accounts -o\n"
          "R.h5): its stored flows are read, nothing is solved (--by, --solver, --explain are\n"
          "refused there; --by-sector needs a file written with --flows-by-sector).\n"
          "\n"
          "  -f, --from ORIGIN       origin region or group (repeatable, paired with --to)\n"
          "  -t, --to DESTINATION    destination region or group\n"
          "  -g, --group NAME=R1,R2  define a region group (repeatable)\n"
          "      --groups FILE|NAME  the groups of a CSV file 'group,member', or of a shipped\n"
          "                          file by name (eu27, eu28, eu27_2009, oecd, brics:\n"
          "                          datasets/groups/; the one fitting FILE's regions) (repeatable)\n"
          "  -s, --stressor NAME     stressor(s) to report (repeatable; default: all)\n"
          "      --by-sector         split each flow by the origin's sectors\n"
          "      --net               net transfers: flow B[o][d], reverse B[d][o] and net =\n"
          "                          flow - reverse (without pairs: every region pair o < d)\n"
          "      --by VIEW           drill down one --from/--to pair: origin-sector (S_i (L y_D)_i),\n"
          "                          final-product (S_O L e_p y_pD, any region's product p bought\n"
          "                          by D's final demand) or both (S_i L_ip y_pD); rows sorted by\n"
          "                          |value|, each view summing to the pair's flow\n"
          "      --top K             with --by: the K largest rows of each stressor, then one\n"
          "                          'other' row holding the rest\n"
          "      --csv               CSV on stdout instead of the aligned table\n"
          "  -o, --output FILE.csv   write CSV to FILE (atomically) instead of stdout\n"
          "      --force             overwrite an existing output file\n"
          CLI_SOLVER_HELP
          "  -h, --help              this help\n",
          fp);
}

/* Long-only options (no letter: -b would be ambiguous beside --by-sector). */
enum { OPT_BY = 460, OPT_TOP, OPT_NET, OPT_GROUPS };

/* --by: the drill-down of pair (from, to) with one factorisation. */
static int drill_down(emb_table *t, const char *from, const char *to, emb_drilldown_by by,
                      size_t top, const emb_solver_opts *so, int explain, const size_t *sel,
                      size_t nsel, emb_results_format fmt, const char *out)
{
    emb_leontief *lf = NULL;
    emb_drilldown *dd = NULL;
    emb_drilldown_opts o = {.by = by};
    emb_status st = emb_leontief_create(t, so, &lf);
    if (!st)
        st = emb_drilldown_compute(t, lf, from, to, &o, &dd);
    if (!st) {
        emb_solver_stats ss;
        emb_leontief_get_stats(lf, &ss);
        cli_report_solver(&ss, explain);
        st = emb_drilldown_write(dd, t, sel, nsel, top, fmt, out);
    }
    emb_drilldown_free(dd);
    emb_leontief_free(lf);
    return st ? cli_fail(st) : EMB_EXIT_OK;
}

int cmd_flows(int argc, char **argv)
{
    static const struct option opts[] = {
        {"from", required_argument, NULL, 'f'}, {"to", required_argument, NULL, 't'},
        {"group", required_argument, NULL, 'g'}, {"stressor", required_argument, NULL, 's'},
        {"by-sector", no_argument, NULL, 'b'}, {"csv", no_argument, NULL, 'C'},
        {"output", required_argument, NULL, 'o'}, {"help", no_argument, NULL, 'h'},
        {"force", no_argument, NULL, 'F'}, {"by", required_argument, NULL, OPT_BY},
        {"top", required_argument, NULL, OPT_TOP}, {"net", no_argument, NULL, OPT_NET},
        {"groups", required_argument, NULL, OPT_GROUPS},
        CLI_SOLVER_LONGOPTS, {NULL, 0, NULL, 0}};
    emb_accounts_opts ao = {.per_sector = 0};
    cli_list from = {0}, to = {0}, groups = {0}, stressors = {0}, gfiles = {0};
    const char *out = NULL;
    int by_sector = 0, net = 0, csv = 0, explain = 0, force = 0, solver = 0, c, rc = EMB_EXIT_OK;
    const char *by = NULL;
    emb_drilldown_by view = EMB_DRILL_ORIGIN_SECTOR;
    size_t top = 0;
    emb_table *t = NULL;
    emb_accounts *a = NULL;
    size_t *sel = NULL;
    emb_flow_pair *pairs = NULL;
    while ((c = getopt_long(argc, argv, ":f:t:g:s:o:h", opts, NULL)) != -1) {
        switch (c) {
        case 'f': cli_list_push(&from, optarg); break;
        case 't': cli_list_push(&to, optarg); break;
        case 'g': cli_list_push(&groups, optarg); break;
        case OPT_GROUPS: cli_list_push(&gfiles, optarg); break;
        case 's': cli_list_push(&stressors, optarg); break;
        case 'b': by_sector = 1; break;
        case OPT_NET: net = 1; break;
        case 'C': csv = 1; break;
        case 'o': out = optarg; break;
        case 'F': force = 1; break;
        case 'h': usage(stdout); goto done;
        case OPT_BY:
            by = optarg;
            if (emb_drilldown_parse_by(by, &view)) {
                rc = cli_fail(EMB_EUSAGE);
                goto done;
            }
            break;
        case OPT_TOP: {
            char *end;
            errno = 0;
            long long k = strtoll(optarg, &end, 10);
            if (end == optarg || *end || errno || k < 1) {
                rc = cli_usage_error("flows", "--top '%s': expected a whole number >= 1", optarg);
                goto done;
            }
            top = (size_t)k;
            break;
        }
        default:
            solver |= c == CLI_OPT_SOLVER;
            if ((rc = cli_solver_option("flows", c, optarg, &ao.solver, &explain)) == 0)
                break;
            if (rc < 0)
                rc = cli_option_error("flows", c, argc, argv, opts);
            goto done;
        }
    }
    if (from.n != to.n && from.n && to.n) {
        rc = cli_usage_error("flows", "%zu --from but %zu --to: they pair up in order (or give "
                                      "only --from, or only --to)", from.n, to.n);
        goto done;
    }
    if (net && (by_sector || by)) {
        rc = cli_usage_error("flows", "--net and %s do not combine (a net transfer has no origin "
                                      "sector or product)", by ? "--by" : "--by-sector");
        goto done;
    }
    if (argc - optind > 1) {
        rc = cli_usage_error("flows", "expected at most one FILE");
        goto done;
    }
    if (by && (from.n != 1 || to.n != 1 || by_sector)) {
        rc = cli_usage_error("flows", by_sector ? "--by and --by-sector exclude each other (--by "
                                                  "origin-sector is the drill-down by sector)"
                                                : "--by drills down exactly one --from/--to pair");
        goto done;
    }
    if (top && !by) {
        rc = cli_usage_error("flows", "--top goes with --by");
        goto done;
    }
    const char *in = optind < argc ? argv[optind] : NULL;
    int stored = cli_is_results_file(in); /* answer from the stored flows */
    if (stored && (by || solver || explain)) {
        rc = cli_usage_error("flows", "%s is a results file: its flows are read, nothing is "
                                      "solved, so %s does not apply (give the table instead)", in,
                             by ? "--by" : solver ? "--solver" : "--explain");
        goto done;
    }
    cli_note_input(in);
    if ((rc = cli_check_output("flows", out, force)))
        goto done;
    ao.ctx = ao.solver.ctx = cli_progress_context(); /* phases on a terminal */
    if (stored)
        rc = cli_load_results("flows", in, groups.v, groups.n, gfiles.v, gfiles.n, &t, &a);
    else if (!(rc = cli_load_table(in, EMB_READ_DEFAULT, groups.v, groups.n, &t)))
        rc = cli_add_group_files(t, "flows", gfiles.v, gfiles.n);
    if (rc)
        goto done;
    if (stored && by_sector && !a->flows_by_sector) {
        rc = cli_usage_error("flows", "%s holds no flows by sector (written without "
                                      "--flows-by-sector): --by-sector needs them", in);
        goto done;
    }
    /* Check names before the (long) computation, and print them as the
     * table spells them ("cn" typed, "CN" shown). */
    for (size_t p = 0; p < from.n + to.n; p++) {
        emb_status st;
        const char **name = p < from.n ? &from.v[p] : &to.v[p - from.n];
        if ((st = emb_table_find_unit(t, *name, name))) {
            rc = cli_fail(st);
            goto done;
        }
    }
    size_t nsel = 0;
    if (!(sel = malloc((stressors.n + t->k + 1) * sizeof *sel))) {
        rc = EMB_EXIT_NOMEM;
        goto done;
    }
    if ((rc = cli_select_stressors(t, stressors.v, stressors.n, sel, &nsel)))
        goto done;
    if (by) {
        rc = drill_down(t, from.v[0], to.v[0], view, top, &ao.solver, explain, sel, nsel,
                        csv || out ? EMB_RESULTS_CSV : EMB_RESULTS_TEXT, out);
        if (!rc && out)
            fprintf(stderr, "embodied: wrote %s\n", out);
        goto done;
    }
    ao.flows_by_sector = by_sector;
    emb_status st;
    if (!stored) {
        if ((st = emb_accounts_compute(t, &ao, &a))) {
            rc = cli_fail(st);
            goto done;
        }
        cli_warn_facts(t, a);
        cli_report_solver(&a->solver, explain);
    }
    /* --from alone: each origin to every region, then every group; --to
     * alone: from every region and group to each destination. */
    size_t units = t->n_r + t->n_groups, np = from.n && to.n ? from.n : (from.n + to.n) * units;
    if (np && !(pairs = malloc(np * sizeof *pairs))) {
        rc = EMB_EXIT_NOMEM;
        goto done;
    }
    for (size_t p = 0; p < np; p++) {
        const char *u = p % units < t->n_r ? t->regions[p % units]
                                           : t->groups[p % units - t->n_r].name;
        pairs[p] = from.n && to.n ? (emb_flow_pair){from.v[p], to.v[p]}
                   : from.n       ? (emb_flow_pair){from.v[p / units], u}
                                  : (emb_flow_pair){u, to.v[p / units]};
    }
    emb_results_format fmt = csv || out ? EMB_RESULTS_CSV : EMB_RESULTS_TEXT;
    if (out) /* on stdout the results themselves show progress */
        cli_phase_begin("writing results");
    st = net ? emb_results_write_net_flows(a, t, sel, nsel, pairs, np, fmt, out)
             : emb_results_write_flows(a, t, sel, nsel, pairs, np, by_sector, fmt, out);
    cli_phase_end();
    if (st) {
        rc = cli_fail(st);
        goto done;
    }
    if (out)
        fprintf(stderr, "embodied: wrote %s\n", out);
done:
    free(pairs);
    free(sel);
    emb_accounts_free(a);
    emb_table_free(t);
    cli_list_free(&from);
    cli_list_free(&to);
    cli_list_free(&groups);
    cli_list_free(&stressors);
    cli_list_free(&gfiles);
    return rc;
}
