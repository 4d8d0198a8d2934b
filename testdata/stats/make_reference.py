#!/usr/bin/python3
"""Write the reference values that ml/stats is tested against.

Run from this directory with Debian's Python (pandas 1.5.3, NumPy 1.24,
SciPy 1.10):

    cd testdata/stats && /usr/bin/python3 make_reference.py

Inputs (all MIT-licensed, committed in this repository):
  credit  ../datasets/credit_data.csv
  churn   ../../internal/demo/mlc_churn.csv
  ames    ames_subset.csv, written here from ../../../shared/datasets/ames.csv
          (every 7th row, 23 columns) when that file exists
  edge    edge.csv, synthetic edge cases written here (seeded)

Output: reference.json. "pearson" and "spearman" are pandas'
DataFrame.corr; "pearson_exact" is the same definition computed in exact
rational arithmetic (pandas' Welford updates lose about log10(|mean|/std)
digits, so for a column like 1e9 + N(0, 1) pandas is off by 1e-8). The
correlation ratio, for which pandas and SciPy have no function, is computed
exactly too. Every float is written with repr (exact round trip);
NaN is written as null. Column paths are relative to the repository root.
"""
import json
import math
import os
import sys
from fractions import Fraction

import numpy as np
import pandas as pd
import scipy
from scipy.stats.contingency import association

PROBS = [0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99]
BINS = 50
MAD_SCALE = 1.4826
OUTLIER_K = 5

AMES_SOURCE = "../../../shared/datasets/ames.csv"
AMES_COLUMNS = [
    "lot_frontage", "lot_area", "year_built", "mas_vnr_area", "total_bsmt_sf",
    "gr_liv_area", "bsmt_half_bath", "fireplaces", "garage_area", "pool_area",
    "misc_val", "mo_sold", "sale_price", "longitude", "latitude",
    "ms_zoning", "street", "neighborhood", "central_air", "garage_type",
    "pool_qc", "sale_condition", "bldg_type",
]


def write_ames_subset():
    if not os.path.exists(AMES_SOURCE):
        print(f"{AMES_SOURCE} not found: keeping ames_subset.csv", file=sys.stderr)
        return
    df = pd.read_csv(AMES_SOURCE)
    df = df.iloc[::7][AMES_COLUMNS]
    df.to_csv("ames_subset.csv", index=False)


def write_edge():
    rng = np.random.RandomState(20240601)
    n = 200

    def holes(x, k):
        x = x.astype(float).copy()
        x[rng.choice(n, k, replace=False)] = np.nan
        return x

    a = rng.normal(10, 3, n)
    b = holes(a + rng.normal(0, 2, n), 25)
    two = np.full(n, np.nan)
    two[[3, 150]] = [1.5, -2.0]
    three = np.full(n, np.nan)
    three[[0, 50, 199]] = [1.0, 2.0, 4.0]
    zeros = np.zeros(n)
    zeros[rng.choice(n, 12, replace=False)] = rng.exponential(5, 12)
    cols = {
        "a": holes(a, 20),
        "b": b,
        "mono": np.exp(a / 4),
        "ties": holes(rng.randint(0, 5, n), 10),
        "const": holes(np.full(n, 7.0), 30),
        "tenth": np.full(n, 0.1),
        "two": two,
        "three": three,
        "tiny": rng.normal(0, 1e-9, n),
        "offset": 1e9 + rng.normal(0, 1, n),
        "zeros": zeros,
        "neg": -rng.exponential(2, n),
        "allnan": np.full(n, np.nan),
    }
    df = pd.DataFrame(cols)

    def cat(levels, k):
        g = rng.choice(levels, n).astype(object)
        if k:
            g[rng.choice(n, k, replace=False)] = None
        return g

    df["g1"] = cat(["red", "green", "blue"], 15)
    df["g2"] = cat(["yes", "no"], 0)
    df["gone"] = cat(["only"], 5)
    df["g5"] = cat(["p", "q", "r", "s", "t"], 40)
    # A category that is always next to a missing value of "a".
    g6 = np.where(np.isnan(df["a"]), "lonely", cat(["u", "v"], 0)).astype(object)
    df["g6"] = g6
    df.to_csv("edge.csv", index=False)


