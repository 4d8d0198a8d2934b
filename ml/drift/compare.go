package drift

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"
	"strconv"

	"github.com/mlcycle/mlcycle/ml/frame"
)

// Verdicts of a feature in a Report.
const (
	// VerdictDrift: at least one drift check fired.
	VerdictDrift = "drift"
	// VerdictOK: every drift check passed.
	VerdictOK = "ok"
	// VerdictInsufficientData: the baseline or the current data has fewer
	// present values than Constraints.MinSampleSize; scores are reported but
	// no check fires.
	VerdictInsufficientData = "insufficient_data"
	// VerdictSkipped: no drift verdict is possible: the column is missing or
	// of another type, the feature has no baseline statistics, or no drift
	// check applies (text and time features, an empty Drift list).
	VerdictSkipped = "skipped"
)

// Violation kinds.
const (
	// ViolationMissingColumn: a column of the constraints is absent.
	ViolationMissingColumn = "missing_column"
	// ViolationExtraColumn: a column is not in the constraints.
	ViolationExtraColumn = "extra_column"
	// ViolationType: the column's feature type differs from the constraint's.
	ViolationType = "type_mismatch"
	// ViolationCompleteness: the present share is below the constraint.
	ViolationCompleteness = "completeness"
	// ViolationRange: numeric values outside the allowed range.
	ViolationRange = "out_of_range"
	// ViolationDomain: categories outside the allowed domain.
	ViolationDomain = "outside_domain"
)

// ChiSquareEpsilon replaces a zero baseline share when Compare computes the
// expected counts of the chi-square test (see the package documentation).
const ChiSquareEpsilon = 1e-4

// maxExamples is the most example values a violation lists.
const maxExamples = 5

// Report is the result of Compare.
type Report struct {
	// Rows is the number of rows of the current data.
	Rows int `json:"rows"`
	// Features has one entry per feature of the constraints, in their order.
	Features []FeatureReport `json:"features"`
	// Violations lists every data-quality violation: per feature in the
	// order of Features, then the extra columns in the frame's order.
	Violations []Violation `json:"violations"`
	// Counts summarises the verdicts and violations.
	Counts Counts `json:"counts"`
}

// Counts are the totals of a Report.
type Counts struct {
	// Features is the number of features compared.
	Features int `json:"features"`
	// Drift, OK, InsufficientData and Skipped count the features per
	// verdict.
	Drift            int `json:"drift"`
	OK               int `json:"ok"`
	InsufficientData int `json:"insufficient_data"`
	Skipped          int `json:"skipped"`
	// Violations is len(Report.Violations).
	Violations int `json:"violations"`
}

// FeatureReport is the comparison of one feature.
type FeatureReport struct {
	// Name and Type are the feature's name and expected type.
	Name string `json:"name"`
	Type string `json:"type"`
	// Present and Missing count the current rows with and without a value
	// (both 0 when the column is missing).
	Present int `json:"present"`
	Missing int `json:"missing"`
	// Verdict is one of the Verdict constants, and Reason says why when it
	// is not VerdictOK.
	Verdict string `json:"verdict"`
	Reason  string `json:"reason,omitempty"`
	// Scores holds every drift score of the feature's type (configured or
	// not), in the order ks, psi, wasserstein, jensen_shannon for numeric
	// features and chi_square, linf, jensen_shannon for categorical ones.
	Scores []Score `json:"scores,omitempty"`
	// Histogram compares the baseline and current counts in the baseline
	// quantile bins (numeric features).
	Histogram *HistogramComparison `json:"histogram,omitempty"`
	// Categories compares the category counts (categorical features).
	Categories *CategoryComparison `json:"categories,omitempty"`
	// Violations is the number of entries of Report.Violations for this
	// feature.
	Violations int `json:"violations"`
}

