#!/usr/bin/python3
"""Generate the ml/forest accuracy-parity fixtures and the speed reference.

Run from the repository root with Debian's python3 (sklearn 1.2, numpy):

    /usr/bin/python3 testdata/forest/make_reference.py

It writes three CSVs of 5,000 rows x 10 float features plus a last column
"y", with values written with 5 significant digits and read back before
training, so scikit-learn trains on exactly the bytes the Go test reads:

  clf.csv    binary classification (make_classification, flip_y=0.05)
  multi.csv  3-class classification (make_classification)
  reg.csv    regression (make_friedman1, noise 1.0)

No values are missing: scikit-learn 1.2's forests reject NaN. The first 80%
of rows are the training set, the rest the test set.
RandomForestClassifier/Regressor(n_estimators=200, random_state=0, n_jobs=2)
with their defaults are fitted on the training rows; test ROC-AUC (binary),
accuracy (multiclass), RMSE (regression) and the OOB scores go to
reference.json with the versions.

The speed reference fits RandomForestClassifier(n_estimators=BENCH_TREES,
n_jobs=2, random_state=0) on 100,000 x 28 rows drawn as BenchmarkFit draws
them in ml/forest/bench_test.go (same distribution, not the same numbers:
X standard normal, y = [x0 + x1*x2 - x3 + 0.5*sin(2*x4) + 0.5*e > 0]) and
records the best of three wall-clock times.
"""
import json
import os
import platform
import time

import numpy as np
import pandas as pd
import sklearn
from sklearn.datasets import make_classification, make_friedman1
from sklearn.ensemble import RandomForestClassifier, RandomForestRegressor
from sklearn.metrics import accuracy_score, mean_squared_error, roc_auc_score

HERE = os.path.dirname(os.path.abspath(__file__))
N = 5000
PARAMS = dict(n_estimators=200, random_state=0, n_jobs=2, oob_score=True)
BENCH_ROWS, BENCH_FEATURES, BENCH_TREES = 100_000, 28, 20


def write(name, X, y):
    cols = [f"f{i}" for i in range(X.shape[1])]
    df = pd.DataFrame(X, columns=cols)
    df["y"] = y
    path = os.path.join(HERE, name)
    df.to_csv(path, index=False, float_format="%.5g")
    back = pd.read_csv(path)
    return back[cols].to_numpy(dtype=np.float64), back["y"].to_numpy(dtype=np.float64)


def main():
    ntr = int(N * 0.8)
    out = {"versions": {"sklearn": sklearn.__version__, "numpy": np.__version__,
                        "python": platform.python_version()},
           "params": {k: v for k, v in PARAMS.items()}, "rows": N, "train_rows": ntr}

    X, y = make_classification(n_samples=N, n_features=10, n_informative=6,
                               n_redundant=2, flip_y=0.05, random_state=42)
    X, y = write("clf.csv", X, y)
    m = RandomForestClassifier(**PARAMS).fit(X[:ntr], y[:ntr])
    p = m.predict_proba(X[ntr:])[:, 1]
    out["clf"] = {"file": "clf.csv", "test_auc": float(roc_auc_score(y[ntr:], p)),
                  "test_accuracy": float(accuracy_score(y[ntr:], m.predict(X[ntr:]))),
                  "oob_score": float(m.oob_score_)}

    X, y = make_classification(n_samples=N, n_features=10, n_informative=6,
                               n_redundant=2, n_classes=3, random_state=43)
    X, y = write("multi.csv", X, y)
    m = RandomForestClassifier(**PARAMS).fit(X[:ntr], y[:ntr])
    out["multi"] = {"file": "multi.csv", "classes": 3,
                    "test_accuracy": float(accuracy_score(y[ntr:], m.predict(X[ntr:]))),
                    "oob_score": float(m.oob_score_)}

    X, y = make_friedman1(n_samples=N, n_features=10, noise=1.0, random_state=42)
    X, y = write("reg.csv", X, y)
    m = RandomForestRegressor(**PARAMS).fit(X[:ntr], y[:ntr])
    p = m.predict(X[ntr:])
    out["reg"] = {"file": "reg.csv", "test_rmse": float(np.sqrt(mean_squared_error(y[ntr:], p))),
                  "oob_score": float(m.oob_score_)}

    rng = np.random.default_rng(1)
    X = rng.standard_normal((BENCH_ROWS, BENCH_FEATURES))
    s = X[:, 0] + X[:, 1] * X[:, 2] - X[:, 3] + 0.5 * np.sin(2 * X[:, 4]) + 0.5 * rng.standard_normal(BENCH_ROWS)
    y = (s > 0).astype(np.float64)
    best = float("inf")
    for _ in range(3):
        t0 = time.perf_counter()
        RandomForestClassifier(n_estimators=BENCH_TREES, n_jobs=2, random_state=0).fit(X, y)
        best = min(best, time.perf_counter() - t0)
    out["bench"] = {"rows": BENCH_ROWS, "features": BENCH_FEATURES, "n_estimators": BENCH_TREES,
                    "n_jobs": 2, "sklearn_fit_seconds": round(best, 3)}

    with open(os.path.join(HERE, "reference.json"), "w") as f:
        json.dump(out, f, indent=2, sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    main()
