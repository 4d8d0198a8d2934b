package metrics_test

import (
	"fmt"

	"github.com/mlcycle/mlcycle/ml/metrics"
)

func ExampleBinary() {
	yTrue := []int{0, 0, 1, 1}
	scores := []float64{0.1, 0.4, 0.35, 0.8}
	r, err := metrics.Binary(yTrue, scores, 0.5)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("roc_auc %.2f, average_precision %.4f, recall %.2f\n", r.ROCAUC, r.AveragePrecision, r.Recall)
	// Output: roc_auc 0.75, average_precision 0.8333, recall 0.50
}

func ExampleROI() {
	// A churn campaign: an offer costs 10 and keeps a customer worth 100.
	v := metrics.Values{TP: 90, FP: -10, FN: 0, TN: 0}
	c := metrics.Counts{TP: 30, FP: 70, FN: 20, TN: 880}
	roi, _ := metrics.ROI(c, v)
	ev, _ := metrics.ExpectedValue(c, v)
	fmt.Printf("roi %.1f, expected_value %.1f\n", roi, ev)
	// Output: roi 2.0, expected_value 2.0
}