// Score is one drift score of a feature.
type Score struct {
	// Method is one of the Method constants.
	Method string `json:"method"`
	// Value is the statistic or distance: KS's D, PSI, the normalised
	// Wasserstein distance, the Jensen–Shannon distance, the chi-square
	// statistic or the L-infinity distance.
	Value Float `json:"value"`
	// PValue is the p-value of the ks and chi_square methods (null for the
	// others).
	PValue Float `json:"p_value"`
	// Threshold is the configured threshold, nil when the constraints do
	// not check this method.
	Threshold *float64 `json:"threshold,omitempty"`
	// Drift reports whether the check fired.
	Drift bool `json:"drift"`
}

// HistogramComparison holds the counts of a numeric feature in the baseline
// bins (see Histogram).
type HistogramComparison struct {
	// Edges are the baseline's interior bin edges.
	Edges []float64 `json:"edges"`
	// Baseline and Current are the counts per bin, len(Edges)+1 each.
	Baseline []int64 `json:"baseline"`
	Current  []int64 `json:"current"`
}

// CategoryComparison holds the counts of a categorical feature per
// baseline category, and of every other value together.
type CategoryComparison struct {
	// Values are the baseline's listed categories, most frequent first.
	Values []string `json:"values"`
	// Baseline and Current are the counts per category of Values.
	Baseline []int64 `json:"baseline"`
	Current  []int64 `json:"current"`
	// BaselineOther and CurrentOther count every other value: baseline
	// values beyond the category cap, and values the baseline never had.
	BaselineOther int64 `json:"baseline_other"`
	CurrentOther  int64 `json:"current_other"`
}

// Violation is one data-quality problem.
type Violation struct {
	// Feature is the column concerned.
	Feature string `json:"feature"`
	// Kind is one of the Violation constants.
	Kind string `json:"kind"`
	// Reason says what is wrong, for people.
	Reason string `json:"reason"`
	// Count is the number of rows concerned (0 when not about rows).
	Count int64 `json:"count"`
	// Examples lists up to five offending values.
	Examples []string `json:"examples,omitempty"`
}

// Compare checks current data against baseline statistics and constraints:
// data quality (missing, extra and mistyped columns, completeness, range,
// domain) and drift per feature. Both s and c are validated first; a
// *ValidationError is returned when either is invalid. Features are
// compared in parallel; the report does not depend on scheduling.
func Compare(ctx context.Context, s Statistics, c Constraints, current *frame.Frame) (Report, error) {
	if err := s.Validate(); err != nil {
		return Report{}, fmt.Errorf("drift: compare: statistics: %w", err)
	}
	if err := c.Validate(); err != nil {
		return Report{}, fmt.Errorf("drift: compare: constraints: %w", err)
	}
	rep := Report{Rows: current.Len(), Features: make([]FeatureReport, len(c.Features))}
	viol := make([][]Violation, len(c.Features))
	err := parallel(ctx, len(c.Features), func(i int) {
		rep.Features[i], viol[i] = compareFeature(&s, &c, &c.Features[i], current)
	})
	if err != nil {
		return Report{}, fmt.Errorf("drift: compare: %w", err)
	}
	rep.Violations = []Violation{}
	for _, v := range viol {
		rep.Violations = append(rep.Violations, v...)
	}
	for _, col := range current.Columns() {
		if _, ok := c.Feature(col.Name()); !ok {
			rep.Violations = append(rep.Violations, Violation{Feature: col.Name(), Kind: ViolationExtraColumn,
				Reason: fmt.Sprintf("column %q is not in the constraints", col.Name())})
		}
	}
	rep.Counts = Counts{Features: len(rep.Features), Violations: len(rep.Violations)}
	for _, f := range rep.Features {
		switch f.Verdict {
		case VerdictDrift:
			rep.Counts.Drift++
		case VerdictOK:
			rep.Counts.OK++
		case VerdictInsufficientData:
			rep.Counts.InsufficientData++
		default:
			rep.Counts.Skipped++
		}
	}
	return rep, nil
}

