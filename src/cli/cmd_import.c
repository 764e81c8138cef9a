/* src/cli/cmd_import.c — `embodied import FORMAT PATH -o OUT.h5`: the table of
 * supported formats (name, help, importer) and the options they share. */
#include "cli/cli.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

typedef emb_status (*import_fn)(const char *path, const emb_import_opts *opts, emb_table **out);

typedef struct format {
    const char *name;    /* as typed after `import` */
    const char *alias;   /* a second accepted name, or NULL */
    const char *summary; /* one line for --list */
    const char *help;    /* what PATH is, the files read, format-specific notes */
    import_fn fn;
} format;

static const format formats[] = {
    {"pymrio", "exiobase3", "pymrio / EXIOBASE 3 text layout (folder or .zip)",
     "PATH is a folder or a .zip (as EXIOBASE 3 downloads, e.g. IOT_2019_ixi.zip) with\n"
     "file_parameters.json, Z.txt or A.txt (+ x.txt), Y.txt, unit.txt and extension\n"
     "folders (F.txt, F_Y.txt or F_hh.txt, unit.txt).  Stressors are named\n"
     "<extension>/<stressor>[/<compartment>].  A tables are kept as A (+ x); without\n"
     "x.txt, x = (I - A)^-1 (Y 1) is computed with the Leontief solver and said so.\n",
     emb_import_pymrio},
};
#define N_FORMATS (sizeof formats / sizeof formats[0])

static const format *find_format(const char *name)
{
    for (size_t i = 0; i < N_FORMATS; i++)
        if (!strcmp(formats[i].name, name) || (formats[i].alias && !strcmp(formats[i].alias, name)))
            return &formats[i];
    return NULL;
}

static void usage(FILE *fp, const format *f)
{
    if (f)
        fprintf(fp, "Usage: embodied import %s PATH -o OUT.h5 [options]\n\n%s\n", f->name, f->help);
    else {
        fputs("Usage: embodied import FORMAT PATH -o OUT.h5 [options]\n"
              "       embodied import --list\n"
              "       embodied import FORMAT --help\n"
              "\n"
              "Convert an MRIO database in its download layout into an embodied-mrio HDF5 table.\n"
              "\n"
              "Formats:\n",
              fp);
        for (size_t i = 0; i < N_FORMATS; i++)
            fprintf(fp, "  %-10s %s\n", formats[i].name, formats[i].summary);
        fputc('\n', fp);
    }
    fputs("Options:\n"
          "  -o, --output FILE         output HDF5 file (required; written atomically)\n"
          "  -e, --extension NAME      keep only this extension folder (repeatable)\n"
          "  -s, --stressors PATTERN   keep stressors whose full name matches this glob,\n"
          "                            e.g. 'air_emissions/CO2*' (repeatable; default all)\n"
          "      --stressors-csv FILE  stressor table for formats without emissions (ICIO)\n"
          "  -z, --deflate LEVEL       gzip the matrices at LEVEL 1-9 (default 0: uncompressed)\n"
          "      --list                list the supported formats\n"
          "  -h, --help                this help (after FORMAT: that format's help)\n"
          "A progress bar is drawn on stderr when it is a terminal.\n",
          fp);
}

int cmd_import(int argc, char **argv)
{
    enum { OPT_LIST = 256, OPT_STRESSORS_CSV };
    static const struct option opts[] = {
        {"output", required_argument, NULL, 'o'},
        {"extension", required_argument, NULL, 'e'},
        {"stressors", required_argument, NULL, 's'},
        {"stressors-csv", required_argument, NULL, OPT_STRESSORS_CSV},
        {"deflate", required_argument, NULL, 'z'},
        {"list", no_argument, NULL, OPT_LIST},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    const char *out = NULL, *stressors_csv = NULL;
    cli_list ext = {0}, pat = {0};
    int deflate = 0, c, rc = EMB_EXIT_OK, help = 0;
    while ((c = getopt_long(argc, argv, "o:e:s:z:h", opts, NULL)) != -1) {
        switch (c) {
        case 'o': out = optarg; break;
        case 'e': cli_list_push(&ext, optarg); break;
        case 's': cli_list_push(&pat, optarg); break;
        case OPT_STRESSORS_CSV: stressors_csv = optarg; break;
        case 'z': {
            char *end;
            long v = strtol(optarg, &end, 10);
            if (*end || v < 0 || v > 9) {
                rc = cli_usage_error("import", "--deflate '%s': expected a level 0-9", optarg);
                goto done;
            }
            deflate = (int)v;
            break;
        }
        case OPT_LIST:
            for (size_t i = 0; i < N_FORMATS; i++)
                printf("%s\t%s\n", formats[i].name, formats[i].summary);
            goto done;
        case 'h': help = 1; break;
        default: rc = cli_usage_error("import", "invalid option"); goto done;
        }
    }
    const format *f = optind < argc ? find_format(argv[optind]) : NULL;
    if (optind < argc && !f) {
        rc = cli_usage_error("import", "unknown format '%s' (see embodied import --list)",
                             argv[optind]);
        goto done;
    }
    if (help) {
        usage(stdout, f);
        goto done;
    }
    if (argc - optind != 2) {
        rc = cli_usage_error("import", "expected FORMAT and PATH (got %d arguments)", argc - optind);
        goto done;
    }
    const char *path = argv[optind + 1];
    if (!out) {
        rc = cli_usage_error("import", "missing -o OUT.h5");
        goto done;
    }
    emb_import_opts io = {.extensions = ext.v,
                          .n_extensions = ext.n,
                          .stressor_patterns = pat.v,
                          .n_stressor_patterns = pat.n,
                          .stressors_csv = stressors_csv,
                          .progress = cli_progress,
                          .progress_ctx = NULL};
    emb_table *t = NULL;
    emb_status st = f->fn(path, &io, &t);
    cli_progress_end();
    if (st) {
        rc = cli_fail(st);
        goto done;
    }
    emb_write_opts wo = {.deflate = deflate};
    if ((st = emb_table_write_h5(t, out, &wo)))
        rc = cli_fail(st);
    else
        fprintf(stderr, "embodied: wrote %s: %zu regions x %zu sectors (N = %zu), %zu final-demand "
                        "categories, %zu stressors\n", out, t->n_r, t->n_s, t->N, t->n_f, t->k);
    emb_table_free(t);
done:
    cli_list_free(&ext);
    cli_list_free(&pat);
    return rc;
}
