// Command driftbench is mlcycle's side of bench/monitor.sh: the drift of
// every feature column between two CSV files (a baseline and a current
// sample) — the two-sample Kolmogorov–Smirnov test (statistic and p-value,
// as SciPy's ks_2samp) and PSI on 10 baseline quantile bins (ml/drift) —
// over both cores, one column per task. It prints
//
//	mlcycle_drift seconds <s> columns <n> max_ks <D> min_p <p> max_psi <psi>
//
// Loading the CSVs (DuckDB ingest + Parquet decode) is not timed.
package main

import (
	"context"
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"time"

	"github.com/mlcycle/mlcycle/internal/dataengine"
	"github.com/mlcycle/mlcycle/internal/frameio"
	"github.com/mlcycle/mlcycle/ml/drift"
	"github.com/mlcycle/mlcycle/ml/frame"
)

func main() {
	flag.Parse()
	if flag.NArg() != 2 {
		fmt.Fprintln(os.Stderr, "usage: driftbench BASELINE.csv CURRENT.csv")
		os.Exit(2)
	}
	if err := run(flag.Arg(0), flag.Arg(1)); err != nil {
		fmt.Fprintln(os.Stderr, "driftbench:", err)
		os.Exit(1)
	}
}

func load(ctx context.Context, e *dataengine.Engine, dir, src string) (*frame.Frame, error) {
	pq := filepath.Join(dir, filepath.Base(src)+".parquet")
	res, err := e.Ingest(ctx, src, pq, dataengine.IngestOpts{})
	if err != nil {
		return nil, err
	}
	logical := map[string]string{}
	for _, c := range res.Schema.Columns {
		logical[c.Name] = c.Type
	}
	return frameio.Load(ctx, pq, frameio.LoadOpts{Logical: logical})
}

func run(base, cur string) error {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "driftbench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	e, err := dataengine.Open(dataengine.Config{})
	if err != nil {
		return err
	}
	a, err := load(ctx, e, dir, base)
	if err != nil {
		return err
	}
	b, err := load(ctx, e, dir, cur)
	e.Close()
	if err != nil {
		return err
	}
	var cols []string
	for _, n := range a.Names() {
		if n != "target" {
			cols = append(cols, n)
		}
	}
	type result struct{ d, p, psi float64 }
	out := make([]result, len(cols))
	start := time.Now()
	var wg sync.WaitGroup
	next := make(chan int)
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			for j := range next {
				x, _ := frame.ColumnAs[*frame.FloatColumn](a, cols[j])
				y, _ := frame.ColumnAs[*frame.FloatColumn](b, cols[j])
				xs, ys := drift.Sorted(x.Values()), drift.Sorted(y.Values())
				ks := drift.KSSorted(xs, ys)
				edges := drift.QuantileEdges(xs, drift.PSIBins)
				psi := drift.PSI(drift.BinCountsSorted(edges, xs), drift.BinCountsSorted(edges, ys))
				out[j] = result{ks.Statistic, ks.PValue, psi}
			}
		})
	}
	for j := range cols {
		next <- j
	}
	close(next)
	wg.Wait()
	secs := time.Since(start).Seconds()
	maxD, minP, maxPSI := 0.0, 1.0, 0.0
	for _, r := range out {
		maxD, minP, maxPSI = math.Max(maxD, r.d), math.Min(minP, r.p), math.Max(maxPSI, r.psi)
	}
	fmt.Printf("mlcycle_drift seconds %.3f columns %d max_ks %.6f min_p %.6g max_psi %.6f\n", secs, len(cols), maxD, minP, maxPSI)
	return nil
}
