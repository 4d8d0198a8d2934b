#!/usr/bin/python3
"""SciPy side of bench/monitor.sh: ks_2samp and numpy PSI (10 baseline
quantile bins, 1e-4 for empty shares, as ml/drift) over every feature column
of two CSVs. Reading the CSVs is not timed. Prints
    scipy_drift seconds <s> columns <n> max_ks <D> min_p <p> max_psi <psi>"""
import sys
import time

import numpy as np
import pandas as pd
from scipy import stats

a = pd.read_csv(sys.argv[1])
b = pd.read_csv(sys.argv[2])
cols = [c for c in a.columns if c != "target"]
t0 = time.perf_counter()
D, P, PSI = [], [], []
for c in cols:
    x, y = a[c].dropna().to_numpy(), b[c].dropna().to_numpy()
    r = stats.ks_2samp(x, y)
    edges = np.quantile(x, np.linspace(0, 1, 11)[1:-1])
    ca = np.bincount(np.searchsorted(edges, x, side="right"), minlength=10) / len(x)
    cb = np.bincount(np.searchsorted(edges, y, side="right"), minlength=10) / len(y)
    ca, cb = np.where(ca == 0, 1e-4, ca), np.where(cb == 0, 1e-4, cb)
    ca, cb = ca / ca.sum(), cb / cb.sum()
    D.append(r.statistic); P.append(r.pvalue); PSI.append(float(np.sum((cb - ca) * np.log(cb / ca))))
secs = time.perf_counter() - t0
print(f"scipy_drift seconds {secs:.3f} columns {len(cols)} max_ks {max(D):.6f} min_p {min(P):.6g} max_psi {max(PSI):.6f}")
