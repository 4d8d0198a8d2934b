#!/usr/bin/python3
"""Reference side of bench/train.sh: XGBoost `hist` and scikit-learn's
HistGradientBoosting on a CSV, first 80 % of rows train, last 20 % test.

usage: train_ref.py FILE.csv binary|regression [ROUNDS]

Settings as the issue asks: 2 threads, depth 6, learning rate 0.1, ROUNDS
(default 200) rounds, 256 bins. Prints one line per model:
"<model> train_s <seconds> <metric> <value>" (metric: auc or rmse).

Both references are set up as ml/gbdt trains, so that the numbers compare
boosters and not defaults:
- XGBoost gets base_score = the training mean (ml/gbdt's initial margin;
  XGBoost 1.7 defaults to 0.5). On the mixed table, whose target is 99.7 %
  positive, the default moved XGBoost's AUC from 0.9936 to 0.9951, and a
  base_score one float32 step away from the mean moves it by up to 0.0007.
- HistGradientBoosting gets l2_regularization=1, XGBoost's (and ml/gbdt's)
  reg_lambda. With sklearn's default 0 its first trees on the mixed table
  had leaf values near -30 (leaves of a few negatives with hessian sums
  near 0), the predictions saturated and the model stopped changing after
  5 rounds at AUC 0.794; with 1 it reaches 0.9935 like the others.
"""
import os
import sys
import time

os.environ.setdefault("OMP_NUM_THREADS", "2")
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import xgboost as xgb  # noqa: E402
from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor  # noqa: E402
from sklearn.metrics import mean_squared_error, roc_auc_score  # noqa: E402

path, task = sys.argv[1], sys.argv[2]
rounds = int(sys.argv[3]) if len(sys.argv) > 3 else 200
df = pd.read_csv(path)
y = df.pop("target").to_numpy()
for c in df.columns:
    if df[c].dtype == object:
        df[c] = df[c].astype("category")
cut = int(len(df) * 0.8)
Xtr, Xte, ytr, yte = df.iloc[:cut], df.iloc[cut:], y[:cut], y[cut:]

def score(pred):
    if task == "binary":
        return "auc", roc_auc_score(yte, pred)
    return "rmse", mean_squared_error(yte, pred) ** 0.5

common = dict(n_estimators=rounds, max_depth=6, learning_rate=0.1, max_bin=256,
              tree_method="hist", n_jobs=2, enable_categorical=True,
              base_score=float(np.mean(ytr)))
if task == "binary":
    m = xgb.XGBClassifier(**common)
else:
    m = xgb.XGBRegressor(**common)
t = time.perf_counter()
m.fit(Xtr, ytr)
secs = time.perf_counter() - t
pred = m.predict_proba(Xte)[:, 1] if task == "binary" else m.predict(Xte)
name, val = score(pred)
print(f"xgboost_hist train_s {secs:.3f} {name} {val:.6f}")
t = time.perf_counter()
bp = m.predict_proba(Xte) if task == "binary" else m.predict(Xte)
ps = time.perf_counter() - t
print(f"xgboost_hist predict_rows_per_s {len(Xte) / ps:.0f}")

# HGB takes categorical features as codes and at most 255 categories: columns
# with more are given as ordinal codes.
cats = [c for c in df.columns if str(df[c].dtype) == "category"]
Xtr = Xtr.copy(); Xte = Xte.copy()
for c in cats:
    Xtr[c] = Xtr[c].cat.codes.replace(-1, np.nan)
    Xte[c] = Xte[c].cat.codes.replace(-1, np.nan)
native = [df.columns.get_loc(c) for c in cats if len(df[c].cat.categories) <= 255]
hgb_args = dict(max_iter=rounds, max_depth=6, learning_rate=0.1, max_bins=255,
                l2_regularization=1.0, early_stopping=False,
                categorical_features=native or None)
h = HistGradientBoostingClassifier(**hgb_args) if task == "binary" else HistGradientBoostingRegressor(**hgb_args)
t = time.perf_counter()
h.fit(Xtr, ytr)
secs = time.perf_counter() - t
pred = h.predict_proba(Xte)[:, 1] if task == "binary" else h.predict(Xte)
name, val = score(pred)
print(f"sklearn_hgb train_s {secs:.3f} {name} {val:.6f}")
