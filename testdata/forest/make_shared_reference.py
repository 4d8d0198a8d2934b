#!/usr/bin/python3
"""scikit-learn random-forest references on every dataset of ../shared/datasets.

Run from the repository root with Debian's python3 (scikit-learn 1.2.1,
pandas 1.5, numpy):

    /usr/bin/python3 testdata/forest/make_shared_reference.py

Encoding, as testdata/gbdt/make_shared_reference.py (mirrored by
ml/forest/shared_parity_test.go): the target column is taken out; every other
text column becomes its category's index among the sorted distinct values,
missing as NaN, used as a number. Rows i with i % 5 == 4 are the test set, the
others train. scikit-learn 1.2's forests reject NaN, so a missing value is
replaced by its column's median over the training rows (numpy.nanmedian: the
mean of the two middle values for an even count), for both libraries.

Models, on the training rows, for seeds 0 to 4 (random_state), n_jobs=2:

  binary targets: RandomForestClassifier(n_estimators=200, max_features="sqrt")
                  test ROC-AUC of predict_proba
  ames:           RandomForestRegressor(n_estimators=200) (max_features 1.0)
                  test RMSE of sale_price

Writes shared_reference.json: per dataset the medians used, the metric per
seed and its mean. The Go test compares its own mean over seeds with the mean
here: within 0.01 AUC, or 1 % RMSE. A forest's score moves with its seed
(the per-seed values show by how much), so means are compared, not one fit.
"""
import json
import os
import platform

import numpy as np
import pandas as pd
import sklearn
from sklearn.ensemble import RandomForestClassifier, RandomForestRegressor
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
SEEDS = range(5)
CLASSIFIER = dict(n_estimators=200, max_features="sqrt", n_jobs=2)
REGRESSOR = dict(n_estimators=200, n_jobs=2)


def load(file, target, pos):
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
    return list(df.columns), df.to_numpy(dtype=np.float64), y


def main():
    out = {"versions": {"sklearn": sklearn.__version__, "pandas": pd.__version__,
                        "numpy": np.__version__, "python": platform.python_version()},
           "command": "/usr/bin/python3 testdata/forest/make_shared_reference.py",
           "classifier": CLASSIFIER, "regressor": REGRESSOR, "seeds": list(SEEDS), "datasets": {}}
    for file, target, pos in DATASETS:
        names, X, y = load(file, target, pos)
        test = np.arange(len(y)) % 5 == 4
        tr = ~test
        med = np.nanmedian(X[tr], axis=0)
        X = np.where(np.isnan(X), med, X)
        rec = {"target": target, "positive": pos, "features": names, "median": med.tolist()}
        scores = []
        for seed in SEEDS:
            if pos is not None:
                m = RandomForestClassifier(random_state=seed, **CLASSIFIER).fit(X[tr], y[tr])
                scores.append(float(roc_auc_score(y[test], m.predict_proba(X[test])[:, 1])))
            else:
                m = RandomForestRegressor(random_state=seed, **REGRESSOR).fit(X[tr], y[tr])
                scores.append(float(np.sqrt(mean_squared_error(y[test], m.predict(X[test])))))
        key = "test_auc" if pos is not None else "test_rmse"
        rec[key + "_per_seed"] = scores
        rec[key] = float(np.mean(scores))
        out["datasets"][file] = rec
    with open(os.path.join(HERE, "shared_reference.json"), "w") as f:
        json.dump(out, f, indent=1, sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    main()
