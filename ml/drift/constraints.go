package drift

import (
	"fmt"
	"math"
	"slices"
)

// Identifiers of the constraints file format (docs/format/constraints.md).
const (
	ConstraintsFormat  = "mlcycle.constraints"
	ConstraintsVersion = 1
)

// Drift methods. Each computes a score for a feature of its type; a check
// of a p-value method fires when the p-value is below the threshold, a check
// of a distance method when the distance is above it.
const (
	// MethodKS is the two-sample Kolmogorov–Smirnov test of the current
	// values against the baseline sample (numeric; p-value).
	MethodKS = "ks"
	// MethodPSI is the population stability index on the baseline quantile
	// bins (numeric; distance).
	MethodPSI = "psi"
	// MethodWasserstein is the Wasserstein-1 distance between the current
	// values and the baseline sample divided by the baseline's standard
	// deviation (numeric; distance).
	MethodWasserstein = "wasserstein"
	// MethodJensenShannon is the Jensen–Shannon distance (base 2) between
	// histograms: the baseline quantile bins for numeric features, the
	// categories for categorical ones (both; distance in [0, 1]).
	MethodJensenShannon = "jensen_shannon"
	// MethodChiSquare is Pearson's chi-square test of the current category
	// counts against the baseline shares (categorical; p-value).
	MethodChiSquare = "chi_square"
	// MethodLInfinity is the largest difference between the category shares
	// (categorical; distance in [0, 1]).
	MethodLInfinity = "linf"
)

// Default thresholds of the suggested checks; the package documentation
// says why.
const (
	DefaultKSPValue        = 0.001
	DefaultPSI             = 0.2
	DefaultWasserstein     = 0.2
	DefaultChiSquarePValue = 0.001
	DefaultLInfinity       = 0.1
	DefaultJensenShannon   = 0.2
	// DefaultMinSampleSize is the fewest present values a feature needs in
	// both the baseline and the current data for a drift verdict.
	DefaultMinSampleSize = 100
	// DefaultCompletenessTolerance is subtracted from the baseline's present
	// share to suggest the minimum completeness.
	DefaultCompletenessTolerance = 0.05
	// DefaultRangeMargin widens the baseline's [min, max] on each side by
	// this share of max − min to suggest the allowed range.
	DefaultRangeMargin = 0.1
)

// methodInfo says which feature type a method applies to and whether its
// threshold is a p-value.
var methodInfo = map[string]struct {
	typ    string // "" for both numeric and categorical
	pvalue bool
}{
	MethodKS:            {TypeNumeric, true},
	MethodPSI:           {TypeNumeric, false},
	MethodWasserstein:   {TypeNumeric, false},
	MethodJensenShannon: {"", false},
	MethodChiSquare:     {TypeCategorical, true},
	MethodLInfinity:     {TypeCategorical, false},
}

// IsPValueMethod reports whether the threshold of method is a significance
// level (the check fires when the p-value is below it) rather than a
// distance (the check fires when the distance is above it).
func IsPValueMethod(method string) bool { return methodInfo[method].pvalue }

// Constraints say what new data must satisfy, per feature; they are stored
// as a versioned JSON file (docs/format/constraints.md) that users may edit.
type Constraints struct {
	// Format is ConstraintsFormat.
	Format string `json:"format"`
	// Version is ConstraintsVersion.
	Version int `json:"version"`
	// MinSampleSize is the fewest present values a feature needs, in the
	// baseline and in the current data, for a drift verdict; below it the
	// verdict is VerdictInsufficientData (default DefaultMinSampleSize when
	// suggested; must be at least 1).
	MinSampleSize int `json:"min_sample_size"`
	// Features lists the expected columns; a current column not listed is an
	// extra column.
	Features []FeatureConstraints `json:"features"`
}

