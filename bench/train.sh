#!/usr/bin/env bash
# Training benchmark: ml/gbdt against XGBoost `hist` and scikit-learn's
# HistGradientBoosting on the same generated files, one after the other in
# the same run (2 threads, depth 6, learning rate 0.1, 200 rounds, 256 bins;
# first 80 % train, last 20 % test).
#
#   bench/train.sh                      # 1M x 28 binary, 1M x 20 regression, 200k mixed
#   ROWS=100000 bench/train.sh          # smaller
#   ROUNDS=50 bench/train.sh
#
# Batch predict: mlcycle's rows/s is the median of five warm predictions of
# the test rows (bench/gbdtbench), XGBoost's one warm predict (train_ref.py).
#
# Needs Debian's python3-xgboost and python3-sklearn (installed if missing).
# Environment: DATA_DIR (default a temp dir, removed unless KEEP=1), ROWS,
# MIXED_ROWS, ROUNDS.
set -euo pipefail
cd "$(dirname "$0")/.."
ROWS=${ROWS:-1000000}
MIXED_ROWS=${MIXED_ROWS:-200000}
ROUNDS=${ROUNDS:-200}
DATA_DIR=${DATA_DIR:-$(mktemp -d)}
[ "${KEEP:-0}" = 1 ] || trap 'rm -rf "$DATA_DIR"' EXIT
if ! /usr/bin/python3 -c 'import xgboost, sklearn, pandas' 2>/dev/null; then
  echo "installing python3-xgboost python3-sklearn python3-pandas" >&2
  apt-get install -y -qq python3-xgboost python3-sklearn python3-pandas >/dev/null
fi
mkdir -p "$DATA_DIR/bin"
go build -o "$DATA_DIR/bin/gencsv" ./bench/gencsv
go build -o "$DATA_DIR/bin/gbdtbench" ./bench/gbdtbench
CLF="$DATA_DIR/clf_${ROWS}.csv"; REG="$DATA_DIR/reg_${ROWS}.csv"; MIX="$DATA_DIR/mixed_${MIXED_ROWS}.csv"
[ -f "$CLF" ] || "$DATA_DIR/bin/gencsv" -out "$CLF" -rows "$ROWS" -cols 28
[ -f "$REG" ] || "$DATA_DIR/bin/gencsv" -regression -out "$REG" -rows "$ROWS"
[ -f "$MIX" ] || "$DATA_DIR/bin/gencsv" -mixed -out "$MIX" -rows "$MIXED_ROWS"
for spec in "binary:$CLF" "regression:$REG" "binary:$MIX"; do
  task=${spec%%:*}; file=${spec#*:}
  # The machine may be shared: the load average goes with the numbers.
  echo "== $(basename "$file") ($task, $ROUNDS rounds; load average $(cut -d' ' -f1-3 /proc/loadavg))"
  ours=$("$DATA_DIR/bin/gbdtbench" -task "$task" -rounds "$ROUNDS" "$file")
  theirs=$(OMP_NUM_THREADS=2 /usr/bin/python3 bench/train_ref.py "$file" "$task" "$ROUNDS")
  printf '%s\n%s\n' "$ours" "$theirs" | sed 's/^/   /'
  o=$(echo "$ours" | awk '/train_s/{print $3}'); x=$(echo "$theirs" | awk '/^xgboost_hist train_s/{print $3}')
  op=$(echo "$ours" | awk '/predict_rows_per_s/{print $3}'); xp=$(echo "$theirs" | awk '/predict_rows_per_s/{print $3}')
  printf '   ratio train mlcycle/xgboost %.2f (goal <= 1.0); batch predict mlcycle/xgboost %.2f (goal >= 3)\n' \
    "$(awk -v a="$o" -v b="$x" 'BEGIN{print a/b}')" "$(awk -v a="$op" -v b="$xp" 'BEGIN{print a/b}')"
done