func compareFeature(s *Statistics, c *Constraints, fc *FeatureConstraints, cur *frame.Frame) (FeatureReport, []Violation) {
	fr := FeatureReport{Name: fc.Name, Type: fc.Type}
	var vs []Violation
	add := func(kind string, count int64, examples []string, format string, args ...any) {
		vs = append(vs, Violation{Feature: fc.Name, Kind: kind, Count: count, Examples: examples,
			Reason: fmt.Sprintf(format, args...)})
	}
	defer func() { fr.Violations = len(vs) }()

	col, ok := cur.Column(fc.Name)
	if !ok {
		add(ViolationMissingColumn, 0, nil, "column %q is missing", fc.Name)
		fr.Verdict, fr.Reason = VerdictSkipped, "the column is missing"
		return fr, vs
	}
	fr.Missing = col.NullCount()
	fr.Present = col.Len() - fr.Missing
	if fc.Completeness != nil && col.Len() > 0 {
		share := float64(fr.Present) / float64(col.Len())
		if share < *fc.Completeness {
			add(ViolationCompleteness, int64(fr.Missing), nil,
				"%s of the values are present, below the minimum %s (%d of %d rows missing)",
				fmtFloat(share), fmtFloat(*fc.Completeness), fr.Missing, col.Len())
		}
	}
	if typ := TypeOf(col); typ != fc.Type {
		add(ViolationType, 0, nil, "column %q is %s (%s), want %s", fc.Name, typ, col.Logical(), fc.Type)
		fr.Verdict, fr.Reason = VerdictSkipped, "the column has another type"
		return fr, vs
	}
	fs, haveStats := s.Feature(fc.Name)
	if haveStats && fs.Type != fc.Type {
		haveStats = false
	}
	var checks map[string]float64
	if len(fc.Drift) > 0 {
		checks = make(map[string]float64, len(fc.Drift))
		for _, d := range fc.Drift {
			checks[d.Method] = d.Threshold
		}
	}

	var nBase, nCur int64
	switch col := col.(type) {
	case *frame.FloatColumn:
		x := col.Values()
		if fc.Range != nil {
			n, ex := outOfRange(x, fc.Range.Min, fc.Range.Max)
			if n > 0 {
				add(ViolationRange, n, ex, "%d values outside [%s, %s]", n, fmtFloat(fc.Range.Min), fmtFloat(fc.Range.Max))
			}
		}
		if !haveStats || fs.Numeric == nil {
			break
		}
		sorted, _ := sortedFiniteCount(x)
		nCur = int64(len(sorted))
		for _, n := range fs.Numeric.Histogram.Counts {
			nBase += n
		}
		fr.Scores, fr.Histogram = numericScores(fs.Numeric, sorted)
	case *frame.CategoricalColumn, *frame.BoolColumn:
		counts := categoryCounts(col)
		if fc.Domain != nil {
			n, ex := outsideDomain(counts, fc.Domain)
			if n > 0 {
				add(ViolationDomain, n, ex, "%d values outside the domain of %d categories", n, len(fc.Domain))
			}
		}
		if !haveStats || fs.Categorical == nil {
			break
		}
		for _, n := range counts {
			nCur += n
		}
		for _, v := range fs.Categorical.Values {
			nBase += v.Count
		}
		nBase += fs.Categorical.Other
		fr.Scores, fr.Categories = categoricalScores(fs.Categorical, counts)
	}

	switch {
	case fr.Scores == nil && (fc.Type == TypeNumeric || fc.Type == TypeCategorical):
		fr.Verdict, fr.Reason = VerdictSkipped, "no baseline statistics for the feature"
	case fr.Scores == nil:
		fr.Verdict, fr.Reason = VerdictSkipped, "no drift method applies to "+fc.Type+" features"
	case len(checks) == 0:
		fr.Verdict, fr.Reason = VerdictSkipped, "the constraints list no drift check"
	case nBase < int64(c.MinSampleSize) || nCur < int64(c.MinSampleSize):
		fr.Verdict = VerdictInsufficientData
		fr.Reason = fmt.Sprintf("%d baseline and %d current values, fewer than the minimum sample size %d",
			nBase, nCur, c.MinSampleSize)
	default:
		fr.Verdict = VerdictOK
	}
	var fired []string
	for i := range fr.Scores {
		sc := &fr.Scores[i]
		th, ok := checks[sc.Method]
		if !ok {
			continue
		}
		sc.Threshold = &th
		if fr.Verdict != VerdictOK && fr.Verdict != VerdictDrift {
			continue
		}
		if IsPValueMethod(sc.Method) {
			sc.Drift = float64(sc.PValue) < th
		} else {
			sc.Drift = float64(sc.Value) > th
		}
		if sc.Drift {
			fr.Verdict = VerdictDrift
			if IsPValueMethod(sc.Method) {
				fired = append(fired, fmt.Sprintf("%s p-value %s < %s", sc.Method, fmtFloat(float64(sc.PValue)), fmtFloat(th)))
			} else {
				fired = append(fired, fmt.Sprintf("%s %s > %s", sc.Method, fmtFloat(float64(sc.Value)), fmtFloat(th)))
			}
		}
	}
	if fr.Verdict == VerdictDrift {
		fr.Reason = joinReasons(fired)
	}
	return fr, vs
}

