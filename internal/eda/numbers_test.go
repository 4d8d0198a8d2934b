package eda

import (
	"testing"

	"github.com/mlcycle/mlcycle/ml/stats"
)

// TestMADSorted checks the linear-time MAD against stats.RobustOutliers.
func TestMADSorted(t *testing.T) {
	t.Parallel()
	for _, v := range [][]float64{{1}, {1, 2}, {1, 2, 3}, {1, 1, 2, 10}, {-5, 0, 0, 0, 3, 8, 100}, {1, 2, 3, 4, 5, 6}, {0, 0, 0, 1}} {
		med := stats.MedianSorted(v)
		want := stats.RobustOutliers(v)
		if got := madSorted(v, med); got != want.MAD || med != want.Median {
			t.Errorf("madSorted(%v) = %v (median %v), want %v (median %v)", v, got, med, want.MAD, want.Median)
		}
	}
}
