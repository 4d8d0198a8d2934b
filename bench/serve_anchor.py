#!/usr/bin/python3
"""Python serving anchor for bench/serve.sh: a Flask app answering
POST /invocations {"instances": [{"f0": ..., ...}]} with XGBoost's
probability, run under gunicorn with 2 sync workers, the set-up a Python
team would deploy. Env: MODEL_PATH (an XGBoost JSON model), FEATURES (comma-
separated column order)."""
import json
import logging
import os

import numpy as np
import xgboost as xgb
from flask import Flask, Response, request

booster = xgb.Booster()
booster.load_model(os.environ["MODEL_PATH"])
booster.set_param({"nthread": 1})
FEATURES = os.environ["FEATURES"].split(",")
app = Flask(__name__)
logging.getLogger("werkzeug").setLevel(logging.ERROR)


@app.get("/ping")
def ping():
    return "ok"


@app.post("/invocations")
def invocations():
    try:
        rows = request.get_json(force=True)["instances"]
        X = np.asarray([[r[f] for f in FEATURES] for r in rows], dtype=np.float32)
    except Exception as e:  # noqa: BLE001
        return Response(json.dumps({"error": str(e)}), status=400, mimetype="application/json")
    p = booster.inplace_predict(X)
    return Response(json.dumps({"predictions": p.tolist()}), mimetype="application/json")