func joinReasons(r []string) string {
	s := ""
	for i, x := range r {
		if i > 0 {
			s += "; "
		}
		s += x
	}
	return s
}

// numericScores computes KS, PSI, normalised Wasserstein and
// Jensen–Shannon of the sorted finite current values against the baseline.
func numericScores(ns *NumericStatistics, cur []float64) ([]Score, *HistogramComparison) {
	nan := Float(math.NaN())
	h := &HistogramComparison{Edges: ns.Histogram.Edges, Baseline: ns.Histogram.Counts,
		Current: BinCountsSorted(ns.Histogram.Edges, cur)}
	ks := KSSorted(ns.Sample, cur)
	w := WassersteinSorted(ns.Sample, cur)
	std := float64(ns.Std)
	switch {
	case math.IsNaN(w):
	case std > 0:
		w /= std
	case w == 0:
	default:
		w = math.Inf(1) // a constant baseline that moved
	}
	psi := PSI(h.Baseline, h.Current)
	js := math.NaN()
	if len(cur) > 0 && len(ns.Sample) > 0 {
		js, _ = JensenShannon(int64sToFloats(h.Baseline), int64sToFloats(h.Current))
	}
	return []Score{
		{Method: MethodKS, Value: Float(ks.Statistic), PValue: Float(ks.PValue)},
		{Method: MethodPSI, Value: Float(psi), PValue: nan},
		{Method: MethodWasserstein, Value: Float(w), PValue: nan},
		{Method: MethodJensenShannon, Value: Float(js), PValue: nan},
	}, h
}

