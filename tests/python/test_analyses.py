"""The analyses through the package (Table.cbam, Table.spa, emb.sda,
Table.flows(by=...)) equal the CLI's CSV output to 1e-15 on the demo table and
on generated tables; from_pymrio of a system with A and x but no Z gives the
accounts of the Z route to 1e-12; accounts are read-only views that outlive
the Accounts object."""
import gc
import io
import subprocess

import numpy as np
import pandas as pd
import pytest

import embodied as emb

TOL = 1e-15

CONC = ("# test concordance\nsector,cbam_group,share\nmetals,iron_steel,0.5\nmetals,aluminium,0.2\n"
        "non-metallic minerals,cement,0.4\nelectricity,electricity,1\n")


def run_csv(cli, *args):
    r = subprocess.run([cli, *map(str, args)], check=True, capture_output=True, text=True)
    return pd.read_csv(io.StringIO(r.stdout), comment="#", keep_default_na=False, na_values=[""])


def close(a, b):
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    assert a.shape == b.shape
    both_nan = np.isnan(a) & np.isnan(b)
    err = np.where(both_nan, 0.0, np.abs(a - b) / np.maximum(1.0, np.abs(b)))
    assert np.all(err <= TOL), float(np.nanmax(err))


def same_text(a, b):
    fix = lambda s: ["" if (v is None or (isinstance(v, float) and np.isnan(v))) else str(v) for v in s]
    assert fix(a) == fix(b)


@pytest.fixture
def demo(root):
    return root / "datasets" / "demo.h5"


@pytest.fixture
def synth(cli, tmp_path):
    """Two generated tables with the same labels, the second with a year in its name."""
    p0, p1 = tmp_path / "gen.h5", tmp_path / "gen_2011.h5"
    subprocess.run([cli, "synth", "-r", "5", "--sectors", "6", "-k", "2", "-o", str(p0)], check=True,
                   capture_output=True)
    subprocess.run([cli, "synth", "-r", "5", "--sectors", "6", "-k", "2", "--seed", "7", "-o", str(p1)],
                   check=True, capture_output=True)
    return p0, p1


def check_spa(cli, path, t, to, from_=None, stressor=None, top=50):
    args = ["spa", path, "--to", to, "--csv", "--top", top]
    if from_:
        args += ["--from", from_]
    if stressor:
        args += ["--stressor", stressor]
    c = run_csv(cli, *args)
    p = t.spa(to, from_=from_, stressor=stressor, top=top)
    assert len(c) == len(p) > 0
    assert list(c["rank"]) == list(p.index)
    close(p["value"], c["value"])
    close(p["share"], c["share"])
    assert list(p["order"]) == list(c["order"])
    assert list(p["path"]) == list(c["path"])
    # the nodes spell the path: emitting industry last, final producer first
    n = p["nodes"].iloc[0]
    assert len(n) == p["order"].iloc[0] + 1
    assert p["path"].iloc[0].startswith(f"{n[-1][0]}:{n[-1][1]}")
    assert abs(p["value"].sum() - p.attrs["sum_top"]) <= 1e-12 * abs(p.attrs["total"])
    return p


def test_spa_equals_cli(cli, demo, synth):
    t = emb.read(demo)
    p = check_spa(cli, demo, t, "EU27")
    assert p.attrs["coverage"] <= p.attrs["total"] * (1 + 1e-12)
    check_spa(cli, demo, t, "EU27", from_="CN", top=20)
    g = emb.read(synth[0])
    check_spa(cli, synth[0], g, g.regions[1], stressor=g.stressors[1])


def test_spa_errors(demo):
    t = emb.read(demo)
    with pytest.raises(emb.EmbodiedUsageError, match="NOWHERE"):
        t.spa("NOWHERE")
    with pytest.raises(emb.EmbodiedUsageError, match="stressor"):
        t.spa("EU27", stressor="nope")
    flag = __import__("threading").Event()
    flag.set()
    with pytest.raises(KeyboardInterrupt):
        t.spa("EU27", _interrupt=flag)


