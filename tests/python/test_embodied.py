"""The Python package against the CLI on the demo table (equal to 1e-15),
errors as exceptions with the library's message, the per-call memory limit,
interruption through the context's callback (the README's examples: test_readme.py)."""
import subprocess
import threading

import numpy as np
import pandas as pd
import pytest

import embodied as emb


def test_equals_cli(root, cli, tmp_path):
    demo = root / "datasets" / "demo.h5"
    subprocess.run([cli, "accounts", str(demo), "--csv", str(tmp_path)], check=True,
                   capture_output=True)
    acc = emb.read(demo).accounts()
    c = pd.read_csv(tmp_path / "accounts.csv")
    n = 0
    for name in ("pba", "cba", "imports", "exports"):
        if name not in c.columns:
            continue
        for _, row in c.iterrows():
            if row["region"] in acc.regions:
                v = acc.__getattr__(name).loc[row["stressor"], row["region"]]
                assert abs(v - row[name]) <= 1e-15 * max(1.0, abs(row[name])), (name, row)
                n += 1
    assert n > 0
    f = pd.read_csv(tmp_path / "flows.csv")
    for _, row in f.iterrows():
        v = acc.flows.loc[(row["origin"], row["destination"]), row["stressor"]]
        assert abs(v - row["value"]) <= 1e-15 * max(1.0, abs(row["value"]))
    assert len(f) == len(acc.flows) * len(acc.stressors)


def test_error_carries_library_message(tmp_path):
    with pytest.raises(emb.EmbodiedIOError) as e:
        emb.read(tmp_path / "missing.h5")
    assert "missing.h5" in str(e.value)
    bad = np.ones((2, 2))
    with pytest.raises(emb.EmbodiedError):
        emb.from_arrays(Z=-bad, Y=np.ones((2, 1)), F=np.ones((1, 2)), regions=["R"],
                        sectors=["a", "b"], fd_categories=["hh"], stressors=["co2"])


def test_bad_solver_is_usage_error(root):
    t = emb.read(root / "datasets" / "demo.h5")
    with pytest.raises(emb.EmbodiedUsageError, match="auto"):
        t.accounts(solver="nonsense")


def test_memory_limit_per_call(root):
    t = emb.read(root / "datasets" / "demo.h5")
    with pytest.raises(emb.EmbodiedMemoryError) as e:
        t.accounts(max_memory=1024)
    assert str(e.value)
    # the limit was per call: the next call without it succeeds
    assert np.isfinite(t.accounts().cba.values).all()


def test_interrupt_raises_keyboardinterrupt(root):
    t = emb.read(root / "datasets" / "demo.h5")
    flag = threading.Event()
    flag.set()  # as the main thread does on Ctrl-C; the library's callback reads it
    with pytest.raises(KeyboardInterrupt):
        t.accounts(_interrupt=flag)
    assert np.isfinite(t.accounts().pba.values).all()


def test_flows_pair(root):
    t = emb.read(root / "datasets" / "demo.h5")
    acc = t.accounts()
    o, d = acc.regions[0], acc.regions[1]
    s = t.flows(o, d)
    assert s.iloc[0] == acc.flows.loc[(o, d)].iloc[0]


def test_eebt_tcba_options(root):
    acc = emb.read(root / "datasets" / "demo.h5").accounts(eebt=True, tcba=True)
    tot = abs(acc.pba.values).sum()
    # world EEBT CBA and world TCBA both equal world PBA (README, trade analyses)
    assert abs(acc.eebt_cba.values.sum() - acc.pba.values.sum()) <= 1e-9 * tot
    assert abs(acc.tcba.values.sum() - acc.cba.values.sum()) <= 1e-9 * tot
    assert list(acc.eebt_flows.index.names) == ["origin", "destination"]
    with pytest.raises(AttributeError):
        emb.read(root / "datasets" / "demo.h5").accounts().eebt_cba


def test_read_results_equals_package(root, cli, tmp_path):
    pytest.importorskip("h5py")
    demo = root / "datasets" / "demo.h5"
    out = tmp_path / "r.h5"
    subprocess.run([cli, "accounts", str(demo), "-q", "-o", str(out)], check=True,
                   capture_output=True)
    r = emb.read_results(out)
    acc = emb.read(demo).accounts()
    assert r.attrs["results_format"] == "embodied-results"
    for name in ("pba", "cba", "imports", "exports", "unallocated", "M", "flows"):
        a, b = getattr(r, name), getattr(acc, name)
        assert a.index.equals(b.index) and a.columns.equals(b.columns), name
        assert np.max(np.abs(a.values - b.values)) <= 1e-15 * max(1.0, np.max(np.abs(b.values))), name
