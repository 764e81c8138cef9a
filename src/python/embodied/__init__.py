"""embodied — Python package over libembodied (MRIO embodied-carbon engine).

Tables come from files (read), arrays (from_arrays) or pymrio-like objects
(from_pymrio); Table.accounts() returns pandas objects labelled like pymrio's
(read-only views on the library's arrays, no copies), Table.flows(by=...),
Table.cbam(), Table.spa() and sda() the analyses as DataFrames with the
columns of the CLI's CSV output.
Each long call runs in a worker thread (cffi releases the GIL around C calls)
with its own emb_context: memory limit and threads per call, and Ctrl-C sets
a flag that the context's interruption callback reads, so the library stops
with EMB_EINTERRUPTED and Python raises KeyboardInterrupt."""
import ctypes
import threading

import numpy as np
import pandas as pd

from ._lib import (EmbodiedError, EmbodiedInputError, EmbodiedInternalError, EmbodiedIOError,
                   EmbodiedMemoryError, EmbodiedNumericError, EmbodiedUsageError, check, ffi, lib)

from .results import Results, read_results

__all__ = ["read", "read_results", "Results", "from_arrays", "from_pymrio", "sda", "Table", "Accounts",
           "EmbodiedError",
           "EmbodiedUsageError", "EmbodiedInputError", "EmbodiedNumericError", "EmbodiedIOError",
           "EmbodiedMemoryError", "EmbodiedInternalError"]


# How long the calling thread sleeps between checks that the worker is done.
# Lock waits are interrupted by signals on POSIX (Python >= 3.2), so Ctrl-C is
# seen at once whatever this is; a short interval (it was 50 ms) only wakes
# the calling thread, which on a machine whose cores all run BLAS threads
# preempts one of them and slows the parallel factorisation (measured: +4.5 %
# at N = 4,900 on 2 cores, benchmarks/bench_python.py).
_WAIT = 5.0


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
                if done.wait(_WAIT):
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


def _view(p, n, owner):
    """Read-only numpy view of n doubles at p, without a copy: the view keeps
    `owner` (the Python object whose finaliser frees p) alive."""
    if n == 0:
        return np.empty(0)
    buf = (ctypes.c_double * n).from_address(int(ffi.cast("uintptr_t", p)))
    buf._owner = owner
    v = np.frombuffer(buf, dtype=np.float64)
    v.flags.writeable = False
    return v


def _str(p):
    return ffi.string(p).decode() if p != ffi.NULL else None


def _solver_opts(so, solver, ctx):
    kind = ffi.new("emb_solver_kind *")
    check(lib.emb_solver_parse(solver.encode(), kind))
    so.kind = kind[0]
    so.ctx = ctx


