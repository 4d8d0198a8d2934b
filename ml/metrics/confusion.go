package metrics

import (
	"fmt"
	"math"
)

// Confusion is a confusion matrix of a classifier with K classes labelled
// 0..K-1, as scikit-learn's confusion_matrix with labels=range(K).
//
// Its methods compute the metrics that depend on the predicted labels
// only. Classes that occur in neither y_true nor y_pred take no part in
// Macro averages, as in scikit-learn when its labels argument is not
// given; Present records which classes occur.
type Confusion struct {
	// Matrix[i][j] is the total sample weight (the number of rows when
	// unweighted) of the rows of true class i predicted as class j.
	Matrix [][]float64 `json:"matrix"`
	// Present[k] reports whether class k occurs in y_true or y_pred,
	// whatever the weight of its rows.
	Present []bool `json:"present"`
}

// Average says how per-class precision, recall and F1 are combined, as
// scikit-learn's average argument.
type Average int

const (
	// Macro is the unweighted mean over the classes present in y_true or
	// y_pred.
	Macro Average = iota + 1
	// Micro computes the metric from the true positives, false positives
	// and false negatives summed over the classes. For single-label data
	// micro precision, recall and F1 all equal the accuracy.
	Micro
	// Weighted is the mean over the classes weighted by their support (the
	// weight of their rows in y_true).
	Weighted
)

// String returns scikit-learn's name of the average.
func (a Average) String() string {
	switch a {
	case Macro:
		return "macro"
	case Micro:
		return "micro"
	case Weighted:
		return "weighted"
	}
	return fmt.Sprintf("Average(%d)", int(a))
}

// ClassScores are the precision, recall and F1 of one class treated as the
// positive class, and its support: the weight of its rows in y_true. A
// ratio whose denominator is zero is 0 (scikit-learn's zero_division
// default).
type ClassScores struct {
	Precision float64 `json:"precision"`
	Recall    float64 `json:"recall"`
	F1        float64 `json:"f1"`
	Support   float64 `json:"support"`
}

// NewConfusion returns the confusion matrix of predicted labels yPred
// against true labels yTrue, both in 0..k-1. Weights nil means every row
// weighs 1.
func NewConfusion(yTrue, yPred []int, k int, weights []float64) (Confusion, error) {
	const metric = "confusion_matrix"
	if k < 2 {
		return Confusion{}, errorf(metric, ErrLabel, "%d classes, want at least 2", k)
	}
	if err := checkLen(metric, len(yTrue), len(yPred)); err != nil {
		return Confusion{}, err
	}
	if err := checkLabels(metric, "y_true", yTrue, k); err != nil {
		return Confusion{}, err
	}
	if err := checkLabels(metric, "y_pred", yPred, k); err != nil {
		return Confusion{}, err
	}
	if err := checkWeights(metric, weights, len(yTrue)); err != nil {
		return Confusion{}, err
	}
	return confusion(yTrue, yPred, k, weights), nil
}

// confusion builds the matrix from validated input.
func confusion(yTrue, yPred []int, k int, weights []float64) Confusion {
	c := Confusion{Matrix: make([][]float64, k), Present: make([]bool, k)}
	cells := make([]float64, k*k)
	for i := range c.Matrix {
		c.Matrix[i] = cells[i*k : (i+1)*k : (i+1)*k]
	}
	for i, t := range yTrue {
		p := yPred[i]
		w := 1.0
		if weights != nil {
			w = weights[i]
		}
		c.Matrix[t][p] += w
		c.Present[t] = true
		c.Present[p] = true
	}
	return c
}

// K returns the number of classes.
func (c Confusion) K() int { return len(c.Matrix) }

// sums returns the row sums (true classes), column sums (predicted
// classes), the trace and the total.
func (c Confusion) sums() (rows, cols []float64, trace, total float64) {
	k := c.K()
	rows, cols = make([]float64, k), make([]float64, k)
	for i, row := range c.Matrix {
		for j, v := range row {
			rows[i] += v
			cols[j] += v
		}
		trace += row[i]
	}
	for _, v := range rows {
		total += v
	}
	return rows, cols, trace, total
}

// Accuracy returns the fraction (by weight) of rows predicted correctly,
// as scikit-learn's accuracy_score.
func (c Confusion) Accuracy() float64 {
	_, _, trace, total := c.sums()
	return trace / total
}

