#!/usr/bin/python3
"""Writes reference.json: scikit-learn's values for the metrics of ml/metrics.

Run from the repository root with Debian's Python (scikit-learn 1.2.1):

    /usr/bin/python3 testdata/metrics/make_reference.py > testdata/metrics/reference.json

Every case holds its inputs, so the Go tests need no Python. A value that
scikit-learn leaves undefined (it raises or returns NaN) is written as null.
The output is deterministic: seeded generators, sorted keys.
"""
import json
import math
import platform
import sys
import warnings

import numpy as np
import scipy
import sklearn
from sklearn import metrics as skm
from sklearn.calibration import calibration_curve

warnings.filterwarnings("ignore")


def num(x):
    x = float(x)
    return None if math.isnan(x) or math.isinf(x) else x


def nums(a):
    return [num(x) for x in np.asarray(a, dtype=np.float64).ravel()]


def safe(f):
    try:
        return num(f())
    except ValueError:
        return None


def binary_case(name, y, s, w=None, threshold=0.5):
    y = np.asarray(y, dtype=np.int64)
    s = np.asarray(s, dtype=np.float64)
    yp = (s >= threshold).astype(np.int64)
    kw = {"sample_weight": None if w is None else np.asarray(w, dtype=np.float64)}
    m = {
        "accuracy": safe(lambda: skm.accuracy_score(y, yp, **kw)),
        "balanced_accuracy": safe(lambda: skm.balanced_accuracy_score(y, yp, **kw)),
        "precision": safe(lambda: skm.precision_score(y, yp, **kw)),
        "recall": safe(lambda: skm.recall_score(y, yp, **kw)),
        "f1": safe(lambda: skm.f1_score(y, yp, **kw)),
        "roc_auc": safe(lambda: skm.roc_auc_score(y, s, **kw)),
        "average_precision": safe(lambda: skm.average_precision_score(y, s, **kw)),
        "log_loss": safe(lambda: skm.log_loss(y, s, labels=[0, 1], **kw)),
        "brier": safe(lambda: skm.brier_score_loss(y, s, **kw)),
        "mcc": safe(lambda: skm.matthews_corrcoef(y, yp, **kw)),
        "cohen_kappa": safe(lambda: skm.cohen_kappa_score(y, yp, **kw)),
    }
    out = {
        "name": name,
        "y_true": y.tolist(),
        "scores": s.tolist(),
        "weights": None if w is None else [float(x) for x in w],
        "threshold": threshold,
        "y_pred": yp.tolist(),
        "metrics": m,
        "confusion": nums(skm.confusion_matrix(y, yp, labels=[0, 1], **kw)),
    }
    try:
        fpr, tpr, thr = skm.roc_curve(y, s, **kw)
        out["roc_curve"] = {"fpr": nums(fpr), "tpr": nums(tpr), "thresholds": nums(thr)}
    except ValueError:
        out["roc_curve"] = None
    try:
        p, r, thr = skm.precision_recall_curve(y, s, **kw)
        out["pr_curve"] = {"precision": nums(p), "recall": nums(r), "thresholds": nums(thr)}
    except ValueError:
        out["pr_curve"] = None
    pt, pp = calibration_curve(y, s, n_bins=10, strategy="uniform")
    out["calibration"] = {"prob_true": nums(pt), "prob_pred": nums(pp)}
    return out


def multiclass_case(name, k, y, p, w=None):
    y = np.asarray(y, dtype=np.int64)
    p = np.asarray(p, dtype=np.float64)
    yp = np.argmax(p, axis=1)
    kw = {"sample_weight": None if w is None else np.asarray(w, dtype=np.float64)}
    m = {
        "accuracy": safe(lambda: skm.accuracy_score(y, yp, **kw)),
        "balanced_accuracy": safe(lambda: skm.balanced_accuracy_score(y, yp, **kw)),
        "roc_auc": safe(lambda: skm.roc_auc_score(y, p, multi_class="ovr", average="macro", **kw)),
        "log_loss": safe(lambda: skm.log_loss(y, p, labels=list(range(k)), **kw)),
        "mcc": safe(lambda: skm.matthews_corrcoef(y, yp, **kw)),
        "cohen_kappa": safe(lambda: skm.cohen_kappa_score(y, yp, **kw)),
    }
    for avg in ("macro", "micro", "weighted"):
        m["precision_" + avg] = safe(lambda: skm.precision_score(y, yp, average=avg, **kw))
        m["recall_" + avg] = safe(lambda: skm.recall_score(y, yp, average=avg, **kw))
        m["f1_" + avg] = safe(lambda: skm.f1_score(y, yp, average=avg, **kw))
    pr, rc, f1, sup = skm.precision_recall_fscore_support(y, yp, labels=list(range(k)), average=None, **kw)
    return {
        "name": name,
        "k": k,
        "y_true": y.tolist(),
        "probs": [row.tolist() for row in p],
        "weights": None if w is None else [float(x) for x in w],
        "y_pred": yp.tolist(),
        "metrics": m,
        "per_class": {"precision": nums(pr), "recall": nums(rc), "f1": nums(f1), "support": nums(sup)},
        "confusion": nums(skm.confusion_matrix(y, yp, labels=list(range(k)), **kw)),
    }


