#!/usr/bin/env python3
"""Build datasets/demo.h5, the small ILLUSTRATIVE MRIO shipped with embodied.

NOT DATA FOR CITATION: round magnitudes chosen so that the well-known stories
of embodied-carbon accounting show up (datasets/DEMO.md).  Money in M.USD,
CO2 in kt.  Z = A diag(x) with x = (I - A)^-1 (Y 1), where
  A[(o,i),(d,j)] = TECH[i][j] * TECH_SCALE[d] * share(i, o, d)
  Y[(o,i),(d,c)] = demand of region d, category c, for product i * share(i, o, d)
and share(i, o, d) is the part of region d's use of product i that comes from
region o.  F and F_Y are given in kt.  The tables are written in the pymrio
text layout and imported with `embodied import pymrio`.  Standard library only.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

# ----------------------------------------------------------------------------
# Assumptions (edit here)
# ----------------------------------------------------------------------------
REGIONS = ["CN", "MN", "EU27", "US", "RU", "RoW"]
SECTORS = ["agriculture", "coal mining", "oil and gas", "electricity", "metals",
           "non-metallic minerals", "other manufacturing", "transport", "services"]
# "oil and gas" includes refined fuels; "metals" includes metal ores (e.g. MN
# copper concentrate); "services" includes construction.
CATEGORIES = ["households", "government", "investment", "inventory changes"]
MONEY_UNIT = "M.USD"      # million US dollars
CO2_UNIT = "kt"

# Input coefficients: USD of product i (row, all origins together) per USD of
# output of sector j (column).  Column sums 0.40 .. 0.70.
#          agri  coal  o&g   elec  metal nmm   manuf trans serv
TECH = [
    [0.12, 0.00, 0.00, 0.00, 0.00, 0.00, 0.06, 0.00, 0.01],  # agriculture
    [0.00, 0.05, 0.00, 0.25, 0.06, 0.08, 0.00, 0.00, 0.00],  # coal mining
    [0.01, 0.03, 0.08, 0.12, 0.04, 0.05, 0.03, 0.12, 0.01],  # oil and gas
    [0.02, 0.08, 0.03, 0.05, 0.07, 0.08, 0.03, 0.02, 0.03],  # electricity
    [0.01, 0.04, 0.03, 0.01, 0.30, 0.02, 0.12, 0.01, 0.01],  # metals
    [0.01, 0.01, 0.01, 0.00, 0.02, 0.08, 0.02, 0.00, 0.03],  # non-met. minerals
    [0.12, 0.10, 0.08, 0.06, 0.08, 0.08, 0.25, 0.10, 0.08],  # other manuf.
    [0.03, 0.08, 0.04, 0.04, 0.05, 0.06, 0.04, 0.10, 0.03],  # transport
    [0.10, 0.10, 0.15, 0.10, 0.08, 0.10, 0.12, 0.15, 0.20],  # services
]
# Regional exceptions to TECH: region -> {(input, buying sector): coefficient}.
# Fuel mix of power (coal in CN/MN, gas in RU); Mongolian mines and copper
# concentrators run on Mongolian coal power, and MN coal is trucked to China.
TECH_OVERRIDE = {
    "CN":   {("coal mining", "electricity"): 0.30, ("oil and gas", "electricity"): 0.03},
    "MN":   {("coal mining", "electricity"): 0.35, ("oil and gas", "electricity"): 0.02,
             ("electricity", "coal mining"): 0.15, ("electricity", "metals"): 0.15,
             ("transport", "coal mining"): 0.20},
    "EU27": {("coal mining", "electricity"): 0.06, ("oil and gas", "electricity"): 0.10},
    "US":   {("coal mining", "electricity"): 0.07, ("oil and gas", "electricity"): 0.10},
    "RU":   {("coal mining", "electricity"): 0.05, ("oil and gas", "electricity"): 0.20},
    "RoW":  {("coal mining", "electricity"): 0.15, ("oil and gas", "electricity"): 0.12},
}
# Multiplier on all coefficients of a region (China's economy is more
# intermediate-intensive).
TECH_SCALE = {"CN": 1.15, "MN": 1.0, "EU27": 0.95, "US": 0.9, "RU": 1.0, "RoW": 1.0}

# Fraction of a region's use of each product that is imported.
#          agri  coal  o&g   elec  metal nmm   manuf trans serv
IMPORT_SHARE = {
    "CN":   [0.06, 0.07, 0.30, 0.00, 0.04, 0.01, 0.06, 0.02, 0.02],
    "MN":   [0.20, 0.02, 0.90, 0.15, 0.40, 0.30, 0.80, 0.10, 0.05],
    "EU27": [0.08, 0.60, 0.60, 0.01, 0.08, 0.03, 0.11, 0.04, 0.02],
    "US":   [0.05, 0.05, 0.10, 0.01, 0.06, 0.03, 0.12, 0.03, 0.02],
    "RU":   [0.15, 0.05, 0.02, 0.01, 0.08, 0.05, 0.35, 0.05, 0.03],
    "RoW":  [0.05, 0.05, 0.10, 0.00, 0.06, 0.02, 0.13, 0.04, 0.03],
}
# How imports not pinned below are split among the exporting regions
# (relative weights; the importer itself is left out).
#          agri  coal  o&g   elec  metal nmm   manuf trans serv
EXPORT_WEIGHT = {
    "CN":   [0.5,  0.2,  0.3,  0.1,  5.0,  3.0,  10.0, 1.0,  1.0],
    "MN":   [0.01, 0.01, 0.01, 0.01, 0.01, 0.01, 0.01, 0.01, 0.01],
    "EU27": [2.0,  0.1,  0.5,  1.0,  2.0,  1.5,  5.0,  2.0,  4.0],
    "US":   [2.0,  1.0,  2.0,  0.3,  0.8,  0.5,  2.5,  1.0,  3.0],
    "RU":   [0.5,  1.0,  1.0,  0.3,  0.5,  0.3,  0.3,  0.5,  0.3],
    "RoW":  [4.0,  5.0,  8.0,  1.0,  2.0,  2.0,  4.0,  2.0,  3.0],
}
# Pinned bilateral trade: (product, origin, destination) -> fraction of the
# destination's use of that product supplied by the origin.
PINNED = {
    ("coal mining", "MN", "CN"): 0.010,         # Mongolian coking/thermal coal
    ("metals", "MN", "CN"): 0.001,              # Mongolian copper concentrate
    ("oil and gas", "RU", "EU27"): 0.20,        # pipeline gas and crude
    ("oil and gas", "RU", "CN"): 0.08,
    ("oil and gas", "RU", "MN"): 0.70,          # MN's fuel comes from Russia
    ("oil and gas", "RU", "US"): 0.0,           # none (a pinned zero)
    ("other manufacturing", "CN", "MN"): 0.50,
    ("electricity", "RU", "MN"): 0.10,
}

# Final demand (M.USD per year, ~ GDP) and its split over the categories
# households, government, investment (inventory changes are given below).
FD_TOTAL = {"CN": 17.0e6, "MN": 17.0e3, "EU27": 16.5e6, "US": 25.0e6,
            "RU": 2.2e6, "RoW": 37.0e6}
CAT_SHARE = {"CN": (0.40, 0.16, 0.44), "MN": (0.55, 0.13, 0.32),
             "EU27": (0.54, 0.22, 0.24), "US": (0.68, 0.14, 0.18),
             "RU": (0.53, 0.18, 0.29), "RoW": (0.60, 0.15, 0.25)}
# Product mix of each category (shares, sum 1).
#          agri   coal   o&g    elec   metal  nmm    manuf  trans  serv
FD_MIX = {
    "households": [0.06, 0.002, 0.04, 0.03, 0.00, 0.003, 0.20, 0.045, 0.62],
    "government": [0.01, 0.00, 0.005, 0.01, 0.00, 0.005, 0.05, 0.02, 0.90],
    "investment": [0.00, 0.00, 0.00, 0.00, 0.03, 0.05, 0.32, 0.00, 0.60],
}
# Inventory changes (M.USD); negative = stocks drawn down (valid data).
INVENTORY = {
    "CN":   {"agriculture": 20e3, "coal mining": -15e3, "metals": 60e3,
             "other manufacturing": 120e3},
    "MN":   {"coal mining": -300.0, "metals": 150.0},
    "EU27": {"agriculture": -5e3, "oil and gas": -25e3, "other manufacturing": 40e3},
    "US":   {"oil and gas": -10e3, "other manufacturing": 50e3},
    "RU":   {"oil and gas": 15e3, "metals": -4e3},
    "RoW":  {"agriculture": 30e3, "oil and gas": -20e3, "other manufacturing": 80e3},
}

# Industry CO2 (F, kt per year) by region and sector: territorial emissions
# of round magnitude (world ~37 Gt with F_Y; electricity dominant, cement and
# steel large in China).
#          agri    coal    o&g     elec     metal    nmm      manuf   trans    serv
CO2_INDUSTRY = {
    "CN":   [100e3,  150e3,  150e3,  5000e3,  1900e3,  1300e3,  400e3,  300e3,   200e3],
    "MN":   [1.5e3,  24e3,   0.5e3,  15e3,    5e3,     1e3,     1e3,    6e3,     1e3],
    "EU27": [60e3,   10e3,   120e3,  900e3,   250e3,   200e3,   350e3,  400e3,   210e3],
    "US":   [70e3,   20e3,   450e3,  1500e3,  120e3,   110e3,   480e3,  900e3,   450e3],
    "RU":   [20e3,   40e3,   250e3,  700e3,   150e3,   60e3,    90e3,   200e3,   40e3],
    "RoW":  [400e3,  250e3,  1200e3, 6500e3,  1600e3,  1500e3,  1300e3, 2100e3,  690e3],
}
# Household direct CO2 (F_Y, kt: heating, cooking, cars), category households.
CO2_HOUSEHOLDS = {"CN": 500e3, "MN": 5e3, "EU27": 500e3, "US": 900e3,
                  "RU": 150e3, "RoW": 1700e3}

# ----------------------------------------------------------------------------
# Construction
# ----------------------------------------------------------------------------
NR, NS, NC = len(REGIONS), len(SECTORS), len(CATEGORIES)
N = NR * NS
SEC = {s: k for k, s in enumerate(SECTORS)}


def share(i, o, d):
    """Fraction of region d's use of product i (index) supplied by region o."""
    if o == d:
        return 1.0 - IMPORT_SHARE[d][i]
    pinned = {po: v for (ps, po, pd), v in PINNED.items() if SEC[ps] == i and pd == d}
    if o in pinned:
        return pinned[o]
    rest = IMPORT_SHARE[d][i] - sum(pinned.values())
    need(rest >= 0.0, f"pinned imports exceed IMPORT_SHARE for {SECTORS[i]} in {d}")
    others = [r for r in REGIONS if r != d and r not in pinned]
    return rest * EXPORT_WEIGHT[o][i] / sum(EXPORT_WEIGHT[r][i] for r in others)


