/* src/cli/cmd_import.c — `embodied import FORMAT PATH -o OUT.h5`. */
#include "cli/cli.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

static void usage(FILE *fp)
{
    fputs("Usage: embodied import FORMAT PATH -o OUT.h5 [options]\n"
          "       embodied import --list\n"
          "\n"
          "Convert an MRIO database in a text layout into an embodied-mrio HDF5 table.\n"
          "\n"
          "Formats:\n"
          "  pymrio   the layout pymrio saves and EXIOBASE 3 ships: PATH is a folder or a .zip\n"
          "           with file_parameters.json, Z.txt or A.txt (+ x.txt), Y.txt, unit.txt and\n"
          "           extension folders (F.txt, F_Y.txt or F_hh.txt, unit.txt).  Stressors are\n"
          "           named <extension>/<stressor>[/<compartment>].  Without x.txt for an A\n"
          "           table, x = (I - A)^-1 (Y 1) is computed.\n"
          "\n"
          "Options:\n"
          "  -o, --output FILE      output HDF5 file (required; written atomically)\n"
          "  -e, --extension NAME   keep only this extension folder (repeatable)\n"
          "  -z, --deflate LEVEL    gzip the matrices at LEVEL 1-9 (default 0: uncompressed, fastest)\n"
          "      --list             list the supported formats\n"
          "  -h, --help             this help\n",
          fp);
}

int cmd_import(int argc, char **argv)
{
    static const struct option opts[] = {
        {"output", required_argument, NULL, 'o'}, {"extension", required_argument, NULL, 'e'},
        {"deflate", required_argument, NULL, 'z'}, {"list", no_argument, NULL, 'l'},
        {"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
    const char *out = NULL;
    cli_list ext = {0};
    int deflate = 0, c, rc;
    while ((c = getopt_long(argc, argv, "o:e:z:h", opts, NULL)) != -1) {
        switch (c) {
        case 'o': out = optarg; break;
        case 'e': cli_list_push(&ext, optarg); break;
        case 'z': {
            char *end;
            long v = strtol(optarg, &end, 10);
            if (*end || v < 0 || v > 9) {
                cli_list_free(&ext);
                return cli_usage_error("import", "--deflate '%s': expected a level 0-9", optarg);
            }
            deflate = (int)v;
            break;
        }
        case 'l':
            puts("pymrio\tpymrio / EXIOBASE 3 text layout (folder or .zip)");
            cli_list_free(&ext);
            return EMB_EXIT_OK;
        case 'h': usage(stdout); cli_list_free(&ext); return EMB_EXIT_OK;
        default: cli_list_free(&ext); return cli_usage_error("import", "invalid option");
        }
    }
    if (argc - optind != 2) {
        cli_list_free(&ext);
        return cli_usage_error("import", "expected FORMAT and PATH (got %d arguments)", argc - optind);
    }
    const char *format = argv[optind], *path = argv[optind + 1];
    if (strcmp(format, "pymrio") != 0 && strcmp(format, "exiobase3") != 0) {
        cli_list_free(&ext);
        return cli_usage_error("import", "unknown format '%s' (see embodied import --list)", format);
    }
    if (!out) {
        cli_list_free(&ext);
        return cli_usage_error("import", "missing -o OUT.h5");
    }
    emb_import_opts io = {ext.v, ext.n};
    emb_table *t = NULL;
    emb_status st = emb_import_pymrio(path, &io, &t);
    cli_list_free(&ext);
    if (st)
        return cli_fail(st);
    emb_write_opts wo = {deflate};
    if ((st = emb_table_write_h5(t, out, &wo))) {
        rc = cli_fail(st);
        emb_table_free(t);
        return rc;
    }
    fprintf(stderr, "embodied: wrote %s: %zu regions x %zu sectors (N = %zu), %zu final-demand "
                    "categories, %zu stressors\n", out, t->n_r, t->n_s, t->N, t->n_f, t->k);
    emb_table_free(t);
    return EMB_EXIT_OK;
}
