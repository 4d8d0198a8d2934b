#!/usr/bin/env bash
# Drift benchmark: KS (statistic + p-value) and PSI of 28 features between two
# 1,000,000-row samples, mlcycle (bench/driftbench, ml/drift on both cores) and
# SciPy's ks_2samp + numpy PSI (bench/drift_ref.py), one after the other in the
# same run. The current sample is drawn with another seed, so the statistics are
# those of two samples of one distribution.
#
#   bench/monitor.sh              # ROWS=1000000
#   ROWS=200000 bench/monitor.sh
#
# Needs Debian's python3-scipy and python3-pandas (installed if missing).
set -euo pipefail
cd "$(dirname "$0")/.."
ROWS=${ROWS:-1000000}
DATA_DIR=${DATA_DIR:-$(mktemp -d)}
[ "${KEEP:-0}" = 1 ] || trap 'rm -rf "$DATA_DIR"' EXIT
if ! /usr/bin/python3 -c 'import scipy, pandas' 2>/dev/null; then
  apt-get install -y -qq python3-scipy python3-pandas >/dev/null
fi
go build -o "$DATA_DIR/gencsv" ./bench/gencsv
go build -o "$DATA_DIR/driftbench" ./bench/driftbench
"$DATA_DIR/gencsv" -out "$DATA_DIR/a.csv" -rows "$ROWS" -cols 28 -seed 1
"$DATA_DIR/gencsv" -out "$DATA_DIR/b.csv" -rows "$ROWS" -cols 28 -seed 2
echo "== $ROWS vs $ROWS rows, 28 features; load average $(cut -d' ' -f1-3 /proc/loadavg)"
ours=$("$DATA_DIR/driftbench" "$DATA_DIR/a.csv" "$DATA_DIR/b.csv")
theirs=$(OMP_NUM_THREADS=2 /usr/bin/python3 bench/drift_ref.py "$DATA_DIR/a.csv" "$DATA_DIR/b.csv")
printf '   %s\n   %s\n' "$ours" "$theirs"
o=$(echo "$ours" | awk '{print $3}'); s=$(echo "$theirs" | awk '{print $3}')
printf '   speed-up mlcycle vs scipy: %.1fx (goal >= 5)\n' "$(awk -v a="$s" -v b="$o" 'BEGIN{print a/b}')"
