"""The README's examples, run verbatim: every fenced block preceded by
<!-- test:python --> is executed by python in a scratch directory holding
datasets/ (a link to the source tree's), and every block preceded by
<!-- test:shell --> by bash -e in a scratch directory holding build/embodied
(the CLI under test), datasets/ and runs/series.csv (a series file in the
batch format, written here from the demo's accounts for three years)."""
import csv
import os
import re
import subprocess
import sys

import pytest

BLOCK = re.compile(r"<!-- test:(python|shell) -->\n```(\w+)\n(.*?)^```", re.S | re.M)


def blocks(root, kind):
    text = (root / "README.md").read_text()
    return [code for k, lang, code in BLOCK.findall(text) if k == kind]


def test_readme_has_marked_blocks(root):
    assert len(blocks(root, "python")) >= 3, "README: the Python examples marked test:python"
    assert len(blocks(root, "shell")) >= 1, "README: the report example marked test:shell"
    text = (root / "README.md").read_text()
    # every marker is followed by a fenced block (a typo would silently skip one)
    assert text.count("<!-- test:") == len(BLOCK.findall(text))


@pytest.mark.parametrize("i", range(3))
def test_readme_python_block(root, tmp_path, i):
    code = blocks(root, "python")[i]
    os.symlink(root / "datasets", tmp_path / "datasets")
    r = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True,
                       timeout=120)
    assert r.returncode == 0, f"README python block {i + 1}:\n{code}\n{r.stderr[-2000:]}"


def write_series(cli, path, work):
    """runs/series.csv as embodied batch writes it (agreed header), three years
    scaled from the demo's accounts, trade balanced in each year."""
    subprocess.run([cli, "accounts", "-q", "-g", "ASIA=CN,MN", "--csv", str(work / "csv")],
                   check=True, capture_output=True)
    with open(work / "csv" / "accounts.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["year", "stressor", "unit", "region", "pba", "cba", "imports", "exports",
                    "unallocated", "kind"])
        for y in (2018, 2019, 2020):
            g = 1 + 0.02 * (y - 2018)
            for r in rows:
                kind = "group" if r["region"] == "ASIA" else "region"
                w.writerow([y, r["stressor"], r["unit"], r["region"]] +
                           [repr(g * float(r[c])) for c in ("pba", "cba", "imports", "exports")] +
                           [r["unallocated"], kind])


def test_readme_shell_blocks(root, cli, tmp_path):
    (tmp_path / "build").mkdir()
    os.symlink(os.path.abspath(cli), tmp_path / "build" / "embodied")
    os.symlink(root / "datasets", tmp_path / "datasets")
    (tmp_path / "runs").mkdir()
    write_series(cli, tmp_path / "runs" / "series.csv", tmp_path)
    for code in blocks(root, "shell"):
        r = subprocess.run(["bash", "-e", "-c", code], cwd=tmp_path, capture_output=True, text=True,
                           timeout=120)
        assert r.returncode == 0, f"README shell block:\n{code}\n{r.stderr[-2000:]}"
    page = (tmp_path / "build" / "demo-report.html").read_text()
    assert '<section id="pairs">' in page and "ASIA" in page
    assert (tmp_path / "build" / "demo-svg" / "pba_cba.svg").exists()
    series = (tmp_path / "build" / "demo-series.html").read_text()
    assert series.count('class="pt"') == 2 * 3 * 7  # PBA and CBA, 3 years, 6 regions + ASIA