def coefficients():
    """A (N x N) from TECH, TECH_OVERRIDE, TECH_SCALE and the trade shares."""
    A = [[0.0] * N for _ in range(N)]
    for d, dreg in enumerate(REGIONS):
        tech = [row[:] for row in TECH]
        for (i, j), v in TECH_OVERRIDE.get(dreg, {}).items():
            tech[SEC[i]][SEC[j]] = v
        for o, oreg in enumerate(REGIONS):
            for i in range(NS):
                sh = share(i, oreg, dreg)
                for j in range(NS):
                    A[o * NS + i][d * NS + j] = tech[i][j] * TECH_SCALE[dreg] * sh
    return A


def final_demand():
    """Y (N x NR*NC): each region's demand by category spread over origins."""
    for key, v in list(FD_MIX.items()) + list(CAT_SHARE.items()):
        need(abs(sum(v) - 1.0) < 1e-9, f"shares of {key} must sum to 1")
    Y = [[0.0] * (NR * NC) for _ in range(N)]
    for d, dreg in enumerate(REGIONS):
        for c, cat in enumerate(CATEGORIES):
            if cat == "inventory changes":
                demand = [INVENTORY[dreg].get(s, 0.0) for s in SECTORS]
            else:
                demand = [FD_TOTAL[dreg] * CAT_SHARE[dreg][c] * m for m in FD_MIX[cat]]
            for o, oreg in enumerate(REGIONS):
                for i in range(NS):
                    Y[o * NS + i][d * NC + c] = demand[i] * share(i, oreg, dreg)
    return Y


