package transform

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"math"
	"os"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/mlcycle/mlcycle/ml/frame"
)

// The reference values in testdata/transform/reference.json come from
// scikit-learn 1.2.1, SciPy 1.10.1, pandas 1.5.3 and NumPy 1.24 through
// testdata/transform/make_reference.py, fitted on train.csv and applied to
// train.csv and serve.csv (see testdata/transform/README.md). Results must
// agree to a relative error of 1e-9 (absolute 1e-12 near zero); Box-Cox and
// Yeo-Johnson lambdas and outputs to 1e-6, since the Brent search stops
// within its tolerance of the optimum.
const (
	relTol   = 1e-9
	absTol   = 1e-12
	powerTol = 1e-6
)

const refDir = "../../testdata/transform/"

// jnum is a float64 that decodes JSON null as NaN.
type jnum float64

func (f *jnum) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*f = jnum(math.NaN())
		return nil
	}
	v, err := strconv.ParseFloat(string(b), 64)
	*f = jnum(v)
	return err
}

type refOutput struct {
	Train   [][]jnum
	Serve   [][]jnum
	Names   []string
	Edges   [][]float64
	Lambdas []float64
	IDF     []float64 `json:"idf"`
}

type refTarget struct {
	FullTrain [][]jnum `json:"full_train"`
	FullServe [][]jnum `json:"full_serve"`
	OOFTrain  [][]jnum `json:"oof_train"`
}

type reference struct {
	Versions      map[string]string
	Outputs       map[string]refOutput
	ImputeModeCat struct{ Fill string } `json:"impute_mode_cat"`
	BinsD         struct {
		Edges [][]float64
		Train [][]jnum
	} `json:"bins_d"`
	Folds     []int
	Target    map[string]refTarget
	Frequency map[string][]jnum
	DateParts map[string][]jnum `json:"date_parts"`
}

var (
	refOnce sync.Once
	refData *reference
	refErr  error
	refTr   *frame.Frame
	refSv   *frame.Frame
)

func loadReference(t *testing.T) (*reference, *frame.Frame, *frame.Frame) {
	t.Helper()
	refOnce.Do(func() {
		b, err := os.ReadFile(refDir + "reference.json")
		if err != nil {
			refErr = err
			return
		}
		var raw map[string]json.RawMessage
		if refErr = json.Unmarshal(b, &raw); refErr != nil {
			return
		}
		r := &reference{Outputs: map[string]refOutput{}}
		if refErr = json.Unmarshal(b, r); refErr != nil {
			return
		}
		for k, v := range raw {
			var o refOutput
			if json.Unmarshal(v, &o) == nil && (o.Train != nil || o.IDF != nil) {
				r.Outputs[k] = o
			}
		}
		refData = r
		if refTr, refErr = readCSV(refDir + "train.csv"); refErr != nil {
			return
		}
		refSv, refErr = readCSV(refDir + "serve.csv")
	})
	if refErr != nil {
		t.Fatalf("load reference: %v", refErr)
	}
	return refData, refTr, refSv
}

// readCSV reads the fixture CSV written by make_reference.py.
func readCSV(path string) (*frame.Frame, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		return nil, err
	}
	head, rows := rows[0], rows[1:]
	n := len(rows)
	var cols []frame.Column
	for j, name := range head {
		var c frame.Column
		switch name {
		case "cat", "cat2":
			vals := make([]string, n)
			miss := make([]bool, n)
			for i, r := range rows {
				vals[i], miss[i] = r[j], r[j] == ""
			}
			c, err = frame.NewCategoricalFromStrings(name, vals, frame.MaskOf(miss))
		case "text":
			vals := make([]string, n)
			for i, r := range rows {
				vals[i] = r[j]
			}
			c, err = frame.NewString(name, vals, nil)
		case "ts":
			vals := make([]int64, n)
			miss := make([]bool, n)
			for i, r := range rows {
				if r[j] == "" {
					miss[i] = true
					continue
				}
				tm, perr := time.Parse(time.RFC3339, r[j])
				if perr != nil {
					return nil, perr
				}
				vals[i] = tm.UnixNano()
			}
			c, err = frame.NewTime(name, vals, frame.MaskOf(miss))
		default:
			vals := make([]float64, n)
			for i, r := range rows {
				if r[j] == "" {
					vals[i] = math.NaN()
					continue
				}
				if vals[i], err = strconv.ParseFloat(r[j], 64); err != nil {
					return nil, err
				}
			}
			c, err = frame.NewFloat(name, vals, nil)
		}
		if err != nil {
			return nil, err
		}
		cols = append(cols, c)
	}
	return frame.New(cols...)
}

