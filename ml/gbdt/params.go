package gbdt

import (
	"errors"
	"fmt"
	"math"
	"runtime"
)

// Objective names, spelled as XGBoost spells them.
const (
	BinaryLogistic     = "binary:logistic"
	RegSquaredError    = "reg:squarederror"
	MultiSoftmax       = "multi:softmax"
	MultiSoftprob      = "multi:softprob"
	RegAbsoluteError   = "reg:absoluteerror"
	RegPseudoHuber     = "reg:pseudohubererror"
	RegQuantileError   = "reg:quantileerror"
	CountPoisson       = "count:poisson"
	defaultMaxBin      = 256
	maxValueBins       = 255 // bin 255 is reserved for missing values
	missingBin         = 255
	defaultPoissonStep = 0.7
)

// Growth policies.
const (
	// GrowDepthwise splits every node of a level before the next level
	// (XGBoost's default "depthwise").
	GrowDepthwise = "depthwise"
	// GrowLossguide splits the leaf with the highest gain first, up to
	// MaxLeaves leaves (XGBoost's "lossguide", LightGBM's leaf-wise growth).
	GrowLossguide = "lossguide"
)

// ErrInvalid is wrapped by every error about bad parameters or bad data.
var ErrInvalid = errors.New("invalid input")

// Params are the hyperparameters of a fit, named as in XGBoost's
// scikit-learn API. The zero value of a field means its default, which
// WithDefaults fills in.
type Params struct {
	// NEstimators is the number of boosting rounds. Default 100.
	NEstimators int `json:"n_estimators"`
	// LearningRate (eta) shrinks every leaf value. Default 0.3.
	LearningRate float64 `json:"learning_rate"`
	// MaxDepth limits the depth of a tree. Default 6 with depthwise growth;
	// with lossguide growth 0 (the default there) means no depth limit.
	MaxDepth int `json:"max_depth"`
	// MaxLeaves limits the leaves of a tree; 0 means no limit. Default 0.
	// Lossguide growth uses it (31 when both it and MaxDepth are 0).
	MaxLeaves int `json:"max_leaves"`
	// GrowPolicy is GrowDepthwise (default) or GrowLossguide.
	GrowPolicy string `json:"grow_policy"`
	// MinChildWeight is the least hessian sum a child may hold. Default 1.
	// Set a negative value to mean 0.
	MinChildWeight float64 `json:"min_child_weight"`
	// Gamma (min_split_loss) is the least loss reduction of a split.
	// Default 0.
	Gamma float64 `json:"gamma"`
	// RegAlpha is the L1 penalty on leaf values. Default 0.
	RegAlpha float64 `json:"reg_alpha"`
	// RegLambda is the L2 penalty on leaf values. Default 1; set a negative
	// value to mean 0.
	RegLambda float64 `json:"reg_lambda"`
	// MaxDeltaStep clamps every leaf value (before the learning rate);
	// 0 means no clamp. Default 0, and 0.7 for count:poisson, where it also
	// scales the hessian as XGBoost does.
	MaxDeltaStep float64 `json:"max_delta_step"`
	// Subsample is the fraction of rows drawn, without replacement, for
	// each tree. Default 1.
	Subsample float64 `json:"subsample"`
	// ColsampleByTree is the fraction of features drawn for each tree.
	// Default 1.
	ColsampleByTree float64 `json:"colsample_bytree"`
	// MaxBin is the largest number of bins per feature. Default 256; at most
	// 256, of which 255 hold values (the last bin holds missing values).
	MaxBin int `json:"max_bin"`
	// MaxCatToOnehot: categorical features with at most this many categories
	// are split one category against the rest; larger ones by sorting the
	// categories by gradient/hessian. Default 4.
	MaxCatToOnehot int `json:"max_cat_to_onehot"`
	// MaxCatThreshold is the most categories on the left of a partition
	// split. Default 64.
	MaxCatThreshold int `json:"max_cat_threshold"`
	// ScalePosWeight multiplies the weight of positive rows in
	// binary:logistic. Default 1.
	ScalePosWeight float64 `json:"scale_pos_weight"`
	// Objective is the loss, one of the objective constants. Default
	// reg:squarederror.
	Objective string `json:"objective"`
	// NumClass is the number of classes of multi:softmax and multi:softprob;
	// 0 means one more than the largest label. Default 0.
	NumClass int `json:"num_class"`
	// QuantileAlpha is the quantile of reg:quantileerror. Default 0.5.
	QuantileAlpha float64 `json:"quantile_alpha"`
	// HuberSlope is δ of reg:pseudohubererror. Default 1.
	HuberSlope float64 `json:"huber_slope"`
	// EvalMetric is the metric of the learning curve and early stopping:
	// rmse, mae, logloss, error, auc, mlogloss, merror, poisson-nloglik,
	// mphe or quantile. Default: the objective's own (rmse, logloss,
	// mlogloss, mae, mphe, quantile, poisson-nloglik).
	EvalMetric string `json:"eval_metric"`
	// EarlyStoppingRounds stops training when the validation metric has not
	// improved for this many rounds; 0 disables it. Default 0.
	EarlyStoppingRounds int `json:"early_stopping_rounds"`
	// Seed seeds row and column sampling. Default 0.
	Seed uint64 `json:"random_state"`
	// NJobs is the number of worker goroutines; 0 means GOMAXPROCS. It
	// changes only the speed: the model is bit-identical for any NJobs.
	NJobs int `json:"n_jobs"`
	// Callback, if set, is called after every round with the 0-based
	// round and its learning-curve point (NaN values without a validation
	// set); returning false stops training after that round, keeping the
	// rounds so far (a time budget, a user's interrupt). It is not saved
	// with the model and does not change the trees.
	Callback func(round int, r Round) bool `json:"-"`
}