def solve(M, B):
    """Solve M X = B (M: n x n, B: n x k) by Gauss-Jordan with partial pivoting."""
    n, k = len(M), len(B[0])
    T = [M[r][:] + B[r][:] for r in range(n)]
    for col in range(n):
        p = max(range(col, n), key=lambda r: abs(T[r][col]))
        if abs(T[p][col]) < 1e-14:
            raise ValueError("singular system")
        T[col], T[p] = T[p], T[col]
        piv = T[col][col]
        T[col] = [v / piv for v in T[col]]
        for r in range(n):
            f = T[r][col]
            if r != col and f != 0.0:
                row, prow = T[r], T[col]
                T[r] = [a - f * b for a, b in zip(row, prow)]
    return [row[n:n + k] for row in T]


def need(cond, msg):
    """A check that also holds under python3 -O: stop loudly if cond is false."""
    if not cond:
        sys.exit(f"make_demo: check failed: {msg}")


def build():
    A0 = coefficients()
    Y = final_demand()
    I_A = [[(1.0 if r == c else 0.0) - A0[r][c] for c in range(N)] for r in range(N)]
    x0 = [row[0] for row in solve(I_A, [[sum(Yr)] for Yr in Y])]
    Z = [[A0[r][c] * x0[c] for c in range(N)] for r in range(N)]
    F = [v for reg in REGIONS for v in CO2_INDUSTRY[reg]]
    F_Y = [CO2_HOUSEHOLDS[reg] if cat == "households" else 0.0
           for reg in REGIONS for cat in CATEGORIES]
    return Z, Y, F, F_Y


