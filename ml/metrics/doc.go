// Package metrics computes the classification, regression and business
// metrics of model predictions, with the values of scikit-learn 1.2.
//
// Every function works on plain slices: labels are []int, scores,
// probabilities and targets []float64, and sample weights a []float64 in
// which nil means every row weighs 1. Bad input (lengths that differ, no
// rows, a label out of range, a probability outside [0, 1] or NaN, a
// negative weight) is reported as an error wrapping one of the sentinel
// errors such as [ErrLength]; nothing panics on user data.
//
// # Binary classification
//
// Labels are 0 and 1, 1 being the positive class; scores are the
// probabilities of class 1 (any finite numbers for the ranking metrics).
// [Binary] computes every metric at once:
//
//	r, err := metrics.Binary(yTrue, scores, 0.5) // positive when score >= 0.5
//	fmt.Println(r.ROCAUC, r.F1, r.Confusion.TP)
//	v, ok := r.Get("average_precision")
//
// Single metrics are functions named after them: [Accuracy],
// [BalancedAccuracy], [Precision], [Recall], [F1], [MCC] and [CohenKappa]
// over predicted labels; [ROCAUC], [AveragePrecision], [LogLoss], [Brier]
// over scores; [ROCCurve], [PRCurve] and [CalibrationCurve] for plots.
// Undefined ratios follow scikit-learn: a precision of 0/0 is 0
// (zero_division=0), and ROCAUC of a single class is an error wrapping
// [ErrUndefined] (NaN in a report).
//
// # Multiclass classification
//
// Labels are 0..K-1 and probabilities are rows, probs[i][k] being the
// probability that row i is of class k ([][]float64, as predict_proba).
// [Multiclass] computes every metric; [NewConfusion] builds a [Confusion]
// whose methods give precision, recall and F1 with a [Macro], [Micro] or
// [Weighted] average, or per class.
//
// # Regression
//
// [Regression] computes [MAE], [MSE], [RMSE], [R2], [MAPE],
// [MedianAbsoluteError] and [ExplainedVariance].
//
// # Business metrics
//
// A value matrix ([Values]) gives the value of each outcome of a binary
// prediction in a KPI's unit. From the outcome [Counts], [Business]
// computes [ExpectedValue], [ROI] and [ValuePer1000]; [BestThreshold]
// finds the threshold of highest expected value.
//
// # Reports
//
// The report types ([BinaryReport], [MulticlassReport],
// [RegressionReport], [BusinessReport]) name their fields as
// scikit-learn's functions and the platform's goals do ("roc_auc",
// "log_loss", "r2"); Get looks them up by name, [Names] lists them and
// [HigherIsBetter] says which way each improves. A metric undefined for
// the data is NaN, written as null in JSON.
//
// # Agreement with scikit-learn
//
// The tests compare every metric with scikit-learn 1.2.1 on fixtures in
// testdata/metrics (generator script and versions beside them) to a
// relative tolerance of 1e-9. Sums follow NumPy's pairwise order and
// scikit-learn's exact-zero tests (a constant y_true in [R2]), so edge
// cases take the same branch.
package metrics
