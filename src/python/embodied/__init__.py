"""embodied — Python package over libembodied (MRIO embodied-carbon engine).

Tables come from files (read), arrays (from_arrays) or pymrio-like objects
(from_pymrio); Table.accounts() returns pandas objects labelled like pymrio's.
Each long call runs in a worker thread (cffi releases the GIL around C calls)
with its own emb_context: memory limit and threads per call, and Ctrl-C sets
a flag that the context's interruption callback reads, so the library stops
with EMB_EINTERRUPTED and Python raises KeyboardInterrupt."""
import threading

import numpy as np
import pandas as pd

from ._lib import (EmbodiedError, EmbodiedInputError, EmbodiedInternalError, EmbodiedIOError,
                   EmbodiedMemoryError, EmbodiedNumericError, EmbodiedUsageError, check, ffi, lib)

from .results import Results, read_results

__all__ = ["read", "read_results", "Results", "from_arrays", "from_pymrio", "Table", "Accounts", "EmbodiedError",
           "EmbodiedUsageError", "EmbodiedInputError", "EmbodiedNumericError", "EmbodiedIOError",
           "EmbodiedMemoryError", "EmbodiedInternalError"]


@ffi.callback("int(void *)")
def _interrupt_cb(user):
    return 1 if ffi.from_handle(user).is_set() else 0


class _Call:
    """One library call with its own context: runs fn(ctx) in a worker thread,
    reading emb_errmsg() there (the message is per thread)."""

    def __init__(self, max_memory=None, threads=None, interrupt=None):
        self.flag = interrupt if interrupt is not None else threading.Event()
        p = ffi.new("emb_context **")
        check(lib.emb_context_create(p))
        self.ctx = ffi.gc(p[0], lib.emb_context_free)
        if max_memory is not None:
            lib.emb_context_set_memory_limit(self.ctx, int(max_memory))
        if threads is not None:
            lib.emb_context_set_threads(self.ctx, int(threads))
        self._handle = ffi.new_handle(self.flag)
        lib.emb_context_set_interrupt(self.ctx, _interrupt_cb, self._handle)

    def run(self, fn):
        box = {}
        done = threading.Event()

        def work():
            try:
                check(fn(self.ctx))
            except BaseException as e:  # carried to the calling thread
                box["error"] = e
            finally:
                done.set()

        th = threading.Thread(target=work, daemon=True)
        th.start()
        # Wait on our own event, not Thread.join: a KeyboardInterrupt inside join
        # can leave the thread looking finished while the C call still runs.
        while True:
            try:
                if done.wait(0.05):  # short waits: the main thread stays responsive to signals
                    break
            except KeyboardInterrupt:
                self.flag.set()  # the callback sees it; the call returns EMB_EINTERRUPTED
        if "error" in box:
            raise box["error"]


def _strings(seq):
    keep = [ffi.new("char[]", str(s).encode()) for s in seq]
    return ffi.new("const char *[]", keep), keep


def _c_array(a, shape, name):
    a = np.ascontiguousarray(np.asarray(a, dtype=np.float64))  # no copy when already C double
    if a.shape != shape:
        raise EmbodiedUsageError(f"{name}: shape {a.shape}, expected {shape}")
    return a


