#!/usr/bin/python3
"""Reference values for internal/prep tests, computed with pandas.

Applies the steps of credit_recipe.yaml to ../datasets/credit_data.csv the
pandas way and writes credit_reference.json: row count, and per column the
non-missing count, the sum (numeric) and the first five values.

Run with Debian's interpreter and pandas (python3-pandas 1.5.3 was used):
    /usr/bin/python3 testdata/prep/make_reference.py
"""
import json
import os

import pandas as pd

here = os.path.dirname(os.path.abspath(__file__))
df = pd.read_csv(os.path.join(here, "..", "datasets", "credit_data.csv"))
for c in ["income", "assets"]:
    df[c] = df[c].fillna(df[c].median())
df["home"] = df["home"].fillna("unknown")
for c in ["job", "marital"]:
    df[c] = df[c].fillna(df[c].mode().iloc[0])  # mode() is sorted: ties go to the smallest
df = df.drop_duplicates(keep="first")
lo, hi = df["debt"].quantile(0.01), df["debt"].quantile(0.99)  # linear interpolation
df["debt"] = df["debt"].clip(lo, hi)
df = df[df["age"] >= 20]
df["debt_ratio"] = df["debt"] / df["income"].replace(0, float("nan"))
df = df.rename(columns={"time": "term"}).drop(columns=["price"])
risk = pd.read_csv(os.path.join(here, "home_risk.csv"))
df = df.merge(risk, on="home", how="left")
df["seniority"] = df["seniority"].astype(float)
cols = ["status", "seniority", "home", "term", "age", "marital", "records", "job",
        "income", "assets", "debt", "amount", "debt_ratio", "risk", "region"]
df = df[cols]

out = {"rows": len(df), "columns": {}, "pandas": pd.__version__}
for c in cols:
    s = df[c]
    col = {"count": int(s.notna().sum()),
           "head": [None if pd.isna(v) else (v.item() if hasattr(v, "item") else v) for v in s.head(5)]}
    if pd.api.types.is_numeric_dtype(s):
        col["sum"] = float(s.sum())
    out["columns"][c] = col
with open(os.path.join(here, "credit_reference.json"), "w") as f:
    json.dump(out, f, indent=1, sort_keys=True)
    f.write("\n")
