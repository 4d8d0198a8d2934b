package metrics

// binaryConfusion validates binary labels and builds their 2×2 matrix.
func binaryConfusion(metric string, yTrue, yPred []int, weights []float64) (Confusion, error) {
	if err := checkBinary(metric, yTrue, len(yPred), weights); err != nil {
		return Confusion{}, err
	}
	if err := checkLabels(metric, "y_pred", yPred, 2); err != nil {
		return Confusion{}, err
	}
	return confusion(yTrue, yPred, 2, weights), nil
}

// Counts are the outcomes of binary predictions: the total weight (the
// number of rows when unweighted) of true positives, false positives,
// false negatives and true negatives.
type Counts struct {
	TP float64 `json:"tp"`
	FP float64 `json:"fp"`
	FN float64 `json:"fn"`
	TN float64 `json:"tn"`
}

// N returns the total weight TP+FP+FN+TN.
func (c Counts) N() float64 { return c.TP + c.FP + c.FN + c.TN }

// NewCounts counts the outcomes of the predicted labels yPred against the
// true labels yTrue, both 0 or 1 (1 is the positive class).
func NewCounts(yTrue, yPred []int, weights []float64) (Counts, error) {
	c, err := binaryConfusion("confusion_matrix", yTrue, yPred, weights)
	if err != nil {
		return Counts{}, err
	}
	return countsOf(c), nil
}

func countsOf(c Confusion) Counts {
	m := c.Matrix
	return Counts{TP: m[1][1], FP: m[0][1], FN: m[1][0], TN: m[0][0]}
}

// Accuracy returns the fraction (by weight) of binary predictions yPred
// equal to yTrue, as scikit-learn's accuracy_score. Labels are 0 or 1;
// weights nil means every row weighs 1.
func Accuracy(yTrue, yPred []int, weights []float64) (float64, error) {
	c, err := binaryConfusion("accuracy", yTrue, yPred, weights)
	if err != nil {
		return 0, err
	}
	return c.Accuracy(), nil
}

// BalancedAccuracy returns the mean of the recalls of the classes 0 and 1
// (of the one class present when yTrue holds one), as scikit-learn's
// balanced_accuracy_score.
func BalancedAccuracy(yTrue, yPred []int, weights []float64) (float64, error) {
	c, err := binaryConfusion("balanced_accuracy", yTrue, yPred, weights)
	if err != nil {
		return 0, err
	}
	return c.BalancedAccuracy(), nil
}

// Precision returns TP/(TP+FP), the fraction of predicted positives that
// are positive, as scikit-learn's precision_score; 0 when nothing is
// predicted positive.
func Precision(yTrue, yPred []int, weights []float64) (float64, error) {
	c, err := binaryConfusion("precision", yTrue, yPred, weights)
	if err != nil {
		return 0, err
	}
	return c.PerClass()[1].Precision, nil
}

// Recall returns TP/(TP+FN), the fraction of positives predicted positive,
// as scikit-learn's recall_score; 0 when yTrue has no positive.
func Recall(yTrue, yPred []int, weights []float64) (float64, error) {
	c, err := binaryConfusion("recall", yTrue, yPred, weights)
	if err != nil {
		return 0, err
	}
	return c.PerClass()[1].Recall, nil
}

// F1 returns the harmonic mean of precision and recall, 2PR/(P+R), as
// scikit-learn's f1_score; 0 when P+R is 0.
func F1(yTrue, yPred []int, weights []float64) (float64, error) {
	c, err := binaryConfusion("f1", yTrue, yPred, weights)
	if err != nil {
		return 0, err
	}
	return c.PerClass()[1].F1, nil
}

// MCC returns the Matthews correlation coefficient of binary predictions,
// as scikit-learn's matthews_corrcoef: see [Confusion.MCC].
func MCC(yTrue, yPred []int, weights []float64) (float64, error) {
	c, err := binaryConfusion("mcc", yTrue, yPred, weights)
	if err != nil {
		return 0, err
	}
	return c.MCC(), nil
}

// CohenKappa returns Cohen's kappa of binary predictions, as
// scikit-learn's cohen_kappa_score: see [Confusion.CohenKappa].
func CohenKappa(yTrue, yPred []int, weights []float64) (float64, error) {
	c, err := binaryConfusion("cohen_kappa", yTrue, yPred, weights)
	if err != nil {
		return 0, err
	}
	return c.CohenKappa(), nil
}
