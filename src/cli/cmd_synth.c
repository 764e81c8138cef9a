/* src/cli/cmd_synth.c — `embodied synth`: write a generated MRIO table
 * (emb_synth_table) for tests, benchmarks and experiments. */
#include "cli/cli.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void usage(FILE *fp)
{
    fputs("Usage: embodied synth --regions R --sectors S -o FILE.h5 [options]\n"
          "\n"
          "Generate a realistic MRIO table: dense-ish domestic blocks, sparse foreign blocks,\n"
          "column sums of A between 0.25 and 0.75 (see --colsum), a few zero-output sectors\n"
          "(some emitting), negative inventory changes, emissions concentrated in a few\n"
          "sectors.  The same options and seed give the same file on every machine.\n"
          "\n"
          "  -r, --regions R        number of regions (required)\n"
          "      --sectors S        sectors per region (required)\n"
          "      --fd F             final-demand categories per region (default 6)\n"
          "  -k, --stressors K      number of stressors (default 3)\n"
          "  -d, --density D        fraction of non-zero entries in foreign blocks (default 0.3)\n"
          "      --zero-output P    fraction of zero-output sectors (default 0.02)\n"
          "      --seed N           random seed (default 1)\n"
          "      --colsum LO,HI     column sums of A drawn from [LO, HI], 0 < LO <= HI < 1\n"
          "                         (default 0.25,0.75)\n"
          "      --spectral-radius R  every column sum of A equal to R, so that A's spectral\n"
          "                         radius is exactly R (same as --colsum R,R)\n"
          "      --csr              write Z as a CSR group (data, indices, indptr; see\n"
          "                         datasets/README.md) instead of a dense N x N dataset; the\n"
          "                         generator then never holds an N x N array\n"
          "  -z, --deflate LEVEL    gzip the matrices at LEVEL 1-9 (default 0: uncompressed)\n"
          "  -o, --output FILE      output HDF5 file (required; written atomically)\n"
          "      --force            overwrite an existing output file\n"
          "      --max-memory SIZE  refuse, before generating, a table whose memory plan exceeds\n"
          "                         SIZE, e.g. 8G (default: the machine's physical memory);\n"
          "                         exit status 6\n"
          "  -h, --help             this help\n",
          fp);
}

/* Parse a number option; returns 0 or prints a usage error. */
static int num(const char *opt, const char *s, double lo, double hi, double *out)
{
    char *end;
    double v = strtod(s, &end);
    if (end == s || *end || !(v >= lo && v <= hi))
        return cli_usage_error("synth", "%s '%s': expected a number in [%g, %g]", opt, s, lo, hi);
    *out = v;
    return 0;
}

