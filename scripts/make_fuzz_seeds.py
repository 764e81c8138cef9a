#!/usr/bin/env python3
"""scripts/make_fuzz_seeds.py — regenerate the fuzzers' seed corpora,
tests/fuzz/seeds/<target>/, from the format samples in ../shared/testdata
(trimmed to 2-4 regions x 2-3 sectors, so that every seed is a few KB, loads,
and reaches the accounts) and from datasets/csv-example; the HDF5 seeds come
from the mkseeds_h5 tool of a build (tests/fuzz/mkseeds_h5.c).

Text seeds are in the container format of tests/fuzz/fuzz.h: files joined
as "==> NAME <==" sections; "X.zip/member" entries become zip members.

Usage: scripts/make_fuzz_seeds.py [BUILD_DIR]   (default build/; the seeds
are committed, so this is needed only when the samples or formats change)
"""
import os
import shutil
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED = os.path.join(ROOT, "..", "shared", "testdata")
SAMPLES = os.path.join(SHARED, "format-samples")
OUT = os.path.join(ROOT, "tests", "fuzz", "seeds")


def read(path):
    with open(path, "rb") as f:
        return f.read()


def container(files):
    """files: [(name, bytes)] -> one input in the container format."""
    out = b""
    for name, data in files:
        if out and not out.endswith(b"\n"):
            out += b"\n"
        out += b"==> " + name.encode() + b" <==\n" + data
    return out