# ----------------------------------------------------------------------------
# Self-check: recompute everything from Z, Y, F, F_Y as the importer sees them
# ----------------------------------------------------------------------------
def accounts(Z, Y, F, F_Y):
    x = [sum(Z[r]) + sum(Y[r]) for r in range(N)]
    need(all(v > 0.0 for v in x), "x must be positive everywhere")
    A = [[Z[r][c] / x[c] for c in range(N)] for r in range(N)]
    colsum = [sum(A[r][c] for r in range(N)) for c in range(N)]
    need(max(colsum) < 0.9, f"column sum of A too high: {max(colsum)}")
    S = [F[i] / x[i] for i in range(N)]
    Yreg = [[sum(Y[r][d * NC:(d + 1) * NC]) for d in range(NR)] for r in range(N)]
    I_A = [[(1.0 if r == c else 0.0) - A[r][c] for c in range(N)] for r in range(N)]
    X = solve(I_A, Yreg)
    B = [[sum(S[i] * X[i][d] for i in range(o * NS, (o + 1) * NS)) for d in range(NR)]
         for o in range(NR)]
    fy = [sum(F_Y[r * NC:(r + 1) * NC]) for r in range(NR)]
    pba = [sum(F[r * NS:(r + 1) * NS]) + fy[r] for r in range(NR)]
    cba = [sum(B[o][r] for o in range(NR)) + fy[r] for r in range(NR)]
    return x, colsum, B, pba, cba