def _nan_none(v):
    return float("nan") if v is None else v


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

    def _add_groups(self, groups):
        for name, members in (groups or {}).items():
            if name not in self.groups:
                self.add_group(name, members)

    def _stressor(self, stressor):
        """Index of a stressor name (None: the first)."""
        if stressor is None:
            return 0
        i = lib.emb_table_stressor_index(self._t, str(stressor).encode())
        if i < 0:
            raise EmbodiedUsageError(f"stressor '{stressor}': not in the table "
                                     f"({', '.join(self.stressors)})")
        return i

    def _with_solver(self, solver, call, compute):
        """compute(lf) with a solver of the table created under the call's context
        (created and used in the worker thread; freed after)."""
        so = ffi.new("emb_solver_opts *")
        _solver_opts(so, solver, call.ctx)
        lf = ffi.new("emb_leontief **")

        def fn(ctx):
            st = lib.emb_leontief_create(self._t, so, lf)
            if st == 0:
                try:
                    st = compute(lf[0])
                finally:
                    lib.emb_leontief_free(lf[0])
            return st
        call.run(fn)

    def accounts(self, solver="auto", groups=None, per_sector=False, max_memory=None,
                 threads=None, eebt=False, tcba=False, _interrupt=None):
        """acc = accounts of the table (emb_accounts_compute) under a per-call context."""
        self._add_groups(groups)
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

    def flows(self, origin, destination, stressor=None, by=None, solver="auto", groups=None,
              max_memory=None, threads=None, _interrupt=None, **kw):
        """Emissions released in `origin` for the final demand of `destination`
        (regions or groups): a Series by stressor (or one value with `stressor`).
        With by="origin-sector", "final-product" or "both", the drill-down of the
        pair (emb_drilldown_compute): a DataFrame with the columns of
        `embodied flows --by VIEW --csv` (stressor, unit, origin, destination,
        origin_region, origin_sector, product_region, product_sector, value,
        share), rows sorted by |value| within each stressor; df.attrs["flow"]
        holds B[O][D] per stressor."""
        if by is None:
            return self.accounts(solver=solver, groups=groups, max_memory=max_memory,
                                 threads=threads, _interrupt=_interrupt, **kw).flow(
                                     origin, destination, stressor)
        if kw:
            raise EmbodiedUsageError(f"flows(by=...): unexpected options {sorted(kw)}")
        self._add_groups(groups)
        view = ffi.new("int *")
        check(lib.emb_drilldown_parse_by(str(by).encode(), view))
        opts = ffi.new("emb_drilldown_opts *")
        opts.by = view[0]
        call = _Call(max_memory, threads, _interrupt)
        opts.ctx = call.ctx
        out = ffi.new("emb_drilldown **")
        o, d = str(origin).encode(), str(destination).encode()
        self._with_solver(solver, call, lambda lf: lib.emb_drilldown_compute(self._t, lf, o, d, opts, out))
        dd = ffi.gc(out[0], lib.emb_drilldown_free)
        regions, sectors, units = self.regions, self.sectors, self.units
        sel = range(len(self.stressors)) if stressor is None else [self._stressor(stressor)]
        rows, flow = [], {}
        row = ffi.new("emb_drilldown_row *")
        lab = lambda i, names: names[i] if i >= 0 else None
        for s in sel:
            name = self.stressors[s]
            B = lib.emb_drilldown_flow(dd, s)
            flow[name] = B
            for i in range(lib.emb_drilldown_n_rows(dd, s)):
                check(lib.emb_drilldown_row_get(dd, s, i, row))
                rows.append((name, units[s], str(origin), str(destination),
                             lab(row.origin_region, regions), lab(row.origin_sector, sectors),
                             lab(row.product_region, regions), lab(row.product_sector, sectors),
                             row.value, row.value / B if B != 0 else float("nan")))
        df = pd.DataFrame(rows, columns=["stressor", "unit", "origin", "destination", "origin_region",
                                         "origin_sector", "product_region", "product_sector", "value",
                                         "share"])
        df.attrs["flow"] = flow
        return df

    def cbam(self, importer, concordance, stressor=None, price=80.0, exporter_prices=None,
             currency_per_unit=0.0, solver="auto", groups=None, max_memory=None, threads=None,
             _interrupt=None):
        """CBAM exposure of every exporter outside `importer` (emb_cbam_compute):
        a DataFrame with the columns of `embodied cbam --csv` except money_unit
        (exporter, cbam_group, import_value, basis, emissions_t, price,
        exporter_price, cost_eur, cost_share; "all" for totals, NaN for empty
        cells), rows in the library's order.  concordance: path of a CSV
        sector,cbam_group,share; exporter_prices: {region or group: EUR/t}."""
        self._add_groups(groups)
        out_c = ffi.new("emb_cbam_concordance **")
        check(lib.emb_cbam_concordance_read(str(concordance).encode(), self._t, out_c))
        conc = ffi.gc(out_c[0], lib.emb_cbam_concordance_free)
        opts = ffi.new("emb_cbam_opts *")
        keep = [ffi.new("char[]", str(importer).encode())]
        opts.importer = keep[0]
        if stressor is not None:
            keep.append(ffi.new("char[]", str(stressor).encode()))
            opts.stressor = keep[-1]
        opts.price = float(price)
        ep = list((exporter_prices or {}).items())
        if ep:
            arr = ffi.new("emb_cbam_price[]", len(ep))
            for i, (r, p) in enumerate(ep):
                keep.append(ffi.new("char[]", str(r).encode()))
                arr[i].region = keep[-1]
                arr[i].eur_per_t = float(p)
            keep.append(arr)
            opts.exporter_prices = arr
            opts.n_exporter_prices = len(ep)
        opts.currency_per_unit = float(currency_per_unit)
        call = _Call(max_memory, threads, _interrupt)
        opts.ctx = call.ctx
        out = ffi.new("emb_cbam **")
        self._with_solver(solver, call, lambda lf: lib.emb_cbam_compute(self._t, lf, conc, opts, out))
        res = ffi.gc(out[0], lib.emb_cbam_free)
        regions = self.regions
        row = ffi.new("emb_cbam_row *")
        rows = []
        for i in range(lib.emb_cbam_n_rows(res)):
            check(lib.emb_cbam_row_get(res, i, row))
            rows.append((regions[row.exporter] if row.exporter >= 0 else "all",
                         _str(lib.emb_cbam_group_name(row.group)) if row.group >= 0 else "all",
                         row.import_value, _str(lib.emb_cbam_basis_name(row.basis)), row.emissions_t,
                         row.price, row.exporter_price, row.cost_eur, row.cost_share))
        return pd.DataFrame(rows, columns=["exporter", "cbam_group", "import_value", "basis",
                                           "emissions_t", "price", "exporter_price", "cost_eur",
                                           "cost_share"])

    def spa(self, to, from_=None, stressor=None, top=0, max_order=0, threshold=0.0,
            solver="auto", groups=None, max_memory=None, threads=None, _interrupt=None):
        """Structural path analysis (emb_spa_compute): the `top` largest paths
        carrying `stressor` into the final demand of `to` (emitted in `from_`
        when given).  A DataFrame indexed by rank (1..) with the columns of
        `embodied spa --csv` (value, share, order, path: "REGION:sector > ... >
        final demand of D") and nodes, the path as (region, sector) pairs from
        the final producer j0 to the emitting industry; df.attrs holds the
        summary (total, sum_top, coverage, paths_above, nodes_visited, ...).
        Zeros take the library's defaults (top 100, max_order 20, threshold 1e-5)."""
        self._add_groups(groups)
        opts = ffi.new("emb_spa_opts *")
        keep = [ffi.new("char[]", str(to).encode())]
        opts.to = keep[0]
        if from_ is not None:
            keep.append(ffi.new("char[]", str(from_).encode()))
            opts.__setattr__("from", keep[-1])
        opts.stressor = self._stressor(stressor)
        opts.top, opts.max_order, opts.threshold = int(top), int(max_order), float(threshold)
        call = _Call(max_memory, threads, _interrupt)
        _solver_opts(opts.solver, solver, call.ctx)
        opts.ctx = call.ctx
        out = ffi.new("emb_spa_result **")
        call.run(lambda ctx: lib.emb_spa_compute(self._t, opts, out))
        r = ffi.gc(out[0], lib.emb_spa_free)
        regions, sectors = self.regions, self.sectors
        ns = len(sectors)
        to_name = ffi.string(r.to_name).decode()
        rows = []
        for p in range(r.n_paths):
            nodes = [(regions[r.nodes[q] // ns], sectors[r.nodes[q] % ns])
                     for q in range(r.path_start[p], r.path_start[p + 1])]
            path = " > ".join(f"{a}:{b}" for a, b in reversed(nodes)) + " > final demand of " + to_name
            rows.append((p + 1, r.value[p], r.value[p] / r.total if r.total != 0 else 0.0,
                         r.order[p], path, nodes))
        df = pd.DataFrame(rows, columns=["rank", "value", "share", "order", "path", "nodes"]).set_index("rank")
        df.attrs.update(stressor=self.stressors[r.stressor], unit=self.units[r.stressor], to=to_name,
                        from_=_str(r.from_name) if r.from_name != ffi.NULL else None, top=r.top,
                        threshold=r.threshold, max_order=r.max_order, total=r.total,
                        sum_top=r.sum_top, coverage=r.coverage, paths_above=r.n_above,
                        nodes_visited=r.nodes_visited, residual_solve=r.residual_solve,
                        residual_tsolve=r.residual_tsolve)
        return df


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
        # the run's data facts, one per line, as the CLI prints them (emb_accounts_warnings)
        n = lib.emb_accounts_warnings(acc, table._t, ffi.NULL, 0)
        buf = ffi.new("char[]", n + 1)
        lib.emb_accounts_warnings(acc, table._t, buf, n + 1)
        self.warnings = ffi.string(buf).decode("utf-8", "replace").splitlines()

    def _raw(self, name):
        n = ffi.new("size_t *")
        p = lib.emb_accounts_array(self._a, self._F[name], n)
        if p == ffi.NULL:
            return None
        # a read-only view on the library's memory (no copy); it keeps the emb_accounts alive
        return _view(p, n[0], self._a)  # the emb_accounts handle, not self: no reference cycle

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


_SDA_FIELDS = ["cba0", "cba1", "delta", "intensity", "technology", "fd_structure", "fd_level",
               "household_direct", "residual"]


def sda(t0, t1, deflate1=0.0, residual_tol=0.0, solver="auto", max_memory=None, threads=None,
        _interrupt=None):
    """Structural decomposition of CBA(t1) - CBA(t0) (emb_sda_compute): a
    DataFrame with the columns of `embodied sda --csv` (stressor, unit, region,
    year0, year1, cba0, cba1, delta, intensity, technology, fd_structure,
    fd_level, household_direct, residual); rows per stressor: regions, groups
    of t0, then World; a year the tables do not give is None.
    df.attrs["worst_residual"] is the largest relative residual."""
    opts = ffi.new("emb_sda_opts *")
    opts.deflate1, opts.residual_tol = float(deflate1), float(residual_tol)
    call = _Call(max_memory, threads, _interrupt)
    _solver_opts(opts.solver, solver, call.ctx)
    opts.ctx = call.ctx
    out = ffi.new("emb_sda **")
    call.run(lambda ctx: lib.emb_sda_compute(t0._t, t1._t, opts, out))
    r = ffi.gc(out[0], lib.emb_sda_free)
    y0, y1 = lib.emb_sda_year(r, 0) or None, lib.emb_sda_year(r, 1) or None
    rows = []
    for s in range(lib.emb_sda_n_stressors(r)):
        sn, su = _str(lib.emb_sda_stressor(r, s)), _str(lib.emb_sda_stressor_unit(r, s))
        for i in range(lib.emb_sda_n_rows(r)):
            rows.append([sn, su, _str(lib.emb_sda_row_name(r, i)), y0, y1] +
                        [lib.emb_sda_value(r, s, i, f) for f in range(len(_SDA_FIELDS))])
    df = pd.DataFrame(rows, columns=["stressor", "unit", "region", "year0", "year1"] + _SDA_FIELDS)
    df.attrs["worst_residual"] = lib.emb_sda_worst_residual(r)
    return df


def _uniq(seq):
    return list(dict.fromkeys(seq))


def from_pymrio(io, extension):
    """Table from a pymrio IOSystem (or any object with its pandas attributes) and one
    extension: Z when the system has it, else A with x (a system pymrio calculated
    from coefficients, or one that dropped Z)."""
    ext = getattr(io, extension)
    Z = getattr(io, "Z", None)
    if Z is None:
        A, x = getattr(io, "A", None), getattr(io, "x", None)
        if A is None or x is None:
            raise EmbodiedUsageError("from_pymrio: the system has neither Z nor both A and x")
        T = A
        xv = np.asarray(x.values if hasattr(x, "values") else x, dtype=np.float64).reshape(-1)
    else:
        T, xv = Z, None
    regions = _uniq(T.index.get_level_values(0))
    sectors = _uniq(T.index.get_level_values(1))
    cats = _uniq(io.Y.columns.get_level_values(1))
    F = ext.F
    stressors = ["/".join(map(str, i)) if isinstance(i, tuple) else str(i) for i in F.index]
    unit = ext.unit.iloc[:, 0].tolist() if hasattr(ext, "unit") and ext.unit is not None else None
    FY = getattr(ext, "F_Y", None)
    tech = dict(Z=T.values) if xv is None else dict(A=T.values, x=xv)
    return from_arrays(**tech, Y=io.Y.values, F=F.values,
                       F_Y=None if FY is None else FY.values, regions=regions, sectors=sectors,
                       fd_categories=cats, stressors=stressors, units=unit)
