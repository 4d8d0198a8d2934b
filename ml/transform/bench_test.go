package transform

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/mlcycle/mlcycle/ml/frame"
)

// benchFrame has n rows, 10 numeric columns (5% missing) and 2 categorical
// columns (12 and 40 categories, 2% missing).
func benchFrame(b *testing.B, n int) (*frame.Frame, []Field) {
	b.Helper()
	r := rand.New(rand.NewPCG(1, 2))
	var cols []frame.Column
	var schema []Field
	for j := 0; j < 10; j++ {
		v := make([]float64, n)
		for i := range v {
			if r.Float64() < 0.05 {
				v[i] = math.NaN()
			} else {
				v[i] = r.NormFloat64()*float64(j+1) + float64(j)
			}
		}
		name := fmt.Sprintf("x%d", j)
		cols = append(cols, mk(frame.NewFloat(name, v, nil)))
		schema = append(schema, Field{name, frame.LogicalFloat})
	}
	for j, k := range []int{12, 40} {
		dict := make([]string, k)
		for c := range dict {
			dict[c] = fmt.Sprintf("c%02d", c)
		}
		codes := make([]uint32, n)
		miss := make([]bool, n)
		for i := range codes {
			codes[i] = uint32(min(r.ExpFloat64()*float64(k)/4, float64(k-1)))
			miss[i] = r.Float64() < 0.02
		}
		name := fmt.Sprintf("cat%d", j)
		cols = append(cols, mk(frame.NewCategorical(name, codes, dict, frame.MaskOf(miss))))
		schema = append(schema, Field{name, frame.LogicalCategorical})
	}
	return mk(frame.New(cols...)), schema
}

// BenchmarkFitApply fits the linear default spec on 1M rows × 10 numeric + 2
// categorical columns and applies it to the same frame.
func BenchmarkFitApply(b *testing.B) {
	x, schema := benchFrame(b, 1_000_000)
	spec := DefaultSpec(schema, false)
	ctx := context.Background()
	b.Run("fit", func(b *testing.B) {
		for b.Loop() {
			if _, _, err := Fit(ctx, spec, x, nil, Options{}); err != nil {
				b.Fatal(err)
			}
		}
	})
	p, _, err := Fit(ctx, spec, x, nil, Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("%d output columns", len(p.Outputs()))
	b.Run("apply", func(b *testing.B) {
		for b.Loop() {
			if _, err := p.Apply(ctx, x); err != nil {
				b.Fatal(err)
			}
		}
	})
}
