package drift

import (
	"encoding/json"
	"math"
	"os"
	"slices"
	"strconv"
	"testing"
)

// The reference values in testdata/drift/reference.json come from SciPy
// 1.10.1 and NumPy 1.24.2 (Debian bookworm's python3-scipy and
// python3-numpy); testdata/drift/make_reference.py writes them. Results
// must agree to a relative error of 1e-9, however small the value (p-values
// of 1e-300 included); a reference value of exactly 0 must be matched to
// 1e-12. The largest errors measured are about 2e-13 (kstwo.sf and the
// Smirnov sum at n = 150,000); the others are a few ulps.
const (
	relTol = 1e-9
	absTol = 1e-12
)

const refPath = "../../testdata/drift/reference.json"

// jnum is a float64 that decodes null as NaN and "inf"/"-inf" as ±Inf.
type jnum float64

func (f *jnum) UnmarshalJSON(b []byte) error {
	switch string(b) {
	case "null":
		*f = jnum(math.NaN())
		return nil
	case `"inf"`:
		*f = jnum(math.Inf(1))
		return nil
	case `"-inf"`:
		*f = jnum(math.Inf(-1))
		return nil
	}
	v, err := strconv.ParseFloat(string(b), 64)
	*f = jnum(v)
	return err
}

// sampleSpec is a sample listed in the file or a generator recipe (see
// make_reference.py).
type sampleSpec struct {
	list []float64
	gen  struct {
		Kind       string
		Seed       uint64
		N          int
		Loc, Scale float64
		K          float64
	}
	isGen bool
}

func (s *sampleSpec) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		return nil
	}
	if len(b) > 0 && b[0] == '[' {
		return json.Unmarshal(b, &s.list)
	}
	s.isGen = true
	return json.Unmarshal(b, &s.gen)
}

// values expands the sample exactly as make_reference.py's gen does.
func (s *sampleSpec) values() []float64 {
	if !s.isGen {
		return s.list
	}
	g := s.gen
	out := make([]float64, g.N)
	st := g.Seed
	for i := range out {
		st = st*6364136223846793005 + 1442695040888963407
		u := float64(st>>11) * (1.0 / 9007199254740992.0)
		switch g.Kind {
		case "uniform":
			out[i] = g.Loc + g.Scale*u
		case "square":
			out[i] = g.Loc + g.Scale*u*u
		case "int":
			out[i] = math.Floor(u * g.K)
		default:
			panic("unknown generator " + g.Kind)
		}
	}
	return out
}

type reference struct {
	Versions map[string]string
	KS       []struct {
		Name              string
		A, B              sampleSpec
		Statistic, PValue jnum
	}
	KSTwo []struct {
		N       int
		X       float64
		SF      jnum
		Smirnov jnum
	} `json:"kstwo"`
	Wasserstein []struct {
		Name     string
		U, V     sampleSpec
		UWeights sampleSpec `json:"u_weights"`
		VWeights sampleSpec `json:"v_weights"`
		Distance jnum
	}
	JensenShannon []struct {
		Name     string
		P, Q     []float64
		Distance jnum
	}
	ChiSquare []struct {
		Name              string
		Observed          []float64
		Expected          []float64
		Statistic, PValue jnum
	}
	PSI []struct {
		Name              string
		Baseline, Current sampleSpec
		Edges             []jnum
		BaselineCounts    []int64 `json:"baseline_counts"`
		CurrentCounts     []int64 `json:"current_counts"`
		PSI               jnum
	} `json:"psi"`
}

func loadReference(t *testing.T) *reference {
	t.Helper()
	b, err := os.ReadFile(refPath)
	if err != nil {
		t.Fatalf("read reference: %v", err)
	}
	var r reference
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatalf("decode reference: %v", err)
	}
	return &r
}

func close(got float64, want jnum) bool {
	w := float64(want)
	if math.IsNaN(w) {
		return math.IsNaN(got)
	}
	if math.IsInf(w, 0) {
		return got == w
	}
	if w == 0 {
		return math.Abs(got) <= absTol
	}
	return math.Abs(got-w) <= relTol*math.Abs(w)
}

func TestKSReference(t *testing.T) {
	t.Parallel()
	ref := loadReference(t)
	for _, c := range ref.KS {
		t.Run(c.Name, func(t *testing.T) {
			t.Parallel()
			a, b := c.A.values(), c.B.values()
			got := KS(a, b)
			if !close(got.Statistic, c.Statistic) {
				t.Errorf("KS statistic = %v, want %v", got.Statistic, float64(c.Statistic))
			}
			if !close(got.PValue, c.PValue) {
				t.Errorf("KS p-value = %v (%s), want %v", got.PValue, got.Method, float64(c.PValue))
			}
			// Swapping the samples changes nothing.
			if sw := KS(b, a); sw.Statistic != got.Statistic || sw.PValue != got.PValue {
				t.Errorf("KS(b, a) = %v, %v, want %v, %v", sw.Statistic, sw.PValue, got.Statistic, got.PValue)
			}
		})
	}
}