func near(got, want, rel, abs float64) bool {
	if math.IsNaN(want) || math.IsNaN(got) {
		return math.IsNaN(want) && math.IsNaN(got)
	}
	d := math.Abs(got - want)
	return d <= abs || d <= rel*math.Abs(want)
}

func floatsOf(t *testing.T, f *frame.Frame, name string) []float64 {
	t.Helper()
	c, err := frame.ColumnAs[*frame.FloatColumn](f, name)
	if err != nil {
		t.Fatalf("output %q: %v (outputs %q)", name, err, f.Names())
	}
	return c.Values()
}

func compareCol(t *testing.T, what string, got []float64, want []jnum, rel float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s: %d rows, want %d", what, len(got), len(want))
		return
	}
	bad := 0
	for i := range got {
		if !near(got[i], float64(want[i]), rel, absTol) {
			if bad < 3 {
				t.Errorf("%s[%d] = %v, want %v", what, i, got[i], float64(want[i]))
			}
			bad++
		}
	}
	if bad > 3 {
		t.Errorf("%s: %d rows differ in all", what, bad)
	}
}

// only returns a spec that drops every fixture column but keep.
func only(cols map[string][]Step) Spec {
	s := Spec{Columns: cols}
	for _, c := range []string{"a", "b", "c", "d", "cat", "cat2", "text", "ts", "y", "yreg", "ycls"} {
		if _, ok := cols[c]; !ok {
			s.Drop = append(s.Drop, c)
		}
	}
	return s
}

func fitApply(t *testing.T, spec Spec, tr, sv *frame.Frame, y *Target) (*Pipeline, *frame.Frame, *frame.Frame) {
	t.Helper()
	ctx := context.Background()
	p, ftr, err := Fit(ctx, spec, tr, y, Options{Seed: 1})
	if err != nil {
		t.Fatalf("Fit: %v", err)
	}
	fsv, err := p.Apply(ctx, sv)
	if err != nil {
		t.Fatalf("Apply: %v", err)
	}
	return p, ftr, fsv
}

func TestReferenceNumeric(t *testing.T) {
	t.Parallel()
	ref, tr, sv := loadReference(t)
	cases := []struct {
		key  string
		cols []string
		step Step
		rel  float64
	}{
		{"standard", []string{"a", "c"}, Step{Scale: "standard"}, relTol},
		{"minmax", []string{"a", "c"}, Step{Scale: "minmax"}, relTol},
		{"robust", []string{"a", "c"}, Step{Scale: "robust"}, relTol},
		{"impute_mean", []string{"a", "d"}, Step{Impute: "mean"}, relTol},
		{"impute_median", []string{"a", "d"}, Step{Impute: "median"}, relTol},
		{"impute_most_frequent", []string{"a", "d"}, Step{Impute: "mode"}, relTol},
		{"bins4", []string{"b"}, Step{Bins: &Bins{N: 4}}, relTol},
		{"bins5", []string{"b"}, Step{Bins: &Bins{N: 5}}, relTol},
		{"boxcox", []string{"b"}, Step{BoxCox: true}, powerTol},
		{"yeojohnson", []string{"a", "c"}, Step{YeoJohnson: true}, powerTol},
	}
	for _, tc := range cases {
		t.Run(tc.key, func(t *testing.T) {
			t.Parallel()
			want, ok := ref.Outputs[tc.key]
			if !ok {
				t.Fatalf("reference has no %q", tc.key)
			}
			cols := map[string][]Step{}
			for _, c := range tc.cols {
				cols[c] = []Step{tc.step}
			}
			p, ftr, fsv := fitApply(t, only(cols), tr, sv, nil)
			for j, c := range tc.cols {
				compareCol(t, "train "+c, floatsOf(t, ftr, c), want.Train[j], tc.rel)
				compareCol(t, "serve "+c, floatsOf(t, fsv, c), want.Serve[j], tc.rel)
			}
			for j, l := range want.Lambdas {
				got := p.colNamed(tc.cols[j]).Steps[0].Lambda[0]
				if !near(got, l, powerTol, 0) {
					t.Errorf("lambda of %s = %.12g, want %.12g", tc.cols[j], got, l)
				}
			}
			for j, e := range want.Edges {
				got := p.colNamed(tc.cols[j]).Steps[0].Edges[0]
				if len(got) != len(e) {
					t.Fatalf("edges of %s = %v, want %v", tc.cols[j], got, e)
				}
				for k := range e {
					if !near(got[k], e[k], relTol, absTol) {
						t.Errorf("edge %d of %s = %v, want %v", k, tc.cols[j], got[k], e[k])
					}
				}
			}
		})
	}
}

