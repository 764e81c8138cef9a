"""embodied._lib — loads libembodied through cffi in ABI mode (no compiler at
import) and maps emb_status codes to Python exceptions carrying emb_errmsg().
Only the public API and its accessors are declared; the structs mirrored are
public ones from include/embodied/*.h: the options structs the caller fills
(emb_accounts_opts, emb_cbam_opts, emb_spa_opts, emb_sda_opts,
emb_drilldown_opts), the row structs the accessors fill (emb_cbam_row,
emb_drilldown_row) and the prefix of emb_spa_result that is read."""
import ctypes.util
import os
import sys

import cffi

ffi = cffi.FFI()
ffi.cdef("""
typedef int emb_status;
typedef struct emb_table emb_table;
typedef struct emb_context emb_context;
typedef struct emb_accounts emb_accounts;
typedef int (*emb_interrupt_fn)(void *user);
typedef enum { EMB_TECH_Z = 0, EMB_TECH_A = 1 } emb_tech_kind;
typedef enum { EMB_LABEL_REGION = 0, EMB_LABEL_SECTOR, EMB_LABEL_FD_CATEGORY,
               EMB_LABEL_STRESSOR, EMB_LABEL_STRESSOR_UNIT } emb_label_kind;
typedef enum { EMB_SOLVER_AUTO = 0, EMB_SOLVER_DENSE, EMB_SOLVER_MIXED,
               EMB_SOLVER_SPARSE } emb_solver_kind;
typedef struct emb_solver_opts {
    emb_solver_kind kind; double tol; double max_memory; const emb_context *ctx;
} emb_solver_opts;
typedef struct emb_accounts_opts {
    int per_sector; int flows_by_sector; double identity_tol; emb_solver_opts solver;
    const emb_context *ctx; int eebt; int eebt_by_sector; int tcba;
    const size_t *stressors; size_t n_stressors;
} emb_accounts_opts;
typedef struct emb_leontief emb_leontief;
typedef struct emb_cbam_concordance emb_cbam_concordance;
typedef struct emb_cbam emb_cbam;
typedef struct emb_sda emb_sda;
typedef struct emb_drilldown emb_drilldown;
typedef struct emb_cbam_price { const char *region; double eur_per_t; } emb_cbam_price;
typedef struct emb_cbam_opts {
    const char *importer; const char *stressor; double price;
    const emb_cbam_price *exporter_prices; size_t n_exporter_prices;
    double currency_per_unit; double identity_tol; const emb_context *ctx;
} emb_cbam_opts;
typedef struct emb_cbam_row {
    long exporter; int group; int basis; double import_value; double emissions_t;
    double price; double exporter_price; double cost_eur; double cost_share;
} emb_cbam_row;
typedef struct emb_spa_opts {
    const char *to; const char *from; size_t stressor; size_t top; size_t max_order;
    double threshold; emb_solver_opts solver; const emb_context *ctx;
} emb_spa_opts;
/* emb_spa_result up to seconds_total: its last member (emb_solver_stats solver)
 * is not read here, so only the prefix is mirrored (the library allocates it). */
typedef struct emb_spa_result {
    size_t stressor; size_t n_to, n_from; size_t *to, *from; char *to_name, *from_name;
    size_t top, max_order; double threshold; double total; double total_check; double cutoff;
    size_t n_paths; double *value; size_t *order; size_t *path_start; size_t *nodes;
    double sum_top; double coverage; size_t n_above; size_t nodes_visited; size_t edges_kept;
    size_t nnz_A; size_t deepest; double residual_solve, residual_tsolve; double seconds_M;
    double seconds_edges; double seconds_search; double seconds_total;
} emb_spa_result;
typedef struct emb_sda_opts {
    double deflate1; double residual_tol; emb_solver_opts solver; const emb_context *ctx;
} emb_sda_opts;
typedef struct emb_drilldown_opts { int by; double identity_tol; const emb_context *ctx; } emb_drilldown_opts;
typedef struct emb_drilldown_row {
    long origin_region, origin_sector; long product_region, product_sector; double value;
} emb_drilldown_row;
emb_status emb_leontief_create(const emb_table *t, const emb_solver_opts *opts, emb_leontief **out);
void emb_leontief_free(emb_leontief *lf);
long emb_table_stressor_index(const emb_table *t, const char *name);
const char *emb_cbam_group_name(int g);
const char *emb_cbam_basis_name(int b);
emb_status emb_cbam_concordance_read(const char *path, const emb_table *t, emb_cbam_concordance **out);
void emb_cbam_concordance_free(emb_cbam_concordance *c);
emb_status emb_cbam_compute(const emb_table *t, emb_leontief *lf, const emb_cbam_concordance *conc,
    const emb_cbam_opts *opts, emb_cbam **out);
size_t emb_cbam_n_rows(const emb_cbam *c);
emb_status emb_cbam_row_get(const emb_cbam *c, size_t i, emb_cbam_row *row);
void emb_cbam_free(emb_cbam *c);
emb_status emb_spa_compute(const emb_table *t, const emb_spa_opts *opts, emb_spa_result **out);
void emb_spa_free(emb_spa_result *r);
emb_status emb_sda_compute(const emb_table *t0, const emb_table *t1, const emb_sda_opts *opts, emb_sda **out);
size_t emb_sda_n_stressors(const emb_sda *r);
size_t emb_sda_n_rows(const emb_sda *r);
const char *emb_sda_row_name(const emb_sda *r, size_t i);
const char *emb_sda_stressor(const emb_sda *r, size_t s);
const char *emb_sda_stressor_unit(const emb_sda *r, size_t s);
int emb_sda_year(const emb_sda *r, int which);
double emb_sda_value(const emb_sda *r, size_t s, size_t i, int f);
double emb_sda_worst_residual(const emb_sda *r);
void emb_sda_free(emb_sda *r);
emb_status emb_drilldown_parse_by(const char *s, int *by);
emb_status emb_drilldown_compute(const emb_table *t, emb_leontief *lf, const char *origin,
    const char *destination, const emb_drilldown_opts *opts, emb_drilldown **out);
double emb_drilldown_flow(const emb_drilldown *dd, size_t s);
size_t emb_drilldown_n_rows(const emb_drilldown *dd, size_t s);
emb_status emb_drilldown_row_get(const emb_drilldown *dd, size_t s, size_t i, emb_drilldown_row *row);
void emb_drilldown_free(emb_drilldown *dd);
const char *emb_strerror(emb_status s);
const char *emb_errmsg(void);
void emb_errclear(void);
emb_status emb_solver_parse(const char *s, emb_solver_kind *k);
emb_status emb_context_create(emb_context **out);
void emb_context_free(emb_context *ctx);
void emb_context_set_memory_limit(emb_context *ctx, size_t bytes);
void emb_context_set_threads(emb_context *ctx, unsigned threads);
void emb_context_set_interrupt(emb_context *ctx, emb_interrupt_fn fn, void *user);
emb_status emb_table_read_h5_ctx(const char *path, int flags, const emb_context *ctx, emb_table **out);
void emb_table_free(emb_table *t);
emb_status emb_table_add_group(emb_table *t, const char *name, size_t n, const char *const *members);
size_t emb_table_label_count(const emb_table *t, emb_label_kind kind);
const char *emb_table_label(const emb_table *t, emb_label_kind kind, size_t i);
size_t emb_table_n_groups(const emb_table *t);
const char *emb_table_group_name(const emb_table *t, size_t g);
emb_status emb_table_from_arrays(size_t n_r, size_t n_s, size_t n_f, size_t k, emb_tech_kind kind,
    const double *T, const double *x, const double *Y, const double *F, const double *F_Y,
    const char *const *regions, const char *const *sectors, const char *const *fd_categories,
    const char *const *stressors, const char *const *stressor_units, emb_table **out);
emb_tech_kind emb_table_tech_kind(const emb_table *t);
emb_status emb_table_tech_rows(const emb_table *t, size_t r0, size_t nrows, double *dst);
const double *emb_table_array(const emb_table *t, int f, size_t *n_rows, size_t *n_cols);
emb_status emb_accounts_compute(const emb_table *t, const emb_accounts_opts *opts, emb_accounts **out);
void emb_accounts_free(emb_accounts *acc);
size_t emb_accounts_n_groups(const emb_accounts *acc);
const double *emb_accounts_array(const emb_accounts *acc, int f, size_t *n_elements);
double emb_accounts_residual_solve(const emb_accounts *acc);
double emb_accounts_residual_tsolve(const emb_accounts *acc);
double emb_accounts_identity_error(const emb_accounts *acc);
const char *emb_accounts_solver_name(const emb_accounts *acc);
size_t emb_accounts_warnings(const emb_accounts *acc, const emb_table *t, char *buf, size_t size);
emb_status emb_accounts_flow(const emb_accounts *acc, const emb_table *t, size_t s,
    const char *origin, const char *destination, double *value);
""")

