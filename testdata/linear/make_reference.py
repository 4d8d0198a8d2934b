"""Generate testdata/linear: data sets (CSV) and scikit-learn reference fits.

Run from the repository root:  /usr/bin/python3 testdata/linear/make_reference.py
"""
import json
import os
import sys

import numpy as np
import sklearn
from sklearn.datasets import make_classification, make_regression
from sklearn.linear_model import ElasticNet, Lasso, LinearRegression, LogisticRegression, Ridge
from sklearn.preprocessing import StandardScaler

HERE = os.path.dirname(os.path.abspath(__file__))


def write_csv(name, X, y):
    cols = [f"x{j}" for j in range(X.shape[1])]
    with open(os.path.join(HERE, name), "w") as f:
        f.write(",".join(cols + ["y"]) + "\n")
        for row, t in zip(X, y):
            f.write(",".join(repr(float(v)) for v in row) + "," + repr(float(t)) + "\n")


def fit_record(model, X, y, standardize=False):
    """Fit model; with standardize, fit on StandardScaler data and convert back."""
    if standardize:
        sc = StandardScaler().fit(X)
        model.fit(sc.transform(X), y)
        coef = np.atleast_2d(model.coef_) / sc.scale_
        icpt = np.atleast_1d(model.intercept_) - coef @ sc.mean_
    else:
        model.fit(X, y)
        coef = np.atleast_2d(model.coef_)
        icpt = np.atleast_1d(model.intercept_)
    return {"coef": coef.tolist(), "intercept": np.asarray(icpt, dtype=float).tolist()}


def main():
    Xb, yb = make_classification(n_samples=2000, n_features=8, n_informative=5, random_state=0)
    Xm, ym = make_classification(n_samples=2000, n_features=8, n_informative=5, n_classes=3, random_state=1)
    Xr, yr = make_regression(n_samples=2000, n_features=8, n_informative=6, noise=10.0, random_state=2)
    Xr[:, 0] = Xr[:, 0] * 5 + 3  # make scales differ
    write_csv("binary.csv", Xb, yb)
    write_csv("multiclass.csv", Xm, ym)
    write_csv("regression.csv", Xr, yr)

    tight = dict(tol=1e-12, max_iter=100000)
    ref = {
        "versions": {"python": sys.version.split()[0], "numpy": np.__version__, "sklearn": sklearn.__version__},
        "command": "/usr/bin/python3 testdata/linear/make_reference.py",
        "fits": {},
    }
    F = ref["fits"]
    F["logistic_l2"] = dict(data="binary.csv", kind="logistic", penalty="l2", C=0.5, standardize=False,
                            **fit_record(LogisticRegression(C=0.5, **tight), Xb, yb))
    F["logistic_l2_std"] = dict(data="binary.csv", kind="logistic", penalty="l2", C=0.05, standardize=True,
                                **fit_record(LogisticRegression(C=0.05, **tight), Xb, yb, standardize=True))
    F["logistic_l1"] = dict(data="binary.csv", kind="logistic", penalty="l1", C=0.02, standardize=False,
                            **fit_record(LogisticRegression(C=0.02, penalty="l1", solver="saga", tol=1e-10,
                                                            max_iter=200000), Xb, yb))
    F["softmax_l2"] = dict(data="multiclass.csv", kind="softmax", penalty="l2", C=0.5, standardize=False,
                           **fit_record(LogisticRegression(C=0.5, multi_class="multinomial", **tight), Xm, ym))
    F["ols"] = dict(data="regression.csv", kind="regression", penalty="none", alpha=1.0, standardize=False,
                    **fit_record(LinearRegression(), Xr, yr))
    F["ridge"] = dict(data="regression.csv", kind="regression", penalty="l2", alpha=50.0, standardize=False,
                      **fit_record(Ridge(alpha=50.0), Xr, yr))
    F["ridge_std"] = dict(data="regression.csv", kind="regression", penalty="l2", alpha=50.0, standardize=True,
                          **fit_record(Ridge(alpha=50.0), Xr, yr, standardize=True))
    F["lasso"] = dict(data="regression.csv", kind="regression", penalty="l1", alpha=2.0, standardize=False,
                      **fit_record(Lasso(alpha=2.0, tol=1e-12, max_iter=100000), Xr, yr))
    F["elasticnet_std"] = dict(data="regression.csv", kind="regression", penalty="elasticnet", alpha=1.0,
                               l1_ratio=0.3, standardize=True,
                               **fit_record(ElasticNet(alpha=1.0, l1_ratio=0.3, tol=1e-12, max_iter=100000),
                                            Xr, yr, standardize=True))
    with open(os.path.join(HERE, "reference.json"), "w") as f:
        json.dump(ref, f, indent=1, sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    main()
