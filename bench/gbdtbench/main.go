// Command gbdtbench is mlcycle's side of bench/train.sh: it trains ml/gbdt
// on a CSV (first 80 % of rows train, last 20 % test, column "target" is
// the label) with the settings of the reference run — depth 6, learning
// rate 0.1, ROUNDS rounds, 256 bins, both cores — and prints, like
// bench/train_ref.py:
//
//	mlcycle_gbdt train_s <seconds> auc|rmse <value>
//	mlcycle_gbdt predict_rows_per_s <rows/s, median of 5 warm batch predictions>
//	mlcycle_gbdt predict_cold_rows_per_s <rows/s of the first, which builds the layout>
//	mlcycle_gbdt predict_row_ns <ns per single-row prediction>
//
// Loading the CSV (DuckDB ingest + Parquet decode) is not timed.
package main

import (
	"context"
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/mlcycle/mlcycle/internal/dataengine"
	"github.com/mlcycle/mlcycle/internal/frameio"
	"github.com/mlcycle/mlcycle/ml/frame"
	"github.com/mlcycle/mlcycle/ml/gbdt"
	"github.com/mlcycle/mlcycle/ml/metrics"
)

func main() {
	task := flag.String("task", "binary", "binary or regression")
	rounds := flag.Int("rounds", 200, "boosting rounds")
	flag.Parse()
	if flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: gbdtbench [-task binary|regression] [-rounds N] FILE.csv")
		os.Exit(2)
	}
	if err := run(flag.Arg(0), *task, *rounds); err != nil {
		fmt.Fprintln(os.Stderr, "gbdtbench:", err)
		os.Exit(1)
	}
}

func run(src, task string, rounds int) error {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "gbdtbench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	e, err := dataengine.Open(dataengine.Config{})
	if err != nil {
		return err
	}
	pq := filepath.Join(dir, "data.parquet")
	res, err := e.Ingest(ctx, src, pq, dataengine.IngestOpts{})
	e.Close()
	if err != nil {
		return err
	}
	logical := map[string]string{}
	for _, c := range res.Schema.Columns {
		logical[c.Name] = c.Type
	}
	f, err := frameio.Load(ctx, pq, frameio.LoadOpts{Logical: logical})
	if err != nil {
		return err
	}
	tc, ok := f.Column("target")
	if !ok {
		return fmt.Errorf("%s has no column \"target\"", src)
	}
	target := tc.(*frame.FloatColumn).Values()
	var feats []string
	for _, n := range f.Names() {
		if n != "target" {
			feats = append(feats, n)
		}
	}
	x, err := f.Select(feats...)
	if err != nil {
		return err
	}
	n := f.Len()
	cut := n * 8 / 10
	idx := func(lo, hi int) []int {
		r := make([]int, hi-lo)
		for i := range r {
			r[i] = lo + i
		}
		return r
	}
	xtr, err := x.Take(idx(0, cut))
	if err != nil {
		return err
	}
	xte, err := x.Take(idx(cut, n))
	if err != nil {
		return err
	}
	p := gbdt.Params{NEstimators: rounds, MaxDepth: 6, LearningRate: 0.1, MaxBin: 256, Objective: "reg:squarederror"}
	if task == "binary" {
		p.Objective = "binary:logistic"
	}
	t := time.Now()
	fit, err := gbdt.Fit(ctx, gbdt.Data{X: xtr, Y: target[:cut]}, nil, p)
	if err != nil {
		return err
	}
	trainS := time.Since(t).Seconds()
	// Score with a first prediction (it builds the model's prediction
	// layout), then time warm ones as train_ref.py times XGBoost's second
	// predict: the median of five, since a 40,000-row prediction takes tens
	// of milliseconds and the machine is shared.
	t = time.Now()
	pred, err := fit.Model.Predict(ctx, xte, gbdt.Value)
	if err != nil {
		return err
	}
	coldS := time.Since(t).Seconds()
	var runs []float64
	for range 5 {
		t = time.Now()
		if _, err := fit.Model.Predict(ctx, xte, gbdt.Value); err != nil {
			return err
		}
		runs = append(runs, time.Since(t).Seconds())
	}
	slices.Sort(runs)
	predS := runs[len(runs)/2]
	yte := target[cut:]
	if task == "binary" {
		y := make([]int, len(yte))
		for i, v := range yte {
			y[i] = int(v)
		}
		auc, err := metrics.ROCAUC(y, pred, nil)
		if err != nil {
			return err
		}
		fmt.Printf("mlcycle_gbdt train_s %.3f auc %.6f\n", trainS, auc)
	} else {
		se := 0.0
		for i, v := range yte {
			se += (v - pred[i]) * (v - pred[i])
		}
		fmt.Printf("mlcycle_gbdt train_s %.3f rmse %.6f\n", trainS, math.Sqrt(se/float64(len(yte))))
	}
	fmt.Printf("mlcycle_gbdt predict_rows_per_s %.0f\n", float64(len(yte))/predS)
	fmt.Printf("mlcycle_gbdt predict_cold_rows_per_s %.0f\n", float64(len(yte))/coldS)
	// Single-row latency over up to 10,000 test rows (numeric tables).
	row := make([]float64, len(feats))
	cols := xte.Columns()
	for _, c := range cols {
		if _, ok := c.(*frame.FloatColumn); !ok {
			return nil
		}
	}
	out := make([]float64, fit.Model.Width(gbdt.Value))
	m := min(10000, xte.Len())
	t = time.Now()
	for i := 0; i < m; i++ {
		for j, c := range cols {
			row[j] = c.(*frame.FloatColumn).Values()[i]
		}
		out = fit.Model.PredictRow(row, gbdt.Value, out)
	}
	fmt.Printf("mlcycle_gbdt predict_row_ns %.0f\n", float64(time.Since(t).Nanoseconds())/float64(m))
	return nil
}
