/* src/cli/cmd_characterize.c — `embodied characterize TABLE.h5 FACTORS.csv
 * -o OUT.h5`: impact rows added to an existing table (the library's
 * emb_table_characterize, as `import --characterize` does at import time),
 * written as a new table atomically; the input is never replaced. */
#include "cli/cli.h"

#include <getopt.h>
#include <stdlib.h>

static void usage(FILE *fp)
{
    fputs("Usage: embodied characterize TABLE.h5 FACTORS.csv -o OUT.h5 [options]\n"
          "\n"
          "Add impact rows (e.g. greenhouse gases in CO2-equivalents) to an existing table:\n"
          "for each impact of the characterisation file, F[impact] = sum of factor x F[s] over\n"
          "the stressors s its rows match, and the same for F_Y (file format: datasets/README.md,\n"
          "\"Characterisation\"; datasets/characterization/ ships IPCC AR6 GWP100 for EXIOBASE 3).\n"
          "The table with the impacts appended to its stressors is written to OUT.h5; TABLE.h5\n"
          "is never changed (OUT.h5 may not be TABLE.h5, even with --force).  A file none of\n"
          "whose rows matches a stressor of the table is refused (exit 3), naming the stressors\n"
          "the file expects and those the table has.\n"
          "\n"
          "  -o, --output FILE       the new table (HDF5, written atomically; required)\n"
          "      --deflate LEVEL     gzip the matrices at LEVEL 1-9 (default 0: uncompressed)\n"
          "      --force             overwrite an existing output file\n"
          CLI_MEMORY_HELP
          "  -h, --help              this help\n",
          fp);
}

/* Long-only options (codes above the letters). */
enum { OPT_FORCE = 300, OPT_DEFLATE, OPT_MAX_MEMORY };

int cmd_characterize(int argc, char **argv)
{
    static const struct option opts[] = {
        {"output", required_argument, NULL, 'o'}, {"help", no_argument, NULL, 'h'},
        {"force", no_argument, NULL, OPT_FORCE}, {"deflate", required_argument, NULL, OPT_DEFLATE},
        {"max-memory", required_argument, NULL, OPT_MAX_MEMORY}, {NULL, 0, NULL, 0}};
    const char *out = NULL;
    int force = 0, c, rc;
    emb_write_opts wo = {0};
    while ((c = getopt_long(argc, argv, ":o:h", opts, NULL)) != -1) {
        switch (c) {
        case 'o': out = optarg; break;
        case OPT_FORCE: force = 1; break;
        case OPT_DEFLATE: {
            char *end;
            long v = strtol(optarg, &end, 10);
            if (*optarg == '\0' || *end || v < 0 || v > 9)
                return cli_usage_error("characterize", "--deflate '%s': expected 0 to 9", optarg);
            wo.deflate = (int)v;
            break;
        }
        case OPT_MAX_MEMORY:
            if ((rc = cli_memory_option("characterize", optarg)))
                return rc;
            break;
        case 'h': usage(stdout); return EMB_EXIT_OK;
        default: return cli_option_error("characterize", c, argc, argv, opts);
        }
    }
    if (argc - optind != 2)
        return cli_usage_error("characterize", "expected TABLE.h5 and FACTORS.csv");
    if (!out)
        return cli_usage_error("characterize", "-o OUT.h5 is required (the input table is never "
                                               "changed in place)");
    const char *in = argv[optind], *factors = argv[optind + 1];
    cli_note_input(in);
    cli_note_input(factors);
    if ((rc = cli_check_output("characterize", out, force)))
        return rc;
    emb_table *t = NULL;
    if ((rc = cli_load_table(in, EMB_READ_DEFAULT, NULL, 0, &t)))
        return rc;
    size_t k0 = t->k;
    emb_status st = emb_table_characterize(t, factors);
    if (!st)
        st = emb_table_write_h5(t, out, &wo);
    if (st) {
        rc = cli_fail(st);
    } else {
        for (size_t s = k0; s < t->k; s++)
            fprintf(stderr, "embodied: impact %s [%s] added\n", t->stressors[s],
                    t->stressor_units[s]);
        fprintf(stderr, "embodied: wrote %s: %zu stressors (%zu of the table, %zu impact%s)\n", out,
                t->k, k0, t->k - k0, t->k - k0 == 1 ? "" : "s");
    }
    emb_table_free(t);
    return rc;
}