func TestKSTwoReference(t *testing.T) {
	t.Parallel()
	ref := loadReference(t)
	for _, c := range ref.KSTwo {
		if got := kstwoSF(c.N, c.X); !close(got, c.SF) {
			t.Errorf("kstwoSF(%d, %v) = %v, want %v", c.N, c.X, got, float64(c.SF))
		}
		if got := smirnov(c.N, c.X); !close(got, c.Smirnov) {
			t.Errorf("smirnov(%d, %v) = %v, want %v", c.N, c.X, got, float64(c.Smirnov))
		}
	}
}

func TestWassersteinReference(t *testing.T) {
	t.Parallel()
	ref := loadReference(t)
	for _, c := range ref.Wasserstein {
		t.Run(c.Name, func(t *testing.T) {
			t.Parallel()
			u, v := c.U.values(), c.V.values()
			var uw, vw []float64
			if c.UWeights.isGen || c.UWeights.list != nil {
				uw, vw = c.UWeights.values(), c.VWeights.values()
			} else if got := Wasserstein(u, v); !close(got, c.Distance) {
				t.Errorf("Wasserstein = %v, want %v", got, float64(c.Distance))
			}
			got, err := WassersteinWeighted(u, v, uw, vw)
			if err != nil {
				t.Fatal(err)
			}
			if !close(got, c.Distance) {
				t.Errorf("WassersteinWeighted = %v, want %v", got, float64(c.Distance))
			}
		})
	}
}

func TestJensenShannonReference(t *testing.T) {
	t.Parallel()
	ref := loadReference(t)
	for _, c := range ref.JensenShannon {
		got, err := JensenShannon(c.P, c.Q)
		if err != nil {
			t.Fatalf("%s: %v", c.Name, err)
		}
		if !close(got, c.Distance) {
			t.Errorf("%s: JensenShannon = %v, want %v", c.Name, got, float64(c.Distance))
		}
	}
}

func TestChiSquareReference(t *testing.T) {
	t.Parallel()
	ref := loadReference(t)
	for _, c := range ref.ChiSquare {
		got, err := ChiSquare(c.Observed, c.Expected)
		if err != nil {
			t.Fatalf("%s: %v", c.Name, err)
		}
		if !close(got.Statistic, c.Statistic) || !close(got.PValue, c.PValue) {
			t.Errorf("%s: ChiSquare = %v, %v, want %v, %v", c.Name, got.Statistic, got.PValue,
				float64(c.Statistic), float64(c.PValue))
		}
	}
}

func TestPSIReference(t *testing.T) {
	t.Parallel()
	ref := loadReference(t)
	for _, c := range ref.PSI {
		base, cur := c.Baseline.values(), c.Current.values()
		sorted := sortedFinite(base)
		edges := QuantileEdges(sorted, PSIBins)
		if len(edges) != len(c.Edges) {
			t.Fatalf("%s: %d edges, want %d", c.Name, len(edges), len(c.Edges))
		}
		for i := range edges {
			if !close(edges[i], c.Edges[i]) {
				t.Errorf("%s: edge %d = %v, want %v", c.Name, i, edges[i], float64(c.Edges[i]))
			}
		}
		bc, cc := BinCounts(edges, base), BinCounts(edges, cur)
		if !slices.Equal(bc, c.BaselineCounts) || !slices.Equal(cc, c.CurrentCounts) {
			t.Errorf("%s: counts %v, %v, want %v, %v", c.Name, bc, cc, c.BaselineCounts, c.CurrentCounts)
		}
		if got := PSI(bc, cc); !close(got, c.PSI) {
			t.Errorf("%s: PSI = %v, want %v", c.Name, got, float64(c.PSI))
		}
	}
}

func TestBinCountsSorted(t *testing.T) {
	t.Parallel()
	x := []float64{-1, 0, 0, 1, 2, 2, 2, 3, 5, 8}
	for _, edges := range [][]float64{nil, {0}, {2}, {0, 2, 3}, {-5, 10}, {1.5, 2, 2.5}} {
		if got, want := BinCountsSorted(edges, x), BinCounts(edges, x); !slices.Equal(got, want) {
			t.Errorf("BinCountsSorted(%v) = %v, want %v", edges, got, want)
		}
	}
}
