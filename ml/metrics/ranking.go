package metrics

import "math"

// checkScores validates binary labels, finite scores and weights.
func checkScores(metric string, yTrue []int, scores, weights []float64) error {
	if err := checkBinary(metric, yTrue, len(scores), weights); err != nil {
		return err
	}
	return checkFinite(metric, "scores", scores)
}

// clfCurve returns, for each distinct score t in decreasing order, the
// weight of the negative (fps) and positive (tps) rows scoring t or more, as
// scikit-learn's _binary_clf_curve: rows of weight 0 are dropped, rows are
// sorted once by decreasing score (ties in decreasing row order, as NumPy's
// reversed stable argsort), and the weights are summed in that order.
func clfCurve(yTrue []int, scores, weights []float64) (fps, tps, thresholds []float64) {
	keys, rows := sortDesc(yTrue, scores, weights)
	var tp, fp float64
	for i, r := range rows {
		y := float64(r >> 31)
		if weights == nil {
			tp += y
		} else {
			w := weights[r&(1<<31-1)]
			tp += y * w
			fp += (1 - y) * w
		}
		if i+1 < len(rows) && keys[i+1] == keys[i] {
			continue
		}
		if weights == nil {
			fp = float64(1+i) - tp
		}
		fps = append(fps, fp)
		tps = append(tps, tp)
		thresholds = append(thresholds, scores[r&(1<<31-1)])
	}
	return fps, tps, thresholds
}

// radixBits is the digit width of sortDesc's radix sort: six passes of 11
// bits, with 16 KiB histograms that stay in cache.
const radixBits = 11

// sortDesc returns the rows of nonzero weight ordered by decreasing score,
// ties by decreasing row, and their sort keys (equal keys, equal scores).
// Each row is returned as row | yTrue[row]<<31, so that the caller reads
// the labels in order. It is an LSD radix sort on the bits of the scores,
// stable, so feeding the rows in decreasing order settles ties: O(n), for
// the million-row evaluations that comparison sorts take several times
// longer over. Inputs have fewer than 2³¹ rows.
func sortDesc(yTrue []int, scores, weights []float64) (keys []uint64, rows []uint32) {
	keys = make([]uint64, 0, len(scores))
	rows = make([]uint32, 0, len(scores))
	for i := len(scores) - 1; i >= 0; i-- {
		if weights != nil && weights[i] == 0 {
			continue
		}
		s := scores[i]
		if s == 0 {
			s = 0 // -0 ties with 0
		}
		b := math.Float64bits(s)
		if b>>63 == 1 {
			b = ^b
		} else {
			b |= 1 << 63
		}
		keys = append(keys, ^b) // ascending keys, descending scores
		rows = append(rows, uint32(i)|uint32(yTrue[i])<<31)
	}
	const (
		digits  = (64 + radixBits - 1) / radixBits
		buckets = 1 << radixBits
		mask    = buckets - 1
	)
	var counts [digits][buckets]int
	for _, k := range keys {
		for d := range digits {
			counts[d][(k>>(radixBits*d))&mask]++
		}
	}
	tmpKeys := make([]uint64, len(keys))
	tmpRows := make([]uint32, len(rows))
	for d := range digits {
		c := &counts[d]
		shift := radixBits * d
		if len(keys) == 0 || c[(keys[0]>>shift)&mask] == len(keys) {
			continue // every key has this digit
		}
		var pos [buckets]int
		total := 0
		for v, n := range c {
			pos[v] = total
			total += n
		}
		for i, k := range keys {
			v := (k >> shift) & mask
			tmpKeys[pos[v]] = k
			tmpRows[pos[v]] = rows[i]
			pos[v]++
		}
		keys, tmpKeys = tmpKeys, keys
		rows, tmpRows = tmpRows, rows
	}
	return keys, rows
}

// ROCCurve returns the receiver operating characteristic of scores
// against the binary labels yTrue (1 is the positive class), as
// scikit-learn's roc_curve with drop_intermediate=True.
//
// For each threshold t in thresholds, in decreasing order, fpr and tpr are
// the false and true positive rates of predicting positive when the score
// is >= t. The first point is (0, 0) at a threshold of the highest score
// plus 1; points collinear with their neighbours are dropped, which leaves
// the area under the curve unchanged. Scores may be any finite numbers;
// weights nil means every row weighs 1. ROCCurve returns an error wrapping
// ErrUndefined when the positive or the negative rows weigh nothing.
func ROCCurve(yTrue []int, scores, weights []float64) (fpr, tpr, thresholds []float64, err error) {
	const metric = "roc_curve"
	if err := checkScores(metric, yTrue, scores, weights); err != nil {
		return nil, nil, nil, err
	}
	return rocCurve(metric, yTrue, scores, weights)
}