class Table:
    """An embodied-mrio table owned by the library (emb_table)."""

    def __init__(self, ptr, keep=()):
        self._t = ffi.gc(ptr, lib.emb_table_free)
        self._keep = keep

    def labels(self, kind):
        n = lib.emb_table_label_count(self._t, kind)
        return [ffi.string(lib.emb_table_label(self._t, kind, i)).decode() for i in range(n)]

    regions = property(lambda self: self.labels(lib.EMB_LABEL_REGION))
    sectors = property(lambda self: self.labels(lib.EMB_LABEL_SECTOR))
    fd_categories = property(lambda self: self.labels(lib.EMB_LABEL_FD_CATEGORY))
    stressors = property(lambda self: self.labels(lib.EMB_LABEL_STRESSOR))
    units = property(lambda self: self.labels(lib.EMB_LABEL_STRESSOR_UNIT))

    @property
    def groups(self):
        return [ffi.string(lib.emb_table_group_name(self._t, g)).decode()
                for g in range(lib.emb_table_n_groups(self._t))]

    def add_group(self, name, members):
        arr, keep = _strings(members)
        check(lib.emb_table_add_group(self._t, name.encode(), len(members), arr))

    def accounts(self, solver="auto", groups=None, per_sector=False, max_memory=None,
                 threads=None, eebt=False, tcba=False, _interrupt=None):
        """acc = accounts of the table (emb_accounts_compute) under a per-call context."""
        for name, members in (groups or {}).items():
            if name not in self.groups:
                self.add_group(name, members)
        opts = ffi.new("emb_accounts_opts *")
        kind = ffi.new("emb_solver_kind *")
        check(lib.emb_solver_parse(solver.encode(), kind))
        opts.solver.kind = kind[0]
        opts.per_sector = 1 if per_sector else 0
        opts.eebt = 1 if eebt else 0
        opts.tcba = 1 if tcba else 0
        call = _Call(max_memory, threads, _interrupt)
        opts.ctx = call.ctx
        out = ffi.new("emb_accounts **")
        call.run(lambda ctx: lib.emb_accounts_compute(self._t, opts, out))
        return Accounts(self, ffi.gc(out[0], lib.emb_accounts_free))

    def _array(self, field):
        nr, nc = ffi.new("size_t *"), ffi.new("size_t *")
        p = lib.emb_table_array(self._t, field, nr, nc)
        if p == ffi.NULL:
            return None
        n = nr[0] * max(nc[0], 1)
        a = np.frombuffer(ffi.buffer(p, n * 8), dtype=np.float64).copy()
        return a.reshape(nr[0], nc[0]) if nc[0] > 1 or field != 3 else a

    def to_pymrio(self, extension="emissions", standin=False):
        """The table as a pymrio IOSystem (Z, Y, x, unit and one extension with F,
        F_Y, unit); standin=True returns the same attributes on a SimpleNamespace
        (for use without pymrio)."""
        regions, sectors, cats = self.regions, self.sectors, self.fd_categories
        N = len(regions) * len(sectors)
        T = np.empty((N, N))
        check(lib.emb_table_tech_rows(self._t, 0, N, ffi.cast("double *", T.ctypes.data)))
        Y, F, FY, x = (self._array(f) for f in range(4))
        if lib.emb_table_tech_kind(self._t) == lib.EMB_TECH_A:
            T = T * x[np.newaxis, :]  # Z = A diag(x)
        rs = pd.MultiIndex.from_product([regions, sectors], names=["region", "sector"])
        rc = pd.MultiIndex.from_product([regions, cats], names=["region", "category"])
        st = pd.Index(self.stressors, name="stressor")
        Z = pd.DataFrame(T, index=rs, columns=rs)
        Yd = pd.DataFrame(Y.reshape(N, -1), index=rs, columns=rc)
        xs = pd.DataFrame({"indout": x if x is not None else Z.sum(axis=1) + Yd.sum(axis=1)},
                          index=rs)
        unit = pd.DataFrame({"unit": [""] * N}, index=rs)
        Fd = pd.DataFrame(F.reshape(len(st), N), index=st, columns=rs)
        FYd = pd.DataFrame(FY.reshape(len(st), -1), index=st, columns=rc)
        eunit = pd.DataFrame({"unit": self.units}, index=st)
        if standin:
            import types
            io = types.SimpleNamespace(Z=Z, Y=Yd, x=xs, unit=unit)
            setattr(io, extension, types.SimpleNamespace(F=Fd, F_Y=FYd, unit=eunit))
            return io
        import pymrio
        io = pymrio.IOSystem(Z=Z, Y=Yd, x=xs, unit=unit)
        setattr(io, extension, pymrio.Extension(name=extension, F=Fd, F_Y=FYd, unit=eunit))
        return io

    def flows(self, origin, destination, stressor=None, **kw):
        """Emissions released in `origin` for the final demand of `destination` (regions or groups)."""
        return self.accounts(**kw).flow(origin, destination, stressor)