// BalancedAccuracy returns the mean recall over the classes that have rows
// in y_true, as scikit-learn's balanced_accuracy_score (adjusted=False).
func (c Confusion) BalancedAccuracy() float64 {
	rows, _, _, _ := c.sums()
	var s float64
	var n int
	for i, r := range rows {
		if r == 0 {
			continue // scikit-learn drops the NaN recall of a class without rows
		}
		s += c.Matrix[i][i] / r
		n++
	}
	return s / float64(n)
}

// PerClass returns the scores of each class 0..K-1 treated as the positive
// class, as scikit-learn's precision_recall_fscore_support(average=None,
// labels=range(K)).
func (c Confusion) PerClass() []ClassScores {
	rows, cols, _, _ := c.sums()
	out := make([]ClassScores, c.K())
	for i := range out {
		tp := c.Matrix[i][i]
		out[i] = prf(tp, cols[i], rows[i])
	}
	return out
}

// prf returns the scores from the true positives and the predicted and
// true totals, with scikit-learn's zero_division=0.
func prf(tp, pred, actual float64) ClassScores {
	s := ClassScores{Support: actual}
	if pred != 0 {
		s.Precision = tp / pred
	}
	if actual != 0 {
		s.Recall = tp / actual
	}
	if d := s.Precision + s.Recall; d != 0 {
		s.F1 = 2 * s.Precision * s.Recall / d
	}
	return s
}

// Precision returns the precision averaged over the classes as avg says.
func (c Confusion) Precision(avg Average) float64 {
	return c.average(avg, func(s ClassScores) float64 { return s.Precision })
}

// Recall returns the recall averaged over the classes as avg says.
func (c Confusion) Recall(avg Average) float64 {
	return c.average(avg, func(s ClassScores) float64 { return s.Recall })
}

// F1 returns the F1 score averaged over the classes as avg says. The Macro
// and Weighted averages are means of the per-class F1 scores, not the F1
// of the averaged precision and recall.
func (c Confusion) F1(avg Average) float64 {
	return c.average(avg, func(s ClassScores) float64 { return s.F1 })
}

// average combines one per-class score as scikit-learn's
// precision_recall_fscore_support does over the present labels. An
// unknown avg is treated as Macro.
func (c Confusion) average(avg Average, score func(ClassScores) float64) float64 {
	_, cols, _, _ := c.sums()
	var xs, ws []float64
	var tp, pred, actual float64
	for i, s := range c.PerClass() {
		if !c.Present[i] {
			continue
		}
		xs = append(xs, score(s))
		ws = append(ws, s.Support)
		tp += c.Matrix[i][i]
		pred += cols[i]
		actual += s.Support
	}
	switch avg {
	case Micro:
		return score(prf(tp, pred, actual))
	case Weighted:
		if actual == 0 {
			return 0 // scikit-learn's zero_division when the supports sum to 0
		}
		return average(xs, ws)
	default:
		return average(xs, nil)
	}
}

// MCC returns the Matthews correlation coefficient, as scikit-learn's
// matthews_corrcoef: 0 when either the true or the predicted labels are
// constant.
func (c Confusion) MCC() float64 {
	rows, cols, trace, total := c.sums()
	var tp, pp, tt float64
	for i := range rows {
		tp += rows[i] * cols[i]
		pp += cols[i] * cols[i]
		tt += rows[i] * rows[i]
	}
	covYtYp := trace*total - tp
	covYpYp := total*total - pp
	covYtYt := total*total - tt
	if covYpYp*covYtYt == 0 {
		return 0
	}
	return covYtYp / math.Sqrt(covYtYt*covYpYp)
}

// CohenKappa returns Cohen's kappa of the predicted against the true
// labels, as scikit-learn's cohen_kappa_score (no weighting). It is NaN
// when the expected disagreement is zero (a single class in both).
func (c Confusion) CohenKappa() float64 {
	rows, cols, _, total := c.sums()
	var observed, expected float64
	for i, row := range c.Matrix {
		for j, v := range row {
			if i != j {
				observed += v
				expected += cols[i] * rows[j] / total
			}
		}
	}
	return 1 - observed/expected
}