def put(target, name, data):
    d = os.path.join(OUT, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def tsv_rows(data):
    return [line.split("\t") for line in data.decode().split("\n") if line != ""]


def tsv_join(rows):
    return ("\n".join("\t".join(r) for r in rows) + "\n").encode()


# ------------------------------------------------------------ pymrio layout

def trim_pymrio(data, keep_r, keep_cols, keep_rows=None, nhdr=2):
    """A pandas to_csv(sep='\\t') table: keep the columns whose (region,
    sector|category) labels are in keep_r x keep_cols and, with keep_rows
    (sectors), the data rows whose (region, sector) index is in keep_r x
    keep_rows (index-name rows always stay).  nhdr = 1: one header row, all
    columns kept (unit.txt, x.txt)."""
    rows = tsv_rows(data)
    nic = 2
    cols = list(range(len(rows[0])))
    if nhdr == 2:
        h0, inner = rows[0], rows[1]
        nic = 1
        while nic < len(h0) and h0[nic] == "":
            nic += 1
        cols = [c for c in range(len(h0)) if c < nic or (h0[c] in keep_r and inner[c] in keep_cols)]
    out = []
    for i, r in enumerate(rows):
        if i >= nhdr and keep_rows is not None and any(r[nic:]) and \
                not (r[0] in keep_r and r[1] in keep_rows):
            continue
        out.append([r[c] if c < len(r) else "" for c in cols])
    return tsv_join(out)


def pymrio_seeds():
    exio = os.path.join(SAMPLES, "exiobase3")
    regions, sectors = {"AUS", "BRA"}, {"food", "mining", "manufactoring"}
    cats = {"Final consumption expenditure by households", "Changes in inventories"}
    core = [
        ("file_parameters.json", read(os.path.join(exio, "file_parameters.json"))),
        ("metadata.json", read(os.path.join(exio, "metadata.json"))),
        ("A.txt", trim_pymrio(read(os.path.join(exio, "A.txt")), regions, sectors, sectors)),
        ("Y.txt", trim_pymrio(read(os.path.join(exio, "Y.txt")), regions, cats, sectors)),
        ("unit.txt", trim_pymrio(read(os.path.join(exio, "unit.txt")), regions, None, sectors, 1)),
        ("satellite/file_parameters.json",
         read(os.path.join(exio, "satellite", "file_parameters.json"))),
        ("satellite/F.txt", trim_pymrio(read(os.path.join(exio, "satellite", "F.txt")),
                                        regions, sectors)),
        ("satellite/F_hh.txt", trim_pymrio(read(os.path.join(exio, "satellite", "F_hh.txt")),
                                           regions, cats)),
        ("satellite/unit.txt", read(os.path.join(exio, "satellite", "unit.txt"))),
    ]
    put("pymrio", "exiobase3_A.txt", container(core))
    put("pymrio", "exiobase3_select.txt", container(
        [("@options", b"stressors satellite/emission_type1\nextension satellite\n")] + core))

    mrio = os.path.join(SHARED, "pymrio-test-mrio")
    regions, sectors = {"reg1", "reg2"}, {"food", "mining", "manufactoring"}
    cats = {"Final consumption expenditure by households", "Export"}
    z = trim_pymrio(read(os.path.join(mrio, "Z.txt")), regions, sectors, sectors)
    y = trim_pymrio(read(os.path.join(mrio, "Y.txt")), regions, cats, sectors)
    files = [
        ("file_parameters.json", read(os.path.join(mrio, "file_parameters.json"))),
        ("metadata.json", read(os.path.join(mrio, "metadata.json"))),
        ("Z.txt", z),
        ("Y.txt", y),
        ("unit.txt", trim_pymrio(read(os.path.join(mrio, "unit.txt")), regions, None, sectors, 1)),
    ]
    for ext in ("emissions", "factor_inputs"):
        d = os.path.join(mrio, ext)
        files.append((ext + "/file_parameters.json", read(os.path.join(d, "file_parameters.json"))))
        files.append((ext + "/F.txt", trim_pymrio(read(os.path.join(d, "F.txt")), regions,
                                                  sectors)))
        if os.path.exists(os.path.join(d, "F_Y.txt")):
            files.append((ext + "/F_Y.txt", trim_pymrio(read(os.path.join(d, "F_Y.txt")),
                                                        regions, cats)))
        files.append((ext + "/unit.txt", read(os.path.join(d, "unit.txt"))))
    put("pymrio", "test_mrio_Z.txt", container(files))
    # x.txt (x = Z 1 + Y 1 of the trimmed table), inside one top-level
    # folder of a zip, as EXIOBASE's downloads are laid out.
    zr, yr = tsv_rows(z)[3:], tsv_rows(y)[3:]
    x = [["region", "sector", "indout"]]
    for a, b in zip(zr, yr):
        x.append([a[0], a[1], repr(sum(float(v) for v in a[2:]) + sum(float(v) for v in b[2:]))])
    put("pymrio", "test_mrio_zip_x.txt", container(
        [("IOT_test.zip/IOT_test/" + n, d) for n, d in files + [("x.txt", tsv_join(x))]]))


# ------------------------------------------------------------------ Eora26

def eora_seeds():
    d = os.path.join(SAMPLES, "eora26")
    lt, lfd = tsv_rows(read(os.path.join(d, "labels_T.txt"))), tsv_rows(read(os.path.join(d, "labels_FD.txt")))
    regions, sectors = {"reg1", "reg2"}, {"food", "mining", "manufactoring"}
    cats = {"Final consumption expenditure by households", "Export"}
    ti = [i for i, r in enumerate(lt) if r[1] in regions and r[3] in sectors]
    fi = [i for i, r in enumerate(lfd) if r[1] in regions and r[3] in cats]

    def mat(name, rows_idx, cols_idx, extra_row=None, extra_col=None):
        rows = tsv_rows(read(os.path.join(d, "Eora26_2010_bp_%s.txt" % name)))
        if rows_idx is not None:
            rows = [rows[i] for i in rows_idx]
        out = [[r[c] for c in cols_idx] + ([extra_col] if extra_col else []) for r in rows]
        if extra_row:
            out.append([extra_row] * (len(cols_idx) + (1 if extra_col else 0)))
        return tsv_join(out)

    def files(row):
        lab_t = [lt[i] for i in ti] + ([["Rest of the World", "ROW", "Industries", "TOTAL"]] if row else [])
        lab_fd = [lfd[i] for i in fi] + ([["Rest of the World", "ROW", "Final Demand",
                                           "Household final consumption P.3h"]] if row else [])
        e = "12.5" if row else None
        return [
            ("labels_T.txt", tsv_join(lab_t)),
            ("labels_FD.txt", tsv_join(lab_fd)),
            ("labels_Q.txt", read(os.path.join(d, "labels_Q.txt"))),
            ("Eora26_2010_bp_T.txt", mat("T", ti, ti, e, e)),
            ("Eora26_2010_bp_FD.txt", mat("FD", ti, fi, e, e)),
            ("Eora26_2010_bp_Q.txt", mat("Q", None, ti, None, e)),
            ("Eora26_2010_bp_QY.txt", mat("QY", None, fi, None, e)),
        ]

    put("eora26", "eora26_2010.txt", container(files(False)))
    put("eora26", "eora26_2010_row.txt", container(files(True)))
    put("eora26", "eora26_2010_zip_select.txt", container(
        [("@options", b"stressors *emission_type1\n")] +
        [("Eora26_2010_bp.zip/Eora26_2010/" + n, b) for n, b in files(True)]))


# -------------------------------------------------------------- OECD ICIO

def trim_icio(data, keep_r, keep_s):
    """Keep the industries (REGION_SECTOR) of keep_r x keep_s, final demand of
    keep_r, and every row/column that names no industry (VA, OUTPUT, DISC)."""
    lines = data.decode().replace("\r", "").split("\n")
    lines = [l for l in lines if l]
    head = [c.strip('"') for c in lines[0].split(",")]
    # Industries are the codes that label a row and a column alike.
    industries = set(head) & {l.split(",")[0].strip('"') for l in lines[1:]}
    regions = {c.split("_", 1)[0] for c in industries}

    def keep(code):
        if code in industries:
            a, b = code.split("_", 1)
            return a in keep_r and b in keep_s
        if "_" not in code:
            return True
        a, b = code.split("_", 1)
        if a in regions:
            return a in keep_r
        if b in regions:
            return b in keep_r
        return True

    cols = [c for c, h in enumerate(head) if c == 0 or keep(h)]
    out = []
    for i, l in enumerate(lines):
        cells = l.split(",")
        if i > 0 and not keep(cells[0].strip('"')):
            continue
        out.append(",".join(cells[c] for c in cols))
    return ("\n".join(out) + "\n").encode()


def icio_seeds():
    d = os.path.join(SAMPLES, "oecd-icio")
    t16 = trim_icio(read(os.path.join(d, "ICIO2016_2003.csv")), {"AUS", "CHN", "CN1", "CN2"},
                    {"C01T05AGR", "C10T14MIN"})
    wide = (b"stressor,unit,AUS_C01T05AGR,CHN_C10T14MIN,CN1_C01T05AGR,CN2_C10T14MIN,HFCE_AUS\n"
            b"CO2,kt,1,2.5,3,4e-3,1000\nCH4,t,0.5,0,0,1,0\n")
    put("icio", "icio2016_wide.txt", container(
        [("ICIO2016_2003.csv", t16), ("@options", b"stressors_csv stressors.csv\n"),
         ("stressors.csv", wide)]))
    t18 = trim_icio(read(os.path.join(d, "ICIO2018_2010.CSV")), {"AUS", "MEX", "MX1"},
                    {"01T03", "05T06"})
    long_ = (b"region,sector,stressor,value,unit\nAUS,01T03,CO2,1.5,kt\nMX1,05T06,CO2,2,kt\n"
             b"MEX,05T06,CO2,0.25,kt\nAUS,HFCE,CO2,3,kt\n")
    put("icio", "icio2018_zip_long.txt", container(
        [("ICIO2018_2010.zip/ICIO2018_2010.CSV", t18), ("@options", b"stressors_csv s.csv\nstressors CO?\n"),
         ("s.csv", long_)]))
    put("icio", "icio2018_plain.txt", container([("ICIO2018_2010.CSV", t18)]))


# ----------------------------------------------------------------- GLORIA

def gloria_seeds():
    d = os.path.join(SAMPLES, "gloria")
    files = []
    for sub in ("GLORIA_MRIOs_59_2022", "GLORIA_SatelliteAccounts_059_2022"):
        for n in sorted(os.listdir(os.path.join(d, sub))):
            if "Markup001" in n:
                files.append((sub + "/" + n, read(os.path.join(d, sub, n))))
    import zipfile
    with zipfile.ZipFile(os.path.join(d, "GLORIA_ReadMe_059.xlsx")) as z:
        for n in sorted(z.namelist()):
            # The reader needs the workbook, its relationships, the shared
            # strings and the sheets; styles, theme and docProps only cost
            # the fuzzer time.
            if n.startswith("xl/workbook") or n.startswith("xl/_rels/") or \
               n.startswith("xl/worksheets/") or n == "xl/sharedStrings.xml":
                files.append(("GLORIA_ReadMe_059.xlsx/" + n, z.read(n)))
    put("gloria", "gloria_059_2022.txt", container(files))
    zipped = [(("GLORIA_MRIOs_59_2022.zip/" + n.split("/", 1)[1]) if n.startswith("GLORIA_MRIOs")
               else n, b) for n, b in files]
    put("gloria", "gloria_059_2022_zip_select.txt", container(
        [("@options", b"extension Q\nstressors Q/*\n")] + zipped))


# -------------------------------------------------------------------- CSV

def csv_seeds():
    d = os.path.join(ROOT, "datasets", "csv-example")
    names = ["manifest.json", "Z.csv", "Y.csv", "F.csv", "F_Y.csv", "x.csv"]
    files = [(n, read(os.path.join(d, n))) for n in names]
    put("csv", "csv_example.txt", container(files))
    put("csv", "csv_example_zip.txt", container([("example.zip/" + n, b) for n, b in files]))
    # Semicolons and A + x: the other branches of the manifest.
    semi = [(n, b.replace(b",", b";") if n.endswith(".csv") else b) for n, b in files]
    man = semi[0][1].decode().replace('"Z": "Z.csv"', '"A": "A.csv"').replace(
        '"version": 1,', '"version": 1,\n  "delimiter": ";",')
    zrows = [l.split(";") for l in semi[1][1].decode().split("\n") if l]
    xs = [float(l.split(";")[2]) for l in semi[5][1].decode().split("\n")[1:] if l]
    arows = zrows[:2] + [r[:2] + [repr(float(v) / xs[j]) for j, v in enumerate(r[2:])]
                         for r in zrows[2:]]
    a = ("\n".join(";".join(r) for r in arows) + "\n").encode()
    put("csv", "csv_example_A_semicolon.txt", container(
        [("manifest.json", man.encode()), ("A.csv", a)] + semi[2:]))


# ------------------------------------------------- internal parser targets

def parser_seeds():
    jsons = [os.path.join(SAMPLES, "exiobase3", "file_parameters.json"),
             os.path.join(SAMPLES, "exiobase3", "satellite", "file_parameters.json"),
             os.path.join(SAMPLES, "exiobase3", "metadata.json"),
             os.path.join(SHARED, "pymrio-test-mrio", "metadata.json"),
             os.path.join(ROOT, "datasets", "csv-example", "manifest.json")]
    for p in jsons:
        put("json", os.path.basename(os.path.dirname(p)) + "_" + os.path.basename(p), read(p))
    put("json", "escapes.json", b'{"a": "\\u00e9\\ud83d\\ude00\\n\\"", "b": [1, -0.5e3, true, '
                                b'false, null, {}], "c": {"d": []}}\n')
    nums = ["0", "-0.0", "1.5", "1234567.125", "1.2345678901234567e-05", "9007199254740993",
            "1e22", "1e23", "2.2250738585072014e-308", "4.9e-324", "1.7976931348623157e308",
            "1e309", ".5", "5.", "+7", "0x1p3", "inf", "nan", "1e5x", "123456789012345678901234"]
    for i, s in enumerate(nums):
        put("numparse", "n%02d" % i, s.encode())
    # fuzz_tsv: a mode byte (delimiter, buffer size, leading labels), then text.
    exio = read(os.path.join(SAMPLES, "exiobase3", "satellite", "F.txt"))
    put("tsv", "tab_F", bytes([0x80 | (5 << 2) | 0]) + exio[:1200])
    put("tsv", "csv_quoted", bytes([0x80 | (3 << 2) | 1]) + b'region,,"a,b","c""d"\n'
        b'"x\ny",s,1.5,2\nr,s,3,4e-2\n"open\n')
    ex = read(os.path.join(ROOT, "datasets", "csv-example", "Y.csv"))
    put("tsv", "csv_example_Y", bytes([0x80 | (7 << 2) | 1]) + ex)
    put("tsv", "semicolon_bom_crlf", bytes([0x40 | (0 << 2) | 2]) + b"\xef\xbb\xbfa;1;2\r\nb;3;4\r\n")


def h5_seeds(build):
    tool = os.path.join(build, "tests", "fuzz", "mkseeds_h5")
    if not os.path.exists(tool):
        sys.exit("make_fuzz_seeds: %s not built (ninja -C %s)" % (tool, build))
    d = os.path.join(OUT, "h5")
    os.makedirs(d, exist_ok=True)
    subprocess.run([tool, d], check=True)


def main():
    build = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "build")
    if not os.path.isdir(SAMPLES):
        sys.exit("make_fuzz_seeds: %s is absent" % SAMPLES)
    if os.path.isdir(OUT):
        shutil.rmtree(OUT)
    pymrio_seeds()
    eora_seeds()
    icio_seeds()
    gloria_seeds()
    csv_seeds()
    parser_seeds()
    h5_seeds(build)
    for t in sorted(os.listdir(OUT)):
        fs = os.listdir(os.path.join(OUT, t))
        print("%-9s %2d seeds, %6d bytes" % (t, len(fs),
              sum(os.path.getsize(os.path.join(OUT, t, f)) for f in fs)))


if __name__ == "__main__":
    main()