// FeatureConstraints are the constraints of one column. Nil fields are not
// checked.
type FeatureConstraints struct {
	// Name is the column name.
	Name string `json:"name"`
	// Type is the expected feature type (TypeNumeric, …).
	Type string `json:"type"`
	// Completeness is the smallest allowed share of present values, in
	// [0, 1].
	Completeness *float64 `json:"completeness,omitempty"`
	// Range is the allowed closed interval of numeric values.
	Range *Range `json:"range,omitempty"`
	// Domain lists the allowed categories of a categorical feature.
	Domain []string `json:"domain,omitempty"`
	// Drift lists the drift checks; the feature drifts when any fires.
	Drift []DriftCheck `json:"drift,omitempty"`
}

// Range is a closed interval [Min, Max].
type Range struct {
	// Min and Max are the smallest and largest allowed values.
	Min float64 `json:"min"`
	Max float64 `json:"max"`
}

// DriftCheck is one drift method and its threshold.
type DriftCheck struct {
	// Method is one of the Method constants.
	Method string `json:"method"`
	// Threshold is a significance level in (0, 1) for p-value methods (the
	// check fires when p < Threshold) and a positive distance for the others
	// (the check fires when the distance > Threshold).
	Threshold float64 `json:"threshold"`
}

// SuggestOpts are the options of Suggest. The zero value means the
// defaults.
type SuggestOpts struct {
	// CompletenessTolerance is subtracted from the baseline's present share
	// (default DefaultCompletenessTolerance, 0.05).
	CompletenessTolerance float64
	// RangeMargin widens [min, max] by this share of max − min on each side
	// (default DefaultRangeMargin, 0.1); the lower bound is not taken below 0
	// for a feature whose baseline minimum is at least 0.
	RangeMargin float64
	// MinSampleSize is the minimum sample size (default
	// DefaultMinSampleSize, 100).
	MinSampleSize int
}

// WithDefaults returns a copy of o with zero fields set to their defaults.
func (o SuggestOpts) WithDefaults() SuggestOpts {
	if o.CompletenessTolerance == 0 {
		o.CompletenessTolerance = DefaultCompletenessTolerance
	}
	if o.RangeMargin == 0 {
		o.RangeMargin = DefaultRangeMargin
	}
	if o.MinSampleSize == 0 {
		o.MinSampleSize = DefaultMinSampleSize
	}
	return o
}

// DefaultChecks returns the suggested drift checks of a feature type: KS,
// PSI and normalised Wasserstein for numeric features, chi-square,
// L-infinity and Jensen–Shannon for categorical ones, with the default
// thresholds; none for text and time.
func DefaultChecks(typ string) []DriftCheck {
	switch typ {
	case TypeNumeric:
		return []DriftCheck{{MethodKS, DefaultKSPValue}, {MethodPSI, DefaultPSI},
			{MethodWasserstein, DefaultWasserstein}}
	case TypeCategorical:
		return []DriftCheck{{MethodChiSquare, DefaultChiSquarePValue},
			{MethodLInfinity, DefaultLInfinity}, {MethodJensenShannon, DefaultJensenShannon}}
	}
	return nil
}

// Suggest derives constraints from baseline statistics: per feature its
// type, the minimum completeness (the present share minus the tolerance,
// floored at 0), for numeric features the range [min − m, max + m] with
// m = RangeMargin·(max − min), for categorical features the domain (all
// baseline values; none when some were counted only as Other), and the
// DefaultChecks of the type.
func Suggest(s Statistics, opts SuggestOpts) Constraints {
	opts = opts.WithDefaults()
	c := Constraints{Format: ConstraintsFormat, Version: ConstraintsVersion,
		MinSampleSize: opts.MinSampleSize, Features: make([]FeatureConstraints, 0, len(s.Features))}
	for _, f := range s.Features {
		fc := FeatureConstraints{Name: f.Name, Type: f.Type, Drift: DefaultChecks(f.Type)}
		if rows := f.Present + f.Missing; rows > 0 {
			share := float64(f.Present)/float64(rows) - opts.CompletenessTolerance
			share = math.Max(0, math.Floor(share*1e6)/1e6)
			fc.Completeness = &share
		}
		if n := f.Numeric; n != nil && float64(n.Min) <= float64(n.Max) {
			lo, hi := float64(n.Min), float64(n.Max)
			m := opts.RangeMargin * (hi - lo)
			r := Range{Min: lo - m, Max: hi + m}
			if lo >= 0 && r.Min < 0 {
				r.Min = 0
			}
			fc.Range = &r
		}
		if cs := f.Categorical; cs != nil && cs.Other == 0 {
			fc.Domain = make([]string, len(cs.Values))
			for i, v := range cs.Values {
				fc.Domain[i] = v.Value
			}
			slices.Sort(fc.Domain)
		}
		c.Features = append(c.Features, fc)
	}
	return c
}

