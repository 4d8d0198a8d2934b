// Package gbdt trains and applies gradient-boosted decision trees with
// histograms, as XGBoost's tree_method="hist" and LightGBM do. It is pure
// Go: the standard library and lower ml packages only, no I/O.
//
// # Training
//
// Put the features in a frame (float, boolean and categorical columns; NaN
// or the column mask means missing), the labels in a []float64, and call
// Fit with Params named as in XGBoost's scikit-learn API:
//
//	res, err := gbdt.Fit(ctx, gbdt.Data{X: x, Y: y}, &gbdt.Data{X: xv, Y: yv}, gbdt.Params{
//		Objective: gbdt.BinaryLogistic, NEstimators: 200, LearningRate: 0.1,
//		EvalMetric: "auc", EarlyStoppingRounds: 20,
//	})
//	probs, err := res.Model.Predict(ctx, xTest, gbdt.Value)
//
// Fit bins every feature once, choosing the cuts as XGBoost 1.7 hist
// does (its weighted quantile sketch, WQuantileSketch, reproduced with the
// same float32 arithmetic, over all rows up to 200,000 and over a sample
// of 200,000 rows above): at most max_bin bins, whose upper bounds are
// values of the data; a feature with at most max_bin distinct values gets
// one bin per value. A value falls in a bin by its float32 value, as in
// XGBoost. Missing values get a bin of their own, so a feature with
// missing values has at most 255 value bins (its top two bins are merged
// where XGBoost would have 256). Thresholds are float32, and where a
// training value lies just below the float32 cut it rounds to, the
// threshold is the next float32 down, so that prediction, which compares
// float64 values, sends it where training did. Categorical columns with
// at most 255 categories use their codes as bins and get native splits;
// larger ones are split on their codes as numbers. Trees grow depth-wise
// (max_depth) or best-first (grow_policy "lossguide", max_leaves). Each
// node's histogram of gradient and hessian sums is built from its rows,
// the smaller child directly and its sibling by subtracting from the
// parent.
//
// Splits follow XGBoost 1.7's HistEvaluator: the gain is
// G_L²/(H_L+λ) + G_R²/(H_R+λ) − G²/(H+λ), with G soft-thresholded by
// reg_alpha, the node's term kept as a float32 and the gain rounded to
// float32; children must hold a hessian sum of at least min_child_weight.
// Each numeric feature is scanned forward with missing values on the right
// (so a node without missing values sends them right at prediction) and,
// when the node has missing values, backward with them on the left; both
// scans include the split of all present values against the missing ones.
// A candidate replaces the best only with a strictly greater gain, so ties
// keep the lowest feature, the forward scan and the first bin. A split is
// made when its gain exceeds both 1e-6 (XGBoost's kRtEps) and gamma; like
// XGBoost hist, which runs no prune updater, nothing is pruned afterwards.
// Categorical features with at most max_cat_to_onehot categories try one
// category against the rest; larger ones sort the categories by g/h and
// try the prefixes of that order, up to max_cat_threshold categories on the
// left.
//
// Gradients, hessians, leaf values (weight, then times the learning rate)
// and the margins kept during training are float32 numbers computed as
// XGBoost computes them. On the shared datasets the trees are XGBoost's,
// split for split, until float rounding decides a near-tie between two
// splits the other way (see testdata/gbdt/make_shared_reference.py).
//
// # Base score
//
// The initial margin is the optimal constant of the data, rounded to
// float32, not XGBoost 1.7's default 0.5: the log-odds of the weighted
// positive rate for binary:logistic (XGBoost's float32 ProbToMargin), the log class priors for softmax, the weighted mean for
// squared error, its log for Poisson, the weighted median for absolute and
// pseudo-Huber error, and the alpha quantile for quantile error.
// reg:absoluteerror and reg:quantileerror refit each leaf to the quantile
// of its rows' residuals, as XGBoost does.
//
// # Determinism
//
// Histograms are summed over fixed chunks of 32,768 rows of a node, each
// into its own buffer, and reduced in chunk order; everything else writes
// disjoint outputs or works row by row. So equal data and Params (Seed
// included) give a bit-identical model, whatever NJobs or GOMAXPROCS.
//
// # Where the time goes
//
// BenchmarkFit (200 depth-6 trees, 256 bins, 2 cores) profiled with
// go test -cpuprofile on 800,000 × 28 rows: the histogram kernel buildHist
// takes 57% of the CPU time, partitioning 12%, the gradient step 11%
// (a third of it math.Exp), binning 6% (the sketch's sorts of the sample
// and a binary search per value), the margin update 3% and the split search under 2%.
//
// The kernel follows GBDT-NOTES §3: one featHist ([256] float64 pairs) per
// feature so the bin index needs no bounds check, g and h converted once
// per row, no calls or interfaces in the inner loop. Below the root a
// node's rows are scattered over the row-major bins, and each row was a
// cache miss: 3.5 ns per update against 1.2-1.5 for contiguous rows. The
// kernel therefore prefetches the bins and gradient pair of the row
// prefetchAhead rows ahead (PREFETCHT0 in prefetch_amd64.s; a no-op
// elsewhere), which brought the 800,000-row fit from 26.6 s to 17 s, level
// with XGBoost 1.7 hist on the same (shared, noisy) machine. Prefetching
// in the partition loop was measured and made it slower.
//
// # Prediction
//
// Predict converts each block of 240 rows into bytes: a value becomes the
// number of the model's own thresholds on its feature at or below it, and
// missing values go to two extra byte columns, one per default direction.
// Trees stored as 4-byte nodes then compare bytes, ten rows at a time, on
// both cores; categorical splits (and the numeric splits of trees that have
// them) test a 256-bit set. The inner loops are amd64 assembly with Go
// equivalents elsewhere (predict_quant.go, predict_amd64.s). Predictions are
// bit-identical to walking the float thresholds, which remains the path of
// models the byte layout cannot hold (a feature with more than 255
// thresholds, say). Measured with 200 depth-6 trees on 2 cores: 2.3-2.4M
// rows/s on numeric data (2.5-2.8x the float walk), 1.2M rows/s with
// categorical splits (11x); PredictRow, for one row, 3-5 us.
//
// # Model format
//
// Marshal and Unmarshal write and read a versioned JSON document specified
// in docs/format/gbdt.md.
package gbdt
