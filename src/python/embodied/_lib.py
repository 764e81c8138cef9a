"""embodied._lib — loads libembodied through cffi in ABI mode (no compiler at
import) and maps emb_status codes to Python exceptions carrying emb_errmsg().
Only the public API and its accessors are declared; the one struct mirrored
is the public options struct emb_accounts_opts (an input the caller fills)."""
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
