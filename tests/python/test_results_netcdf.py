"""results.h5 as a netCDF-4 file (README "Reading results.h5 elsewhere"):
xarray opens it with the netcdf4 and the h5netcdf engines and gives labelled
arrays whose coordinates are the labels and whose values equal the CSV files
of the same run exactly; every data variable has units and a long_name;
ncdump -h lists the named dimensions; h5py sees the dimension scales; R's
ncdf4 (where r-cran-ncdf4 is installed) gets the axes by name, reversed, and
the same value for an origin -> destination pair."""
import os
import shutil
import subprocess

import numpy as np
import pandas as pd
import pytest


def _need(mod):
    try:
        return __import__(mod)
    except ImportError:
        if os.environ.get("CI") == "true":
            pytest.fail(f"python module {mod} missing and CI=true (scripts/setup.sh installs it)")
        pytest.skip(f"python module {mod} missing (scripts/setup.sh installs it)")


GROUPS = ["-g", "ASIA=CN,MN", "-g", "REST=US,RU,RoW"]


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    cli = os.environ.get("EMBODIED_CLI")
    if not cli:
        pytest.skip("EMBODIED_CLI not set (run through meson test)")
    d = tmp_path_factory.mktemp("nc")
    subprocess.run([cli, "accounts", "-o", str(d / "r.h5"), "--csv", str(d / "csv"), "-q",
                    "--sectors", "--flows-by-sector", "--eebt", "--tcba"] + GROUPS,
                   check=True, capture_output=True)
    return d


@pytest.mark.parametrize("engine", ["netcdf4", "h5netcdf"])
def test_xarray_values_equal_csv(run, engine):
    xr = _need("xarray")
    _need("netCDF4" if engine == "netcdf4" else "h5netcdf")
    acc = pd.read_csv(run / "csv" / "accounts.csv", float_precision="round_trip")
    with xr.open_dataset(run / "r.h5", engine=engine) as ds:
        regions = list(ds["regions"].values)
        assert list(ds["region"].values) == regions
        assert list(ds["origin"].values) == regions == list(ds["destination"].values)
        assert list(ds["stressor"].values) == list(ds["stressors"].values)
        assert list(ds["group"].values) == ["ASIA", "REST"]
        assert ds["pba"].dims == ("stressor", "region")
        assert ds["flows"].dims == ("stressor", "origin", "destination")
        assert ds["group_cba"].dims == ("stressor", "group")
        assert ds["M"].dims == ("stressor", "sector_index")
        assert ds["flows_by_sector"].dims == ("stressor", "sector_index", "destination")
        n = 0
        for _, row in acc.iterrows():
            grp = row["kind"] == "group"
            for col in ("pba", "cba", "imports", "exports", "unallocated", "balance", "tcba"):
                if grp:
                    v = ds["group_" + col].sel(stressor=row["stressor"], group=row["region"])
                else:
                    v = ds[col].sel(stressor=row["stressor"], region=row["region"])
                assert float(v) == row[col], (col, row["region"])
                n += 1
            assert str(ds["stressor_units"].sel(stressor=row["stressor"]).values) == row["unit"]
        assert n == 7 * len(acc) and (acc["kind"] == "group").sum() == 2
        fl = pd.read_csv(run / "csv" / "flows.csv", float_precision="round_trip")
        reg = fl[fl["kind"] == "region"]
        assert len(reg) == ds["flows"].size
        for _, row in reg.iterrows():
            v = ds["flows"].sel(stressor=row["stressor"], origin=row["origin"],
                                destination=row["destination"])
            assert float(v) == row["value"]
        sec = pd.read_csv(run / "csv" / "sectors.csv", float_precision="round_trip")
        assert list(ds["sector_region"].values) == list(sec["region"])
        assert list(ds["sector_name"].values) == list(sec["sector"])
        for col in ("D_pba", "D_cba", "D_imp", "D_exp"):
            np.testing.assert_array_equal(ds[col].sel(stressor=sec["stressor"][0]).values,
                                          sec[col].values)
        fbs = pd.read_csv(run / "csv" / "flows_by_sector.csv", float_precision="round_trip")
        v = ds["flows_by_sector"].values.reshape(-1)
        np.testing.assert_array_equal(v, fbs["value"].values)  # same order: origin-major
        # every data variable says what it is and in which unit
        for name, var in ds.data_vars.items():
            assert "long_name" in var.attrs, name
            if var.dtype.kind == "f":
                assert var.attrs.get("units"), name
        assert ds["pba"].attrs["units"] == "kt"
        assert ds["x"].attrs["units"] == "M.USD"
        assert ds["M"].attrs["units"] == "kt per M.USD"
        assert "slowest-varying first" in ds.attrs["dimension_order"]
    with xr.open_dataset(run / "r.h5", engine=engine, group="eebt") as e:
        ea = pd.read_csv(run / "csv" / "eebt_accounts.csv", float_precision="round_trip")
        for _, row in ea[ea["kind"] == "region"].iterrows():
            assert float(e["cba"].sel(stressor=row["stressor"], region=row["region"])) == row["cba"]
        assert e["flows"].dims == ("stressor", "origin", "destination")
    with xr.open_dataset(run / "r.h5", engine=engine, group="groups") as g:
        assert list(g["ASIA"].values) == ["CN", "MN"]
        assert list(g["REST"].values) == ["US", "RU", "RoW"]