int cmd_synth(int argc, char **argv)
{
    enum { OPT_ZERO = 256, OPT_SEED, OPT_COLSUM, OPT_RHO, OPT_CSR };
    static const struct option opts[] = {
        {"regions", required_argument, NULL, 'r'}, {"sectors", required_argument, NULL, 's'},
        {"fd", required_argument, NULL, 'f'},      {"stressors", required_argument, NULL, 'k'},
        {"density", required_argument, NULL, 'd'}, {"zero-output", required_argument, NULL, OPT_ZERO},
        {"seed", required_argument, NULL, OPT_SEED}, {"deflate", required_argument, NULL, 'z'},
        {"colsum", required_argument, NULL, OPT_COLSUM},
        {"spectral-radius", required_argument, NULL, OPT_RHO}, {"csr", no_argument, NULL, OPT_CSR},
        {"output", required_argument, NULL, 'o'},  {"help", no_argument, NULL, 'h'},
        {"force", no_argument, NULL, 'F'},
        {"max-memory", required_argument, NULL, CLI_OPT_MAX_MEMORY},
        {NULL, 0, NULL, 0}};
    double r = 0, s = 0, f = 6, k = 3, dens = 0.3, zero = 0.02, seed = 1, defl = 0;
    double lo = -1, hi = -1;
    const char *out = NULL;
    int c, rc = 0, csr = 0, force = 0;
    char *comma;
    while (!rc && (c = getopt_long(argc, argv, ":r:k:d:z:o:h", opts, NULL)) != -1) {
        switch (c) {
        case 'r': rc = num("--regions", optarg, 1, 1e6, &r); break;
        case 's': rc = num("--sectors", optarg, 1, 1e6, &s); break;
        case 'f': rc = num("--fd", optarg, 1, 1e4, &f); break;
        case 'k': rc = num("--stressors", optarg, 1, 1e5, &k); break;
        case 'd': rc = num("--density", optarg, 0, 1, &dens); break;
        case OPT_ZERO: rc = num("--zero-output", optarg, 0, 0.5, &zero); break;
        case OPT_SEED: rc = num("--seed", optarg, 0, 9007199254740992.0, &seed); break;
        case 'z': rc = num("--deflate", optarg, 0, 9, &defl); break;
        case OPT_COLSUM:
            if (!(comma = strchr(optarg, ',')))
                return cli_usage_error("synth", "--colsum '%s': expected LO,HI", optarg);
            *comma = '\0';
            rc = num("--colsum", optarg, 0, 1, &lo) || num("--colsum", comma + 1, 0, 1, &hi);
            break;
        case OPT_RHO:
            rc = num("--spectral-radius", optarg, 0, 1, &lo);
            hi = lo;
            break;
        case OPT_CSR: csr = 1; break;
        case 'o': out = optarg; break;
        case 'F': force = 1; break;
        case CLI_OPT_MAX_MEMORY: rc = cli_memory_option("synth", optarg); break;
        case 'h': usage(stdout); return EMB_EXIT_OK;
        default: return cli_option_error("synth", c, argc, argv, opts);
        }
    }
    if (rc)
        return rc;
    if (optind < argc)
        return cli_usage_error("synth", "unexpected argument '%s'", argv[optind]);
    if (r == 0 || s == 0 || !out)
        return cli_usage_error("synth", "--regions, --sectors and -o are required");
    if (r != (size_t)r || s != (size_t)s || f != (size_t)f || k != (size_t)k || seed != (uint64_t)seed ||
        defl != (int)defl)
        return cli_usage_error("synth", "--regions, --sectors, --fd, --stressors, --seed and "
                                        "--deflate take whole numbers");
    if (lo >= 0 && !(lo > 0 && lo <= hi && hi < 1))
        return cli_usage_error("synth", "column sums of A [%g, %g]: need 0 < LO <= HI < 1", lo, hi);
    if ((rc = cli_check_output("synth", out, force)))
        return rc;
    emb_synth_opts o = emb_synth_defaults((size_t)r, (size_t)s, (size_t)f, (size_t)k, (uint64_t)seed);
    o.foreign_density = dens;
    o.zero_output_frac = zero;
    o.csr = csr;
    if (lo >= 0)
        o.colsum_lo = lo, o.colsum_hi = hi;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    emb_table *t = NULL;
    o.ctx = cli_progress_context(); /* phases on a terminal */
    cli_phase_begin("generating the table");
    emb_status st = emb_synth_table(&o, &t);
    cli_phase_end();
    if (st)
        return cli_fail(st);
    emb_write_opts wo = {.deflate = (int)defl, .csr = csr ? 1 : -1, .ctx = o.ctx};
    cli_phase_begin("writing the table");
    st = emb_table_write_h5(t, out, &wo);
    cli_phase_end();
    if (st)
        rc = cli_fail(st);
    else {
        clock_gettime(CLOCK_MONOTONIC, &t1);
        double secs = (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec);
        fprintf(stderr, "embodied: wrote %s: %zu regions x %zu sectors (N = %zu), %zu stressors, "
                        "seed %.0f", out, t->n_r, t->n_s, t->N, t->k, seed);
        if (t->csr)
            fprintf(stderr, ", CSR with %zu non-zeros (%.2f %% of N^2)", t->csr->nnz,
                    100.0 * (double)t->csr->nnz / ((double)t->N * (double)t->N));
        fprintf(stderr, ", %.1f s\n", secs);
    }
    emb_table_free(t);
    return rc;
}
