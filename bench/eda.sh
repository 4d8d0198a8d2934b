#!/usr/bin/env bash
# EDA benchmark: the whole `mlcycle eda` command (catalog version → profile →
# HTML report written) against pandas computing the same profile (describe,
# Pearson + Spearman, 50-bin histograms, value_counts) on the same files, in
# the same run. Two tables: 1,000,000 × 28 floats + target, and 200,000 rows
# mixed (10 numeric, 5 categorical with 3-1000 levels, 5 % missing).
#
#   bench/eda.sh                  # needs Debian's python3-pandas (installed if missing)
#   ROWS=100000 bench/eda.sh      # smaller numeric table
#
# Environment: DATA_DIR (default a temp dir, removed unless KEEP=1), ROWS,
# MIXED_ROWS. pandas runs through /usr/bin/python3.
set -euo pipefail
cd "$(dirname "$0")/.."
ROWS=${ROWS:-1000000}
MIXED_ROWS=${MIXED_ROWS:-200000}
DATA_DIR=${DATA_DIR:-$(mktemp -d)}
[ "${KEEP:-0}" = 1 ] || trap 'rm -rf "$DATA_DIR"' EXIT
if ! /usr/bin/python3 -c 'import pandas' 2>/dev/null; then
  echo "installing python3-pandas for the pandas side" >&2
  apt-get install -y -qq python3-pandas >/dev/null
fi
mkdir -p "$DATA_DIR/bin"
go build -o "$DATA_DIR/bin/mlcycle" ./cmd/mlcycle
go build -o "$DATA_DIR/bin/gencsv" ./bench/gencsv
NUM="$DATA_DIR/numeric_${ROWS}.csv"
MIX="$DATA_DIR/mixed_${MIXED_ROWS}.csv"
[ -f "$NUM" ] || "$DATA_DIR/bin/gencsv" -out "$NUM" -rows "$ROWS" -cols 28
[ -f "$MIX" ] || "$DATA_DIR/bin/gencsv" -mixed -out "$MIX" -rows "$MIXED_ROWS"
ML="$DATA_DIR/bin/mlcycle"
rm -rf "$DATA_DIR/proj"
"$ML" init "$DATA_DIR/proj" >/dev/null
"$ML" --project "$DATA_DIR/proj" data add "$NUM" --name numeric >/dev/null
"$ML" --project "$DATA_DIR/proj" data add "$MIX" --name mixed >/dev/null

now() { date +%s.%N; }
for pair in "numeric:$NUM" "mixed:$MIX"; do
  name=${pair%%:*}; file=${pair#*:}
  t0=$(now)
  "$ML" --project "$DATA_DIR/proj" eda "$name" --out "$DATA_DIR/$name.html" >/dev/null
  t1=$(now)
  ours=$(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.3f", b-a}')
  theirs=$(/usr/bin/python3 bench/eda_pandas.py "$file" | awk '{print $3}')
  printf '%-8s mlcycle eda (whole command) %6.2f s | pandas compute %6.2f s | ratio %.3f (goal <= 0.5)\n' \
    "$name" "$ours" "$theirs" "$(awk -v a="$ours" -v b="$theirs" 'BEGIN{print a/b}')"
done
