#!/usr/bin/python3
"""Reference values for internal/eval's tests: scikit-learn 1.2 metrics on
the predictions of fixed linear models, so that `mlcycle eval` is checked
end to end (dataset → model package → predictions → metrics) against
scikit-learn on the same predictions.

Writes binary.csv, multiclass.csv, regression.csv (inputs) and
reference.json (the models' coefficients and sklearn's metric values), and
splits ../datasets/credit_data.csv by row number (every 7th row held out)
into credit_train.csv and credit_holdout.csv for the gate tests.
Run with Debian's python3-sklearn: /usr/bin/python3 make_reference.py
"""
import json

import numpy as np
import sklearn
from sklearn import metrics as M

rng = np.random.default_rng(20261126)


def write_csv(path, cols, rows):
    with open(path, "w") as f:
        f.write(",".join(cols) + "\n")
        for r in rows:
            f.write(",".join(v if isinstance(v, str) else repr(float(v)) for v in r) + "\n")


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def binary_metrics(y, p, thr=0.5):
    pred = (p >= thr).astype(int)
    out = {
        "accuracy": M.accuracy_score(y, pred),
        "balanced_accuracy": M.balanced_accuracy_score(y, pred),
        "precision": M.precision_score(y, pred, zero_division=0),
        "recall": M.recall_score(y, pred, zero_division=0),
        "f1": M.f1_score(y, pred, zero_division=0),
        "log_loss": M.log_loss(y, p, labels=[0, 1]),
        "brier": M.brier_score_loss(y, p),
        "mcc": M.matthews_corrcoef(y, pred),
        "cohen_kappa": M.cohen_kappa_score(y, pred),
        # Without positives scikit-learn sets recall to 1 and returns -0.0.
        "average_precision": M.average_precision_score(y, p),
    }
    if len(set(y)) == 2:  # ROC-AUC is undefined on one class
        out["roc_auc"] = M.roc_auc_score(y, p)
    return {k: float(v) for k, v in out.items()}


def business(y, p, v, thr):
    def ev(t):
        pred = p >= t
        tp = np.sum(pred & (y == 1)); fp = np.sum(pred & (y == 0))
        fn = np.sum(~pred & (y == 1)); tn = np.sum(~pred & (y == 0))
        return (tp * v["tp"] + fp * v["fp"] + fn * v["fn"] + tn * v["tn"]) / len(y)
    cands = sorted(set(p.tolist()))
    best_t, best_v = None, -np.inf
    for t in cands:  # increasing: the lowest of equal values wins
        e = ev(t)
        if e > best_v:
            best_t, best_v = t, e
    return {"expected_value": float(ev(thr)), "best_threshold": float(best_t), "best_value": float(best_v),
            "value_at_0_5": float(ev(0.5))}


def split_credit():
    lines = open("../datasets/credit_data.csv").read().splitlines()
    head, rows = lines[0], lines[1:]
    train = [r for i, r in enumerate(rows) if i % 7 != 0]
    hold = [r for i, r in enumerate(rows) if i % 7 == 0]
    open("credit_train.csv", "w").write("\n".join([head] + train) + "\n")
    open("credit_holdout.csv", "w").write("\n".join([head] + hold) + "\n")


