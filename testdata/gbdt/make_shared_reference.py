#!/usr/bin/python3
"""XGBoost `hist` reference numbers on every dataset of ../shared/datasets.

Run from the repository root with Debian's python3 (xgboost 1.7, pandas 1.5):

    /usr/bin/python3 testdata/gbdt/make_shared_reference.py

Encoding (mirrored by ml/gbdt/shared_parity_test.go): the target column is taken
out; every other text column becomes its category's index among the sorted
distinct values, missing as NaN, and is used as a numeric feature (so both
libraries see the same numbers and the comparison is of the boosters, not of
categorical handling). Rows i with i % 5 == 4 are the test set, the others
train (several files are sorted by class, so a head/tail split would not do).
XGBoost: tree_method="hist", n_estimators=100, max_depth=6, learning_rate=0.1,
max_bin=256, nthread=2, base_score = mean of the training target. Writes
shared_reference.json: test ROC-AUC (binary) or RMSE (regression).

XGBoost's own float32 noise: each dataset is also trained with base_score
moved by k = -3..3 float32 steps (a relative change of at most 2e-7), and
those metrics are written as "band" (k = 0 is the nominal run). On
mlc_churn.csv the test AUC jumps from 0.91289 to 0.90931 at k = 3: tree 7
has two candidate splits whose gains differ by 3e-6 relative, and which one
wins depends on float32 rounding (ml/gbdt's 100 trees have the structure of
XGBoost's at k = 3, and its AUC). A booster equal to XGBoost up to float
rounding can land on either value, so the test accepts the band.
"""
import json
import os
import platform

import numpy as np
import pandas as pd
import xgboost as xgb
from sklearn.metrics import mean_squared_error, roc_auc_score

HERE = os.path.dirname(os.path.abspath(__file__))
SHARED = os.path.join(HERE, "..", "..", "..", "shared", "datasets")
DATASETS = [  # file, target, positive class (None: regression)
    ("mlc_churn.csv", "churn", "yes"),
    ("credit_data.csv", "status", "bad"),
    ("ames.csv", "sale_price", None),
    ("pima_indians_diabetes2.csv", "diabetes", "pos"),
    ("spam.csv", "type", "spam"),
]
PARAMS = dict(tree_method="hist", n_estimators=100, max_depth=6, learning_rate=0.1,
              max_bin=256, n_jobs=2, random_state=0)

BAND_ULPS = [-3, -2, -1, 0, 1, 2, 3]

out = {"versions": {"xgboost": xgb.__version__, "pandas": pd.__version__,
                    "numpy": np.__version__, "python": platform.python_version()},
       "params": PARAMS, "datasets": {}}
for file, target, pos in DATASETS:
    df = pd.read_csv(os.path.join(SHARED, file))
    y = df.pop(target)
    if pos is not None:
        y = (y == pos).astype(float)
    y = y.to_numpy(dtype=np.float64)
    for c in df.columns:
        if df[c].dtype == object:
            cats = sorted(df[c].dropna().unique())
            df[c] = pd.Categorical(df[c], categories=cats).codes.astype(float)
            df.loc[df[c] < 0, c] = np.nan
    X = df.to_numpy(dtype=np.float64)
    test = np.arange(len(df)) % 5 == 4
    base = float(np.mean(y[~test]))

    def fit(base_score):
        if pos is not None:
            m = xgb.XGBClassifier(objective="binary:logistic", base_score=base_score, **PARAMS)
            m.fit(X[~test], y[~test])
            return float(roc_auc_score(y[test], m.predict_proba(X[test])[:, 1]))
        m = xgb.XGBRegressor(objective="reg:squarederror", base_score=base_score, **PARAMS)
        m.fit(X[~test], y[~test])
        return float(np.sqrt(mean_squared_error(y[test], m.predict(X[test]))))

    metric = "test_auc" if pos is not None else "test_rmse"
    band = []
    for k in BAND_ULPS:
        b = np.float32(base)
        for _ in range(abs(k)):
            b = np.nextafter(b, np.float32(np.inf if k > 0 else -np.inf))
        band.append(fit(float(b)))
    out["datasets"][file] = {"target": target, "positive": pos, "base_score": base,
                             metric: fit(base),
                             "band": {"base_score_float32_steps": BAND_ULPS, metric: band}}

with open(os.path.join(HERE, "shared_reference.json"), "w") as f:
    json.dump(out, f, indent=1, sort_keys=True)
    f.write("\n")