// Feature returns the constraints of the named feature.
func (c *Constraints) Feature(name string) (*FeatureConstraints, bool) {
	for i := range c.Features {
		if c.Features[i].Name == name {
			return &c.Features[i], true
		}
	}
	return nil, false
}

// Validate checks c and returns a *ValidationError listing every problem
// with its path, or nil.
func (c *Constraints) Validate() error {
	var v validator
	if c.Format != ConstraintsFormat {
		v.add("format", "is %q, want %q", c.Format, ConstraintsFormat)
	}
	if c.Version != ConstraintsVersion {
		v.add("version", "is %d, this program reads version %d", c.Version, ConstraintsVersion)
	}
	if c.MinSampleSize < 1 {
		v.add("min_sample_size", "is %d, must be at least 1", c.MinSampleSize)
	}
	seen := map[string]bool{}
	for i, f := range c.Features {
		p := fmt.Sprintf("features[%d]", i)
		if f.Name == "" {
			v.add(p+".name", "is empty")
		} else if seen[f.Name] {
			v.add(p+".name", "%q is listed twice", f.Name)
		}
		seen[f.Name] = true
		switch f.Type {
		case TypeNumeric, TypeCategorical, TypeText, TypeTime:
		default:
			v.add(p+".type", "%q is not one of numeric, categorical, text, time", f.Type)
		}
		if f.Completeness != nil && !(*f.Completeness >= 0 && *f.Completeness <= 1) {
			v.add(p+".completeness", "is %v, must be in [0, 1]", *f.Completeness)
		}
		if f.Range != nil {
			if f.Type != TypeNumeric {
				v.add(p+".range", "applies only to numeric features")
			}
			if math.IsNaN(f.Range.Min) || math.IsNaN(f.Range.Max) || f.Range.Min > f.Range.Max {
				v.add(p+".range", "min %v must not exceed max %v", f.Range.Min, f.Range.Max)
			}
		}
		if f.Domain != nil && f.Type != TypeCategorical {
			v.add(p+".domain", "applies only to categorical features")
		}
		dseen := map[string]bool{}
		for j, d := range f.Domain {
			if dseen[d] {
				v.add(fmt.Sprintf("%s.domain[%d]", p, j), "%q is listed twice", d)
			}
			dseen[d] = true
		}
		mseen := map[string]bool{}
		for j, d := range f.Drift {
			q := fmt.Sprintf("%s.drift[%d]", p, j)
			info, ok := methodInfo[d.Method]
			switch {
			case !ok:
				v.add(q+".method", "%q is not one of ks, psi, wasserstein, jensen_shannon, chi_square, linf", d.Method)
				continue
			case info.typ != "" && info.typ != f.Type:
				v.add(q+".method", "%s applies to %s features, not %s", d.Method, info.typ, f.Type)
			case info.typ == "" && f.Type != TypeNumeric && f.Type != TypeCategorical:
				v.add(q+".method", "%s applies to numeric and categorical features, not %s", d.Method, f.Type)
			}
			if mseen[d.Method] {
				v.add(q+".method", "%s is listed twice", d.Method)
			}
			mseen[d.Method] = true
			switch {
			case info.pvalue && !(d.Threshold > 0 && d.Threshold < 1):
				v.add(q+".threshold", "is %v, must be a significance level in (0, 1)", d.Threshold)
			case !info.pvalue && !(d.Threshold > 0 && !math.IsInf(d.Threshold, 1)):
				v.add(q+".threshold", "is %v, must be a positive distance", d.Threshold)
			}
		}
	}
	return v.err()
}
