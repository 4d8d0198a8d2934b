package forest

import (
	"errors"
	"fmt"
	"math"
	"runtime"
	"strconv"
	"strings"
)

// Tasks.
const (
	// Classification fits class probabilities (Gini splits), as
	// scikit-learn's RandomForestClassifier.
	Classification = "classification"
	// Regression fits means (squared-error splits), as
	// scikit-learn's RandomForestRegressor.
	Regression = "regression"
)

// ErrInvalid is wrapped by every error about bad parameters or bad data.
var ErrInvalid = errors.New("invalid input")

const (
	maxValueBins = 255 // bin 255 is reserved for missing values
	missingBin   = 255
)

// Params are the hyperparameters of a fit, named as in scikit-learn's
// RandomForestClassifier and RandomForestRegressor. The zero value of a
// field means its default, which WithDefaults fills in.
type Params struct {
	// Task is Classification (default) or Regression.
	Task string `json:"task"`
	// NEstimators is the number of trees. Default 100.
	NEstimators int `json:"n_estimators"`
	// MaxDepth limits the depth of a tree; 0 (default) means none: nodes
	// are split until they are pure or hold fewer than 2*MinSamplesLeaf
	// rows.
	MaxDepth int `json:"max_depth"`
	// MinSamplesLeaf is the least distinct training rows a leaf may hold
	// (a row drawn twice by the bootstrap counts once, as in
	// scikit-learn). Default 1.
	MinSamplesLeaf int `json:"min_samples_leaf"`
	// MaxFeatures is the number of features tried at each split: "sqrt"
	// (the default for classification), "log2", a fraction written with
	// a decimal point ("1.0", the default for regression, or "0.33"), or
	// a count ("7"). Fractions and roots are rounded down, to at least 1.
	// As in scikit-learn, features are drawn without replacement and when
	// every one drawn was constant in the node the draw goes on until a
	// non-constant feature is found.
	MaxFeatures string `json:"max_features"`
	// NoBootstrap grows every tree on all rows instead of a bootstrap
	// sample (scikit-learn's bootstrap=False). Default false.
	NoBootstrap bool `json:"no_bootstrap"`
	// MaxSamples is the bootstrap sample size as a fraction of the rows,
	// in (0, 1]; 0 (default) means 1.
	MaxSamples float64 `json:"max_samples"`
	// OOBScore computes the out-of-bag predictions and score (accuracy
	// or R², and ROC-AUC for two classes). It needs the bootstrap.
	// Default false.
	OOBScore bool `json:"oob_score"`
	// NumClass is the number of classes; 0 (default) means one more than
	// the largest label.
	NumClass int `json:"num_class"`
	// MaxBin is the largest number of value bins per feature, at most 255;
	// splits fall between bins. Default 255.
	MaxBin int `json:"max_bin"`
	// Seed (random_state) seeds the bootstrap and the feature draws; tree
	// t uses a stream derived from Seed and t. Default 0.
	Seed uint64 `json:"random_state"`
	// NJobs is the number of worker goroutines; 0 means GOMAXPROCS. It
	// changes only the speed: the model is bit-identical for any NJobs.
	NJobs int `json:"n_jobs"`
}

// WithDefaults returns a copy of p with every zero field set to its
// default.
func (p Params) WithDefaults() Params {
	if p.Task == "" {
		p.Task = Classification
	}
	if p.NEstimators == 0 {
		p.NEstimators = 100
	}
	if p.MinSamplesLeaf == 0 {
		p.MinSamplesLeaf = 1
	}
	if p.MaxFeatures == "" {
		if p.Task == Regression {
			p.MaxFeatures = "1.0"
		} else {
			p.MaxFeatures = "sqrt"
		}
	}
	if p.MaxSamples == 0 {
		p.MaxSamples = 1
	}
	if p.MaxBin == 0 {
		p.MaxBin = maxValueBins
	}
	if p.NJobs == 0 {
		p.NJobs = runtime.GOMAXPROCS(0)
	}
	return p
}

// Validate reports every problem of p (after WithDefaults) in one error
// wrapping ErrInvalid.
func (p Params) Validate() error {
	var errs []error
	bad := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf(format, args...))
	}
	if p.Task != Classification && p.Task != Regression {
		bad("task: %q is not %q or %q", p.Task, Classification, Regression)
	}
	if p.NEstimators < 1 {
		bad("n_estimators: %d, want at least 1", p.NEstimators)
	}
	if p.MaxDepth < 0 {
		bad("max_depth: %d, want 0 (no limit) or more", p.MaxDepth)
	}
	if p.MinSamplesLeaf < 1 {
		bad("min_samples_leaf: %d, want at least 1", p.MinSamplesLeaf)
	}
	if _, err := p.features(1); err != nil {
		errs = append(errs, err)
	}
	if !(p.MaxSamples > 0 && p.MaxSamples <= 1) {
		bad("max_samples: %v, want a fraction in (0, 1]", p.MaxSamples)
	}
	if p.OOBScore && p.NoBootstrap {
		bad("oob_score: needs the bootstrap; unset no_bootstrap or oob_score")
	}
	if p.NumClass < 0 || p.NumClass == 1 {
		bad("num_class: %d, want 0 (from the labels) or at least 2", p.NumClass)
	}
	if p.MaxBin < 2 || p.MaxBin > maxValueBins {
		bad("max_bin: %d, want 2 to %d", p.MaxBin, maxValueBins)
	}
	if p.NJobs < 0 {
		bad("n_jobs: %d, want 0 (GOMAXPROCS) or more", p.NJobs)
	}
	if len(errs) == 0 {
		return nil
	}
	return fmt.Errorf("forest: params: %w: %w", errors.Join(errs...), ErrInvalid)
}

// features returns the number of features tried per split out of nf.
func (p Params) features(nf int) (int, error) {
	s := p.MaxFeatures
	var k int
	switch {
	case s == "sqrt":
		k = int(math.Sqrt(float64(nf)))
	case s == "log2":
		k = int(math.Log2(float64(nf)))
	case strings.Contains(s, "."):
		f, err := strconv.ParseFloat(s, 64)
		if err != nil || !(f > 0 && f <= 1) {
			return 0, fmt.Errorf("max_features: %q, want a fraction in (0, 1] such as \"0.5\"", s)
		}
		k = int(f * float64(nf))
	default:
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			return 0, fmt.Errorf("max_features: %q, want \"sqrt\", \"log2\", a fraction such as \"0.5\" or a count such as \"3\"", s)
		}
		k = n
	}
	return max(1, min(k, nf)), nil
}