def check_cbam(cli, path, t, conc, importer, exporter_prices=None, cpu=0.0, stressor=None,
               groups=None):
    args = ["cbam", path, "--importer", importer, "--concordance", conc, "--csv"]
    for r, p in (exporter_prices or {}).items():
        args += ["--exporter-price", f"{r}={p}"]
    if cpu:
        args += ["--currency-per-unit", cpu]
    if stressor:
        args += ["--stressor", stressor]
    for g, m in (groups or {}).items():
        args += ["--group", f"{g}={','.join(m)}"]
    c = run_csv(cli, *args)
    p = t.cbam(importer, conc, stressor=stressor, exporter_prices=exporter_prices,
               currency_per_unit=cpu, groups=groups)
    assert len(c) == len(p) > 0
    for col in ("exporter", "cbam_group", "basis"):
        same_text(p[col], c[col])
    for col in ("import_value", "emissions_t", "price", "exporter_price", "cost_eur", "cost_share"):
        close(p[col], c[col])
    return p


def test_cbam_equals_cli(cli, demo, tmp_path):
    conc = tmp_path / "c.csv"
    conc.write_text(CONC)
    t = emb.read(demo)
    p = check_cbam(cli, demo, t, conc, "EU27", {"CN": 10}, 0.9e6)
    tot = p[(p.exporter == "all") & (p.cbam_group == "all")]
    assert list(tot.basis) == ["direct", "direct_electricity", "supply_chain"]
    check_cbam(cli, demo, emb.read(demo), conc, "WEST", groups={"WEST": ["EU27", "US"]})
    with pytest.raises(emb.EmbodiedInputError, match="c2.csv"):
        (tmp_path / "c2.csv").write_text("sector,cbam_group,share\nnot a sector,cement,0.5\n")
        t.cbam("EU27", tmp_path / "c2.csv")


def test_cbam_generated(cli, synth, tmp_path):
    t = emb.read(synth[0])
    s = t.sectors
    conc = tmp_path / "g.csv"
    conc.write_text(f"sector,cbam_group,share\n{s[0]},iron_steel,0.7\n{s[1]},electricity,1\n"
                    f"{s[2]},cement,0.3\n")
    # synthetic stressors are in kt, a mass unit
    check_cbam(cli, synth[0], t, conc, t.regions[0], stressor=t.stressors[0])


def test_sda_equals_cli(cli, synth):
    t0, t1 = emb.read(synth[0]), emb.read(synth[1])
    c = run_csv(cli, "sda", synth[0], synth[1], "--csv")
    p = emb.sda(t0, t1)
    assert len(c) == len(p) > 0
    for col in ("stressor", "unit", "region"):
        same_text(p[col], c[col])
    assert p["year0"].isna().all() and c["year0"].isna().all()
    assert (p["year1"] == 2011).all() and (c["year1"] == 2011).all()
    for col in ("cba0", "cba1", "delta", "intensity", "technology", "fd_structure", "fd_level",
                "household_direct", "residual"):
        close(p[col], c[col])
    # the effects add up to delta (the decomposition's identity)
    eff = p[["intensity", "technology", "fd_structure", "fd_level", "household_direct", "residual"]]
    assert np.allclose(eff.sum(axis=1), p["delta"], rtol=0, atol=1e-9 * p["cba0"].abs().max())
    c2 = run_csv(cli, "sda", synth[0], synth[1], "--csv", "--deflate1", "1.25")
    close(emb.sda(t0, t1, deflate1=1.25)["fd_level"], c2["fd_level"])


def test_sda_mismatch_is_input_error(demo, synth):
    with pytest.raises(emb.EmbodiedInputError):
        emb.sda(emb.read(demo), emb.read(synth[0]))


