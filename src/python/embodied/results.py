"""embodied.results — read_results(): a results file written by
`embodied accounts -o R.h5` (format embodied-results, version 1) as the same
pandas objects Table.accounts() returns.  The library has no results reader,
so this uses h5py (Debian's python3-h5py), imported only when called."""
import numpy as np
import pandas as pd


class Results:
    """Accounts read from a results file; attrs holds its provenance attributes."""

    def __init__(self, path):
        import h5py
        with h5py.File(path, "r") as f:
            if f.attrs.get("results_format") != "embodied-results":
                raise ValueError(f"{path}: not an embodied results file (attribute results_format)")
            self.attrs = {k: (v.decode() if isinstance(v, bytes) else v) for k, v in f.attrs.items()}
            # the run's data facts, one per line (absent in files of older versions)
            self.warnings = str(self.attrs.get("warnings", "")).splitlines()
            dec = lambda d: [v.decode() if isinstance(v, bytes) else str(v) for v in f[d][()]]
            self.regions, self.sectors, self.stressors = dec("regions"), dec("sectors"), dec("stressors")
            self.units = dec("stressor_units")
            self.group_names = dec("groups") if "groups" in f and \
                getattr(f["groups"], "dtype", None) is not None and f["groups"].dtype.kind in "OS" else []
            self._data = {k: f[k][()] for k in f.keys() if isinstance(f[k], h5py.Dataset)
                          and f[k].dtype.kind == "f"}
        k, nr = len(self.stressors), len(self.regions)
        si = pd.Index(self.stressors, name="stressor")
        rs = pd.MultiIndex.from_product([self.regions, self.sectors], names=["region", "sector"])
        for name, v in self._data.items():
            if name == "x":
                obj = pd.Series(v, index=rs, name="indout")
            elif v.shape == (k, nr):
                obj = pd.DataFrame(v, index=si, columns=pd.Index(self.regions, name="region"))
            elif v.shape == (k, nr, nr):
                mi = pd.MultiIndex.from_product([self.regions, self.regions],
                                                names=["origin", "destination"])
                obj = pd.DataFrame(v.reshape(k, -1).T, index=mi, columns=si)
            elif v.ndim == 2 and v.shape == (k, len(rs)):
                obj = pd.DataFrame(v, index=si, columns=rs)
            else:
                obj = np.asarray(v)
            setattr(self, name, obj)


def read_results(path):
    """Results of a file the CLI wrote (embodied accounts -o R.h5)."""
    return Results(path)
