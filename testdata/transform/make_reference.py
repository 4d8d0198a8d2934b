#!/usr/bin/python3
"""Reference values for ml/transform (see README.md).

Writes train.csv and serve.csv (small inputs, committed) and reference.json
with the outputs of scikit-learn 1.2.1 / SciPy 1.10.1 / pandas 1.5.3
transformers fitted on train.csv and applied to train.csv and serve.csv.
NaN is written as null. Run from this directory: /usr/bin/python3 make_reference.py
"""
import json

import numpy as np
import pandas as pd
import scipy
import sklearn
from sklearn.feature_extraction.text import HashingVectorizer, TfidfTransformer
from sklearn.impute import SimpleImputer
from sklearn.preprocessing import (KBinsDiscretizer, MinMaxScaler, OneHotEncoder,
                                   OrdinalEncoder, PowerTransformer, RobustScaler,
                                   StandardScaler)

rng = np.random.default_rng(20261126)
N, M = 80, 12

WORDS = ["the", "cat", "sat", "on", "mat", "Dog", "dogs", "run", "fast", "ça", "été",
         "naïve", "x", "a1", "b_2", "42", "über", "straße", "q"]


def sentences(n):
    out = []
    for _ in range(n):
        k = rng.integers(0, 9)
        ws = list(rng.choice(WORDS, size=k))
        seps = [" ", ", ", "-", "  ", "!", "'s "]
        s = ""
        for w in ws:
            s += w + seps[rng.integers(0, len(seps))]
        out.append(s.strip())
    return out


def frame(n, serving):
    a = rng.normal(50, 12, n)
    a[rng.random(n) < 0.15] = np.nan
    b = rng.lognormal(1.0, 0.8, n)
    c = rng.normal(0.5, 3.0, n) ** 3 / 10
    c[rng.random(n) < 0.1] = np.nan
    d = rng.integers(0, 6, n).astype(float)
    d[rng.random(n) < 0.1] = np.nan
    cats = ["red", "green", "blue", "amber", "violet", "teal", "Ochre", "zinc"]
    p = np.array([0.3, 0.2, 0.15, 0.1, 0.1, 0.06, 0.05, 0.04])
    cat = list(rng.choice(cats, size=n, p=p))
    cat2 = list(rng.choice(cats[:7], size=n, p=p[:7] / p[:7].sum()))
    if serving:
        cat[0] = "unseen"
        cat2[0] = "unseen"
        cat2[1] = "zinc"
    for i in np.flatnonzero(rng.random(n) < 0.1):
        cat[i] = ""
    text = sentences(n)
    if serving:
        text[0] = "completely new words here"
    ts = pd.Timestamp("2020-01-01") + pd.to_timedelta(rng.integers(0, 900 * 24 * 60, n), unit="min")
    ts = pd.Series(ts)
    ts[rng.random(n) < 0.05] = pd.NaT
    y = (rng.random(n) < 0.4).astype(int)
    yreg = np.round(rng.normal(3, 2, n), 3)
    ycls = rng.integers(0, 3, n)
    return pd.DataFrame({"a": a, "b": b, "c": c, "d": d, "cat": cat, "cat2": cat2,
                         "text": text, "ts": ts, "y": y, "yreg": yreg, "ycls": ycls})


train = frame(N, False)
serve = frame(M, True)
for df, name in ((train, "train.csv"), (serve, "serve.csv")):
    out = df.copy()
    out["ts"] = out["ts"].dt.strftime("%Y-%m-%dT%H:%M:%SZ")
    out.to_csv(name, index=False, float_format="%.17g")
# Read back what the Go test reads (floats round-trip exactly with %.17g).
train = pd.read_csv("train.csv", keep_default_na=False, na_values={"a": [""], "b": [""], "c": [""], "d": [""], "ts": [""]})
serve = pd.read_csv("serve.csv", keep_default_na=False, na_values={"a": [""], "b": [""], "c": [""], "d": [""], "ts": [""]})
for df in (train, serve):
    df["ts"] = pd.to_datetime(df["ts"], utc=True).dt.tz_localize(None)
    df["cat"] = df["cat"].replace("", np.nan)
    df["text"] = df["text"].astype(str)


def col(x):
    x = np.asarray(x, dtype=float).ravel()
    return [None if np.isnan(v) else float(v) for v in x]


def fitted(tr, fit, cols):
    """fit on train[cols], transform train and serve, column-major."""
    fit.fit(train[cols])
    res = {}
    for name, df in (("train", train), ("serve", serve)):
        z = fit.transform(df[cols])
        if hasattr(z, "toarray"):
            z = z.toarray()
        res[name] = [col(z[:, j]) for j in range(z.shape[1])]
    return res


ref = {"versions": {"sklearn": sklearn.__version__, "scipy": scipy.__version__,
                    "pandas": pd.__version__, "numpy": np.__version__}}

ref["standard"] = fitted(train, StandardScaler(), ["a", "c"])
ref["minmax"] = fitted(train, MinMaxScaler(), ["a", "c"])
ref["robust"] = fitted(train, RobustScaler(), ["a", "c"])
for s in ("mean", "median", "most_frequent"):
    ref["impute_" + s] = fitted(train, SimpleImputer(strategy=s), ["a", "d"])
