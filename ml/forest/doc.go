// Package forest trains and applies random forests for classification
// (two or more classes) and regression, as scikit-learn's
// RandomForestClassifier and RandomForestRegressor. It is pure Go: the
// standard library and lower ml packages only, no I/O.
//
// # Training
//
//	res, err := forest.Fit(ctx, forest.Data{X: x, Y: y}, forest.Params{
//		Task: forest.Classification, NEstimators: 200, OOBScore: true,
//	})
//	probs, err := res.Model.Predict(ctx, xTest) // NumClass per row
//
// Fit bins every feature once, as ml/gbdt does, into at most 255 value
// bins (midpoints between distinct values when there are fewer, which are
// scikit-learn's thresholds; quantiles otherwise) plus a bin for missing
// values. Each tree draws a bootstrap sample (n·max_samples rows with
// replacement; the counts are row weights) and grows depth-first until
// its nodes are pure, hold fewer than 2·min_samples_leaf distinct rows or
// reach max_depth. At every node it draws max_features features without
// replacement (more while all drawn are constant in the node), builds
// each one's histogram of row counts, weights and weighted class counts
// (or sums of y) over the node's rows, and takes the split maximising
// Σ_k S_Lk²/W_L + Σ_k S_Rk²/W_R, which orders splits as the decrease in
// Gini impurity (classification) or squared error (regression) does.
// Missing values go to the side learned per split. Leaves hold the
// weighted class proportions or mean of y; prediction averages them over
// the trees.
//
// # Design
//
// ml/gbdt's builder finds splits from gradient and hessian histograms
// with one feature sample per tree. A forest needs a fresh feature draw at
// every node and, for K classes, K sums per bin, and fully grown trees
// whose nodes are small, so this package has its own small histogram
// builder: per node it histograms only the features drawn, with no
// subtraction trick (which would need every feature's histogram). Trees
// are independent and grown in parallel, one per worker.
//
// # Determinism
//
// Tree t draws its bootstrap sample and its features from a PCG stream
// seeded by (Seed, t), and predictions sum the trees in order, so equal
// data and Params give a bit-identical model and predictions whatever
// NJobs or GOMAXPROCS. The random streams differ from NumPy's, so the
// trees differ from scikit-learn's, not their accuracy.
//
// # Speed
//
// BenchmarkFit (100,000 × 28 rows, 20 fully grown trees, max_features
// sqrt, 2 cores) takes 5.2 to 6.1 s; scikit-learn 1.2.1 with n_jobs=2
// takes 21.4 s on rows of the same distribution (reference.json; both on
// the same shared, noisy machine).
//
// # Out-of-bag
//
// With OOBScore set, each training row is predicted by the trees whose
// bootstrap sample left it out; Result holds those predictions, the OOB
// accuracy or R² and, for two classes, the OOB ROC-AUC.
package forest
