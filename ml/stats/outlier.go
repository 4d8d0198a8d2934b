package stats

import (
	"math"
	"slices"
)

const (
	// MADScale turns a median absolute deviation into a robust estimate of
	// the standard deviation: 1.4826 ≈ 1/Φ⁻¹(3/4), exact for normal data.
	MADScale = 1.4826
	// OutlierK is the number of robust standard deviations from the median
	// beyond which RobustOutliers counts a value as an outlier.
	OutlierK = 5
)

// Outliers are the robust outlier bounds of a numeric column.
type Outliers struct {
	// Median is the median of the non-missing values (numpy.median).
	Median float64
	// MAD is the median absolute deviation from Median (unscaled).
	MAD float64
	// RobustStd is MADScale × MAD.
	RobustStd float64
	// Lower and Upper are Median ∓ OutlierK × RobustStd.
	Lower, Upper float64
	// Count is the number of non-missing values below Lower or above Upper.
	Count int
}

// RobustOutliers returns the bounds median ± 5 × robust std, where
// robust std = 1.4826 × MAD and MAD = median(|x − median(x)|), and the
// number of values strictly outside them. This is the outlier rule the EDA
// issue attributes to Microsoft's Data Wrangler; it equals
// scipy.stats.median_abs_deviation(x, scale=1/1.4826) times 5 around
// numpy.median(x).
//
// Missing (NaN) values are skipped. With no value every field but Count is
// NaN. When more than half of the values are equal, MAD is 0 and every
// value that differs from the median is counted.
func RobustOutliers(x []float64) Outliers {
	v := make([]float64, 0, len(x))
	for _, e := range x {
		if !math.IsNaN(e) {
			v = append(v, e)
		}
	}
	slices.Sort(v)
	med := sortedMedian(v)
	dev := make([]float64, len(v))
	for i, e := range v {
		dev[i] = math.Abs(e - med)
	}
	slices.Sort(dev)
	mad := sortedMedian(dev)
	rs := MADScale * mad
	o := Outliers{Median: med, MAD: mad, RobustStd: rs, Lower: med - OutlierK*rs, Upper: med + OutlierK*rs}
	for _, e := range v {
		if e < o.Lower || e > o.Upper {
			o.Count++
		}
	}
	return o
}