func (p *Pipeline) colNamed(name string) *fcol {
	for _, c := range p.cols {
		if c.Name == name {
			return c
		}
	}
	return nil
}

func TestReferenceBinsWithTiesAndMissing(t *testing.T) {
	t.Parallel()
	ref, tr, sv := loadReference(t)
	p, ftr, _ := fitApply(t, only(map[string][]Step{"d": {{Bins: &Bins{N: 5}}}}), tr, sv, nil)
	if got, want := p.colNamed("d").Steps[0].Edges[0], ref.BinsD.Edges[0]; len(got) != len(want) {
		t.Errorf("edges = %v, want %v (narrow bins dropped)", got, want)
	}
	compareCol(t, "train d", floatsOf(t, ftr, "d"), ref.BinsD.Train[0], relTol)
}

func TestReferenceOneHot(t *testing.T) {
	t.Parallel()
	ref, tr, sv := loadReference(t)
	for key, m := range map[string]int{"onehot": 4, "onehot7": 7} {
		t.Run(key, func(t *testing.T) {
			t.Parallel()
			want := ref.Outputs[key]
			_, ftr, fsv := fitApply(t, only(map[string][]Step{"cat2": {{OneHot: &OneHot{MaxCategories: m}}}}), tr, sv, nil)
			var names []string
			for _, n := range want.Names {
				switch {
				case n == "cat2_infrequent_sklearn":
					names = append(names, "cat2__other")
				default:
					names = append(names, "cat2__"+n[len("cat2_"):])
				}
			}
			if got := ftr.Names(); !equalStrings(got, names) {
				t.Fatalf("outputs = %q, want %q", got, names)
			}
			for j, n := range names {
				compareCol(t, "train "+n, floatsOf(t, ftr, n), want.Train[j], relTol)
				compareCol(t, "serve "+n, floatsOf(t, fsv, n), want.Serve[j], relTol)
			}
		})
	}
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestReferenceOrdinal(t *testing.T) {
	t.Parallel()
	ref, tr, sv := loadReference(t)
	_, ftr, fsv := fitApply(t, only(map[string][]Step{"cat2": {{Ordinal: true}}}), tr, sv, nil)
	compareCol(t, "train", floatsOf(t, ftr, "cat2"), ref.Outputs["ordinal"].Train[0], relTol)
	compareCol(t, "serve", floatsOf(t, fsv, "cat2"), ref.Outputs["ordinal"].Serve[0], relTol)
}

func TestReferenceImputeModeCategorical(t *testing.T) {
	t.Parallel()
	ref, tr, sv := loadReference(t)
	_, ftr, _ := fitApply(t, only(map[string][]Step{"cat": {{Impute: "mode"}}}), tr, sv, nil)
	out, err := frame.ColumnAs[*frame.CategoricalColumn](ftr, "cat")
	if err != nil {
		t.Fatal(err)
	}
	in, _ := frame.ColumnAs[*frame.CategoricalColumn](tr, "cat")
	if in.NullCount() == 0 || out.NullCount() != 0 {
		t.Fatalf("missing rows: input %d, output %d; want some, then none", in.NullCount(), out.NullCount())
	}
	for i := 0; i < in.Len(); i++ {
		want := in.Value(i)
		if in.IsMissing(i) {
			want = ref.ImputeModeCat.Fill
		}
		if got := out.Value(i); got != want {
			t.Errorf("row %d = %q, want %q", i, got, want)
		}
	}
}

func TestReferenceText(t *testing.T) {
	t.Parallel()
	ref, tr, sv := loadReference(t)
	for key, h := range map[string]TextHash{
		"text_32_2": {NFeatures: 32, NgramMin: 1, NgramMax: 2},
		"text_64_1": {NFeatures: 64, NgramMin: 1, NgramMax: 1},
	} {
		t.Run(key, func(t *testing.T) {
			t.Parallel()
			want := ref.Outputs[key]
			p, ftr, fsv := fitApply(t, only(map[string][]Step{"text": {{TextHash: &h}}}), tr, sv, nil)
			idf := p.colNamed("text").Steps[0].IDF
			for j := range want.IDF {
				if !near(idf[j], want.IDF[j], relTol, absTol) {
					t.Errorf("idf[%d] = %v, want %v", j, idf[j], want.IDF[j])
				}
			}
			if ftr.NumColumns() != h.NFeatures {
				t.Fatalf("%d outputs, want %d", ftr.NumColumns(), h.NFeatures)
			}
			for j := 0; j < h.NFeatures; j++ {
				n := "text__h" + strconv.Itoa(j)
				compareCol(t, "train "+n, floatsOf(t, ftr, n), want.Train[j], relTol)
				compareCol(t, "serve "+n, floatsOf(t, fsv, n), want.Serve[j], relTol)
			}
		})
	}
}

func TestReferenceTarget(t *testing.T) {
	t.Parallel()
	ref, tr, sv := loadReference(t)
	for yname, nclass := range map[string]int{"yreg": 0, "y": 2, "ycls": 3} {
		t.Run(yname, func(t *testing.T) {
			t.Parallel()
			want := ref.Target[yname]
			y := &Target{Values: floatsOf(t, tr, yname), NumClass: nclass}
			spec := only(map[string][]Step{"cat": {{Target: &TargetEncoding{Folds: 5}}}})
			p, ftr, _ := fitApply(t, spec, tr, sv, y)
			full, err := p.Apply(context.Background(), tr)
			if err != nil {
				t.Fatal(err)
			}
			fsv, err := p.Apply(context.Background(), sv)
			if err != nil {
				t.Fatal(err)
			}
			names := []string{"cat"}
			if nclass > 2 {
				names = []string{"cat__class0", "cat__class1", "cat__class2"}
			}
			for k, n := range names {
				compareCol(t, "full train "+n, floatsOf(t, full, n), want.FullTrain[k], relTol)
				compareCol(t, "full serve "+n, floatsOf(t, fsv, n), want.FullServe[k], relTol)
				if oof := floatsOf(t, ftr, n); equalFloats(oof, floatsOf(t, full, n)) {
					t.Errorf("%s: training output equals the full-data encoding; want out-of-fold", n)
				}
			}
			// Out-of-fold values with the reference's folds.
			in, _ := frame.ColumnAs[*frame.CategoricalColumn](tr, "cat")
			cv, _ := catOf(in)
			cats := usedCategories(cv)
			tt := cv.lookup(indexOf(cats), -1)
			codes := make([]int32, len(cv.codes))
			for i, c := range cv.codes {
				codes[i] = -1
				if c >= 0 {
					codes[i] = tt[c]
				}
			}
			for k, yc := range targetColumns(y) {
				got := targetOOF(codes, len(cats), yc, ref.Folds, 5, 10)
				compareCol(t, "oof "+names[k], got, want.OOFTrain[k], relTol)
			}
		})
	}
}

func equalFloats(a, b []float64) bool {
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return len(a) == len(b)
}

func TestReferenceFrequency(t *testing.T) {
	t.Parallel()
	ref, tr, sv := loadReference(t)
	_, ftr, fsv := fitApply(t, only(map[string][]Step{"cat": {{Frequency: true}}}), tr, sv, nil)
	compareCol(t, "train", floatsOf(t, ftr, "cat"), ref.Frequency["train"], relTol)
	compareCol(t, "serve", floatsOf(t, fsv, "cat"), ref.Frequency["serve"], relTol)
}

func TestReferenceDateParts(t *testing.T) {
	t.Parallel()
	ref, tr, sv := loadReference(t)
	_, ftr, fsv := fitApply(t, only(map[string][]Step{"ts": {{DateParts: datePartNames}}}), tr, sv, nil)
	for _, part := range datePartNames {
		compareCol(t, part, floatsOf(t, ftr, "ts__"+part), ref.DateParts[part], relTol)
	}
	compareCol(t, "serve days_since", floatsOf(t, fsv, "ts__days_since"), ref.DateParts["days_since_serve"], relTol)
}