def clean(v):
    """Replace NaN by None, recursively; refuse infinities."""
    if isinstance(v, dict):
        return {k: clean(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [clean(x) for x in v]
    if isinstance(v, (float, np.floating)):
        v = float(v)
        if math.isnan(v):
            return None
        if math.isinf(v):
            raise ValueError("infinite value")
        return v
    if isinstance(v, np.integer):
        return int(v)
    return v


def outliers(s):
    v = s.dropna().to_numpy(dtype=float)
    if len(v) == 0:
        return {"median": math.nan, "mad": math.nan, "lower": math.nan, "upper": math.nan, "count": 0}
    med = np.median(v)
    mad = np.median(np.abs(v - med))
    rs = MAD_SCALE * mad
    lo, hi = med - OUTLIER_K * rs, med + OUTLIER_K * rs
    return {"median": med, "mad": mad, "lower": lo, "upper": hi, "count": int(((v < lo) | (v > hi)).sum())}


def correlation_ratio(x, g):
    """eta = sqrt(SS_between / SS_total) in exact rational arithmetic."""
    d = pd.DataFrame({"x": x, "g": g}).dropna()
    if len(d) == 0 or d["x"].nunique() <= 1:
        return math.nan
    xs = [Fraction(v) for v in d["x"]]
    m = sum(xs) / len(xs)
    sst = sum((v - m) ** 2 for v in xs)
    groups = {}
    for v, key in zip(xs, d["g"]):
        s, n = groups.get(key, (0, 0))
        groups[key] = (s + v - m, n + 1)
    ssb = sum(s * s / n for s, n in groups.values())
    return math.sqrt(ssb / sst)


def exact_pearson(df, cols):
    """Pearson correlations over pairwise-complete rows, in exact rational
    arithmetic but for the final square root; NaN as in pandas."""
    k = len(cols)
    out = [[math.nan] * k for _ in range(k)]
    for i in range(k):
        for j in range(i + 1):
            d = df[[cols[i], cols[j]]].dropna() if i != j else df[[cols[i]]].dropna()
            x = [Fraction(v) for v in d[cols[i]]]
            y = [Fraction(v) for v in d[cols[j]]]
            n = len(x)
            if n == 0:
                continue
            mx, my = sum(x) / n, sum(y) / n
            sxy = sum((a - mx) * (b - my) for a, b in zip(x, y))
            sxx = sum((a - mx) ** 2 for a in x)
            syy = sum((b - my) ** 2 for b in y)
            if sxx == 0 or syy == 0:
                continue
            r = math.copysign(math.sqrt(sxy * sxy / (sxx * syy)), sxy)
            out[i][j] = out[j][i] = r
    return out


def cramers_v(a, b):
    d = pd.DataFrame({"a": a, "b": b}).dropna()
    table = pd.crosstab(d["a"], d["b"]).to_numpy()
    if min(table.shape) < 2:
        return math.nan
    return association(table, method="cramer")


def reference(path):
    df = pd.read_csv(path, float_precision="round_trip")
    num = [c for c in df.columns if pd.api.types.is_numeric_dtype(df[c])]
    cat = [c for c in df.columns if c not in num]
    out = {"path": os.path.normpath(os.path.join("testdata/stats", path)), "numeric": num, "categorical": cat}
    describe, hist, outl = {}, {}, {}
    for c in num:
        s = df[c]
        describe[c] = {
            "count": int(s.count()), "mean": s.mean(), "std": s.std(),
            "min": s.min(), "max": s.max(), "skew": s.skew(), "kurt": s.kurt(),
            "zeros": int((s == 0).sum()),
            "quantiles": [float(q) for q in s.quantile(PROBS)],
        }
        counts, edges = np.histogram(s.dropna().to_numpy(dtype=float), bins=BINS)
        hist[c] = {"edges": edges.tolist(), "counts": counts.tolist()}
        outl[c] = outliers(s)
    out["describe"], out["histogram"], out["outliers"] = describe, hist, outl
    out["pearson"] = df[num].corr(method="pearson").to_numpy().tolist()
    out["pearson_exact"] = exact_pearson(df, num)
    out["spearman"] = df[num].corr(method="spearman").to_numpy().tolist()
    out["cramers_v"] = [
        {"a": a, "b": b, "value": cramers_v(df[a], df[b])}
        for i, a in enumerate(cat) for b in cat[i + 1:]
    ]
    out["correlation_ratio"] = [
        {"numeric": x, "categorical": g, "value": correlation_ratio(df[x], df[g])}
        for x in num for g in cat
    ]
    return out


def main():
    os.chdir(os.path.dirname(os.path.abspath(__file__)))
    write_ames_subset()
    write_edge()
    ref = {
        "versions": {
            "python": sys.version.split()[0], "pandas": pd.__version__,
            "numpy": np.__version__, "scipy": scipy.__version__,
        },
        "probs": PROBS,
        "bins": BINS,
        "datasets": {
            "credit": reference("../datasets/credit_data.csv"),
            "churn": reference("../../internal/demo/mlc_churn.csv"),
            "ames": reference("ames_subset.csv"),
            "edge": reference("edge.csv"),
        },
    }
    with open("reference.json", "w") as f:
        json.dump(clean(ref), f, allow_nan=False, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
