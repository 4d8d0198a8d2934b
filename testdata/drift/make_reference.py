#!/usr/bin/python3
"""Write the reference values that ml/drift is tested against.

Run from this directory with Debian's Python (SciPy 1.10.1, NumPy 1.24):

    cd testdata/drift && /usr/bin/python3 make_reference.py

Samples are either listed in the file ("data") or described by a recipe
("gen") that ml/drift's test expands with the same integer arithmetic: a
64-bit linear congruential generator (Knuth's MMIX constants) whose top 53
bits give u in [0, 1), transformed without transcendental functions so that
Go and Python produce bit-identical values:

    uniform:  loc + scale * u
    square:   loc + scale * u * u
    int:      floor(u * k)          (many ties)

Output: reference.json (floats written with repr, exact round trip;
inf as the string "inf"). Every value is SciPy's or NumPy's own, except
"psi", which is the documented binning computed with NumPy (see psi()).
"""
import json
import math

import numpy as np
import scipy
from scipy import special, stats
from scipy.spatial import distance

M64 = (1 << 64) - 1


def gen(recipe):
    s = recipe["seed"] & M64
    out = []
    for _ in range(recipe["n"]):
        s = (s * 6364136223846793005 + 1442695040888963407) & M64
        u = (s >> 11) * (1.0 / 9007199254740992.0)
        kind = recipe["kind"]
        if kind == "uniform":
            out.append(recipe["loc"] + recipe["scale"] * u)
        elif kind == "square":
            out.append(recipe["loc"] + recipe["scale"] * u * u)
        elif kind == "int":
            out.append(float(math.floor(u * recipe["k"])))
        else:
            raise ValueError(kind)
    return np.array(out)


def sample(spec):
    if isinstance(spec, list):
        return np.array(spec, dtype=float)
    return gen(spec)


def num(x):
    x = float(x)
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    if math.isnan(x):
        return None
    return x


def U(seed, n, loc=0.0, scale=1.0):
    return {"kind": "uniform", "seed": seed, "n": n, "loc": loc, "scale": scale}


def S(seed, n, loc=0.0, scale=1.0):
    return {"kind": "square", "seed": seed, "n": n, "loc": loc, "scale": scale}


def I(seed, n, k):
    return {"kind": "int", "seed": seed, "n": n, "k": k}


KS_CASES = {
    "small_ties": (I(1, 30, 5), I(2, 45, 6)),
    "tiny": ([1.0, 2.0, 3.0], [2.5, 4.0]),
    "equal_n": (U(3, 50), U(4, 50, 0.2)),
    "equal_n_ties": (I(5, 200, 8), I(6, 200, 9)),
    "identical": (U(7, 120), U(7, 120)),
    "disjoint": ([float(i) for i in range(20)], [100.0 + i for i in range(30)]),
    "disjoint_equal_n": ([float(i) for i in range(25)], [100.0 + i for i in range(25)]),
    "medium": (U(8, 1000), S(9, 700)),
    "medium_gcd": (U(10, 2000), U(11, 3000, 0.03)),
    "exact_limit": (U(12, 10000), U(13, 9999, 0.01)),
    "large_shift_small": (U(14, 20000), U(15, 15000, 0.005)),
    "large_shift_mid": (U(16, 20000), U(17, 15000, 0.02)),
    "large_shift_big": (U(18, 20000), S(19, 15000)),
    "large_equal": (U(20, 50000), U(21, 50000, 0.004)),
    "large_vs_small": (U(22, 20000), U(23, 100, 0.1)),
    "large_vs_small2": (U(24, 12000), U(25, 120, 0.25)),
    "large_ties": (I(26, 30000, 50), I(27, 20000, 49)),
    "very_large": (U(28, 300000), U(29, 300000, 0.001)),
}

KSTWO_GRID = [(n, x) for n in (5, 37, 140, 141, 1000, 8571, 99999, 150000)
              for x in (0.0005, 0.002, 0.004, 0.01, 0.02, 0.03, 0.05, 0.08, 0.12,
                        0.2, 0.35, 0.5, 0.7, 0.95)]

WASSERSTEIN_CASES = {
    "small": ([0.0, 1.0, 3.0], [5.0, 6.0, 8.0], None, None),
    "ties": (I(40, 50, 4), I(41, 70, 5), None, None),
    "weighted": ([3.4, 3.9, 7.5, 7.8], [4.5, 1.4], [1.4, 0.9, 3.1, 7.2], [3.2, 3.5]),
    "weighted_gen": (U(42, 300), S(43, 200, 0.1), U(44, 300, 0.5, 2.0), U(45, 200, 0.1, 1.0)),
    "large": (U(46, 10000), S(47, 100000), None, None),
    "identical": (U(48, 500), U(48, 500), None, None),
}

