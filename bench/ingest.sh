#!/usr/bin/env bash
# Ingest benchmark: `mlcycle data add` against plain DuckDB converting the
# same CSV to Parquet, one run after the other, then the frame load.
#
#   bench/ingest.sh                 # 1,000,000 rows x 28 float columns (~286 MB)
#   ROWS=100000 bench/ingest.sh     # smaller
#   REPEATS=5 bench/ingest.sh       # more runs (median is reported)
#
# Environment: DATA_DIR (where the CSV and scratch projects go; default a
# temp dir, removed at the end unless KEEP=1), ROWS, COLS, REPEATS.
# Both sides are whole processes, timed wall-clock, with the CSV in the
# page cache; runs alternate (plain, mlcycle, plain, ...) so that drift on a
# shared machine hits both alike.
set -euo pipefail
cd "$(dirname "$0")/.."
ROWS=${ROWS:-1000000}
COLS=${COLS:-28}
REPEATS=${REPEATS:-3}
DATA_DIR=${DATA_DIR:-$(mktemp -d)}
[ "${KEEP:-0}" = 1 ] || trap 'rm -rf "$DATA_DIR"' EXIT
mkdir -p "$DATA_DIR/bin"
echo "building..." >&2
go build -o "$DATA_DIR/bin/mlcycle" ./cmd/mlcycle
go build -o "$DATA_DIR/bin/duckdbplain" ./bench/duckdbplain
go build -o "$DATA_DIR/bin/gencsv" ./bench/gencsv
CSV="$DATA_DIR/numeric_${ROWS}x${COLS}.csv"
[ -f "$CSV" ] || "$DATA_DIR/bin/gencsv" -out "$CSV" -rows "$ROWS" -cols "$COLS"
MB=$(awk -v b="$(stat -c %s "$CSV")" 'BEGIN{printf "%.1f", b/1e6}')
cat "$CSV" >/dev/null # page cache

now() { date +%s.%N; }
plain=() ; ours=()
for i in $(seq "$REPEATS"); do
  rm -f "$DATA_DIR/plain.parquet"
  t0=$(now); "$DATA_DIR/bin/duckdbplain" "$CSV" "$DATA_DIR/plain.parquet" >/dev/null; t1=$(now)
  plain+=("$(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.3f", b-a}')")
  rm -rf "$DATA_DIR/proj"
  "$DATA_DIR/bin/mlcycle" init "$DATA_DIR/proj" >/dev/null
  t0=$(now); "$DATA_DIR/bin/mlcycle" --project "$DATA_DIR/proj" data add "$CSV" --name bench >/dev/null; t1=$(now)
  ours+=("$(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.3f", b-a}')")
done
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END{print (NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2}'; }
P=$(median "${plain[@]}"); O=$(median "${ours[@]}")
printf 'CSV: %s rows x %s float columns + 1 integer, %s MB\n' "$ROWS" "$COLS" "$MB"
printf 'plain DuckDB CSV->Parquet : median %.2f s  (%.0f MB/s)  runs: %s\n' "$P" "$(awk -v a="$MB" -v b="$P" 'BEGIN{print a/b}')" "${plain[*]}"
printf 'mlcycle data add          : median %.2f s  (%.0f MB/s)  runs: %s\n' "$O" "$(awk -v a="$MB" -v b="$O" 'BEGIN{print a/b}')" "${ours[*]}"
printf 'ratio mlcycle / DuckDB    : %.3f  (goal <= 1.2)\n' "$(awk -v a="$O" -v b="$P" 'BEGIN{print a/b}')"
echo "frame load (catalog.Load, Go benchmark):"
MLCYCLE_BENCH_CSV="$CSV" go test -run '^$' -bench 'BenchmarkLoad$' -benchtime 5x -benchmem ./internal/catalog/ | grep -E '^Benchmark'
