package metrics

import "math"

// eps is numpy.finfo(numpy.float64).eps, the clipping bound of
// scikit-learn's log_loss with eps="auto" (its default since 1.2).
const eps = 0x1p-52

// LogLoss returns the mean negative log-likelihood of the binary labels
// yTrue under probs, the probabilities of class 1, as scikit-learn's
// log_loss(labels=[0, 1]):
//
//	−Σ w_i · log(p_i if y_i = 1 else 1 − p_i) / Σ w_i
//
// where each probability is first clipped to [ε, 1−ε] with ε = 2⁻⁵²
// (numpy.finfo(float64).eps, scikit-learn ≥ 1.2's eps="auto"), so a
// confident mistake costs about 36 rather than +Inf.
func LogLoss(yTrue []int, probs, weights []float64) (float64, error) {
	const metric = "log_loss"
	if err := checkBinary(metric, yTrue, len(probs), weights); err != nil {
		return 0, err
	}
	if err := checkProbs(metric, "probs", probs); err != nil {
		return 0, err
	}
	return logLoss(yTrue, probs, weights), nil
}

func logLoss(yTrue []int, probs, weights []float64) float64 {
	loss := make([]float64, len(probs))
	for i, p := range probs {
		p = clip(p)
		q := [2]float64{1 - p, p}
		s := q[0] + q[1] // scikit-learn renormalises the clipped pair
		loss[i] = -math.Log(q[yTrue[i]] / s)
	}
	return average(loss, weights)
}

func clip(p float64) float64 { return min(max(p, eps), 1-eps) }

// Brier returns the mean squared difference between probs, the
// probabilities of class 1, and the binary labels yTrue, as
// scikit-learn's brier_score_loss.
func Brier(yTrue []int, probs, weights []float64) (float64, error) {
	const metric = "brier"
	if err := checkBinary(metric, yTrue, len(probs), weights); err != nil {
		return 0, err
	}
	if err := checkProbs(metric, "probs", probs); err != nil {
		return 0, err
	}
	return brier(yTrue, probs, weights), nil
}

func brier(yTrue []int, probs, weights []float64) float64 {
	sq := make([]float64, len(probs))
	for i, p := range probs {
		d := float64(yTrue[i]) - p
		sq[i] = d * d
	}
	return average(sq, weights)
}

// CalibrationCurve returns the reliability diagram of probs, the
// probabilities of class 1, against the binary labels yTrue, as
// scikit-learn's calibration_curve(strategy="uniform", n_bins=nBins);
// nBins 0 means 10, scikit-learn's default.
//
// [0, 1] is cut into nBins bins of equal width, closed on the right except
// the first, which also holds 0. For each bin that holds a row, in
// increasing order, probTrue is the fraction of its rows with label 1 and
// probPred the mean of their probabilities; empty bins are left out. Like
// scikit-learn's, the curve takes no weights.
func CalibrationCurve(yTrue []int, probs []float64, nBins int) (probTrue, probPred []float64, err error) {
	const metric = "calibration_curve"
	if nBins == 0 {
		nBins = 10
	}
	if nBins < 0 {
		return nil, nil, errorf(metric, ErrValue, "nBins = %d, want > 0", nBins)
	}
	if err := checkBinary(metric, yTrue, len(probs), nil); err != nil {
		return nil, nil, err
	}
	if err := checkProbs(metric, "probs", probs); err != nil {
		return nil, nil, err
	}
	// numpy.linspace(0, 1, nBins+1): edge i is i·(1/nBins).
	step := 1 / float64(nBins)
	edges := make([]float64, nBins-1)
	for i := range edges {
		edges[i] = float64(i+1) * step
	}
	sums := make([]float64, nBins)
	trues := make([]float64, nBins)
	totals := make([]int, nBins)
	for i, p := range probs {
		// numpy.searchsorted(edges, p, side="left"): the edges below p.
		lo, hi := 0, len(edges)
		for lo < hi {
			mid := int(uint(lo+hi) >> 1)
			if edges[mid] < p {
				lo = mid + 1
			} else {
				hi = mid
			}
		}
		sums[lo] += p
		trues[lo] += float64(yTrue[i])
		totals[lo]++
	}
	for b, n := range totals {
		if n == 0 {
			continue
		}
		probTrue = append(probTrue, trues[b]/float64(n))
		probPred = append(probPred, sums[b]/float64(n))
	}
	return probTrue, probPred, nil
}

