"""The package on pymrio's test MRIO (../shared): accounts equal pymrio's
references to 1e-9, through from_arrays and through from_pymrio on a stand-in
exposing pymrio's attributes (with Z, and with A and x but no Z); to_xarray
carries the same numbers."""
import types

import numpy as np
import pandas as pd
import pytest

import embodied as emb


def load_standin(d):
    m = d / "pymrio-test-mrio"
    rd = lambda p, nh=2: pd.read_csv(p, sep="\t", index_col=[0, 1], header=list(range(nh)))
    io = types.SimpleNamespace(Z=rd(m / "Z.txt"), Y=rd(m / "Y.txt"), unit=rd(m / "unit.txt", 1))
    io.x = pd.DataFrame({"indout": io.Z.sum(axis=1) + io.Y.sum(axis=1)})
    io.emissions = types.SimpleNamespace(F=rd(m / "emissions/F.txt"), F_Y=rd(m / "emissions/F_Y.txt"),
                                         unit=rd(m / "emissions/unit.txt", 1))
    return io


def ref(d, name, nh=1):
    return pd.read_csv(d / "pymrio-test-mrio.reference" / name, index_col=[0, 1],
                       header=list(range(nh))).values


def rel(a, b):
    return np.max(np.abs(np.asarray(a) - np.asarray(b))) / np.max(np.abs(np.asarray(b)))


@pytest.mark.parametrize("solver", ["dense", "mixed", "sparse"])
def test_pymrio_reference_shared(shared, solver):
    io = load_standin(shared)
    t = emb.from_pymrio(io, extension="emissions")
    assert t.regions == [f"reg{i}" for i in range(1, 7)]
    acc = t.accounts(solver=solver, per_sector=True)
    assert rel(acc.cba.values + 0, ref(shared, "emissions_D_cba_reg.csv")) < 1e-9
    assert rel(acc.pba.values, ref(shared, "emissions_D_pba_reg.csv")) < 1e-9
    assert rel(acc.imports.values, ref(shared, "emissions_D_imp_reg.csv")) < 1e-9
    assert rel(acc.exports.values, ref(shared, "emissions_D_exp_reg.csv")) < 1e-9
    assert rel(acc.M.values, ref(shared, "emissions_M.csv", 2)) < 1e-9
    assert rel(acc.D_cba.values, ref(shared, "emissions_D_cba.csv", 2)) < 1e-9
    b = pd.read_csv(shared / "pymrio-test-mrio.reference" / "emissions_bilateral_emission_type1.csv",
                    index_col=0)
    f = acc.flows.iloc[:, 0].unstack("destination").loc[b.index, b.columns]
    assert rel(f.values, b.values) < 1e-9
    assert list(acc.M.columns.names) == ["region", "sector"]
    ds = acc.to_xarray()
    assert np.array_equal(ds["cba"].values, acc.cba.values)


def test_from_arrays_equals_from_pymrio_shared(shared):
    io = load_standin(shared)
    e = io.emissions
    t = emb.from_arrays(Z=io.Z.values, Y=io.Y.values, F=e.F.values, F_Y=e.F_Y.values,
                        regions=[f"reg{i}" for i in range(1, 7)],
                        sectors=list(dict.fromkeys(io.Z.index.get_level_values(1))),
                        fd_categories=list(dict.fromkeys(io.Y.columns.get_level_values(1))),
                        stressors=["emission_type1", "emission_type2"], units=["kg", "kg"])
    a = t.accounts(solver="dense")
    b = emb.from_pymrio(io, "emissions").accounts(solver="dense")
    assert np.array_equal(a.cba.values, b.cba.values)
    g = t.accounts(solver="dense", groups={"G12": ["reg1", "reg2"]})
    assert abs(g.groups_cba["G12"].iloc[0] - a.cba[["reg1", "reg2"]].iloc[0].sum()) <= \
        1e-12 * abs(a.cba.iloc[0]).sum()


def test_to_pymrio_round_trip_shared(shared):
    t = emb.from_pymrio(load_standin(shared), extension="emissions")
    a = t.accounts(solver="dense")
    io = t.to_pymrio(standin=True)
    assert list(io.Z.index.names) == ["region", "sector"]
    b = emb.from_pymrio(io, extension="emissions").accounts(solver="dense")
    assert np.array_equal(a.cba.values, b.cba.values)
    assert np.array_equal(a.flows.values, b.flows.values)
    try:
        import pymrio  # noqa: F401  (a real IOSystem when pymrio happens to be importable)
    except ImportError:
        return
    c = emb.from_pymrio(t.to_pymrio(), extension="emissions").accounts(solver="dense")
    assert np.array_equal(a.cba.values, c.cba.values)


def test_from_pymrio_A_x_shared(shared):
    """pymrio's test MRIO as a system with A and x but no Z: the references to
    1e-9 and the Z route's accounts to 1e-12."""
    z = load_standin(shared)
    x = z.x["indout"].values
    A = z.Z / np.where(x != 0, x, 1.0)[np.newaxis, :]
    ax = types.SimpleNamespace(A=A, x=z.x, Y=z.Y, unit=z.unit, emissions=z.emissions)
    a = emb.from_pymrio(ax, extension="emissions").accounts(solver="dense")
    b = emb.from_pymrio(z, extension="emissions").accounts(solver="dense")
    assert rel(a.cba.values, ref(shared, "emissions_D_cba_reg.csv")) < 1e-9
    assert rel(a.M.values, ref(shared, "emissions_M.csv", 2)) < 1e-9
    for name in ("pba", "cba", "imports", "exports", "M", "flows"):
        assert rel(getattr(a, name).values, getattr(b, name).values) <= 1e-12, name
    try:
        import pymrio  # a real IOSystem with A and x (no Z) when pymrio happens to be importable
    except ImportError:
        return
    real = pymrio.IOSystem(A=A, x=z.x, Y=z.Y, unit=z.unit)
    real.emissions = pymrio.Extension(name="emissions", F=z.emissions.F, F_Y=z.emissions.F_Y,
                                      unit=z.emissions.unit)
    c = emb.from_pymrio(real, extension="emissions").accounts(solver="dense")
    assert rel(c.cba.values, a.cba.values) <= 1e-12
