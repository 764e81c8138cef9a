#!/usr/bin/env python3
"""tests/report_browser.py -- `embodied report` rendered in a real browser
(headless Chromium): the demo's accounts (with a group) written by
`embodied accounts -o ... --csv DIR`, the report of that results file
rendered to a PNG, no console message, and in the DOM every region and group
in both charts with bars whose data-value equals accounts.csv (pba, cba,
balance) to 1e-9 relative; the time series of a series file in the batch
format (year,stressor,unit,region,pba,cba,imports,exports,unallocated,kind,
written here from accounts.csv for three years) with every point equal to
the file to 1e-9 and every region and group present; the heatmap's cells,
group ASIA's included, equal to flows.csv; the run's warnings in the page.  TAP output; skips (exit 77) without chromium.

usage: report_browser.py BUILD_ROOT"""
import csv, html.parser, os, shutil, subprocess, sys, tempfile

build = sys.argv[1]
exe = os.path.join(build, "embodied")
browser = shutil.which("chromium") or shutil.which("chromium-browser")
if not browser:
    print("1..0 # SKIP chromium not installed (scripts/setup.sh installs it)")
    sys.exit(77)

n = 0
failed = 0


def ok(cond, what):
    global n, failed
    n += 1
    if not cond:
        failed += 1
    print(("ok" if cond else "not ok"), n, "-", what)
    sys.stdout.flush()


def chrome(work, *args):
    prof = tempfile.mkdtemp(dir=work)
    cmd = [browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
           "--no-first-run", "--disable-background-networking", "--disable-component-update",
           "--disable-sync", "--user-data-dir=" + prof, "--enable-logging=stderr", "--v=0"]
    return subprocess.run(cmd + list(args), capture_output=True, text=True, timeout=120)