imp = SimpleImputer(strategy="most_frequent").fit(train[["cat"]].astype(object))
ref["impute_mode_cat"] = {"fill": str(imp.statistics_[0])}

oh = OneHotEncoder(max_categories=4, handle_unknown="infrequent_if_exist", sparse_output=False)
ref["onehot"] = fitted(train, oh, ["cat2"])
ref["onehot"]["names"] = [str(n) for n in oh.get_feature_names_out()]
oh6 = OneHotEncoder(max_categories=7, handle_unknown="infrequent_if_exist", sparse_output=False)
ref["onehot7"] = fitted(train, oh6, ["cat2"])
ref["onehot7"]["names"] = [str(n) for n in oh6.get_feature_names_out()]

oe = OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=-1)
ref["ordinal"] = fitted(train, oe, ["cat2"])

for n in (4, 5):
    kb = KBinsDiscretizer(n_bins=n, encode="ordinal", strategy="quantile", subsample=None)
    ref["bins%d" % n] = fitted(train, kb, ["b"])
    ref["bins%d" % n]["edges"] = [list(map(float, e)) for e in kb.bin_edges_]
# d has NaN: KBinsDiscretizer refuses them, so bin its non-missing rows.
kb = KBinsDiscretizer(n_bins=5, encode="ordinal", strategy="quantile", subsample=None)
kb.fit(train[["d"]].dropna())
ref["bins_d"] = {"edges": [list(map(float, e)) for e in kb.bin_edges_],
                 "train": [col(np.where(train["d"].isna(), np.nan,
                                        kb.transform(train[["d"]].fillna(0))[:, 0]))]}

pt = PowerTransformer(method="box-cox", standardize=False)
ref["boxcox"] = fitted(train, pt, ["b"])
ref["boxcox"]["lambdas"] = list(map(float, pt.lambdas_))
pt = PowerTransformer(method="yeo-johnson", standardize=False)
ref["yeojohnson"] = fitted(train, pt, ["a", "c"])
ref["yeojohnson"]["lambdas"] = list(map(float, pt.lambdas_))

for nf, ng in ((32, (1, 2)), (64, (1, 1))):
    hv = HashingVectorizer(n_features=nf, alternate_sign=False, norm=None, ngram_range=ng)
    tf = TfidfTransformer(smooth_idf=True, sublinear_tf=False, norm="l2")
    tf.fit(hv.transform(train["text"]))
    key = "text_%d_%d" % (nf, ng[1])
    ref[key] = {name: [col(c) for c in tf.transform(hv.transform(df["text"])).toarray().T]
                for name, df in (("train", train), ("serve", serve))}
    ref[key]["idf"] = list(map(float, tf.idf_))

# Target encoding: (sum_y + m*prior)/(n + m); missing and unseen → prior.
M_SMOOTH = 10.0
K = 5
folds = rng.permutation(N) % K
ref["folds"] = [int(f) for f in folds]


def target_full(cats, y, cats_apply):
    prior = y.mean()
    g = pd.DataFrame({"c": cats, "y": y}).groupby("c")["y"].agg(["sum", "count"])
    enc = (g["sum"] + M_SMOOTH * prior) / (g["count"] + M_SMOOTH)
    return pd.Series(cats_apply).map(enc).fillna(prior).to_numpy(dtype=float)


def target_oof(cats, y):
    out = np.empty(len(y))
    for f in range(K):
        tr = folds != f
        out[~tr] = target_full(cats[tr], y[tr], cats[~tr])
    return out


cats = train["cat"].to_numpy(dtype=object)
te = {}
for yname, ys in (("yreg", [train["yreg"].to_numpy(float)]), ("y", [train["y"].to_numpy(float)]),
                  ("ycls", [(train["ycls"].to_numpy() == k).astype(float) for k in range(3)])):
    te[yname] = {"full_train": [col(target_full(cats, yy, cats)) for yy in ys],
                 "full_serve": [col(target_full(cats, yy, serve["cat"].to_numpy(dtype=object))) for yy in ys],
                 "oof_train": [col(target_oof(cats, yy)) for yy in ys]}
ref["target"] = te

vc = train["cat"].value_counts(dropna=False) / N
ref["frequency"] = {name: col(df["cat"].map(lambda v: vc.get(v, 0.0) if not pd.isna(v) else vc[np.nan]))
                    for name, df in (("train", train), ("serve", serve))}

ts = train["ts"]
ref_ts = ts.max()
ref["date_parts"] = {
    "year": col(ts.dt.year), "month": col(ts.dt.month), "day": col(ts.dt.day),
    "dow": col(ts.dt.dayofweek), "hour": col(ts.dt.hour),
    "weekend": col(np.where(ts.isna(), np.nan, (ts.dt.dayofweek >= 5).astype(float))),
    "days_since": col((ref_ts - ts) / pd.Timedelta(days=1)),
    "days_since_serve": col((ref_ts - serve["ts"]) / pd.Timedelta(days=1)),
}

with open("reference.json", "w") as f:
    json.dump(ref, f, sort_keys=True)
    f.write("\n")
