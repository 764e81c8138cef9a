/* embodied/table.h — an environmentally extended MRIO table in memory.
 *
 * Index conventions (also those of the HDF5 format, datasets/README.md):
 *   N   = n_r * n_s industries, index = region * n_s + sector (region-major);
 *   n_y = n_r * n_f final-demand columns, column = region * n_f + category.
 * All matrices are row-major C arrays of double.
 *
 * The technology matrix (Z, inter-industry flows, or A, coefficients) is the
 * only O(N^2) object.  It is held in exactly one of three ways:
 *   - dense in memory (T != NULL: tables made by an importer, the generator
 *     or a test);
 *   - sparse in memory (csr != NULL: a CSR group in the file, or the
 *     generator asked for CSR), O(nnz) bytes;
 *   - streamed by row blocks from the file it was read from (stream != NULL),
 *     so that the dense solver can own the one N x N working matrix of the
 *     process.
 * Read it only through emb_table_tech_rows() (dense rows, whatever the
 * storage) or emb_table_tech_csr() (a CSR copy, whatever the storage).
 *
 * Ownership: the table owns every array and string it points to;
 * emb_table_free() releases them (and closes a stream).
 */
#ifndef EMBODIED_TABLE_H
#define EMBODIED_TABLE_H

#include <stddef.h>
#include <stdint.h>

#include "embodied/csr.h"
#include "embodied/error.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum emb_tech_kind {
    EMB_TECH_Z = 0, /* T holds Z, inter-industry flows (money) */
    EMB_TECH_A = 1  /* T holds A = Z diag(1/x), technical coefficients; x is then required */
} emb_tech_kind;

typedef enum emb_label_kind {
    EMB_LABEL_REGION = 0,
    EMB_LABEL_SECTOR,
    EMB_LABEL_FD_CATEGORY,
    EMB_LABEL_STRESSOR,
    EMB_LABEL_STRESSOR_UNIT
} emb_label_kind;

/* A named set of regions (e.g. EU27).  members[] are region indices. */
typedef struct emb_group {
    char *name;
    size_t n;
    size_t *members;
} emb_group;

struct emb_tech_stream; /* private: row-block reader of a file-backed T */

typedef struct emb_table {
    size_t n_r, n_s, n_f, k; /* regions, sectors per region, FD categories per region, stressors */
    size_t N, n_y;           /* n_r*n_s and n_r*n_f */
    char **regions;          /* [n_r] */
    char **sectors;          /* [n_s] */
    char **fd_categories;    /* [n_f] */
    char **stressors;        /* [k] */
    char **stressor_units;   /* [k] */
    emb_tech_kind tech_kind;
    double *T;   /* [N][N] Z or A when in memory as a dense array, else NULL */
    emb_csr *csr; /* Z or A when in memory as CSR (N x N), else NULL */
    double *Y;   /* [N][n_y] final demand */
    double *F;   /* [k][N] industry stressors */
    double *F_Y; /* [k][n_y] stressors of final demand (household direct emissions); zeros when absent */
    double *x;   /* [N] gross output, or NULL when not given (Z tables: the solver uses Z1 + Y1) */
    size_t n_groups;
    emb_group *groups; /* [n_groups] */
    int year;            /* 0 when unknown */
    char *source;        /* free text or NULL */
    char *monetary_unit; /* e.g. "M.EUR" or NULL */
    char *path;          /* file the table came from ("" if built in memory): used in messages */
    double *population;  /* [n_r] persons per region (each finite and > 0), or NULL when unknown:
                          * the per-capita accounts need it (emb_table_set_population) */
    struct emb_tech_stream *stream; /* private */
} emb_table;

/* Allocate a table with all label slots NULL, Y/F/F_Y zero, x NULL, and T
 * zero-filled [N][N] when with_T is non-zero.  Sizes must be >= 1 (k may be
 * 0 for a table without satellite accounts).  *out owned by the caller. */
EMB_API emb_status emb_table_create(size_t n_r, size_t n_s, size_t n_f, size_t k, emb_tech_kind kind,
                                    int with_T, emb_table **out);

/* Free everything the table owns; NULL is a no-op. */
EMB_API void emb_table_free(emb_table *t);

/* Copy `s` into label slot i of the given kind (replacing what was there). */
EMB_API emb_status emb_table_set_label(emb_table *t, emb_label_kind kind, size_t i, const char *s);

/* Set t->path (copied), used to prefix messages. */
EMB_API emb_status emb_table_set_path(emb_table *t, const char *path);

/* Allocate t->x (zero-filled) if it is NULL. */
EMB_API emb_status emb_table_alloc_x(emb_table *t);

/* Index of region `name`, or -1. */
EMB_API long emb_table_region_index(const emb_table *t, const char *name);

/* Index of group `name`, or -1. */
EMB_API long emb_table_group_index(const emb_table *t, const char *name);

