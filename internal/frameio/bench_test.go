package frameio

import (
	"context"
	"os"
	"testing"
)

// BenchmarkLoad loads the Parquet file named by MLCYCLE_BENCH_PARQUET, for
// example the 1M-row × 29-column file the platform's benchmarks use:
//
//	MLCYCLE_BENCH_PARQUET=/tmp/big.parquet go test -run '^$' -bench Load ./internal/frameio
func BenchmarkLoad(b *testing.B) {
	path := os.Getenv("MLCYCLE_BENCH_PARQUET")
	if path == "" {
		b.Skip("MLCYCLE_BENCH_PARQUET is not set: name a Parquet file to load")
	}
	ctx := context.Background()
	var rows, cols int
	for b.Loop() {
		f, err := Load(ctx, path, LoadOpts{})
		if err != nil {
			b.Fatal(err)
		}
		rows, cols = f.Len(), f.NumColumns()
	}
	b.ReportMetric(float64(rows), "rows")
	b.ReportMetric(float64(cols), "columns")
}