def test_group_flows_in_csv_are_member_sums(run):
    fl = pd.read_csv(run / "csv" / "flows.csv", float_precision="round_trip")
    reg = fl[fl["kind"] == "region"].set_index(["origin", "destination"])["value"]
    members = {"ASIA": ["CN", "MN"], "REST": ["US", "RU", "RoW"]}
    regions = list(dict.fromkeys(fl["origin"][fl["kind"] == "region"]))
    unit = lambda u: members.get(u, [u])
    grp = fl[fl["kind"] == "group"]
    # every pair with a group on either side, once
    n = len(regions) + len(members)
    assert len(grp) == n * n - len(regions) ** 2
    for _, row in grp.iterrows():
        want = sum(reg[(o, d)] for o in unit(row["origin"]) for d in unit(row["destination"]))
        assert abs(row["value"] - want) <= 1e-12 * abs(want)


def test_ncdump_lists_dimensions(run):
    ncdump = shutil.which("ncdump")
    if not ncdump:
        if os.environ.get("CI") == "true":
            pytest.fail("ncdump missing and CI=true (netcdf-bin; scripts/setup.sh)")
        pytest.skip("ncdump missing (netcdf-bin; scripts/setup.sh installs it)")
    out = subprocess.run([ncdump, "-h", str(run / "r.h5")], check=True, capture_output=True,
                         text=True).stdout
    dims = out.split("dimensions:")[1].split("variables:")[0]
    for d in ("stressor = 1", "region = 6", "origin = 6", "destination = 6", "sector_index = 54",
              "sector = 9", "group = 2"):
        assert d in dims, d
    assert "double flows(stressor, origin, destination)" in out
    assert 'pba:units = "kt"' in out


def test_h5py_sees_dimension_scales(run):
    h5py = _need("h5py")
    with h5py.File(run / "r.h5", "r") as f:
        assert [f["flows"].dims[i][0].name for i in range(3)] == ["/stressor", "/origin",
                                                                   "/destination"]
        assert f["eebt/flows"].dims[1][0].name == "/eebt/origin"
        assert f["regions"].dims[0][0].name == "/region"


def test_r_ncdf4_axes(run):
    rscript = shutil.which("Rscript")
    ok = rscript and subprocess.run([rscript, "-e", "library(ncdf4)"], capture_output=True).returncode == 0
    if not ok:
        pytest.skip("Rscript with ncdf4 missing (r-cran-ncdf4; scripts/setup.sh installs it)")
    fl = pd.read_csv(run / "csv" / "flows.csv", float_precision="round_trip")
    row = fl[(fl["origin"] == "CN") & (fl["destination"] == "EU27")].iloc[0]
    script = os.path.join(os.path.dirname(__file__), "results_ncdf4.R")
    r = subprocess.run([rscript, script, str(run / "r.h5"), "CN", "EU27", repr(row["value"])],
                       capture_output=True, text=True)
    assert r.returncode == 0 and r.stdout.strip() == "ok", r.stdout + r.stderr
