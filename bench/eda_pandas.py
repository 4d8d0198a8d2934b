#!/usr/bin/python3
"""pandas side of bench/eda.sh: time the EDA profile that `mlcycle eda` computes.

usage: eda_pandas.py FILE.csv [FILE.csv ...]

For each file: read_csv (reported, not counted), then the counted compute:
describe(), corr() Pearson, corr(method="spearman"), 50-bin numpy histograms
of every numeric column, and value_counts(dropna=False) of every string column.
Each op runs once (Spearman dominates); the sum is printed as
"pandas_compute_s <file> <seconds>".
"""
import sys
import time

import numpy as np
import pandas as pd


def timed(fn):
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


for path in sys.argv[1:]:
    t = time.perf_counter()
    df = pd.read_csv(path)
    read = time.perf_counter() - t
    num = df.select_dtypes("number")
    cats = [c for c in df.columns if df[c].dtype == object]
    ops = {
        "describe": lambda: df.describe(),
        "corr_pearson": lambda: num.corr(),
        "corr_spearman": lambda: num.corr(method="spearman"),
        "hist50": lambda: [np.histogram(num[c].to_numpy()[~np.isnan(num[c].to_numpy())], bins=50) for c in num.columns],
        "value_counts": lambda: [df[c].value_counts(dropna=False) for c in cats],
    }
    total = 0.0
    for name, fn in ops.items():
        s = timed(fn)
        total += s
        print(f"  pandas {name:14s} {s:7.2f} s", file=sys.stderr)
    print(f"  pandas read_csv       {read:7.2f} s (not counted)", file=sys.stderr)
    print(f"pandas_compute_s {path} {total:.3f}")
