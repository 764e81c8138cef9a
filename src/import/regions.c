/* src/import/regions.c — region renamings applied at import (see
 * regions.h): the tables of old and new codes, and renaming a table's
 * region labels all at once or not at all. */
#include "import/regions.h"

#include "core/error_impl.h"

#include <string.h>

typedef struct rename_pair {
    const char *from, *to;
} rename_pair;

/* pymrio/tools/ioparser.py, parse_exiobase3 (io.rename_regions), verbatim. */
static const rename_pair exiobase3[] = {
    {"AUS", "AU"}, {"AUT", "AT"}, {"BEL", "BE"}, {"BGR", "BG"}, {"BRA", "BR"}, {"CAN", "CA"},
    {"CHE", "CH"}, {"CHN", "CN"}, {"CYP", "CY"}, {"CZE", "CZ"}, {"DEU", "DE"}, {"DNK", "DK"},
    {"ESP", "ES"}, {"EST", "EE"}, {"FIN", "FI"}, {"FRA", "FR"}, {"GBR", "GB"}, {"GRC", "GR"},
    {"HRV", "HR"}, {"HUN", "HU"}, {"IDN", "ID"}, {"IND", "IN"}, {"IRL", "IE"}, {"ITA", "IT"},
    {"JPN", "JP"}, {"KOR", "KR"}, {"LTU", "LT"}, {"LUX", "LU"}, {"LVA", "LV"}, {"MEX", "MX"},
    {"MLT", "MT"}, {"NLD", "NL"}, {"NOR", "NO"}, {"POL", "PL"}, {"PRT", "PT"}, {"ROM", "RO"},
    {"RUS", "RU"}, {"SVK", "SK"}, {"SVN", "SI"}, {"SWE", "SE"}, {"TUR", "TR"}, {"TWN", "TW"},
    {"USA", "US"}, {"ZAF", "ZA"}, {"WWA", "WA"}, {"WWE", "WE"}, {"WWF", "WF"}, {"WWL", "WL"},
    {"WWM", "WM"},
};

static const struct scheme {
    const char *name;
    const rename_pair *pairs;
    size_t n;
} schemes[] = {
    {"exiobase3", exiobase3, sizeof exiobase3 / sizeof exiobase3[0]},
};
#define N_SCHEMES (sizeof schemes / sizeof schemes[0])

static const struct scheme *find(const char *name)
{
    for (size_t i = 0; name && i < N_SCHEMES; i++)
        if (!strcmp(schemes[i].name, name))
            return &schemes[i];
    return NULL;
}

emb_status emb_regions_scheme_check(const char *scheme)
{
    if (find(scheme))
        return EMB_OK;
    return emb_raise(EMB_EUSAGE, "--rename-regions '%s': unknown scheme (known: exiobase3, "
                                 "pymrio's EXIOBASE 3 codes AUS -> AU, ..., WWF -> WF)",
                     scheme ? scheme : "(null)");
}

/* The new name of region `r`, or NULL when the scheme keeps it. */
static const char *renamed_to(const struct scheme *s, const char *r)
{
    for (size_t i = 0; i < s->n; i++)
        if (!strcmp(s->pairs[i].from, r))
            return s->pairs[i].to;
    return NULL;
}

emb_status emb_regions_rename(emb_table *t, const char *scheme, const char *path, size_t *renamed)
{
    *renamed = 0;
    const struct scheme *s = find(scheme);
    if (!s)
        return emb_regions_scheme_check(scheme);
    /* Check every new name first, so a clash leaves t as it was. */
    for (size_t r = 0; r < t->n_r; r++) {
        const char *to = renamed_to(s, t->regions[r]);
        if (!to)
            continue;
        for (size_t q = 0; q < t->n_r; q++) {
            const char *other = renamed_to(s, t->regions[q]);
            if (q != r && !strcmp(other ? other : t->regions[q], to))
                return emb_raise(EMB_EINPUT, "%s: --rename-regions %s: region '%s' would become "
                                             "'%s', the name of region '%s' too",
                                 path, scheme, t->regions[r], to, t->regions[q]);
        }
    }
    for (size_t r = 0; r < t->n_r; r++) {
        const char *to = renamed_to(s, t->regions[r]);
        if (!to)
            continue;
        emb_status st = emb_table_set_label(t, EMB_LABEL_REGION, r, to);
        if (st)
            return st; /* ENOMEM: regions before r are renamed; the caller frees t */
        (*renamed)++;
    }
    return EMB_OK;
}