/* Index of stressor `name`, or -1 (unknown or ambiguous).  Names forgive,
 * tried in order, the first tier with a match deciding and a tier with
 * several matches making the name ambiguous: the exact name; its last
 * '/'-separated components ("CO2/air" matches "co2/CO2/air"); both ignoring
 * case; a prefix, then a substring, ignoring case ("co2"). */
EMB_API long emb_table_stressor_index(const emb_table *t, const char *name);

/* The same, with a message: EMB_EUSAGE naming the candidates when `name` is
 * ambiguous, or the closest stressor names when it matches none. */
EMB_API emb_status emb_table_find_stressor(const emb_table *t, const char *name, size_t *index);

/* The table's own spelling (*label, pointing into the table) of region or
 * group `name`: exact first (a region, then a group), else ignoring case
 * when exactly one region or group matches.  EMB_EUSAGE naming the
 * candidates when several match, or the closest names when none does. */
EMB_API emb_status emb_table_find_unit(const emb_table *t, const char *name, const char **label);

/* Add group `name` with the given member region names.  Fails (EMB_EUSAGE)
 * on an unknown or repeated member, an empty list, or a name that is already a
 * region or group. */
EMB_API emb_status emb_table_add_group(emb_table *t, const char *name, size_t n, const char *const *members);

/* Parse "NAME=R1,R2,..." (the CLI's --group syntax) and add it. */
EMB_API emb_status emb_table_add_group_spec(emb_table *t, const char *spec);

/* Add the groups of a CSV file `path`: a header line 'group,member', then
 * one line per member region (a group's lines contiguous; blank lines and
 * '#' comments skipped; RFC 4180 quoting).  The whole file is checked
 * before the table changes: EMB_EINPUT naming the file, line and column on
 * a bad header, a line without exactly two cells, an unknown member (with
 * the closest region names), a member listed twice, a group defined twice
 * or already in the table, a group name that is a region; EMB_EIO when the
 * file cannot be read.  On failure the table is unchanged. */
EMB_API emb_status emb_table_add_groups_file(emb_table *t, const char *path);

/* Resolve a region or group name (matched as emb_table_find_unit does) into
 * a set of region indices: *members points into the table (groups) or at
 * the single index copied into *one. */
EMB_API emb_status emb_table_resolve_unit(const emb_table *t, const char *name, const size_t **members,
                                          size_t *n, size_t *one);

/* Copy rows [r0, r0+nrows) of the technology matrix into dst (row-major,
 * leading dimension N), from memory (dense or CSR, expanded) or from the
 * file. */
EMB_API emb_status emb_table_tech_rows(const emb_table *t, size_t r0, size_t nrows, double *dst);

/* Make m (N x N, checked with emb_csr_check) the table's technology matrix,
 * replacing a dense T.  Takes ownership of m, also on failure. */
EMB_API emb_status emb_table_set_tech_csr(emb_table *t, emb_csr *m);

/* *out = a new CSR copy of the technology matrix, whatever its storage, owned
 * by the caller (emb_csr_free).  Every entry that is not +0.0 is kept (-0.0
 * too, so that dense -> CSR -> dense is bit-identical).  Dense and streamed
 * tables are read in row blocks of at most 16 MiB: memory is O(nnz) plus
 * that block. */
EMB_API emb_status emb_table_tech_csr(const emb_table *t, emb_csr **out);

/* Population by region (persons, for per-capita accounts): copy
 * population[0 .. n_r) into the table, replacing what it had; NULL removes
 * it.  Each value must be finite and > 0 (EMB_EINPUT naming the region);
 * on failure the table is unchanged. */
EMB_API emb_status emb_table_set_population(emb_table *t, const double *population);

/* Population from a CSV file `path` (the CLI's --population FILE): a header
 * 'region,population', then one line per region of the table, in any order
 * (blank lines and '#' comments skipped; RFC 4180 quoting).  Every region
 * exactly once; EMB_EINPUT naming the file, line and column on a bad
 * header, a line without two cells, an unknown region (with the closest
 * names), a region listed twice, a value that is not a finite number > 0,
 * and naming the first region missing at the end; EMB_EIO when the file
 * cannot be read.  The whole file is checked before the table changes. */
EMB_API emb_status emb_table_read_population_csv(emb_table *t, const char *path);

/* Index of the table's value-added row of F, or -1: the first stressor whose
 * name, or its last '/'-separated component, is "value added" or "gross
 * value added" (letters compared case-insensitively), e.g. pymrio's
 * "factor_inputs/Value Added".  Its F summed over a region's sectors is the
 * region's value added (money), the denominator of the intensity accounts
 * (embodied/accounts.h). */
EMB_API long emb_table_value_added_stressor(const emb_table *t);

/* Facts about the data that are not errors but must be reported. */
typedef struct emb_table_facts {
    size_t n_negative_Y;    /* final-demand entries < 0 (inventory changes) */
    double sum_negative_Y;  /* their sum */
    size_t n_zero_x;        /* sectors with x == 0 (only when x is given) */
} emb_table_facts;