def regression_case(name, y, p, w=None):
    y = np.asarray(y, dtype=np.float64)
    p = np.asarray(p, dtype=np.float64)
    kw = {"sample_weight": None if w is None else np.asarray(w, dtype=np.float64)}
    m = {
        "mae": safe(lambda: skm.mean_absolute_error(y, p, **kw)),
        "mse": safe(lambda: skm.mean_squared_error(y, p, **kw)),
        "rmse": safe(lambda: skm.mean_squared_error(y, p, squared=False, **kw)),
        "r2": safe(lambda: skm.r2_score(y, p, **kw)),
        "mape": safe(lambda: skm.mean_absolute_percentage_error(y, p, **kw)),
        "median_absolute_error": safe(lambda: skm.median_absolute_error(y, p, **kw)),
        "explained_variance": safe(lambda: skm.explained_variance_score(y, p, **kw)),
    }
    return {
        "name": name,
        "y_true": y.tolist(),
        "y_pred": p.tolist(),
        "weights": None if w is None else [float(x) for x in w],
        "metrics": m,
    }


def binary_cases():
    rng = np.random.default_rng(20240501)
    n = 300
    y = (rng.random(n) < 0.4).astype(np.int64)
    # Scores rounded to two decimals: many ties, including ties across classes,
    # plus exact 0 and 1 to exercise log_loss clipping.
    s = np.clip(np.round(0.35 * y + 0.65 * rng.random(n) - 0.05, 2), 0, 1)
    s[:3] = [0.0, 1.0, 0.0]
    y[:3] = [1, 0, 0]
    w = np.round(rng.uniform(0.2, 3.0, n), 3)
    w[5] = 0.0  # scikit-learn drops rows of weight 0 from the curves
    w[17] = 0.0
    coarse = np.round(s, 1)
    cases = [
        binary_case("ties", y, s),
        binary_case("ties_weighted", y, s, w),
        binary_case("coarse_ties_weighted", y, coarse, w, threshold=0.3),
        binary_case("coarse_ties_ones", y, coarse, np.ones(n), threshold=0.3),
        binary_case("perfect", [0, 0, 0, 1, 1], [0.1, 0.2, 0.3, 0.8, 0.9]),
        binary_case("reversed", [0, 0, 0, 1, 1], [0.9, 0.8, 0.7, 0.2, 0.1]),
        binary_case("all_equal_scores", [0, 1, 0, 1, 1, 0], [0.5] * 6),
        binary_case("only_negatives", [0, 0, 0, 0], [0.1, 0.6, 0.3, 0.3]),
        binary_case("only_positives", [1, 1, 1], [0.9, 0.2, 0.7], [1.0, 2.0, 0.5]),
        binary_case("single_row", [1], [0.7]),
        binary_case("predict_none", [0, 1, 0, 1], [0.1, 0.2, 0.3, 0.4], threshold=0.9),
        binary_case("sklearn_doc", [0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]),
    ]
    return cases


def softmax(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def multiclass_cases():
    rng = np.random.default_rng(7)
    out = []
    n = 240
    y3 = rng.integers(0, 3, n)
    p3 = softmax(rng.normal(size=(n, 3)) + 1.5 * np.eye(3)[y3])
    w3 = np.round(rng.uniform(0.1, 2.0, n), 2)
    out.append(multiclass_case("k3", 3, y3, p3))
    out.append(multiclass_case("k3_weighted", 3, y3, p3, w3))
    n = 200
    y4 = rng.choice(4, n, p=[0.4, 0.3, 0.2, 0.1])
    p4 = softmax(rng.normal(size=(n, 4)) + 1.0 * np.eye(4)[y4])
    p4[0] = [1.0, 0.0, 0.0, 0.0]  # exact 0 and 1 for log_loss clipping
    p4[1] = [0.25, 0.25, 0.25, 0.25]  # argmax tie: first class
    out.append(multiclass_case("k4", 4, y4, p4))
    out.append(multiclass_case("k4_weighted", 4, y4, p4, np.round(rng.uniform(0.5, 1.5, n), 3)))
    # Class 3 never occurs in y_true nor wins the argmax: macro averages skip
    # it and roc_auc is undefined.
    y4m = np.where(y4 == 3, 2, y4)
    p4m = p4.copy()
    p4m[:, 3] *= 0.01
    p4m /= p4m.sum(axis=1, keepdims=True)
    out.append(multiclass_case("k4_missing_class", 4, y4m, p4m))
    return out


def regression_cases():
    rng = np.random.default_rng(11)
    n = 150
    y = np.round(rng.normal(10, 5, n), 2)
    y[:6] = 0.0  # mape's epsilon
    p = y + rng.normal(0, 2, n)
    w = np.round(rng.uniform(0.1, 3.0, n), 2)
    out = [
        regression_case("basic", y, p),
        regression_case("weighted", y, p, w),
        regression_case("ones", y, p, np.ones(n)),
        regression_case("odd", y[:-1], p[:-1]),
        regression_case("constant_y_true", [0.1] * 10, np.linspace(0, 0.2, 10)),
        regression_case("constant_perfect", [3.0] * 5, [3.0] * 5),
        regression_case("perfect", [1.0, 2.0, 3.5], [1.0, 2.0, 3.5]),
        regression_case("single", [2.0], [1.5]),
        regression_case("median_weighted", [1, 2, 3, 4], [0, 0, 0, 0], [1, 1, 0, 5]),
    ]
    return out


def main():
    doc = {
        "generator": "testdata/metrics/make_reference.py",
        "python": platform.python_version(),
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "sklearn": sklearn.__version__,
        "binary": binary_cases(),
        "multiclass": multiclass_cases(),
        "regression": regression_cases(),
    }
    json.dump(doc, sys.stdout, sort_keys=True, indent=1, allow_nan=False)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