class Accounts:
    """Results of Table.accounts() as pandas objects labelled like pymrio's."""

    # emb_accounts_field values (embodied/accounts.h)
    _F = dict(pba=0, cba=1, imports=2, exports=3, unallocated=4, fy=5, flows=6, M=7, x=8,
              D_cba=9, D_pba=10, D_imp=11, D_exp=12, g_pba=14, g_cba=15, g_imports=16,
              g_exports=17, g_unallocated=18, m_dom=19, eebt_flows=20, eebt_cba=22,
              eebt_imports=23, eebt_exports=24, tcba=28)

    def __init__(self, table, acc):
        self.table = table
        self._a = acc
        self.regions = table.regions
        self.sectors = table.sectors
        self.stressors = table.stressors
        self.group_names = table.groups
        self.residual_solve = lib.emb_accounts_residual_solve(acc)
        self.residual_tsolve = lib.emb_accounts_residual_tsolve(acc)
        self.identity_error = lib.emb_accounts_identity_error(acc)
        self.solver = ffi.string(lib.emb_accounts_solver_name(acc)).decode()

    def _raw(self, name):
        n = ffi.new("size_t *")
        p = lib.emb_accounts_array(self._a, self._F[name], n)
        if p == ffi.NULL:
            return None
        # a view on the library's memory, copied so it outlives the accounts
        return np.frombuffer(ffi.buffer(p, n[0] * 8), dtype=np.float64).copy()

    def _sr(self, name, cols):
        v = self._raw(name)
        if v is None:
            return None
        idx = pd.Index(self.stressors, name="stressor")
        return pd.DataFrame(v.reshape(len(self.stressors), len(cols)), index=idx, columns=cols)

    def _regions(self):
        return pd.Index(self.regions, name="region")

    def _rs(self):
        return pd.MultiIndex.from_product([self.regions, self.sectors], names=["region", "sector"])

    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)
        if name in ("pba", "cba", "imports", "exports", "unallocated", "fy", "eebt_cba",
                    "eebt_imports", "eebt_exports", "tcba"):
            df = self._sr(name, self._regions())
        elif name in ("M", "D_cba", "D_pba", "D_imp", "D_exp", "m_dom"):
            df = self._sr(name, self._rs())
        elif name == "x":
            df = pd.Series(self._raw("x"), index=self._rs(), name="indout")
        elif name in ("flows", "eebt_flows"):
            v = self._raw(name)
            if v is None:
                df = None
            else:
                mi = pd.MultiIndex.from_product([self.regions, self.regions],
                                                names=["origin", "destination"])
                df = pd.DataFrame(v.reshape(len(self.stressors), -1).T, index=mi,
                                  columns=pd.Index(self.stressors, name="stressor"))
        elif name.startswith("groups_"):
            df = self._sr("g_" + name[7:], pd.Index(self.group_names, name="group"))
        else:
            raise AttributeError(name)
        if df is None:
            raise AttributeError(f"{name}: not computed (see the options of Table.accounts)")
        self.__dict__[name] = df
        return df

    def flow(self, origin, destination, stressor=None):
        """Series by stressor (or one value) of emissions from origin for destination's demand."""
        val = ffi.new("double *")
        out = {}
        for s, name in enumerate(self.stressors):
            check(lib.emb_accounts_flow(self._a, self.table._t, s, origin.encode(),
                                        destination.encode(), val))
            out[name] = val[0]
        ser = pd.Series(out, name=f"{origin}->{destination}")
        return ser if stressor is None else ser[stressor]

    def to_xarray(self):
        import xarray as xr
        ds = xr.Dataset()
        for n in ("pba", "cba", "imports", "exports", "unallocated"):
            ds[n] = xr.DataArray(getattr(self, n).values, dims=("stressor", "region"),
                                 coords={"stressor": self.stressors, "region": self.regions})
        f = self._raw("flows").reshape(len(self.stressors), len(self.regions), len(self.regions))
        ds["flows"] = xr.DataArray(f, dims=("stressor", "origin", "destination"),
                                   coords={"stressor": self.stressors, "origin": self.regions,
                                           "destination": self.regions})
        return ds


def read(path, max_memory=None, threads=None):
    """Table read from an embodied-mrio HDF5 file (emb_table_read_h5_ctx)."""
    out = ffi.new("emb_table **")
    call = _Call(max_memory, threads)
    p = str(path).encode()
    call.run(lambda ctx: lib.emb_table_read_h5_ctx(p, 0, ctx, out))
    return Table(out[0])


def from_arrays(Z=None, Y=None, F=None, F_Y=None, regions=None, sectors=None, fd_categories=None,
                stressors=None, units=None, A=None, x=None):
    """Table from arrays: Z (or A with x) [N][N], Y [N][n_r n_f], F [k][N], F_Y [k][n_r n_f]."""
    if (Z is None) == (A is None):
        raise EmbodiedUsageError("from_arrays: give exactly one of Z and A")
    n_r, n_s, n_f, k = len(regions), len(sectors), len(fd_categories), len(stressors)
    N, ny = n_r * n_s, n_r * n_f
    T = _c_array(Z if Z is not None else A, (N, N), "Z" if Z is not None else "A")
    Ya = _c_array(Y, (N, ny), "Y")
    Fa = _c_array(F, (k, N), "F")
    FYa = _c_array(F_Y if F_Y is not None else np.zeros((k, ny)), (k, ny), "F_Y")
    xa = _c_array(x, (N,), "x") if x is not None else None
    units = units if units is not None else [""] * k
    strs = [_strings(v) for v in (regions, sectors, fd_categories, stressors, units)]
    ptr = lambda a: ffi.NULL if a is None else ffi.cast("const double *", a.ctypes.data)
    out = ffi.new("emb_table **")
    check(lib.emb_table_from_arrays(n_r, n_s, n_f, k, lib.EMB_TECH_Z if Z is not None else lib.EMB_TECH_A,
                                    ptr(T), ptr(xa), ptr(Ya), ptr(Fa), ptr(FYa),
                                    *[s[0] for s in strs], out))
    return Table(out[0])


def _uniq(seq):
    return list(dict.fromkeys(seq))


def from_pymrio(io, extension):
    """Table from a pymrio IOSystem (or any object with its pandas attributes) and one extension."""
    ext = getattr(io, extension)
    regions = _uniq(io.Z.index.get_level_values(0))
    sectors = _uniq(io.Z.index.get_level_values(1))
    cats = _uniq(io.Y.columns.get_level_values(1))
    F = ext.F
    stressors = ["/".join(map(str, i)) if isinstance(i, tuple) else str(i) for i in F.index]
    unit = ext.unit.iloc[:, 0].tolist() if hasattr(ext, "unit") and ext.unit is not None else None
    FY = getattr(ext, "F_Y", None)
    return from_arrays(Z=io.Z.values, Y=io.Y.values, F=F.values,
                       F_Y=None if FY is None else FY.values, regions=regions, sectors=sectors,
                       fd_categories=cats, stressors=stressors, units=unit)
