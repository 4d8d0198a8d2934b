#!/usr/bin/python3
"""Generate the ml/gbdt accuracy-parity fixtures.

Run from the repository root with Debian's python3 (xgboost 1.7, sklearn 1.2):

    /usr/bin/python3 testdata/gbdt/make_reference.py

It writes clf.csv (binary classification, make_classification) and reg.csv
(regression, make_friedman1 with noise 1.0), each 20,000 rows x 10 features
plus a last column "y", with about 1% of the feature values replaced by NaN
(empty CSV fields). Values are written with 5 significant digits and read
back before training, so XGBoost trains on exactly the bytes the Go test
reads. The first 80% of rows are the training set, the rest the test set.

XGBoost is trained with tree_method="hist", n_estimators=100, max_depth=6,
learning_rate=0.1, max_bin=256, nthread=2, and base_score set to the optimal
constant (weighted mean of y for both objectives; for binary:logistic XGBoost
takes base_score as a probability and converts it to log-odds), which is what
ml/gbdt uses. Test ROC-AUC and RMSE go to reference.json with the versions.
"""
import json
import os
import platform

import numpy as np
import pandas as pd
import sklearn
import xgboost as xgb
from sklearn.datasets import make_classification, make_friedman1
from sklearn.metrics import roc_auc_score, mean_squared_error

HERE = os.path.dirname(os.path.abspath(__file__))
N = 20000
PARAMS = dict(tree_method="hist", n_estimators=100, max_depth=6,
              learning_rate=0.1, max_bin=256, n_jobs=2, random_state=0)


def inject_nan(X, rng, frac=0.01):
    X = X.copy()
    X[rng.random(X.shape) < frac] = np.nan
    return X


def write(name, X, y):
    cols = [f"f{i}" for i in range(X.shape[1])]
    df = pd.DataFrame(X, columns=cols)
    df["y"] = y
    path = os.path.join(HERE, name)
    df.to_csv(path, index=False, float_format="%.5g", na_rep="")
    back = pd.read_csv(path)
    return back[cols].to_numpy(dtype=np.float64), back["y"].to_numpy(dtype=np.float64)


def main():
    rng = np.random.default_rng(7)
    ntr = int(N * 0.8)
    out = {"versions": {"xgboost": xgb.__version__, "sklearn": sklearn.__version__,
                        "numpy": np.__version__, "python": platform.python_version()},
           "params": {k: v for k, v in PARAMS.items()}, "rows": N, "train_rows": ntr}

    X, y = make_classification(n_samples=N, n_features=10, n_informative=6,
                               n_redundant=2, flip_y=0.05, random_state=42)
    X, y = write("clf.csv", inject_nan(X, rng), y)
    base = float(np.mean(y[:ntr]))
    m = xgb.XGBClassifier(objective="binary:logistic", base_score=base, **PARAMS)
    m.fit(X[:ntr], y[:ntr])
    p = m.predict_proba(X[ntr:])[:, 1]
    out["clf"] = {"file": "clf.csv", "objective": "binary:logistic", "base_score": base,
                  "test_auc": float(roc_auc_score(y[ntr:], p))}

    X, y = make_friedman1(n_samples=N, n_features=10, noise=1.0, random_state=42)
    X, y = write("reg.csv", inject_nan(X, rng), y)
    base = float(np.mean(y[:ntr]))
    m = xgb.XGBRegressor(objective="reg:squarederror", base_score=base, **PARAMS)
    m.fit(X[:ntr], y[:ntr])
    p = m.predict(X[ntr:])
    out["reg"] = {"file": "reg.csv", "objective": "reg:squarederror", "base_score": base,
                  "test_rmse": float(np.sqrt(mean_squared_error(y[ntr:], p)))}

    with open(os.path.join(HERE, "reference.json"), "w") as f:
        json.dump(out, f, indent=2, sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    main()