def check_and_report(Z, Y, F, F_Y):
    x, colsum, B, pba, cba = accounts(Z, Y, F, F_Y)
    R = {r: k for k, r in enumerate(REGIONS)}
    cn, mn, eu, ru = R["CN"], R["MN"], R["EU27"], R["RU"]
    mn_ind = sum(F[mn * NS:(mn + 1) * NS])
    lines = [f"world output {sum(x) / 1e6:.1f} trillion USD, final demand "
             f"{sum(map(sum, Y)) / 1e6:.1f} trillion USD, max column sum of A "
             f"{max(colsum):.3f}, {sum(v < 0 for row in Y for v in row)} negative Y cells",
             f"{'region':<6} {'PBA (kt)':>12} {'CBA (kt)':>12} {'CBA/PBA':>8}"]
    lines += [f"{r:<6} {pba[k]:>12,.0f} {cba[k]:>12,.0f} {cba[k] / pba[k]:>8.3f}"
              for k, r in enumerate(REGIONS)]
    lines += [f"{'world':<6} {sum(pba):>12,.0f} {sum(cba):>12,.0f}",
              f"flow MN->CN   {B[mn][cn]:>12,.0f} kt "
              f"({B[mn][cn] / mn_ind:.0%} of MN industry CO2)",
              f"flow CN->EU27 {B[cn][eu]:>12,.0f} kt"]
    print("\n".join(lines), file=sys.stderr)

    # The stories; a change of assumptions that breaks one fails here.
    def sold(o, sector, d):  # M.USD sold by sector of region o to region d
        k = o * NS + SEC[sector]
        return sum(Z[k][d * NS:(d + 1) * NS]) + sum(Y[k][d * NC:(d + 1) * NC])
    need(cba[eu] > pba[eu], "EU27 must be a net importer of embodied CO2")
    need(cba[cn] < pba[cn], "CN must be a net exporter of embodied CO2")
    need(0.80 <= cba[cn] / pba[cn] <= 0.92, "CN CBA/PBA should be about 0.85-0.90")
    need(B[mn][cn] > 0.5 * mn_ind, "MN->CN must be most of MN's industry CO2")
    need(sold(mn, "coal mining", cn) > 0.5 * x[mn * NS + SEC["coal mining"]],
         "MN coal mining must sell most of its output to CN")
    ru_og = [sold(ru, "oil and gas", d) for d in range(NR) if d != ru]
    need(sold(ru, "oil and gas", eu) + sold(ru, "oil and gas", cn) > 0.5 * sum(ru_og),
         "RU oil and gas exports must go mostly to EU27 and CN")
    for s in ("metals", "other manufacturing"):
        for d in (eu, R["US"]):
            need(sold(cn, s, d) > 0.01 * x[cn * NS + SEC[s]],
                 f"CN must export {s} to {REGIONS[d]}")
    need(any(v < 0 for row in Y for v in row), "expected negative inventory changes")


# ----------------------------------------------------------------------------
# Output: pymrio text layout
# ----------------------------------------------------------------------------
def write_table(path, col_labels, row_index, rows):
    """col_labels: list of (name, labels); row_index: (names, label tuples)."""
    names, labels = row_index
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        for name, lab in col_labels:
            f.write(name + "\t" * len(names) + "\t".join(lab) + "\n")
        f.write("\t".join(names) + "\t" * len(rows[0]) + "\n")
        for lab, row in zip(labels, rows):
            f.write("\t".join(lab) + "\t" + "\t".join(repr(float(v)) for v in row) + "\n")


def write_json(path, obj):
    with open(path, "w", encoding="utf-8") as f:
        json.dump(obj, f, indent=4)
        f.write("\n")


