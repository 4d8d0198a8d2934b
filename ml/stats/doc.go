// Package stats computes the numbers of an exploratory data analysis (EDA)
// report: per-column summaries, histograms, robust outlier bounds, Pearson
// and Spearman correlation matrices, Cramér's V and the correlation ratio.
//
// Every statistic reproduces a named definition from pandas 1.5.3, NumPy
// 1.24 or SciPy 1.10 so that a report computed here agrees with one a data
// scientist computes in a notebook; each function's comment cites the
// definition it follows, and the package tests compare the results with
// reference values produced by those libraries (testdata/stats).
//
// # Inputs
//
// Numeric columns are plain []float64 slices in which NaN marks a missing
// value. Categorical columns are [Categorical] values: one uint32 code per row
// plus a [frame.Mask] whose set bits mark missing rows, the same layout as a
// [frame.CategoricalColumn] (see [CategoricalOf]). Codes are opaque labels:
// only equality between codes matters, and categories that occur in no
// (complete) row play no part in any statistic.
//
// No function modifies its arguments, and none panics on any input data:
// statistics that are undefined for the data (too few rows, a constant
// column) are NaN, following the pandas rule documented on each function.
//
// # Describing a column
//
//	s := stats.Describe(x, 0.05, 0.5, 0.95)
//	fmt.Println(s.Count, s.Mean, s.Std, s.Skew, s.Quantiles)
//	edges, counts := stats.Histogram(x, 50)
//	out := stats.RobustOutliers(x)
//
// # Correlations
//
// [Pearson] and [Spearman] take k columns of equal length and return the
// k×k matrix pandas DataFrame.corr returns, with pairwise-complete handling
// of missing values. Both are parallel (runtime.GOMAXPROCS goroutines) and
// deterministic: the result does not depend on the number of goroutines or
// on scheduling.
package stats