/* Check structure and values: every label set and non-empty, regions,
 * sectors, FD categories, stressors and groups unique; Y, F, F_Y, x (and T
 * when in memory; a CSR also structurally, emb_csr_check) finite; x >= 0;
 * A tables have x.  The first violation is
 * raised as EMB_EINPUT naming the file, dataset and row/column.  facts may be
 * NULL. */
EMB_API emb_status emb_table_validate(const emb_table *t, emb_table_facts *facts);

/* ---- Accessors: everything a binding needs without mirroring emb_table's
 * layout (which may change).  Pointers returned point into the table: valid
 * until emb_table_free() or a call that changes the table; never free them.
 * A NULL table or an index out of range gives 0 or NULL, never a crash. */

/* Dimensions: regions n_r, sectors per region n_s, final-demand categories
 * per region n_f, stressors k, industries N = n_r n_s, final-demand columns
 * n_y = n_r n_f. */
EMB_API size_t emb_table_n_regions(const emb_table *t);
EMB_API size_t emb_table_n_sectors(const emb_table *t);
EMB_API size_t emb_table_n_fd_categories(const emb_table *t);
EMB_API size_t emb_table_n_stressors(const emb_table *t);
EMB_API size_t emb_table_n_industries(const emb_table *t);
EMB_API size_t emb_table_n_fd_columns(const emb_table *t);

/* Z or A (EMB_TECH_Z for a NULL table). */
EMB_API emb_tech_kind emb_table_tech_kind(const emb_table *t);

/* Number of labels of a kind (n_r, n_s, n_f, k or k), and label i of that
 * kind (NULL when out of range or not set). */
EMB_API size_t emb_table_label_count(const emb_table *t, emb_label_kind kind);
EMB_API const char *emb_table_label(const emb_table *t, emb_label_kind kind, size_t i);

/* The arrays of the table, row-major: */
typedef enum emb_table_field {
    EMB_TABLE_Y = 0, /* [N][n_y] final demand */
    EMB_TABLE_F,     /* [k][N] industry stressors */
    EMB_TABLE_F_Y,   /* [k][n_y] stressors of final demand */
    EMB_TABLE_X,     /* [N] gross output; NULL when not given (Z tables) */
    EMB_TABLE_POPULATION /* [n_r] persons by region; NULL when not known */
} emb_table_field;

/* Pointer to array `f` and its shape in *n_rows, *n_cols (either may be
 * NULL); NULL with 0 x 0 when absent, empty (k = 0) or `f` is unknown.  The
 * technology matrix is not here (it may be streamed from the file or held
 * as CSR): read it with emb_table_tech_rows() or emb_table_tech_csr(). */
EMB_API const double *emb_table_array(const emb_table *t, emb_table_field f, size_t *n_rows,
                                      size_t *n_cols);

/* File the table was read from ("" when built in memory). */
EMB_API const char *emb_table_path(const emb_table *t);

/* Groups of regions: their number, the name of group g, and its member
 * region indices (*n of them; NULL and 0 when g is out of range). */
EMB_API size_t emb_table_n_groups(const emb_table *t);
EMB_API const char *emb_table_group_name(const emb_table *t, size_t g);
EMB_API const size_t *emb_table_group_members(const emb_table *t, size_t g, size_t *n);

/* A table built from the caller's arrays, without a file.  Every array is
 * row-major and copied (the caller keeps ownership of its arrays and may
 * free them at once; *out is owned by the caller, emb_table_free):
 *   T    [N][N]  Z (kind EMB_TECH_Z) or A (EMB_TECH_A), N = n_r n_s;
 *   x    [N]     gross output; required for A, optional (NULL) for Z, where
 *                the solver then uses x = Z 1 + Y 1;
 *   Y    [N][n_r n_f] final demand;
 *   F    [k][N]  industry stressors (NULL only when k = 0);
 *   F_Y  [k][n_r n_f] stressors of final demand, or NULL for zeros;
 *   labels: regions [n_r], sectors [n_s], fd_categories [n_f], stressors
 *        [k], stressor_units [k] (NULL only when k = 0), each non-empty.
 * Missing arguments or zero sizes give EMB_EUSAGE naming the argument; the
 * data are then checked with emb_table_validate() (EMB_EINPUT naming the
 * array, row and column).  *out is NULL on failure. */
EMB_API emb_status emb_table_from_arrays(size_t n_r, size_t n_s, size_t n_f, size_t k,
                                         emb_tech_kind kind, const double *T, const double *x,
                                         const double *Y, const double *F, const double *F_Y,
                                         const char *const *regions, const char *const *sectors,
                                         const char *const *fd_categories,
                                         const char *const *stressors,
                                         const char *const *stressor_units, emb_table **out);

#ifdef __cplusplus
}
#endif
#endif
