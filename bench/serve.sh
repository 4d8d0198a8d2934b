#!/usr/bin/env bash
# Serving benchmark: `mlcycle server` with a 200-tree depth-6 GBDT model of the
# 28-feature benchmark set against the Python anchor (Flask + gunicorn, 2 sync
# workers, the equivalent XGBoost model), one after the other in the same run,
# each driven by wrk on loopback for DURATION seconds with single-row JSON
# requests at 2 and 32 connections.
#
#   bench/serve.sh                    # ROWS=200000 training rows, 10 s per load
#   DURATION=5 CONNS="32" bench/serve.sh
#   CAPTURE=0 bench/serve.sh         # data capture off (default 100 %)
#
# Needs Debian's wrk, python3-flask, gunicorn, python3-xgboost and
# python3-pandas (installed if missing). The client shares the 2 cores with
# the server, as in the anchor measurements of ../shared/bench.
set -euo pipefail
cd "$(dirname "$0")/.."
ROWS=${ROWS:-200000}
ROUNDS=${ROUNDS:-200}
DURATION=${DURATION:-10}
CONNS=${CONNS:-"2 32"}
PORT=${PORT:-18181}
APORT=${APORT:-18182}
WORK=${WORK:-$(mktemp -d)}
[ "${KEEP:-0}" = 1 ] || trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$WORK"' EXIT
need=""
command -v wrk >/dev/null || need="$need wrk"
/usr/bin/python3 -c 'import flask, gunicorn, xgboost, pandas' 2>/dev/null || need="$need python3-flask gunicorn python3-xgboost python3-pandas"
if [ -n "$need" ]; then
  echo "installing$need" >&2
  apt-get install -y -qq $need >/dev/null
fi
go build -o "$WORK/mlcycle" ./cmd/mlcycle
go build -o "$WORK/gencsv" ./bench/gencsv
CSV="$WORK/clf.csv"
"$WORK/gencsv" -out "$CSV" -rows "$ROWS" -cols 28
M="$WORK/mlcycle"
"$M" init "$WORK/p" >/dev/null
cd "$WORK/p"
"$M" data add "$CSV" --name clf >/dev/null
"$M" train clf --target target --valid-frac 0 --params "n_estimators=$ROUNDS,max_depth=6,learning_rate=0.1" --name clf >/dev/null
"$M" model register clf --name clf >/dev/null
"$M" model approve clf@1 --reason benchmark >/dev/null
"$M" deploy clf@1 --endpoint clf --capture-percent "${CAPTURE:-100}" >/dev/null
BODY="$WORK/body.json"
head -2 "$CSV" | /usr/bin/python3 -c '
import csv, json, sys
r = list(csv.reader(sys.stdin)); h, v = r[0][:-1], r[1][:-1]
json.dump({"instances": [{k: float(x) for k, x in zip(h, v)}]}, open(sys.argv[1], "w"))' "$BODY"
FEATURES=$(head -1 "$CSV" | sed 's/,target$//')

RESULTS="$WORK/results.txt"
load() { # name url
  for c in $CONNS; do
    out=$(WRK_BODY_FILE="$BODY" wrk -t1 -c"$c" -d"${DURATION}s" --latency --timeout 5s -s "$OLDPWD/bench/post_row.lua" "$2" | grep '^WRK')
    echo "$1 connections=$c ${out#WRK }" | tee -a "$RESULTS"
  done
}
wait_up() { for _ in $(seq 1 100); do curl -fs "$1" >/dev/null 2>&1 && return 0; sleep 0.1; done; echo "server at $1 did not start" >&2; return 1; }

"$M" server --addr "127.0.0.1:$PORT" 2>"$WORK/server.log" &
SERVER=$!
wait_up "http://127.0.0.1:$PORT/v2/health/ready"
curl -fs -H 'Content-Type: application/json' --data @"$BODY" "http://127.0.0.1:$PORT/endpoints/clf/invocations" >/dev/null
echo "== machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
load mlcycle "http://127.0.0.1:$PORT/endpoints/clf/invocations"
kill "$SERVER"; wait "$SERVER" 2>/dev/null || true

/usr/bin/python3 "$OLDPWD/bench/serve_anchor_train.py" "$CSV" target "$WORK/xgb.json" "$ROUNDS" >/dev/null
(cd "$OLDPWD/bench" && MODEL_PATH="$WORK/xgb.json" FEATURES="$FEATURES" OMP_NUM_THREADS=1 \
  /usr/bin/python3 -m gunicorn -w 2 -b "127.0.0.1:$APORT" --log-level warning serve_anchor:app) &
ANCHOR=$!
wait_up "http://127.0.0.1:$APORT/ping"
load gunicorn+xgboost "http://127.0.0.1:$APORT/invocations"
kill "$ANCHOR"; wait "$ANCHOR" 2>/dev/null || true
for c in $CONNS; do
  awk -v c="connections=$c" '$2 == c { split($3, a, "="); r[$1] = a[2] } END {
    if (r["gunicorn+xgboost"] > 0) printf "ratio at %s: mlcycle / gunicorn+xgboost = %.1fx (goal >= 10)\n", c, r["mlcycle"] / r["gunicorn+xgboost"] }' "$RESULTS"
done
