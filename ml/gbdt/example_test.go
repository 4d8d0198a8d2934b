package gbdt_test

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/mlcycle/mlcycle/ml/frame"
	"github.com/mlcycle/mlcycle/ml/gbdt"
)

func Example() {
	// y is 1 when x > 5.
	xs, ys := make([]float64, 100), make([]float64, 100)
	for i := range xs {
		xs[i] = float64(i % 10)
		if xs[i] > 5 {
			ys[i] = 1
		}
	}
	col, _ := frame.NewFloat("x", xs, nil)
	x, _ := frame.New(col)
	res, err := gbdt.Fit(context.Background(), gbdt.Data{X: x, Y: ys}, nil, gbdt.Params{
		Objective: gbdt.BinaryLogistic, NEstimators: 20, MaxDepth: 2, MinChildWeight: -1,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	m := res.Model
	fmt.Printf("P(y=1 | x=3) = %.2f\n", m.PredictRow([]float64{3}, gbdt.Value, nil)[0])
	fmt.Printf("P(y=1 | x=8) = %.2f\n", m.PredictRow([]float64{8}, gbdt.Value, nil)[0])

	raw, _ := json.Marshal(m)
	var back gbdt.Model
	if err := json.Unmarshal(raw, &back); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(back.NumTrees(), "trees after a round trip")
	// Output:
	// P(y=1 | x=3) = 0.01
	// P(y=1 | x=8) = 0.99
	// 20 trees after a round trip
}
