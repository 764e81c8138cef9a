/* src/cli/cmd_accounts.c — `embodied accounts`: compute every account,
 * print PBA vs CBA per region, write HDF5 and/or CSV results. */
#include "cli/cli.h"

#include <getopt.h>
#include <math.h>
#include <stdlib.h>

static void usage(FILE *fp)
{
    fputs("Usage: embodied accounts [FILE] [-o RESULTS.h5] [--csv DIR] [options]\n"
          "\n"
          "Production-based (PBA) and consumption-based (CBA) emissions per region, emissions\n"
          "embodied in imports and exports, the bilateral flow matrix and the multipliers\n"
          "M = S (I - A)^-1.  Without FILE, runs on the demo table.  A summary is printed on\n"
          "stdout; results go to the files named.  FILE may be a results file (accounts -o\n"
          "R.h5): the summary (and --csv) come from its stored accounts, nothing is solved.\n"
          "\n"
          "  -o, --output FILE       results HDF5 file (written atomically)\n"
          "      --csv DIR           tidy CSV files in DIR: accounts.csv, flows.csv (+ sectors.csv,\n"
          "                          flows_by_sector.csv when asked)\n"
          "  -g, --group NAME=R1,R2  define a region group, reported after the regions (repeatable)\n"
          "      --groups FILE|NAME  the groups of a CSV file 'group,member', or of a shipped\n"
          "                          file by name (eu27, eu28, eu27_2009, oecd, brics:\n"
          "                          datasets/groups/; the one fitting FILE's regions) (repeatable)\n"
          "  -s, --stressor PATTERN  compute (solve, write, print) only the matching stressors\n"
          "                          (repeatable; default: all): the exact name, else a unique\n"
          "                          case-insensitive match; a glob with '*' or '?'\n"
          "      --sectors           also per-sector accounts (pymrio D_cba, D_pba, D_imp, D_exp)\n"
          "      --flows-by-sector   also flows by origin sector (k x N x regions)\n"
          "      --eebt              also emissions embodied in bilateral trade with the exporter's\n"
          "                          domestic technology (EEBT): eebt_accounts.csv, eebt_flows.csv,\n"
          "                          /eebt in the HDF5 file, CBA by EEBT beside CBA in the summary\n"
          "      --eebt-by-sector    also EEBT flows by exporting sector (eebt_flows_by_sector.csv;\n"
          "                          implies --eebt)\n"
          "      --tcba              also technology-adjusted CBA (column tcba, /tcba)\n"
          "      --population FILE   persons by region, CSV 'region,population' (replaces the\n"
          "                          table's /population): per-capita PBA and CBA (columns\n"
          "                          population, pba_per_capita, cba_per_capita); computed\n"
          "                          whenever the table stores a population.  Emissions per\n"
          "                          unit of value added (value_added, pba_per_va, cba_per_va)\n"
          "                          when the table has a value-added row in F\n"
          "  -q, --quiet             no summary on stdout\n"
          "      --force             overwrite existing output files\n"
          CLI_SOLVER_HELP
          "      --grid PRxPC        scalapack: the process grid (default: near-square, the\n"
          "                          ranks of mpirun -np P)\n"
          "      --block NB          scalapack: block size of the block-cyclic layout (default 64)\n"
          "  -h, --help              this help\n"
          "\n"
          "--solver scalapack runs over MPI ranks: mpirun -np P embodied accounts FILE --solver\n"
          "scalapack (README \"On a cluster\"); rank 0 reports and writes the results.\n",
          fp);
}

/* Long-only options (codes above the letters, below CLI_OPT_SOLVER). */
enum { OPT_EEBT = 300, OPT_EEBT_BY_SECTOR, OPT_TCBA, OPT_GROUPS, OPT_POPULATION, OPT_GRID, OPT_BLOCK };