def write_text(outdir, Z, Y, F, F_Y):
    os.makedirs(os.path.join(outdir, "co2"), exist_ok=True)
    sec_cols = [("region", [r for r in REGIONS for _ in SECTORS]),
                ("sector", [s for _ in REGIONS for s in SECTORS])]
    cat_cols = [("region", [r for r in REGIONS for _ in CATEGORIES]),
                ("category", [c for _ in REGIONS for c in CATEGORIES])]
    rs = (["region", "sector"], [(r, s) for r in REGIONS for s in SECTORS])
    co2 = (["stressor", "compartment"], [("CO2", "air")])
    write_table(os.path.join(outdir, "Z.txt"), sec_cols, rs, Z)
    write_table(os.path.join(outdir, "Y.txt"), cat_cols, rs, Y)
    write_table(os.path.join(outdir, "co2", "F.txt"), sec_cols, co2, [F])
    write_table(os.path.join(outdir, "co2", "F_Y.txt"), cat_cols, co2, [F_Y])
    with open(os.path.join(outdir, "unit.txt"), "w", encoding="utf-8") as f:
        f.write("region\tsector\tunit\n")
        f.writelines(f"{r}\t{s}\t{MONEY_UNIT}\n" for r, s in rs[1])
    with open(os.path.join(outdir, "co2", "unit.txt"), "w", encoding="utf-8") as f:
        f.write(f"stressor\tcompartment\tunit\nCO2\tair\t{CO2_UNIT}\n")

    def entry(name, header):
        return {"name": name, "nr_index_col": "2", "nr_header": header}
    write_json(os.path.join(outdir, "file_parameters.json"), {
        "files": {"Z": entry("Z.txt", "2"), "Y": entry("Y.txt", "2"),
                  "unit": entry("unit.txt", "1")},
        "systemtype": "IOSystem"})
    write_json(os.path.join(outdir, "co2", "file_parameters.json"), {
        "files": {"F": entry("F.txt", "2"), "F_Y": entry("F_Y.txt", "2"),
                  "unit": entry("unit.txt", "1")},
        "systemtype": "Extension", "name": "CO2"})
    write_json(os.path.join(outdir, "metadata.json"), {
        "name": "embodied demo MRIO (illustrative)",
        "description": f"Illustrative round numbers, NOT data for citation; money in "
                       f"{MONEY_UNIT}, CO2 in {CO2_UNIT}. See datasets/DEMO.md.",
        "system": "ixi", "version": "1", "history": ["generated by scripts/make_demo.py"]})


def main():
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--embodied", default=os.path.join(root, "build", "embodied"),
                    help="embodied binary (default: build/embodied in the repository)")
    ap.add_argument("-o", "--output", default=os.path.join(root, "datasets", "demo.h5"),
                    help="output HDF5 file (default: datasets/demo.h5 in the repository)")
    ap.add_argument("--keep-text", metavar="DIR",
                    help="write the pymrio text layout to DIR and keep it")
    ap.add_argument("--text-only", metavar="DIR",
                    help="write the pymrio text layout to DIR and stop (no import)")
    args = ap.parse_args()

    Z, Y, F, F_Y = build()
    check_and_report(Z, Y, F, F_Y)
    if args.text_only:
        write_text(args.text_only, Z, Y, F, F_Y)
        print(f"wrote text layout to {args.text_only}", file=sys.stderr)
        return 0
    if not os.access(args.embodied, os.X_OK):
        print(f"make_demo: {args.embodied} not found; build embodied first "
              "(meson setup build && ninja -C build) or use --text-only DIR",
              file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory(prefix="embodied-demo-") as tmp:
        textdir = args.keep_text or tmp
        write_text(textdir, Z, Y, F, F_Y)
        os.makedirs(os.path.dirname(os.path.abspath(args.output)), exist_ok=True)
        cmd = [args.embodied, "import", "pymrio", textdir, "-o", args.output, "--force"]
        rc = subprocess.run(cmd).returncode
        if rc != 0:
            print(f"make_demo: '{' '.join(cmd)}' failed with exit status {rc}",
                  file=sys.stderr)
            return 1
    print(f"wrote {args.output}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