EMB_EINTERRUPTED = -7


class EmbodiedError(Exception):
    """An error returned by the library; str() is emb_errmsg()."""
    status = None


class EmbodiedUsageError(EmbodiedError, ValueError):
    status = -1


class EmbodiedInputError(EmbodiedError):
    status = -2


class EmbodiedNumericError(EmbodiedError, ArithmeticError):
    status = -3


class EmbodiedIOError(EmbodiedError, OSError):
    status = -4


class EmbodiedMemoryError(EmbodiedError, MemoryError):
    status = -5


class EmbodiedInternalError(EmbodiedError):
    status = -6


_BY_STATUS = {c.status: c for c in (EmbodiedUsageError, EmbodiedInputError, EmbodiedNumericError,
                                    EmbodiedIOError, EmbodiedMemoryError, EmbodiedInternalError)}


def _candidates():
    env = os.environ.get("EMBODIED_LIBRARY")
    if env:
        yield env
        return
    here = os.path.dirname(os.path.abspath(__file__))
    # installed: <prefix>/lib*/python3*/site-packages/embodied -> <prefix>/lib*/
    up = here
    for _ in range(6):
        up = os.path.dirname(up)
        for sub in ("", "lib", "lib64", os.path.join("lib", sys.implementation._multiarch)
                    if hasattr(sys.implementation, "_multiarch") else "lib"):
            yield os.path.join(up, sub, "libembodied.so.0")
    found = ctypes.util.find_library("embodied")
    if found:
        yield found


def _load():
    tried = []
    for p in _candidates():
        if os.path.sep in p and not os.path.exists(p):
            tried.append(p)
            continue
        try:
            return ffi.dlopen(p)
        except OSError as e:
            tried.append(f"{p} ({e})")
    raise ImportError("embodied: libembodied.so.0 not found (set EMBODIED_LIBRARY); tried: "
                      + "; ".join(tried[:8]))


lib = _load()


def check(status):
    """Raise the exception of `status` with the library's message (EMB_OK: nothing)."""
    if status == 0:
        return
    if status == EMB_EINTERRUPTED:
        lib.emb_errclear()
        raise KeyboardInterrupt("embodied: interrupted")
    msg = ffi.string(lib.emb_errmsg()).decode("utf-8", "replace")
    if not msg:
        msg = ffi.string(lib.emb_strerror(status)).decode()
    lib.emb_errclear()
    raise _BY_STATUS.get(status, EmbodiedError)(msg)
