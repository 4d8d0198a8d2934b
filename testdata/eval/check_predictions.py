#!/usr/bin/python3
"""Recompute an evaluation's metrics with scikit-learn from its per-row
predictions and compare them with what `mlcycle eval` reported.

    check_predictions.py PREDICTIONS.csv REPORT.json

PREDICTIONS.csv is `mlcycle eval --predictions-out`, REPORT.json the
`mlcycle eval --json` document. Exits 1 listing every metric that differs
by more than 1e-9 (or that one side has and the other lacks). Used by
internal/cli's TestSharedDatasets when MLCYCLE_TEST_PYTHON is set.
"""
import csv
import json
import math
import sys
import warnings

import numpy as np
from sklearn import metrics as M

warnings.simplefilter("ignore")


def main(pred_path, report_path):
    rep = json.load(open(report_path))
    rows = list(csv.DictReader(open(pred_path)))
    task, classes = rep["task"], rep.get("classes") or []
    got = rep["metrics"]
    want = {}
    if task == "binary":
        y = np.array([classes.index(r["true"]) for r in rows])
        s = np.array([float(r["score"]) for r in rows])
        thr = rep["binary"]["threshold"]
        p = (s >= thr).astype(int)
        want = {
            "accuracy": M.accuracy_score(y, p),
            "balanced_accuracy": M.balanced_accuracy_score(y, p),
            "precision": M.precision_score(y, p, zero_division=0),
            "recall": M.recall_score(y, p, zero_division=0),
            "f1": M.f1_score(y, p, zero_division=0),
            "log_loss": M.log_loss(y, s, labels=[0, 1]),
            "brier": M.brier_score_loss(y, s),
            "mcc": M.matthews_corrcoef(y, p),
            "cohen_kappa": M.cohen_kappa_score(y, p),
            "average_precision": M.average_precision_score(y, s),
        }
        if len(set(y)) == 2:
            want["roc_auc"] = M.roc_auc_score(y, s)
    elif task == "multiclass":
        y = np.array([classes.index(r["true"]) for r in rows])
        P = np.array([[float(r["proba_" + c]) for c in classes] for r in rows])
        p = P.argmax(axis=1)
        want = {
            "accuracy": M.accuracy_score(y, p),
            "balanced_accuracy": M.balanced_accuracy_score(y, p),
            "precision": M.precision_score(y, p, average="macro", zero_division=0),
            "recall": M.recall_score(y, p, average="macro", zero_division=0),
            "f1": M.f1_score(y, p, average="macro", zero_division=0),
            "log_loss": M.log_loss(y, P, labels=list(range(len(classes)))),
            "mcc": M.matthews_corrcoef(y, p),
            "cohen_kappa": M.cohen_kappa_score(y, p),
        }
    else:
        y = np.array([float(r["true"]) for r in rows])
        p = np.array([float(r["score"]) for r in rows])
        want = {
            "mae": M.mean_absolute_error(y, p),
            "mse": M.mean_squared_error(y, p),
            "rmse": M.mean_squared_error(y, p, squared=False),
            "r2": M.r2_score(y, p),
            "mape": M.mean_absolute_percentage_error(y, p),
            "median_absolute_error": M.median_absolute_error(y, p),
            "explained_variance": M.explained_variance_score(y, p),
        }
    bad = []
    for k, w in want.items():
        w = float(w)
        if k not in got:
            if not math.isnan(w):
                bad.append(f"{k}: missing, scikit-learn {w!r}")
            continue
        if abs(got[k] - w) > 1e-9 * max(1.0, abs(w)):
            bad.append(f"{k}: mlcycle {got[k]!r}, scikit-learn {w!r}")
    if bad:
        print("\n".join(bad))
        sys.exit(1)
    print(f"{len(want)} metrics equal scikit-learn's on {len(rows)} predictions")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