class Bars(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.bars = []
        self.scripts = 0
        self.cells = {}
        self.points = {}

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "script":
            self.scripts += 1
        if tag == "circle" and a.get("class") == "pt":
            self.points[(a["data-series"], a["data-region"], a["data-kind"], int(a["data-year"]))] = \
                float(a["data-value"])
        if tag == "rect" and "data-origin" in a:
            self.cells[(a["data-origin"], a["data-destination"])] = float(a["data-value"])
        elif tag == "rect" and "data-value" in a:
            self.bars.append((a["data-series"], a["data-region"], float(a["data-value"])))


work = tempfile.mkdtemp(prefix="report_browser.")
try:
    res = os.path.join(work, "res.h5")
    r = subprocess.run([exe, "accounts", "--flows-by-sector", "-g", "ASIA=CN,MN", "-o", res, "--csv",
                        os.path.join(work, "csv")], capture_output=True, text=True)
    ok(r.returncode == 0, "embodied accounts -o (demo, group ASIA): " + r.stderr.strip()[-200:].replace("\n", " | "))
    page = os.path.join(work, "report.html")
    svgdir = os.path.join(work, "svg")
    os.mkdir(svgdir)
    # the batch's series file, three years from the demo's accounts (trade scaled
    # alike on both sides, so that it still balances)
    series = os.path.join(work, "series.csv")
    swant = {}
    with open(os.path.join(work, "csv", "accounts.csv"), newline="") as f, open(series, "w", newline="") as o:
        w = csv.writer(o)
        w.writerow(["year", "stressor", "unit", "region", "pba", "cba", "imports", "exports",
                     "unallocated", "kind"])
        rows = list(csv.DictReader(f))
        for y in (2019, 2020, 2021):
            for i, row in enumerate(rows):
                g = (1 + 0.03 * (y - 2019)) * (1 + 0.01 * i)
                t = 1 + 0.02 * (y - 2019)
                kind = row.get("kind") or ("group" if row["region"] == "ASIA" else "region")
                vals = [repr(g * float(row["pba"])), repr(g * float(row["cba"])),
                        repr(t * float(row["imports"])), repr(t * float(row["exports"])),
                        row.get("unallocated") or "0"]
                w.writerow([y, row["stressor"], row["unit"], row["region"]] + vals + [kind])
                if row["stressor"] == "co2/CO2/air":
                    swant[("pba", row["region"], kind, y)] = float(vals[0])
                    swant[("cba", row["region"], kind, y)] = float(vals[1])
    r = subprocess.run([exe, "report", res, series, "-o", page, "--svg", svgdir, "--pair", "ASIA:EU27"], capture_output=True, text=True)
    ok(r.returncode == 0 and os.path.exists(page), "embodied report -o --svg: " + r.stderr.strip()[-200:].replace("\n", " | "))
    # the series argument: a second one not ending in .csv is a usage error (2);
    # --series naming a missing file fails (not 0) and leaves no page
    r2 = subprocess.run([exe, "report", res, res, "-o", page + ".2"], capture_output=True, text=True)
    ok(r2.returncode == 2 and not os.path.exists(page + ".2"),
       "report RESULTS RESULTS: usage error, exit 2 (%d)" % r2.returncode)
    r2 = subprocess.run([exe, "report", res, "--series", os.path.join(work, "none.csv"), "-o",
                         page + ".2"], capture_output=True, text=True)
    ok(r2.returncode not in (0, 2) and "none.csv" in r2.stderr and not os.path.exists(page + ".2"),
       "report --series MISSING: fails naming the file (%d: %s)" % (r2.returncode, r2.stderr.strip()))
    text = open(page, encoding="utf-8").read()
    ok("<script" not in text.lower() and "http://" not in text and "https://" not in text
       and "url(" not in text, "the page is self-contained (no script, nothing from the network)")
    ok(text.count("<details>") >= 2, "every chart has its numbers behind a <details>")
    ok("negative final-demand entries" in text and '<ul class="warnings">' in text,
       "the run's warnings (results attribute) are in the data facts")
    for name in ("pba_cba.svg", "balance.svg", "net_heatmap.svg", "pair_1.svg", "series.svg"):
        p = os.path.join(svgdir, name)
        ok(os.path.exists(p) and open(p).read().count("data-value=") > 0, "--svg wrote " + name)

    want = {}
    regions = []
    with open(os.path.join(work, "csv", "accounts.csv"), newline="") as f:
        for row in csv.DictReader(f):
            if row["stressor"] != "co2/CO2/air":
                continue
            regions.append(row["region"])
            for s in ("pba", "cba", "balance"):
                want[(s, row["region"])] = float(row[s])
    ok("ASIA" in regions and len(regions) == 7, "accounts.csv has 6 regions and group ASIA")

    png = os.path.join(work, "report.png")
    r = chrome(work, "--screenshot=" + png, "--window-size=900,1600", "file://" + page)
    ok(r.returncode == 0 and os.path.exists(png) and open(png, "rb").read(8) == b"\x89PNG\r\n\x1a\n"
       and os.path.getsize(png) > 10000, "chromium renders the report to a PNG (%s)" % png)
    console = [l for l in r.stderr.splitlines() if "CONSOLE" in l]
    ok(not console, "no console message while rendering: %r" % console[:3])

    r = chrome(work, "--dump-dom", "file://" + page)
    console = [l for l in r.stderr.splitlines() if "CONSOLE" in l]
    ok(r.returncode == 0 and "<svg" in r.stdout, "chromium --dump-dom returns the rendered DOM")
    ok(not console, "no console message in --dump-dom: %r" % console[:3])
    p = Bars()
    p.feed(r.stdout)
    ok(p.scripts == 0, "no script element in the DOM")
    got = {}
    for s, reg, v in p.bars:
        got.setdefault((s, reg), []).append(v)
    B = {}
    with open(os.path.join(work, "csv", "flows.csv"), newline="") as f:
        for row in csv.DictReader(f):
            if row["stressor"] == "co2/CO2/air":
                B[(row["origin"], row["destination"])] = float(row["value"])
    reg6 = [x for x in regions if x != "ASIA"]
    # the 6 regions and group ASIA (= CN + MN); no cell between ASIA and its members
    mem = {x: [x] for x in reg6}
    mem["ASIA"] = ["CN", "MN"]
    ok(len(p.cells) == 49 - 4 and ("ASIA", "CN") not in p.cells and ("ASIA", "US") in p.cells,
       "heatmap: 7 x 7 cells less the 4 between ASIA and its members (%d)" % len(p.cells))
    for (o, d), v in sorted(p.cells.items()):
        bo = sum(B[(a, b)] for a in mem[o] for b in mem[d])
        bd = sum(B[(b, a)] for a in mem[o] for b in mem[d])
        w = bo - bd if o != d else 0.0
        ok(abs(v - w) <= 1e-9 * max(1.0, abs(bo), abs(bd)),
           "heatmap %s->%s: DOM %r vs flows.csv B[o][d]-B[d][o] %r" % (o, d, v, w))
    sec = {}
    with open(os.path.join(work, "csv", "flows_by_sector.csv"), newline="") as f:
        for row in csv.DictReader(f):
            if row["stressor"] == "co2/CO2/air" and row["origin"] in ("CN", "MN") and row["destination"] == "EU27":
                sec[row["sector"]] = sec.get(row["sector"], 0.0) + float(row["value"])
    pair = [(reg, v) for s, reg, v in p.bars if s == "pair_1"]
    ok(len(pair) == 9 and len(sec) == 9, "pair ASIA:EU27: one bar per origin sector (%d)" % len(pair))
    for reg, v in pair:
        ok(abs(v - sec[reg]) <= 1e-9 * max(1.0, abs(sec[reg])),
           "pair ASIA:EU27 sector %s: DOM %r vs flows_by_sector.csv %r" % (reg, v, sec[reg]))
    ok(len(swant) == 2 * 3 * 7 and set(p.points) == set(swant),
       "time series: a PBA and a CBA point per region/group and year (%d of %d)" % (len(p.points), len(swant)))
    for key, w in sorted(swant.items(), key=str):
        v = p.points.get(key)
        ok(v is not None and abs(v - w) <= 1e-9 * max(1.0, abs(w)),
           "series %s %s (%s) %d: DOM %r vs series.csv %r" % (key + (v, w)))
    p.bars = [b for b in p.bars if b[0] != "pair_1"]
    ok(len(p.bars) == 3 * len(regions), "one bar per region/group and series (%d bars)" % len(p.bars))
    for reg in regions:
        for s in ("pba", "cba", "balance"):
            w = want[(s, reg)]
            v = got.get((s, reg), [])
            ok(len(v) == 1 and abs(v[0] - w) <= 1e-9 * max(1.0, abs(w)),
               "%s %s: DOM %r vs results %r" % (s, reg, v, w))
    print("1..%d" % n)
finally:
    if failed == 0:
        shutil.rmtree(work, ignore_errors=True)
sys.exit(1 if failed else 0)