JS_CASES = {
    "simple": ([1.0, 0.0, 0.0], [0.0, 1.0, 0.0]),
    "zeros": ([10.0, 0.0, 3.0, 4.0, 0.0], [2.0, 2.0, 0.0, 4.0, 0.0]),
    "identical": ([5.0, 6.0, 7.0], [10.0, 12.0, 14.0]),
    "counts": ([523.0, 477.0, 512.0, 488.0, 500.0, 499.0, 501.0, 503.0, 497.0, 500.0],
               [310.0, 280.0, 305.0, 290.0, 300.0, 296.0, 301.0, 299.0, 350.0, 269.0]),
    "close": ([1000000.0, 1.0], [1000001.0, 1.0]),
}

CHI2_CASES = {
    "balanced": ([16.0, 18.0, 16.0, 14.0, 12.0, 12.0], [16.0, 16.0, 16.0, 16.0, 16.0, 8.0]),
    "zero_obs": ([0.0, 30.0, 20.0, 0.0], [10.0, 20.0, 15.0, 5.0]),
    "large": ([5210.0, 4790.0, 3011.0, 1989.0], [5000.0, 5000.0, 3000.0, 2000.0]),
    "extreme": ([1000.0, 0.0], [1.0, 999.0]),
    "two": ([48.0, 52.0], [50.0, 50.0]),
}

PSI_CASES = {
    "shift": (U(60, 5000), U(61, 3000, 0.1)),
    "same": (U(62, 4000), U(62, 4000)),
    "square": (U(63, 5000), S(64, 3000)),
    "ties": (I(65, 5000, 4), I(66, 2000, 5)),
    "outside": (U(67, 1000), U(68, 500, 5.0)),
}

EDGE_PROBS = [i / 10 for i in range(1, 10)]
PSI_EPS = 1e-4


def psi(base, cur, eps=PSI_EPS):
    """PSI on 10 baseline quantile bins: the interior edges are the baseline's
    quantiles at 0.1, ..., 0.9 (NumPy 'linear'), duplicates removed, the outer
    edges open; a value v falls in bin searchsorted(edges, v, 'right'), i.e.
    bin i is [edge i-1, edge i). Empty shares become eps."""
    edges = np.unique(np.quantile(base, EDGE_PROBS))
    bc = np.bincount(np.searchsorted(edges, base, side="right"), minlength=len(edges) + 1)
    cc = np.bincount(np.searchsorted(edges, cur, side="right"), minlength=len(edges) + 1)
    bs = bc / bc.sum()
    cs = cc / cc.sum()
    bs = np.where(bs == 0, eps, bs)
    cs = np.where(cs == 0, eps, cs)
    return edges, bc, cc, float(np.sum((cs - bs) * np.log(cs / bs)))


def main():
    out = {
        "versions": {"python": ".".join(map(str, __import__("sys").version_info[:3])),
                     "numpy": np.__version__, "scipy": scipy.__version__},
        "ks": [], "kstwo": [], "wasserstein": [], "jensenshannon": [],
        "chisquare": [], "psi": [],
    }
    for name, (sa, sb) in KS_CASES.items():
        a, b = sample(sa), sample(sb)
        r = stats.ks_2samp(a, b, alternative="two-sided", method="auto")
        out["ks"].append({"name": name, "a": sa, "b": sb,
                          "statistic": num(r.statistic), "pvalue": num(r.pvalue)})
    for n, x in KSTWO_GRID:
        out["kstwo"].append({"n": n, "x": x, "sf": num(stats.kstwo.sf(x, n)),
                             "smirnov": num(special.smirnov(n, x))})
    for name, (su, sv, wu, wv) in WASSERSTEIN_CASES.items():
        u, v = sample(su), sample(sv)
        uw = None if wu is None else sample(wu)
        vw = None if wv is None else sample(wv)
        d = stats.wasserstein_distance(u, v, uw, vw)
        out["wasserstein"].append({"name": name, "u": su, "v": sv, "u_weights": wu,
                                   "v_weights": wv, "distance": num(d)})
    for name, (p, q) in JS_CASES.items():
        out["jensenshannon"].append({"name": name, "p": p, "q": q,
                                     "distance": num(distance.jensenshannon(p, q, base=2))})
    for name, (o, e) in CHI2_CASES.items():
        r = stats.chisquare(o, e)
        out["chisquare"].append({"name": name, "observed": o, "expected": e,
                                 "statistic": num(r.statistic), "pvalue": num(r.pvalue)})
    for name, (sb, sc) in PSI_CASES.items():
        edges, bc, cc, v = psi(sample(sb), sample(sc))
        out["psi"].append({"name": name, "baseline": sb, "current": sc,
                           "edges": [num(e) for e in edges],
                           "baseline_counts": bc.tolist(), "current_counts": cc.tolist(),
                           "psi": v})
    with open("reference.json", "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
