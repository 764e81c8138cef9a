/* src/cli/cmd_import.c — `embodied import FORMAT PATH -o OUT.h5`: the table of
 * supported formats (name, help, importer) and the options they share. */
#include "cli/cli.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* x = (I - A)^-1 (Y 1) for an A table imported without x, said on stderr
 * (the importer's t->source says it too). */
static emb_status complete_x(const char *path, emb_table *t)
{
    fprintf(stderr, "embodied: %s: no gross output x (A without x.txt): computing x = (I - A)^-1 "
                    "(Y 1) with the Leontief solver (N = %zu)\n", path, t->N);
    return emb_table_complete_x(t);
}

typedef emb_status (*import_fn)(const char *path, const emb_import_opts *opts, emb_table **out);

/* Options that only some formats read (format.opts); an option a format
 * does not read is left out of its help and refused (exit 2). */
enum { F_EXTENSION = 1, F_STRESSORS_CSV = 2, F_RENAME_REGIONS = 4 };

typedef struct format {
    const char *name;    /* as typed after `import` */
    const char *alias;   /* a second accepted name, or NULL */
    const char *summary; /* one line for --list */
    const char *help;    /* what PATH is, the files read, format-specific notes */
    import_fn fn;
    unsigned opts;       /* F_*: the format-specific options it reads */
} format;

static const format formats[] = {
    {"pymrio", "exiobase3", "pymrio / EXIOBASE 3 text layout (folder or .zip)",
     "PATH is a folder or a .zip (as EXIOBASE 3 downloads, e.g. IOT_2019_ixi.zip) with\n"
     "file_parameters.json, Z.txt or A.txt (+ x.txt), Y.txt, unit.txt and extension\n"
     "folders (F.txt, F_Y.txt or F_hh.txt, unit.txt).  Stressors are named\n"
     "<extension>/<stressor>[/<compartment>].  A tables are kept as A (+ x); without\n"
     "x.txt (EXIOBASE 3 downloads), x = (I - A)^-1 (Y 1) is computed with the Leontief\n"
     "solver (an N x N factorisation, see --max-memory) after the import; a line on\n"
     "stderr and the table's source (`embodied info`) say so.\n",
     emb_import_pymrio, F_EXTENSION | F_RENAME_REGIONS},
    {"eora26", NULL, "Eora26 text files, basic prices (folder or .zip)",
     "PATH is a folder or a .zip with Eora26_YYYY_bp_{T,FD,Q,QY}.txt and\n"
     "labels_{T,FD,Q}.txt (labels missing from a zip are read from indices.zip beside\n"
     "it).  Basic prices ('bp') only; the year comes from the file names.  Regions are\n"
     "Eora's ISO3 codes (--from MNG --to CHN), sectors and categories as spelt in the\n"
     "labels; money in 1000 USD.  The Rest of World ('ROW', one 'TOTAL' sector) is\n"
     "dropped as pymrio does; the sums dropped are kept in the table's source (see\n"
     "`embodied info`).  Stressors are labels_Q.txt's cells joined by '/', e.g.\n"
     "'I-GHG-CO2 emissions (Gg)/Total', the unit taken from the parentheses.\n"
     "VA.txt is not read.\n",
     emb_import_eora26, 0},
    {"oecd-icio", "icio", "OECD ICIO CSV, releases 2016-2023 (.csv, .zip or ZIP:MEMBER)",
     "PATH is an ICIO table as OECD ships it: ICIO2018_2010.CSV, the release's .zip\n"
     "holding one CSV, or ZIP:MEMBER for a zip of several years.  Industries are\n"
     "REGION_SECTOR columns and rows (labels kept as spelled, ISO3 region codes);\n"
     "final demand is REGION_CATEGORY (2018+) or CATEGORY_REGION (2016) columns;\n"
     "the 2016 DISC column becomes category DISC of the selling industry's region.\n"
     "CN1/CN2 and MX1/MX2 are added into CHN and MEX (rows and columns), as OECD's\n"
     "aggregates and pymrio do.  Value-added and tax rows are dropped.  Money:\n"
     "million USD.\n"
     "x is not stored: the OUTPUT/OUT row is compared with Z1+Y1 and with the\n"
     "column sums (Z and value added), the largest differences are reported, and\n"
     "the solver uses x = Z1+Y1, the only x for which world PBA = world CBA holds.\n"
     "ICIO has no emissions: --stressors-csv FILE gives them, either wide (header\n"
     "stressor[,unit],AUS_01T03,...; one row per stressor) or long (columns region,\n"
     "sector,stressor,value[,unit]).  Codes REGION_CATEGORY (e.g. AUS_HFCE) go into\n"
     "F_Y; CN1_.../MX1_... add into CHN/MEX.  A code matching no industry or\n"
     "final-demand column is an error (its emissions would be lost); industries\n"
     "with no value get 0 and are counted.  Without --stressors-csv the table has\n"
     "no stressors (accounts then refuses it).\n",
     emb_import_oecd_icio, F_STRESSORS_CSV},
    {"gloria", NULL, "GLORIA release, basic prices (folder of MRIOs, satellites, ReadMe)",
     "PATH is the folder holding GLORIA_MRIOs_<v>_<year> and\n"
     "GLORIA_SatelliteAccounts_0<v>_<year> (folders or .zip, as downloaded) and\n"
     "GLORIA_ReadMe_0<v>.xlsx; one year per folder.  Read: the T-, Y- and V-Results\n"
     "and the TQ-/YQ-Results satellites at basic prices (Markup001).  T-Results is a\n"
     "supply-use system (per region: industries, then products); the table built is\n"
     "product-by-product under the industry-technology assumption, as pymrio's\n"
     "parse_gloria (construct B):  g = V 1,  D = diag(g)^-1 V,  Z = U D,\n"
     "x = Z 1 + Y 1,  F = TQ D,  F_Y = YQ  (GLORIA's V is diagonal, so D is the\n"
     "identity and Z = U; an industry without output is mapped to its own\n"
     "product, so its inputs and emissions are kept).  Z is kept sparse (CSR).\n"
     "Regions are the ReadMe's ISO3 acronyms; regions whose T rows and columns are\n"
     "all zero (DYE in 2022) are dropped as pymrio does.  Stressors:\n"
     "Q/<Sat_head_indicator>/<Sat_indicator>\n"
     "(unit Sat_unit) and value added VA/<category> (1000 USD, all regions'\n"
     "rows summed); --extension Q or VA selects.  Money: 1000 USD.\n",
     emb_import_gloria, F_EXTENSION},
    {"csv", NULL, "plain CSV matrices + manifest.json (folder, .zip or the .json)",
     "PATH is a folder or .zip with manifest.json, or the manifest itself, e.g.\n"
     "  {\"format\": \"embodied-csv\", \"version\": 1, \"monetary_unit\": \"M.EUR\",\n"
     "   \"Z\": \"Z.csv\", \"Y\": \"Y.csv\", \"F\": \"F.csv\", \"F_Y\": \"F_Y.csv\"}\n"
     "(\"A\" + \"x\" instead of \"Z\"; optional \"x\", \"name\", \"year\", \"delimiter\").\n"
     "Matrices have two header rows (regions, then sectors or categories) after two\n"
     "corner cells, and rows led by two labels: region, sector (Z, A, Y) or\n"
     "stressor, unit (F, F_Y).  x.csv: a header row, then region, sector, value.\n"
     "Labels are kept as spelled and must follow Z's order in every file.\n"
     "Specification and a complete example: datasets/README.md, datasets/csv-example.\n",
     emb_import_csv, 0},
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
              "       embodied import FORMAT PATH... -o DIR/ [options]\n"
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
    /* Only the options FORMAT reads (all of them in the general help). */
    unsigned only = f ? f->opts : ~0u;
    fputs("Options:\n"
          "  -o, --output FILE         output HDF5 file (required; written atomically); with\n"
          "                            several PATHs, or FILE ending in '/', a folder: each\n"
          "                            PATH into FOLDER/<name>.h5 (name = PATH's base name\n"
          "                            without extension)\n",
          fp);
    if (only & F_EXTENSION)
        fputs("  -e, --extension NAME      keep only this extension folder (repeatable; pymrio,\n"
              "                            gloria)\n",
              fp);
    fputs("      --stressors PATTERN   keep stressors whose full name matches this glob,\n"
          "                            e.g. 'air_emissions/CO2*' (repeatable; default all)\n",
          fp);
    if (only & F_STRESSORS_CSV)
        fputs("      --stressors-csv FILE  stressor table for formats without emissions\n"
              "                            (oecd-icio)\n",
              fp);
    if (only & F_RENAME_REGIONS)
        fputs("      --rename-regions exiobase3  rename the 3-letter region codes of older\n"
              "                            EXIOBASE 3 releases (AUS, ..., WWF) to the 2-letter ones\n"
              "                            of current releases (AU, ..., WF), as pymrio's\n"
              "                            parse_exiobase3 does (pymrio format; default: labels\n"
              "                            as spelled in the files)\n",
              fp);
    fputs("      --characterize FILE   add impact rows (e.g. GHG in CO2-eq) = sums of factor x\n"
          "                            stressor, from a CSV stressor,impact,factor[,unit[,\n"
          "                            stressor_unit]] (globs allowed; repeatable; see\n"
          "                            datasets/README.md; datasets/characterization/)\n"
          "  -z, --deflate LEVEL       gzip the matrices at LEVEL 1-9 (default 0: uncompressed)\n"
          "      --force               overwrite an existing output file\n"
          "      --max-memory SIZE     refuse, before reading the data, an import whose table\n"
          "                            (sized from the labels and headers) exceeds SIZE, e.g. 8G\n"
          "                            (default: the machine's physical memory); exit status 6\n",
          fp);
    if (!f)
        fputs("      --list                list the supported formats\n", fp);
    fputs("  -h, --help                this help (after FORMAT: that format's help)\n"
          "A progress bar is drawn on stderr when it is a terminal.\n",
          fp);
}

/* What every input of one import shares. */
typedef struct import_args {
    const cli_list *ext, *pat, *chr;
    const char *stressors_csv, *rename_regions;
    int deflate, force;
} import_args;

/* Import one PATH of format f into the table file out; an exit code. */
static int import_one(const format *f, const char *path, const char *out, const import_args *ia)
{
    int rc = EMB_EXIT_OK;
    cli_note_input(path);
    if ((rc = cli_check_output("import", out, ia->force)))
        return rc;
    /* A characterisation file that cannot be read would only fail after the
     * (long) import: check it can be opened first. */
    for (size_t i = 0; i < ia->chr->n; i++) {
        if ((rc = cli_check_input_type(ia->chr->v[i], "the characterisation file")))
            return rc;
        FILE *fp = fopen(ia->chr->v[i], "r");
        if (!fp) {
            fprintf(stderr, "embodied: %s: cannot open the characterisation file: %s\n", ia->chr->v[i],
                    strerror(errno));
            rc = EMB_EXIT_IO;
            return rc;
        }
        fclose(fp);
    }
    emb_import_opts io = {.extensions = ia->ext->v,
                          .n_extensions = ia->ext->n,
                          .stressor_patterns = ia->pat->v,
                          .n_stressor_patterns = ia->pat->n,
                          .stressors_csv = ia->stressors_csv,
                          .rename_regions = ia->rename_regions,
                          .progress = cli_progress,
                          .progress_ctx = NULL};
    emb_table *t = NULL;
    emb_status st = f->fn(path, &io, &t);
    cli_progress_end();
    if (st) {
        rc = cli_fail(st);
        return rc;
    }
    /* Characterisation: impact rows appended after the stressors. */
    for (size_t i = 0; i < ia->chr->n && !st; i++) {
        size_t k0 = t->k;
        if ((st = emb_table_characterize(t, ia->chr->v[i])))
            break;
        for (size_t s = k0; s < t->k; s++)
            fprintf(stderr, "embodied: %s: impact '%s' [%s]\n", ia->chr->v[i], t->stressors[s],
                    t->stressor_units[s]);
    }
    /* An A table without x (EXIOBASE 3 has no x.txt): the file format needs
     * x with A, and importers never call the solver, so complete it here,
     * after the cheap steps that may still fail. */
    if (!st && t->tech_kind == EMB_TECH_A && !t->x)
        st = complete_x(path, t);
    emb_write_opts wo = {.deflate = ia->deflate};
    if (st)
        rc = cli_fail(st);
    else if ((st = emb_table_write_h5(t, out, &wo)))
        rc = cli_fail(st);
    else {
        fprintf(stderr, "embodied: wrote %s: %zu regions x %zu sectors (N = %zu), %zu final-demand "
                        "categories, %zu stressors\n", out, t->n_r, t->n_s, t->N, t->n_f, t->k);
        if (t->source)
            fprintf(stderr, "embodied: source: %s\n", t->source);
    }
    emb_table_free(t);
    return rc;
}

/* `import FORMAT PATH... -o DIR/`: each PATH into DIR/<name>.h5, <name> the
 * input's base name without its extension; the names are checked distinct
 * before any work; a failing input does not stop the others; the exit code
 * is the first failure's. */
static int import_many(const format *f, const char *const *paths, size_t n, const char *dir,
                       const import_args *ia)
{
    char **outs = calloc(n, sizeof *outs);
    int rc = EMB_EXIT_OK, first = 0;
    size_t failed = 0;
    if (!outs)
        return EMB_EXIT_NOMEM;
    for (size_t i = 0; i < n && !rc; i++) {
        size_t len = strlen(paths[i]);
        while (len > 1 && paths[i][len - 1] == '/')
            len--;
        const char *b = paths[i] + len;
        while (b > paths[i] && b[-1] != '/')
            b--;
        size_t bl = (size_t)(paths[i] + len - b);
        for (size_t q = bl; q > 1; q--) /* drop the extension, keep a leading dot */
            if (b[q - 1] == '.') {
                bl = q - 1;
                break;
            }
        size_t dl = strlen(dir);
        while (dl > 1 && dir[dl - 1] == '/')
            dl--;
        if (!(outs[i] = malloc(dl + bl + 6))) {
            rc = EMB_EXIT_NOMEM;
            break;
        }
        snprintf(outs[i], dl + bl + 6, "%.*s/%.*s.h5", (int)dl, dir, (int)bl, b);
        for (size_t j = 0; j < i && !rc; j++)
            if (!strcmp(outs[i], outs[j]))
                rc = cli_usage_error("import", "%s and %s: both would be written to %s; rename one",
                                     paths[j], paths[i], outs[i]);
    }
    if (!rc && mkdir(dir, 0777) != 0 && errno != EEXIST) {
        fprintf(stderr, "embodied: %s: cannot create the output folder: %s\n", dir, strerror(errno));
        rc = EMB_EXIT_IO;
    }
    for (size_t i = 0; i < n && !rc; i++) {
        /* Each table is committed as soon as it is written (the command's
         * output set would otherwise drop them all when one input fails). */
        int r = import_one(f, paths[i], outs[i], ia);
        if (!r)
            r = cli_commit_outputs();
        else {
            emb_results_discard_set(); /* this input's temporaries */
            if (emb_results_begin_set())
                r = EMB_EXIT_INTERNAL;
        }
        if (r) {
            failed++;
            if (!first)
                first = r;
        }
    }
    if (!rc && n > 1)
        fprintf(stderr, "embodied: imported %zu of %zu inputs into %s%s\n", n - failed, n, dir,
                failed ? " (see the messages above for the others)" : "");
    for (size_t i = 0; i < n; i++)
        free(outs[i]);
    free(outs);
    return rc ? rc : first;
}

int cmd_import(int argc, char **argv)
{
    enum { OPT_LIST = 256, OPT_STRESSORS_CSV, OPT_CHARACTERIZE, OPT_FORCE, OPT_RENAME_REGIONS };
    static const struct option opts[] = {
        {"output", required_argument, NULL, 'o'},
        {"extension", required_argument, NULL, 'e'},
        {"stressors", required_argument, NULL, 's'},
        {"stressors-csv", required_argument, NULL, OPT_STRESSORS_CSV},
        {"characterize", required_argument, NULL, OPT_CHARACTERIZE},
        {"rename-regions", required_argument, NULL, OPT_RENAME_REGIONS},
        {"deflate", required_argument, NULL, 'z'},
        {"list", no_argument, NULL, OPT_LIST},
        {"force", no_argument, NULL, OPT_FORCE},
        {"max-memory", required_argument, NULL, CLI_OPT_MAX_MEMORY},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    const char *out = NULL, *stressors_csv = NULL, *rename_regions = NULL;
    cli_list ext = {0}, pat = {0}, chr = {0};
    int deflate = 0, c, rc = EMB_EXIT_OK, help = 0, force = 0;
    while ((c = getopt_long(argc, argv, ":o:e:z:h", opts, NULL)) != -1) {
        switch (c) {
        case 'o': out = optarg; break;
        case 'e': cli_list_push(&ext, optarg); break;
        case 's': cli_list_push(&pat, optarg); break;
        case OPT_STRESSORS_CSV: stressors_csv = optarg; break;
        case OPT_CHARACTERIZE: cli_list_push(&chr, optarg); break;
        case OPT_RENAME_REGIONS: rename_regions = optarg; break;
        case OPT_FORCE: force = 1; break;
        case CLI_OPT_MAX_MEMORY:
            if ((rc = cli_memory_option("import", optarg)))
                goto done;
            break;
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
            for (size_t i = 0; i < N_FORMATS; i++) /* aliases listed: they are accepted */
                if (formats[i].alias)
                    printf("%s\t%s (also: %s)\n", formats[i].name, formats[i].summary,
                           formats[i].alias);
                else
                    printf("%s\t%s\n", formats[i].name, formats[i].summary);
            goto done;
        case 'h': help = 1; break;
        default: rc = cli_option_error("import", c, argc, argv, opts); goto done;
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
    if (argc - optind < 2) {
        rc = cli_usage_error("import", "expected FORMAT and PATH... (got %d arguments)", argc - optind);
        goto done;
    }
    if (!out || !*out) {
        rc = cli_usage_error("import", "missing -o OUT.h5 (or -o DIR/ for several inputs)");
        goto done;
    }
    /* An option the format does not read would be silently ignored. */
    const char *unread = ext.n && !(f->opts & F_EXTENSION)                  ? "--extension"
                         : stressors_csv && !(f->opts & F_STRESSORS_CSV)    ? "--stressors-csv"
                         : rename_regions && !(f->opts & F_RENAME_REGIONS) ? "--rename-regions"
                                                                           : NULL;
    if (unread) {
        rc = cli_usage_error("import", "%s does not apply to format %s", unread, f->name);
        goto done;
    }
    import_args ia = {&ext, &pat, &chr, stressors_csv, rename_regions, deflate, force};
    if (argc - optind > 2 || out[strlen(out) - 1] == '/') {
        rc = import_many(f, (const char *const *)argv + optind + 1, (size_t)(argc - optind - 1),
                         out, &ia);
        goto done;
    }
    rc = import_one(f, argv[optind + 1], out, &ia);
done:
    cli_list_free(&ext);
    cli_list_free(&pat);
    cli_list_free(&chr);
    return rc;
}