// WithDefaults returns a copy of p with every zero field set to its
// default.
func (p Params) WithDefaults() Params {
	if p.NEstimators == 0 {
		p.NEstimators = 100
	}
	if p.LearningRate == 0 {
		p.LearningRate = 0.3
	}
	if p.GrowPolicy == "" {
		p.GrowPolicy = GrowDepthwise
	}
	if p.MaxDepth == 0 && p.GrowPolicy == GrowDepthwise {
		p.MaxDepth = 6
	}
	if p.GrowPolicy == GrowLossguide && p.MaxLeaves == 0 && p.MaxDepth == 0 {
		p.MaxLeaves = 31
	}
	if p.MinChildWeight == 0 {
		p.MinChildWeight = 1
	} else if p.MinChildWeight < 0 {
		p.MinChildWeight = 0
	}
	if p.RegLambda == 0 {
		p.RegLambda = 1
	} else if p.RegLambda < 0 {
		p.RegLambda = 0
	}
	if p.Subsample == 0 {
		p.Subsample = 1
	}
	if p.ColsampleByTree == 0 {
		p.ColsampleByTree = 1
	}
	if p.MaxBin == 0 {
		p.MaxBin = defaultMaxBin
	}
	if p.MaxCatToOnehot == 0 {
		p.MaxCatToOnehot = 4
	}
	if p.MaxCatThreshold == 0 {
		p.MaxCatThreshold = 64
	}
	if p.ScalePosWeight == 0 {
		p.ScalePosWeight = 1
	}
	if p.Objective == "" {
		p.Objective = RegSquaredError
	}
	if p.QuantileAlpha == 0 {
		p.QuantileAlpha = 0.5
	}
	if p.HuberSlope == 0 {
		p.HuberSlope = 1
	}
	if p.MaxDeltaStep == 0 && p.Objective == CountPoisson {
		p.MaxDeltaStep = defaultPoissonStep
	}
	if p.EvalMetric == "" {
		p.EvalMetric = defaultMetric(p.Objective)
	}
	if p.NJobs == 0 {
		p.NJobs = runtime.GOMAXPROCS(0)
	}
	return p
}

func defaultMetric(objective string) string {
	switch objective {
	case BinaryLogistic:
		return "logloss"
	case MultiSoftmax, MultiSoftprob:
		return "mlogloss"
	case RegAbsoluteError:
		return "mae"
	case RegPseudoHuber:
		return "mphe"
	case RegQuantileError:
		return "quantile"
	case CountPoisson:
		return "poisson-nloglik"
	}
	return "rmse"
}