int cmd_accounts(int argc, char **argv)
{
    static const struct option opts[] = {
        {"output", required_argument, NULL, 'o'}, {"csv", required_argument, NULL, 'c'},
        {"group", required_argument, NULL, 'g'}, {"stressor", required_argument, NULL, 's'},
        {"sectors", no_argument, NULL, 'S'}, {"flows-by-sector", no_argument, NULL, 'B'},
        {"quiet", no_argument, NULL, 'q'}, {"help", no_argument, NULL, 'h'},
        {"force", no_argument, NULL, 'f'}, {"eebt", no_argument, NULL, OPT_EEBT},
        {"eebt-by-sector", no_argument, NULL, OPT_EEBT_BY_SECTOR},
        {"tcba", no_argument, NULL, OPT_TCBA}, {"groups", required_argument, NULL, OPT_GROUPS},
        {"population", required_argument, NULL, OPT_POPULATION}, {"grid", required_argument, NULL, OPT_GRID},
        {"block", required_argument, NULL, OPT_BLOCK}, CLI_SOLVER_LONGOPTS,
        {NULL, 0, NULL, 0}};
    const char *out = NULL, *csv = NULL, *population = NULL;
    cli_list groups = {0}, stressors = {0}, gfiles = {0};
    emb_accounts_opts ao = {.per_sector = 0};
    emb_mpi_opts mo = {0};
    int quiet = 0, explain = 0, force = 0, solver = 0, c, rc = EMB_EXIT_OK;
    while ((c = getopt_long(argc, argv, ":o:g:s:qh", opts, NULL)) != -1) {
        switch (c) {
        case 'o': out = optarg; break;
        case 'c': csv = optarg; break;
        case 'g': cli_list_push(&groups, optarg); break;
        case OPT_GROUPS: cli_list_push(&gfiles, optarg); break;
        case 's': cli_list_push(&stressors, optarg); break;
        case 'S': ao.per_sector = 1; break;
        case 'B': ao.flows_by_sector = 1; break;
        case OPT_EEBT: ao.eebt = 1; break;
        case OPT_EEBT_BY_SECTOR: ao.eebt = ao.eebt_by_sector = 1; break;
        case OPT_TCBA: ao.tcba = 1; break;
        case OPT_POPULATION: population = optarg; break;
        case OPT_GRID:
            if (emb_mpi_parse_grid(optarg, &mo.grid_rows, &mo.grid_cols)) {
                rc = cli_usage_error("accounts", "%s", emb_errmsg());
                goto done;
            }
            break;
        case OPT_BLOCK: {
            char *end;
            long v = strtol(optarg, &end, 10);
            if (end == optarg || *end || v < 1 || v > 1 << 20) {
                rc = cli_usage_error("accounts", "--block '%s': expected a whole number from 1 "
                                                 "to 1048576", optarg);
                goto done;
            }
            mo.block = (int)v;
            break;
        }
        case 'q': quiet = 1; break;
        case 'f': force = 1; break;
        case 'h': usage(stdout); goto done;
        default:
            solver |= c == CLI_OPT_SOLVER;
            if ((rc = cli_solver_option("accounts", c, optarg, &ao.solver, &explain)) == 0)
                break;
            if (rc < 0)
                rc = cli_option_error("accounts", c, argc, argv, opts);
            goto done;
        }
    }
    if (argc - optind > 1) {
        rc = cli_usage_error("accounts", "expected at most one FILE");
        goto done;
    }
    int mpi = ao.solver.kind == EMB_SOLVER_SCALAPACK;
    if (mpi)
        cli_mpi_quiet_others(); /* rank 0 reports for all */
    const char *in = optind < argc ? argv[optind] : NULL;
    int stored = cli_is_results_file(in); /* summarise the stored accounts */
    if (stored && (solver || explain || out || population)) {
        rc = cli_usage_error("accounts", "%s is a results file: its accounts are read, nothing is "
                                         "solved, so %s does not apply (give the table instead)",
                             in, solver ? "--solver" : explain ? "--explain" : out ? "-o"
                                                                             : "--population");
        goto done;
    }
    cli_note_input(in);
    if (population)
        cli_note_input(population);
    if ((rc = cli_check_distinct("accounts", out, csv)) ||
        (rc = cli_check_output("accounts", out, force)) ||
        (rc = cli_check_csv_dir("accounts", csv, force)))
        goto done;
    emb_table *t = NULL;
    emb_accounts *a = NULL;
    ao.ctx = cli_progress_context(); /* phases on a terminal */
    if (stored)
        rc = cli_load_results("accounts", in, groups.v, groups.n, gfiles.v, gfiles.n, &t, &a);
    else if (!(rc = mpi ? cli_mpi_load_table(in, groups.v, groups.n, &t)
                        : cli_load_table(in, EMB_READ_DEFAULT, groups.v, groups.n, &t)))
        rc = cli_add_group_files(t, "accounts", gfiles.v, gfiles.n);
    if (rc)
        goto free_table;
    if (stored) {
        /* what the file does not hold cannot be shown without the table */
        const char *miss = ao.per_sector && !a->D_cba             ? "--sectors"
                           : ao.flows_by_sector && !a->flows_by_sector ? "--flows-by-sector"
                           : ao.eebt_by_sector && !a->eebt_flows_by_sector ? "--eebt-by-sector"
                           : ao.eebt && !a->eebt_cba                 ? "--eebt"
                           : ao.tcba && !a->tcba                     ? "--tcba"
                                                                     : NULL;
        if (miss) {
            rc = cli_usage_error("accounts", "%s was written without %s: its results are not in "
                                             "it (run accounts on the table with %s)", in, miss,
                                 miss);
            goto free_table;
        }
    } else {
        /* The values alone, 8 bytes each in HDF5 (stored uncompressed), and
         * at least 8 characters a row in CSV (four one-character labels,
         * a digit, the separators): a lower bound, so a refusal is right. */
        double k = (double)t->k, R = (double)t->n_r, N = (double)t->N;
        double vals = k * R * R + (ao.flows_by_sector ? k * N * R : 0) +
                      (ao.per_sector ? 4 * k * N : 0) + (ao.eebt ? k * R * R : 0) +
                      (ao.eebt_by_sector ? k * N * R : 0);
        if ((rc = cli_check_space(out, 8 * (vals + k * N), csv, 8 * vals)))
            goto free_table;
        if (population) {
            emb_status pst = emb_table_read_population_csv(t, population);
            if (pst) {
                rc = cli_fail(pst);
                goto free_table;
            }
        }
    }
    size_t *sel = malloc((stressors.n + t->k + 1) * sizeof *sel), nsel = 0;
    if (!sel) {
        rc = EMB_EXIT_NOMEM;
        goto free_table;
    }
    emb_status st;
    if (stored) { /* the file holds every stressor: the summary shows those asked */
        if ((rc = cli_select_stressors(t, stressors.v, stressors.n, sel, &nsel)))
            goto free_sel;
        goto write;
    }
    /* Only the stressors asked for are solved and written (opts.stressors). */
    if (stressors.n) {
        if ((rc = cli_match_stressors("accounts", t, stressors.v, stressors.n, sel, &nsel)))
            goto free_sel;
        if (nsel < t->k)
            ao.stressors = sel, ao.n_stressors = nsel;
    }
    if ((st = mpi ? emb_mpi_accounts(t, &ao, &mo, &a) : emb_accounts_compute(t, &ao, &a))) {
        rc = cli_fail(st);
        goto free_sel;
    }
    if (!a) /* a rank other than 0 of a distributed run: rank 0 reports and writes */
        goto free_sel;
    cli_warn_facts(t, a);
    cli_report_solver(&a->solver, explain);
    char rc_text[48];
    if (isnan(a->rcond)) /* the sparse solver factorises nothing to estimate it from */
        snprintf(rc_text, sizeof rc_text, "rcond not estimated (%s solver)",
                 emb_solver_name(a->solver.kind));
    else
        snprintf(rc_text, sizeof rc_text, "rcond %.2e", a->rcond);
    fprintf(stderr, "embodied: N = %zu, %zu stressor%s: read and formed I - A in %.3f s, "
                    "factorised in %.3f s, solved in %.3f s, checked in %.3f s (total %.3f s)\n"
                    "embodied: max relative residual %.2e (multipliers %.2e), %s, "
                    "identities within %.1e\n",
            t->N, a->k, a->k == 1 ? "" : "s", a->seconds_build, a->seconds_factor,
            a->seconds_solve, a->seconds_residual, a->seconds_total, a->residual_solve,
            a->residual_tsolve, rc_text, a->identity_error);
    if (a->population)
        fprintf(stderr, "embodied: per capita: population of %zu regions from %s, per capita x "
                        "population = account within %.1e\n", t->n_r,
                population ? population : "the table", a->per_capita_identity_error);
    if (a->value_added)
        fprintf(stderr, "embodied: per unit of value added: value added by region from stressor "
                        "'%s' [%s]\n", t->stressors[a->value_added_stressor],
                t->stressor_units[a->value_added_stressor]);
    if (a->eebt_cba)
        fprintf(stderr, "embodied: EEBT: %zu domestic blocks of %zu sectors, max relative residual "
                        "%.2e, identities within %.1e\n",
                t->n_r, t->n_s, a->residual_domestic, a->eebt_identity_error);
    if (a->tcba)
        fprintf(stderr, "embodied: TCBA: world TCBA = world CBA within %.1e\n",
                a->tcba_identity_error);
    if (a->eebt_cba || a->tcba)
        fprintf(stderr, "embodied: trade analyses (one pass over T, domestic LUs, flows) in %.3f s\n",
                a->seconds_analyses);
write:
    cli_phase_begin("writing results");
    if (out && (st = emb_results_write_h5(a, t, out))) {
        cli_phase_end();
        rc = cli_fail(st);
        goto free_sel;
    }
    if (csv && (st = emb_results_write_csv(a, t, csv))) {
        cli_phase_end();
        rc = cli_fail(st);
        goto free_sel;
    }
    cli_phase_end();
    /* The files first, then the summary: a closed pipe on stdout
     * (`| head`) must not cost the results. */
    if ((rc = cli_commit_outputs()))
        goto free_sel;
    if (!quiet && (st = emb_results_write_summary(a, t, stored ? sel : NULL, stored ? nsel : 0,
                                                  NULL))) {
        rc = cli_fail(st);
        goto free_sel;
    }
    if (out)
        fprintf(stderr, "embodied: wrote %s\n", out);
    if (csv)
        fprintf(stderr, "embodied: wrote CSV files in %s\n", csv);
free_sel:
    free(sel);
free_table:
    emb_accounts_free(a);
    emb_table_free(t);
done:
    cli_list_free(&groups);
    cli_list_free(&stressors);
    cli_list_free(&gfiles);
    return rc;
}
