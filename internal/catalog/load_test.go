package catalog_test

import (
	"context"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/mlcycle/mlcycle/internal/catalog"
	"github.com/mlcycle/mlcycle/internal/catalog/catalogtest"
	"github.com/mlcycle/mlcycle/internal/dataengine"
	"github.com/mlcycle/mlcycle/internal/frameio"
	"github.com/mlcycle/mlcycle/ml/frame"
)

// TestLoad loads credit_data (with missing values in numeric and
// categorical columns) and checks kinds, dictionaries, masks and values.
func TestLoad(t *testing.T) {
	t.Parallel()
	a := catalogtest.New(t)
	ctx := context.Background()
	if _, err := a.Catalog.Add(ctx, filepath.Join(catalogtest.Testdata(), "datasets", "credit_data.csv"), catalog.AddOpts{Name: "credit"}); err != nil {
		t.Fatal(err)
	}
	_, f, err := a.Catalog.Load(ctx, "credit", nil)
	if err != nil {
		t.Fatal(err)
	}
	if f.Len() != 4454 || f.NumColumns() != 14 {
		t.Fatalf("frame is %d × %d, want 4454 × 14", f.Len(), f.NumColumns())
	}
	// The shared datasets README: income 381 missing, assets 47, debt 18,
	// home 6, job 2, marital 1; missing is missing, not zero.
	for name, want := range map[string]int{"income": 381, "assets": 47, "debt": 18, "home": 6, "job": 2, "marital": 1, "age": 0} {
		c, ok := f.Column(name)
		if !ok {
			t.Fatalf("no column %s", name)
		}
		if got := c.NullCount(); got != want {
			t.Errorf("%s missing = %d, want %d", name, got, want)
		}
	}
	income, err := frame.ColumnAs[*frame.FloatColumn](f, "income")
	if err != nil {
		t.Fatal(err)
	}
	if income.Logical() != "integer" {
		t.Errorf("income logical = %s, want integer", income.Logical())
	}
	sum, n := 0.0, 0
	for i, v := range income.Values() {
		if income.IsMissing(i) {
			if !math.IsNaN(v) {
				t.Fatalf("missing income at row %d holds %v, want NaN", i, v)
			}
			continue
		}
		sum += v
		n++
	}
	// pandas 1.5.3: df.income.sum() = 577094.0 over df.income.count() = 4073.
	if n != 4073 || sum != 577094 {
		t.Errorf("income: %d values summing to %v, want 4073 summing to 577094", n, sum)
	}
	status, err := frame.ColumnAs[*frame.CategoricalColumn](f, "status")
	if err != nil {
		t.Fatal(err)
	}
	if d := status.Dict(); len(d) != 2 || d[0] != "bad" || d[1] != "good" {
		t.Errorf("status dictionary = %v, want [bad good]", d)
	}
	if status.Value(0) != "good" {
		t.Errorf("status[0] = %s, want good", status.Value(0))
	}
	// A selection, in the order asked.
	_, g, err := a.Catalog.Load(ctx, "credit", []string{"status", "age"})
	if err != nil {
		t.Fatal(err)
	}
	if names := g.Names(); len(names) != 2 || names[0] != "status" || names[1] != "age" {
		t.Errorf("selected names = %v", names)
	}
	if _, _, err := a.Catalog.Load(ctx, "credit", []string{"nope"}); err == nil {
		t.Error("Load of an unknown column: no error")
	}
}

// BenchmarkLoad measures loading a large version into a frame. It ingests
// the CSV named by MLCYCLE_BENCH_CSV once (bench/ingest.sh generates a
// 1,000,000 × 28 numeric one) and times Load.
func BenchmarkLoad(b *testing.B) {
	src := os.Getenv("MLCYCLE_BENCH_CSV")
	if src == "" {
		b.Skip("MLCYCLE_BENCH_CSV not set: run bench/ingest.sh, or point it at a CSV")
	}
	a := catalogtest.New(b)
	ctx := context.Background()
	v, err := a.Catalog.Add(ctx, src, catalog.AddOpts{Name: "bench"})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(v.Rows), "rows")
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, _, err := a.Catalog.Load(ctx, "bench", nil); err != nil {
			b.Fatal(err)
		}
	}
}

// TestFormatMarkerAgrees keeps the writer's and the reader's format
// marker equal (they live apart so that frameio needs no cgo).
func TestFormatMarkerAgrees(t *testing.T) {
	if dataengine.FormatKey != frameio.FormatKey || dataengine.FormatVersion != frameio.FormatVersion {
		t.Errorf("writer marks %s=%s, reader expects %s=%s", dataengine.FormatKey, dataengine.FormatVersion, frameio.FormatKey, frameio.FormatVersion)
	}
}
