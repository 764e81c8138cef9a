#!/usr/bin/env python3
"""bench_python.py — overhead of the Python package over the C library at N = 4,900.

C: the library's own 'total' seconds of emb_accounts_compute as the CLI reports
them (embodied accounts FILE -q, stderr).  Python: wall clock of
Table.accounts() plus reading acc.cba (context, worker thread, DataFrame).
Same synthetic table (embodied synth -r 49 --sectors 100), same solver, best of R runs.
Usage: EMBODIED_LIBRARY=build/libembodied.so.0 PYTHONPATH=src/python \\
       /usr/bin/python3 benchmarks/bench_python.py build/embodied [REPEATS] [SOLVER]"""
import os
import re
import subprocess
import sys
import tempfile
import time

import embodied as emb


def main():
    cli = sys.argv[1]
    reps = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    solver = sys.argv[3] if len(sys.argv) > 3 else "auto"
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "t.h5")
        subprocess.run([cli, "synth", "-r", "49", "--sectors", "100", "-o", path], check=True,
                       capture_output=True)
        c = []
        for _ in range(reps):
            r = subprocess.run([cli, "accounts", path, "-q", "--solver", solver], check=True,
                               capture_output=True, text=True)
            c.append(float(re.search(r"\(total ([0-9.]+) s\)", r.stderr).group(1)))
        t = emb.read(path)
        p = []
        for _ in range(reps):
            t0 = time.perf_counter()
            acc = t.accounts(solver=solver)
            acc.cba
            p.append(time.perf_counter() - t0)
    cb, pb = min(c), min(p)
    print(f"N = 4900, solver {solver}, best of {reps}: C library {cb:.3f} s, "
          f"Python {pb:.3f} s, overhead {100 * (pb - cb) / cb:+.1f} %")
    print("C runs:", " ".join(f"{v:.3f}" for v in c), " Python runs:", " ".join(f"{v:.3f}" for v in p))


if __name__ == "__main__":
    main()
