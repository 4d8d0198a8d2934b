package predict_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/mlcycle/mlcycle/ml/frame"
	"github.com/mlcycle/mlcycle/ml/gbdt"
	"github.com/mlcycle/mlcycle/ml/transform"
	"github.com/mlcycle/mlcycle/predict"
)

// benchModel trains a 200-tree depth-6 gbdt on 28 numeric features (the
// serving benchmark's model) and returns it with one record.
func benchModel(b *testing.B) (*predict.Model, map[string]any) {
	b.Helper()
	ctx := context.Background()
	n, nf := 20000, 28
	r := rand.New(rand.NewPCG(1, 2))
	cols := make([]frame.Column, nf)
	schema := make([]transform.Field, nf)
	y := make([]float64, n)
	vals := make([][]float64, nf)
	for j := range nf {
		vals[j] = make([]float64, n)
		for i := range n {
			vals[j][i] = r.NormFloat64()
		}
		cols[j], _ = frame.NewFloat(fmt.Sprintf("f%d", j), vals[j], nil)
		schema[j] = transform.Field{Name: fmt.Sprintf("f%d", j), Logical: "float"}
	}
	for i := range n {
		if vals[0][i]+vals[1][i]*vals[2][i]-vals[3][i] > 0 {
			y[i] = 1
		}
	}
	f, _ := frame.New(cols...)
	pipe, ft, err := transform.Fit(ctx, transform.DefaultSpec(schema, true), f, nil, transform.Options{})
	if err != nil {
		b.Fatal(err)
	}
	res, err := gbdt.Fit(ctx, gbdt.Data{X: ft, Y: y}, nil, gbdt.Params{Objective: gbdt.BinaryLogistic, NEstimators: 200, MaxDepth: 6})
	if err != nil {
		b.Fatal(err)
	}
	tj, _ := pipe.MarshalJSON()
	mj, _ := res.Model.MarshalJSON()
	var fields []predict.Field
	for _, in := range pipe.Inputs() {
		fields = append(fields, predict.Field{Name: in.Name, Logical: in.Logical, Required: in.Required})
	}
	m, err := predict.New(&predict.Package{Format: predict.Format, Version: predict.FormatVersion, Task: predict.TaskBinary,
		Target: "y", Classes: []string{"0", "1"}, Threshold: 0.5, Schema: fields, Features: pipe.Outputs(),
		Transforms: tj, Algo: predict.AlgoGBDT, Model: mj})
	if err != nil {
		b.Fatal(err)
	}
	rec := map[string]any{}
	for j := range nf {
		rec[fmt.Sprintf("f%d", j)] = vals[j][0]
	}
	return m, rec
}

// BenchmarkSingleRecord is the serving path of one JSON row: records →
// frame → transforms → 200 trees.
func BenchmarkSingleRecord(b *testing.B) {
	m, rec := benchModel(b)
	ctx := context.Background()
	recs := []map[string]any{rec}
	b.ReportAllocs()
	for b.Loop() {
		f, err := predict.FrameFromRecords(m.Schema(), recs)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := m.Predict(ctx, f); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSingleRecordParts times the three steps of the serving path.
func BenchmarkSingleRecordParts(b *testing.B) {
	m, rec := benchModel(b)
	ctx := context.Background()
	recs := []map[string]any{rec}
	f, _ := predict.FrameFromRecords(m.Schema(), recs)
	ft, _ := m.Transform(ctx, f)
	b.Run("records", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			predict.FrameFromRecords(m.Schema(), recs)
		}
	})
	b.Run("transform", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			m.Transform(ctx, f)
		}
	})
	b.Run("model", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			m.PredictFeatures(ctx, ft)
		}
	})
}