// Validate reports every problem of p, which should have had WithDefaults
// applied, each naming its JSON field.
func (p Params) Validate() error {
	var errs []error
	bad := func(field, format string, args ...any) {
		errs = append(errs, fmt.Errorf("gbdt: params: %s: %s: %w", field, fmt.Sprintf(format, args...), ErrInvalid))
	}
	finite := func(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }
	if p.NEstimators < 1 {
		bad("n_estimators", "%d, want at least 1", p.NEstimators)
	}
	if !finite(p.LearningRate) || p.LearningRate <= 0 {
		bad("learning_rate", "%v, want a positive number", p.LearningRate)
	}
	if p.MaxDepth < 0 || p.MaxDepth > 30 {
		bad("max_depth", "%d, want 0 to 30", p.MaxDepth)
	}
	if p.MaxLeaves < 0 || p.MaxLeaves == 1 {
		bad("max_leaves", "%d, want 0 or at least 2", p.MaxLeaves)
	}
	switch p.GrowPolicy {
	case GrowDepthwise:
		if p.MaxDepth == 0 {
			bad("max_depth", "0 with depthwise growth, want 1 to 30")
		}
	case GrowLossguide:
		if p.MaxDepth == 0 && p.MaxLeaves == 0 {
			bad("max_leaves", "0 with max_depth 0, want a limit on the tree size")
		}
	default:
		bad("grow_policy", "%q, want %q or %q", p.GrowPolicy, GrowDepthwise, GrowLossguide)
	}
	for _, f := range []struct {
		name string
		v    float64
	}{{"min_child_weight", p.MinChildWeight}, {"gamma", p.Gamma}, {"reg_alpha", p.RegAlpha}, {"reg_lambda", p.RegLambda}, {"max_delta_step", p.MaxDeltaStep}} {
		if !finite(f.v) || f.v < 0 {
			bad(f.name, "%v, want a finite number >= 0", f.v)
		}
	}
	if !(p.Subsample > 0 && p.Subsample <= 1) {
		bad("subsample", "%v, want in (0, 1]", p.Subsample)
	}
	if !(p.ColsampleByTree > 0 && p.ColsampleByTree <= 1) {
		bad("colsample_bytree", "%v, want in (0, 1]", p.ColsampleByTree)
	}
	if p.MaxBin < 2 || p.MaxBin > 256 {
		bad("max_bin", "%d, want 2 to 256", p.MaxBin)
	}
	if p.MaxCatToOnehot < 1 {
		bad("max_cat_to_onehot", "%d, want at least 1", p.MaxCatToOnehot)
	}
	if p.MaxCatThreshold < 1 {
		bad("max_cat_threshold", "%d, want at least 1", p.MaxCatThreshold)
	}
	if !finite(p.ScalePosWeight) || p.ScalePosWeight <= 0 {
		bad("scale_pos_weight", "%v, want a positive number", p.ScalePosWeight)
	}
	switch p.Objective {
	case BinaryLogistic, RegSquaredError, MultiSoftmax, MultiSoftprob, RegAbsoluteError, RegPseudoHuber, RegQuantileError, CountPoisson:
	default:
		bad("objective", "%q is not supported", p.Objective)
	}
	if p.NumClass < 0 || p.NumClass == 1 {
		bad("num_class", "%d, want 0 (from the labels) or at least 2", p.NumClass)
	}
	if !(p.QuantileAlpha > 0 && p.QuantileAlpha < 1) {
		bad("quantile_alpha", "%v, want in (0, 1)", p.QuantileAlpha)
	}
	if !finite(p.HuberSlope) || p.HuberSlope <= 0 {
		bad("huber_slope", "%v, want a positive number", p.HuberSlope)
	}
	if _, ok := metricHigherBetter[p.EvalMetric]; !ok {
		bad("eval_metric", "%q is not supported", p.EvalMetric)
	}
	if p.EarlyStoppingRounds < 0 {
		bad("early_stopping_rounds", "%d, want at least 0", p.EarlyStoppingRounds)
	}
	if p.NJobs < 1 {
		bad("n_jobs", "%d, want at least 1", p.NJobs)
	}
	return errors.Join(errs...)
}