def main():
    split_credit()
    ref = {"sklearn": sklearn.__version__}
    # Binary: two numeric features and a categorical one the model ignores.
    n = 400
    x1, x2 = rng.normal(size=n), rng.normal(size=n)
    c = rng.choice(["a", "b", "c"], size=n)
    y = (rng.uniform(size=n) < sigmoid(1.2 * x1 - 0.8 * x2 + 0.3)).astype(int)
    labels = np.where(y == 1, "yes", "no")
    write_csv("binary.csv", ["x1", "x2", "c", "y"], zip(x1, x2, c, labels))
    w, b = [1.1, -0.7], 0.25
    p = sigmoid(w[0] * x1 + w[1] * x2 + b)
    value = {"tp": 90.0, "fp": -10.0, "fn": 0.0, "tn": 0.0}
    ref["binary"] = {"coef": w, "intercept": b, "classes": ["no", "yes"], "value": value,
                     "metrics": binary_metrics(y, p), "business": business(y, p, value, 0.5)}
    ref["binary_threshold_0_3"] = binary_metrics(y, p, 0.3)
    # The same rows scored by a constant model: every score ties.
    ref["binary_constant"] = {"metrics": binary_metrics(y, np.full(n, 0.5))}
    # Only the negative rows: ROC-AUC and average precision are undefined.
    neg = y == 0
    ref["binary_single_class"] = {"rows": int(neg.sum()), "metrics": binary_metrics(y[neg], p[neg])}
    write_csv("binary_negatives.csv", ["x1", "x2", "c", "y"], zip(x1[neg], x2[neg], c[neg], labels[neg]))

    # Multiclass: softmax of a linear model.
    n = 300
    X = rng.normal(size=(n, 2))
    W = np.array([[1.0, -0.5], [-0.3, 0.9], [-0.7, -0.4]])
    B = np.array([0.1, -0.2, 0.05])
    Z = X @ W.T + B
    P = np.exp(Z - Z.max(axis=1, keepdims=True)); P /= P.sum(axis=1, keepdims=True)
    yt = np.array([rng.choice(3, p=P[i] * 0.7 + 0.1) for i in range(n)])
    names = np.array(["cat", "dog", "emu"])
    write_csv("multiclass.csv", ["x1", "x2", "y"], zip(X[:, 0], X[:, 1], names[yt]))
    pred = P.argmax(axis=1)
    mm = {
        "accuracy": M.accuracy_score(yt, pred),
        "balanced_accuracy": M.balanced_accuracy_score(yt, pred),
        "precision": M.precision_score(yt, pred, average="macro", zero_division=0),
        "recall": M.recall_score(yt, pred, average="macro", zero_division=0),
        "f1": M.f1_score(yt, pred, average="macro", zero_division=0),
        "precision_micro": M.precision_score(yt, pred, average="micro"),
        "recall_micro": M.recall_score(yt, pred, average="micro"),
        "f1_micro": M.f1_score(yt, pred, average="micro"),
        "precision_weighted": M.precision_score(yt, pred, average="weighted", zero_division=0),
        "recall_weighted": M.recall_score(yt, pred, average="weighted", zero_division=0),
        "f1_weighted": M.f1_score(yt, pred, average="weighted", zero_division=0),
        "roc_auc": M.roc_auc_score(yt, P, multi_class="ovr", average="macro"),
        "log_loss": M.log_loss(yt, P),
        "mcc": M.matthews_corrcoef(yt, pred),
        "cohen_kappa": M.cohen_kappa_score(yt, pred),
    }
    ref["multiclass"] = {"coef": W.tolist(), "intercept": B.tolist(), "classes": names.tolist(),
                         "metrics": {k: float(v) for k, v in mm.items()}}

    # Regression.
    n = 250
    X = rng.normal(size=(n, 2))
    yr = 3 * X[:, 0] - 2 * X[:, 1] + 5 + rng.normal(scale=0.7, size=n)
    write_csv("regression.csv", ["x1", "x2", "y"], zip(X[:, 0], X[:, 1], yr))
    w, b = [2.9, -2.1], 5.1
    pr = w[0] * X[:, 0] + w[1] * X[:, 1] + b
    rm = {
        "mae": M.mean_absolute_error(yr, pr),
        "mse": M.mean_squared_error(yr, pr),
        "rmse": M.mean_squared_error(yr, pr, squared=False),
        "r2": M.r2_score(yr, pr),
        "mape": M.mean_absolute_percentage_error(yr, pr),
        "median_absolute_error": M.median_absolute_error(yr, pr),
        "explained_variance": M.explained_variance_score(yr, pr),
    }
    ref["regression"] = {"coef": w, "intercept": b, "metrics": {k: float(v) for k, v in rm.items()}}
    with open("reference.json", "w") as f:
        json.dump(ref, f, indent=1, sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    main()