@pytest.mark.parametrize("by", ["origin-sector", "final-product", "both"])
def test_flows_by_equals_cli(cli, demo, synth, by):
    for path, o, d in ((demo, "CN", "EU27"), (synth[0], None, None)):
        t = emb.read(path)
        o, d = o or t.regions[2], d or t.regions[0]
        c = run_csv(cli, "flows", path, "--from", o, "--to", d, "--by", by, "--csv")
        p = t.flows(o, d, by=by)
        assert len(c) == len(p) > 0
        for col in ("stressor", "unit", "origin", "destination", "origin_region", "origin_sector",
                    "product_region", "product_sector"):
            same_text(p[col], c[col])
        close(p["value"], c["value"])
        close(p["share"], c["share"])
        # each stressor's rows sum to the pair's flow, as the accounts give it
        acc = t.accounts()
        for s, B in p.attrs["flow"].items():
            assert abs(B - acc.flows.loc[(o, d), s]) <= 1e-12 * max(1.0, abs(B))
            assert abs(p[p.stressor == s]["value"].sum() - B) <= 1e-9 * max(1.0, abs(B))
    with pytest.raises(emb.EmbodiedUsageError, match="origin-sector"):
        emb.read(demo).flows("CN", "EU27", by="sideways")


def test_from_pymrio_A_x(demo):
    """A system with A and x but no Z (pymrio after calc_all on coefficients):
    the same accounts as the Z route, to 1e-12."""
    t = emb.read(demo)
    z = t.to_pymrio(standin=True)
    x = z.x["indout"].values
    with np.errstate(divide="ignore", invalid="ignore"):
        A = z.Z / np.where(x != 0, x, 1.0)[np.newaxis, :]
    import types
    ax = types.SimpleNamespace(A=A, x=z.x, Y=z.Y, unit=z.unit, emissions=z.emissions)
    a = emb.from_pymrio(ax, "emissions").accounts(solver="dense")
    b = emb.from_pymrio(z, "emissions").accounts(solver="dense")
    for name in ("pba", "cba", "imports", "exports", "M", "flows"):
        u, v = getattr(a, name).values, getattr(b, name).values
        assert np.max(np.abs(u - v)) <= 1e-12 * np.max(np.abs(v)), name
    ax.Z = None  # pymrio's attribute present but unset: still the A route
    assert np.array_equal(emb.from_pymrio(ax, "emissions").accounts(solver="dense").cba.values,
                          a.cba.values)
    with pytest.raises(emb.EmbodiedUsageError, match="A and x"):
        emb.from_pymrio(types.SimpleNamespace(Y=z.Y, emissions=z.emissions), "emissions")


def test_accounts_are_views(demo):
    """Results are views on the library's arrays (no copy): read-only, and they
    keep the accounts alive after the Accounts object is gone."""
    acc = emb.read(demo).accounts()
    cba = acc.cba
    ref = cba.values.copy()
    assert not acc._raw("cba").flags.writeable
    assert not acc._raw("cba").flags.owndata
    import weakref
    handle = weakref.ref(acc)
    del acc
    assert handle() is None  # no reference cycle: the Accounts object goes at once
    gc.collect()
    emb.read(demo).accounts()  # new allocations that would reuse freed memory
    assert np.array_equal(cba.values, ref)


def test_warnings_as_cli_prints_them(cli, synth, tmp_path):
    """acc.warnings (emb_accounts_warnings) are the lines the CLI prints and the
    results file keeps in its attribute `warnings`."""
    pytest.importorskip("h5py")
    out = tmp_path / "r.h5"
    r = subprocess.run([cli, "accounts", str(synth[0]), "-o", str(out)], check=True,
                       capture_output=True, text=True)
    acc = emb.read(synth[0]).accounts()
    assert any("zero output" in w for w in acc.warnings)  # synth makes emitting zero-output sectors
    printed = [l[len("embodied: "):] for l in r.stderr.splitlines()
               if l.startswith("embodied: warning: ") or l.startswith("embodied: note: ")]
    assert printed == acc.warnings
    assert emb.read_results(out).warnings == acc.warnings