// categoricalScores computes chi-square, L-infinity and Jensen–Shannon of
// the current category counts against the baseline's, over the baseline
// categories plus one bucket for every other value.
func categoricalScores(cs *CategoricalStatistics, counts map[string]int64) ([]Score, *CategoryComparison) {
	nan := Float(math.NaN())
	k := len(cs.Values)
	cc := &CategoryComparison{Values: make([]string, k), Baseline: make([]int64, k),
		Current: make([]int64, k), BaselineOther: cs.Other}
	index := make(map[string]int, k)
	for i, v := range cs.Values {
		cc.Values[i], cc.Baseline[i] = v.Value, v.Count
		index[v.Value] = i
	}
	for v, n := range counts {
		if i, ok := index[v]; ok {
			cc.Current[i] = n
		} else {
			cc.CurrentOther += n
		}
	}
	// The bins: every category, plus the other bucket; bins empty on both
	// sides are dropped.
	var b, c []int64
	for i := range cc.Values {
		if cc.Baseline[i] > 0 || cc.Current[i] > 0 {
			b = append(b, cc.Baseline[i])
			c = append(c, cc.Current[i])
		}
	}
	if cc.BaselineOther > 0 || cc.CurrentOther > 0 {
		b = append(b, cc.BaselineOther)
		c = append(c, cc.CurrentOther)
	}
	chi := chiSquareSmoothed(b, c)
	js := math.NaN()
	if sum(b) > 0 && sum(c) > 0 {
		js, _ = JensenShannon(int64sToFloats(b), int64sToFloats(c))
	}
	return []Score{
		{Method: MethodChiSquare, Value: Float(chi.Statistic), PValue: Float(chi.PValue)},
		{Method: MethodLInfinity, Value: Float(LInfinity(b, c)), PValue: nan},
		{Method: MethodJensenShannon, Value: Float(js), PValue: nan},
	}, cc
}

// chiSquareSmoothed runs ChiSquare on the current counts against expected
// counts from the baseline shares scaled to the current total, a zero share
// replaced by ChiSquareEpsilon and the shares renormalised to sum to 1.
func chiSquareSmoothed(base, cur []int64) ChiSquareResult {
	nb, nc := sum(base), sum(cur)
	if nb <= 0 || nc <= 0 {
		return ChiSquareResult{Statistic: math.NaN(), PValue: math.NaN()}
	}
	shares := make([]float64, len(base))
	total := 0.0
	for i, n := range base {
		shares[i] = float64(n) / float64(nb)
		if shares[i] == 0 {
			shares[i] = ChiSquareEpsilon
		}
		total += shares[i]
	}
	exp := make([]float64, len(base))
	for i := range shares {
		exp[i] = shares[i] / total * float64(nc)
	}
	r, err := ChiSquare(int64sToFloats(cur), exp)
	if err != nil {
		return ChiSquareResult{Statistic: math.NaN(), PValue: math.NaN()}
	}
	return r
}

func sum(x []int64) int64 {
	var s int64
	for _, v := range x {
		s += v
	}
	return s
}

func int64sToFloats(x []int64) []float64 {
	out := make([]float64, len(x))
	for i, v := range x {
		out[i] = float64(v)
	}
	return out
}

// outOfRange counts the non-missing values outside [lo, hi] and returns the
// first maxExamples distinct ones in row order.
func outOfRange(x []float64, lo, hi float64) (int64, []string) {
	var n int64
	var ex []string
	seen := map[float64]bool{}
	for _, v := range x {
		if math.IsNaN(v) || (v >= lo && v <= hi) {
			continue
		}
		n++
		if len(ex) < maxExamples && !seen[v] {
			seen[v] = true
			ex = append(ex, strconv.FormatFloat(v, 'g', -1, 64))
		}
	}
	return n, ex
}

// outsideDomain counts the rows whose value is not in domain and returns the
// most frequent such values (count descending, then value).
func outsideDomain(counts map[string]int64, domain []string) (int64, []string) {
	allowed := make(map[string]bool, len(domain))
	for _, d := range domain {
		allowed[d] = true
	}
	var n int64
	var bad []ValueCount
	for v, c := range counts {
		if !allowed[v] {
			n += c
			bad = append(bad, ValueCount{v, c})
		}
	}
	slices.SortFunc(bad, func(a, b ValueCount) int {
		if c := cmp.Compare(b.Count, a.Count); c != 0 {
			return c
		}
		return cmp.Compare(a.Value, b.Value)
	})
	var ex []string
	for i := 0; i < len(bad) && i < maxExamples; i++ {
		ex = append(ex, bad[i].Value)
	}
	return n, ex
}

func fmtFloat(v float64) string { return strconv.FormatFloat(v, 'g', 6, 64) }
