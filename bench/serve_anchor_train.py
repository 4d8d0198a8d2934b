#!/usr/bin/python3
"""Trains the anchor's XGBoost model for bench/serve.sh on the same CSV as
mlcycle's: 200 trees, depth 6, learning rate 0.1, hist, 2 threads.
Usage: serve_anchor_train.py DATA.csv TARGET OUT.json ROUNDS"""
import sys

import pandas as pd
import xgboost as xgb

data, target, out, rounds = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
df = pd.read_csv(data)
y = df.pop(target)
d = xgb.DMatrix(df.values.astype("float32"), label=y.values, feature_names=list(df.columns))
b = xgb.train({"objective": "binary:logistic", "tree_method": "hist", "max_depth": 6, "eta": 0.1,
               "nthread": 2}, d, rounds)
b.save_model(out)
print(",".join(df.columns))
