#!/usr/bin/env python3
"""bench_python.py — overhead of the Python package over the C library at N = 4,900.

On one synthetic table (embodied synth -r 49 --sectors 100, N = 4,900), same solver:
  C       the library's own seconds for emb_accounts_compute as a C program
          reports them (embodied accounts FILE -q: "(total X s)" on stderr);
  Python  wall clock of Table.accounts() plus reading acc.cba (context, worker
          thread, DataFrame): what a user's call costs;
  bare    wall clock of the same emb_accounts_compute called through cffi with
          no wrapper (no context, thread or pandas), in this process: the C
          call seen from Python, without the package's work.
Runs alternate A B B A (C, Python, Python, C, ...; bare beside each Python run,
before or after it in turn)
so that a drift of the machine falls on both sides; medians are compared.
Hold the quiet-machine lock while it runs (README "Performance").
Usage: EMBODIED_LIBRARY=build/libembodied.so.0 PYTHONPATH=src/python \\
       /usr/bin/python3 benchmarks/bench_python.py build/embodied [PAIRS] [SOLVER]
Then the package's fixed cost per call: the median of 200 alternating Python
and bare calls on a small table (N = 50), as a share of the C call at N = 4,900.
One line per run: `kind seconds`; then the medians and the overhead."""
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time

# the same BLAS threads for the CLI and this process (read when the library loads)
os.environ.setdefault("OPENBLAS_NUM_THREADS", str(os.cpu_count() or 1))

import embodied as emb  # noqa: E402
from embodied._lib import check, ffi, lib  # noqa: E402


def c_run(cli, path, solver):
    r = subprocess.run([cli, "accounts", path, "-q", "--solver", solver], check=True,
                       capture_output=True, text=True)
    return float(re.search(r"\(total ([0-9.]+) s\)", r.stderr).group(1))


def py_run(t, solver):
    t0 = time.perf_counter()
    acc = t.accounts(solver=solver)
    acc.cba
    return time.perf_counter() - t0


def bare_run(t, solver):
    opts = ffi.new("emb_accounts_opts *")
    kind = ffi.new("emb_solver_kind *")
    check(lib.emb_solver_parse(solver.encode(), kind))
    opts.solver.kind = kind[0]
    out = ffi.new("emb_accounts **")
    t0 = time.perf_counter()
    check(lib.emb_accounts_compute(t._t, opts, out))
    dt = time.perf_counter() - t0
    lib.emb_accounts_free(out[0])
    return dt


def main():
    cli = sys.argv[1]
    pairs = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    solver = sys.argv[3] if len(sys.argv) > 3 else "auto"
    c, p, b = [], [], []
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "t.h5")
        subprocess.run([cli, "synth", "-r", "49", "--sectors", "100", "-o", path], check=True,
                       capture_output=True)
        t = emb.read(path)
        py_run(t, solver)  # warm-up: page cache, BLAS threads, first-call costs on both sides
        c_run(cli, path, solver)
        for i in range(2 * pairs):
            order = ("C", "P") if i % 2 == 0 else ("P", "C")  # A B, B A, ...
            for k in order:
                if k == "C":
                    c.append(c_run(cli, path, solver))
                    print(f"C {c[-1]:.3f}", flush=True)
                elif i % 2 == 0:
                    p.append(py_run(t, solver))
                    b.append(bare_run(t, solver))
                    print(f"Python {p[-1]:.3f}\nbare {b[-1]:.3f}", flush=True)
                else:
                    b.append(bare_run(t, solver))
                    p.append(py_run(t, solver))
                    print(f"bare {b[-1]:.3f}\nPython {p[-1]:.3f}", flush=True)
        # The package's fixed cost per call (context, worker thread, pandas), from
        # many alternating calls on a small table where the solve costs little.
        small = os.path.join(d, "small.h5")
        subprocess.run([cli, "synth", "-r", "5", "--sectors", "10", "-o", small], check=True,
                       capture_output=True)
        ts = emb.read(small)
        fp, fb = [], []
        for i in range(200):
            if i % 2 == 0:
                fp.append(py_run(ts, solver))
                fb.append(bare_run(ts, solver))
            else:
                fb.append(bare_run(ts, solver))
                fp.append(py_run(ts, solver))
    cm, pm, bm = (statistics.median(v) for v in (c, p, b))
    # ABBA: the C and Python runs of each block ran next to each other, so their
    # ratio cancels a drift of the machine between blocks
    paired = statistics.median(pi / ci for pi, ci in zip(p, c))
    fixed = statistics.median(fp) - statistics.median(fb)
    print(f"fixed cost of the package per call (N = 50, 200 alternating calls): "
          f"{1e3 * fixed:.2f} ms (Python {1e3 * statistics.median(fp):.2f} ms, bare "
          f"{1e3 * statistics.median(fb):.2f} ms) = {100 * fixed / cm:.2f} % of the C call at N = 4900")
    print(f"N = 4900, solver {solver}, OPENBLAS_NUM_THREADS={os.environ['OPENBLAS_NUM_THREADS']}, "
          f"{len(c)} runs each (ABBA), medians: C library {cm:.3f} s, Python {pm:.3f} s "
          f"(overhead {100 * (pm - cm) / cm:+.1f} %), bare cffi call {bm:.3f} s "
          f"(Python over bare {100 * (pm - bm) / bm:+.1f} %); median of the paired ratios "
          f"Python / C {100 * (paired - 1):+.1f} %")


if __name__ == "__main__":
    main()