func rocCurve(metric string, yTrue []int, scores, weights []float64) (fpr, tpr, thresholds []float64, err error) {
	fps, tps, thr := clfCurve(yTrue, scores, weights)
	n := len(fps)
	if fps[n-1] <= 0 {
		return nil, nil, nil, errorf(metric, ErrUndefined, "y_true has no negative rows of positive weight")
	}
	if tps[n-1] <= 0 {
		return nil, nil, nil, errorf(metric, ErrUndefined, "y_true has no positive rows of positive weight")
	}
	fpr = make([]float64, 1, n+1)
	tpr = make([]float64, 1, n+1)
	thresholds = make([]float64, 1, n+1)
	thresholds[0] = thr[0] + 1
	for i := range n {
		// numpy.diff(x, 2) != 0 for x = fps and x = tps.
		if i > 0 && i < n-1 &&
			(fps[i+1]-fps[i])-(fps[i]-fps[i-1]) == 0 &&
			(tps[i+1]-tps[i])-(tps[i]-tps[i-1]) == 0 {
			continue
		}
		fpr = append(fpr, fps[i]/fps[n-1])
		tpr = append(tpr, tps[i]/tps[n-1])
		thresholds = append(thresholds, thr[i])
	}
	return fpr, tpr, thresholds, nil
}

// ROCAUC returns the area under the ROC curve of scores against the binary
// labels yTrue, as scikit-learn's roc_auc_score: the trapezoidal area under
// [ROCCurve], so that tied scores count one half. It is the probability
// that a random positive row scores above a random negative row, ties
// counting one half. It sorts the scores once: O(n log n).
//
// ROCAUC returns an error wrapping ErrUndefined when yTrue holds a single
// class (scikit-learn raises) or one class weighs nothing.
func ROCAUC(yTrue []int, scores, weights []float64) (float64, error) {
	const metric = "roc_auc"
	if err := checkScores(metric, yTrue, scores, weights); err != nil {
		return 0, err
	}
	return rocAUC(metric, yTrue, scores, weights)
}

func rocAUC(metric string, yTrue []int, scores, weights []float64) (float64, error) {
	if !bothClasses(yTrue) {
		return 0, errorf(metric, ErrUndefined, "only one class present in y_true")
	}
	fpr, tpr, _, err := rocCurve(metric, yTrue, scores, weights)
	if err != nil {
		return 0, err
	}
	return trapezoid(fpr, tpr), nil
}

// bothClasses reports whether y holds both 0 and 1.
func bothClasses(y []int) bool {
	var seen [2]bool
	for _, v := range y {
		seen[v] = true
	}
	return seen[0] && seen[1]
}

// trapezoid returns numpy.trapz(y, x) for increasing x.
func trapezoid(x, y []float64) float64 {
	parts := make([]float64, len(x)-1)
	for i := range parts {
		parts[i] = (x[i+1] - x[i]) * (y[i+1] + y[i]) / 2
	}
	return sum(parts)
}

// PRCurve returns the precision-recall curve of scores against the binary
// labels yTrue, as scikit-learn's precision_recall_curve.
//
// thresholds holds the distinct scores in increasing order; precision[i]
// and recall[i] are those of predicting positive when the score is >=
// thresholds[i], and a last point (precision 1, recall 0) ends the curve,
// so precision and recall have one value more than thresholds. A
// precision of 0/0 is 0; when no positive row weighs anything every
// recall is 1, as in scikit-learn.
func PRCurve(yTrue []int, scores, weights []float64) (precision, recall, thresholds []float64, err error) {
	if err := checkScores("precision_recall_curve", yTrue, scores, weights); err != nil {
		return nil, nil, nil, err
	}
	precision, recall, thresholds = prCurve(yTrue, scores, weights)
	return precision, recall, thresholds, nil
}

func prCurve(yTrue []int, scores, weights []float64) (precision, recall, thresholds []float64) {
	fps, tps, thr := clfCurve(yTrue, scores, weights)
	n := len(fps)
	precision = make([]float64, n+1)
	recall = make([]float64, n+1)
	thresholds = make([]float64, n)
	for i := range n {
		j := n - 1 - i
		if ps := tps[i] + fps[i]; ps != 0 {
			precision[j] = tps[i] / ps
		}
		recall[j] = 1
		if tps[n-1] != 0 {
			recall[j] = tps[i] / tps[n-1]
		}
		thresholds[j] = thr[i]
	}
	precision[n] = 1
	return precision, recall, thresholds
}

// AveragePrecision returns scikit-learn's average_precision_score of
// scores against the binary labels yTrue:
//
//	AP = Σ_i (R_i − R_{i−1}) · P_i
//
// over the points of [PRCurve], where P_i and R_i are the precision and
// recall at the i-th threshold. This is a step-wise sum, not the
// trapezoidal area, which would be optimistic. It is 0 when no positive
// row weighs anything.
func AveragePrecision(yTrue []int, scores, weights []float64) (float64, error) {
	if err := checkScores("average_precision", yTrue, scores, weights); err != nil {
		return 0, err
	}
	return averagePrecision(yTrue, scores, weights), nil
}

func averagePrecision(yTrue []int, scores, weights []float64) float64 {
	precision, recall, _ := prCurve(yTrue, scores, weights)
	parts := make([]float64, len(recall)-1)
	for i := range parts {
		parts[i] = (recall[i+1] - recall[i]) * precision[i]
	}
	return -sum(parts)
}