// checkProbRows validates labels in 0..K-1 and rows of K probabilities,
// K = len(probs[0]) >= 2; with rowSum, each row must also sum to 1 as
// numpy.allclose(1, sum) tests it.
func checkProbRows(metric string, yTrue []int, probs [][]float64, weights []float64, rowSum bool) (k int, err error) {
	if err := checkLen(metric, len(yTrue), len(probs)); err != nil {
		return 0, err
	}
	k = len(probs[0])
	if k < 2 {
		return 0, errorf(metric, ErrValue, "probs[0] has %d columns, want one per class, at least 2", k)
	}
	for i, row := range probs {
		if len(row) != k {
			return 0, errorf(metric, ErrLength, "probs[%d] has %d columns, probs[0] %d", i, len(row), k)
		}
		for j, p := range row {
			if !(p >= 0 && p <= 1) {
				return 0, errorf(metric, ErrValue, "probs[%d][%d] = %v, want a probability in [0, 1]", i, j, p)
			}
		}
		if s := sum(row); rowSum && !(math.Abs(1-s) <= 1e-8+1e-5*math.Abs(s)) {
			return 0, errorf(metric, ErrValue, "probs[%d] sums to %v, want 1", i, s)
		}
	}
	if err := checkLabels(metric, "y_true", yTrue, k); err != nil {
		return 0, err
	}
	return k, checkWeights(metric, weights, len(yTrue))
}

// MulticlassLogLoss returns the mean negative log-likelihood of the labels
// yTrue in 0..K-1 under probs, where probs[i][k] is the probability that
// row i is of class k and K = len(probs[i]), as scikit-learn's
// log_loss(labels=range(K)): each probability is clipped to [ε, 1−ε] as in
// [LogLoss], then each row is divided by its sum. Rows need not sum to 1.
func MulticlassLogLoss(yTrue []int, probs [][]float64, weights []float64) (float64, error) {
	if _, err := checkProbRows("log_loss", yTrue, probs, weights, false); err != nil {
		return 0, err
	}
	return multiclassLogLoss(yTrue, probs, weights), nil
}

func multiclassLogLoss(yTrue []int, probs [][]float64, weights []float64) float64 {
	loss := make([]float64, len(probs))
	row := make([]float64, len(probs[0]))
	for i, p := range probs {
		for j, v := range p {
			row[j] = clip(v)
		}
		loss[i] = -math.Log(row[yTrue[i]] / sum(row))
	}
	return average(loss, weights)
}

// MulticlassROCAUC returns the one-vs-rest ROC AUC of probs against the
// labels yTrue in 0..K-1, macro averaged, as scikit-learn's
// roc_auc_score(multi_class="ovr", average="macro"): the unweighted mean
// over the classes k of [ROCAUC] of (yTrue == k) against probs[·][k].
// Rows must sum to 1, and every class must occur in yTrue (else an error
// wrapping ErrUndefined).
func MulticlassROCAUC(yTrue []int, probs [][]float64, weights []float64) (float64, error) {
	const metric = "roc_auc"
	k, err := checkProbRows(metric, yTrue, probs, weights, true)
	if err != nil {
		return 0, err
	}
	return multiclassROCAUC(metric, yTrue, probs, weights, k)
}

func multiclassROCAUC(metric string, yTrue []int, probs [][]float64, weights []float64, k int) (float64, error) {
	seen := make([]bool, k)
	for _, y := range yTrue {
		seen[y] = true
	}
	for c, ok := range seen {
		if !ok {
			return 0, errorf(metric, ErrUndefined, "class %d does not occur in y_true", c)
		}
	}
	y := make([]int, len(yTrue))
	s := make([]float64, len(yTrue))
	aucs := make([]float64, k)
	for c := range k {
		for i, t := range yTrue {
			y[i] = 0
			if t == c {
				y[i] = 1
			}
			s[i] = probs[i][c]
		}
		auc, err := rocAUC(metric, y, s, weights)
		if err != nil {
			return 0, err
		}
		aucs[c] = auc
	}
	return average(aucs, nil), nil
}
