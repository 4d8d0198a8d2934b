#!/usr/bin/env bash
# Batch transform benchmark: `mlcycle batch` on ROWS x 28 floats (bench/gencsv)
# with a ROUNDS-tree depth-6 gbdt model trained by `mlcycle train` on the
# same file (goal: 1,000,000 rows in <= 3 s on 2 cores).
#
#   bench/batch.sh                 # 1M rows, 200 trees
#   ROWS=100000 bench/batch.sh     # smaller
#
# Prints the wall time of the whole `mlcycle batch` command (process start,
# River migrations, model load, prediction, shard writes, merge, record)
# and the command's own output. With RESUME=1, a second output is made by a
# run interrupted (SIGINT) after INTERRUPT seconds (default 0.5) and the same
# command run again, which resumes from the finished shards.
# Environment: DATA_DIR (default a temp dir, removed unless KEEP=1), ROWS,
# ROUNDS, SHARD_ROWS.
set -euo pipefail
cd "$(dirname "$0")/.."
ROWS=${ROWS:-1000000}
ROUNDS=${ROUNDS:-200}
SHARD_ROWS=${SHARD_ROWS:-100000}
DATA_DIR=${DATA_DIR:-$(mktemp -d)}
[ "${KEEP:-0}" = 1 ] || trap 'rm -rf "$DATA_DIR"' EXIT
mkdir -p "$DATA_DIR/bin"
go build -o "$DATA_DIR/bin/gencsv" ./bench/gencsv
go build -o "$DATA_DIR/bin/mlcycle" ./cmd/mlcycle
M="$DATA_DIR/bin/mlcycle"
CSV="$DATA_DIR/clf_${ROWS}.csv"
[ -f "$CSV" ] || "$DATA_DIR/bin/gencsv" -out "$CSV" -rows "$ROWS" -cols 28
PROJ="$DATA_DIR/proj"
rm -rf "$PROJ"
"$M" init "$PROJ" >/dev/null
cd "$PROJ"
"$M" data add "$CSV" --name clf >/dev/null
echo "== train: gbdt, $ROUNDS trees, depth 6 (load average $(cut -d' ' -f1-3 /proc/loadavg))"
"$M" train clf --target target --valid-frac 0 --params "n_estimators=$ROUNDS,max_depth=6" --name clf-gbdt | head -1
echo "== batch: $ROWS rows in shards of $SHARD_ROWS (load average $(cut -d' ' -f1-3 /proc/loadavg))"
t0=$(date +%s.%N)
"$M" batch clf-gbdt --data clf --out clf_scored --shard-rows "$SHARD_ROWS"
t1=$(date +%s.%N)
awk -v a="$t0" -v b="$t1" -v n="$ROWS" 'BEGIN{printf "batch_s %.2f  rows_per_s %.0f\n", b-a, n/(b-a)}'
"$M" data show clf_scored 2>/dev/null | head -20 || true
if [ "${RESUME:-0}" = 1 ]; then
  echo "== interrupted after ${INTERRUPT:-0.5} s, then resumed"
  timeout -s INT "${INTERRUPT:-0.5}" "$M" batch clf-gbdt --data clf --out clf_scored2 --shard-rows "$SHARD_ROWS" || true
  "$M" batch clf-gbdt --data clf --out clf_scored2 --shard-rows "$SHARD_ROWS"
fi
