package transform_test

import (
	"context"
	"fmt"
	"math"

	"github.com/mlcycle/mlcycle/ml/frame"
	"github.com/mlcycle/mlcycle/ml/transform"
)

func Example() {
	age, _ := frame.NewFloat("age", []float64{20, math.NaN(), 40, 60}, nil)
	city, _ := frame.NewCategoricalFromStrings("city", []string{"oslo", "bergen", "oslo", "oslo"}, nil)
	x, _ := frame.New(age, city)

	spec := transform.DefaultSpec([]transform.Field{
		{Name: "age", Logical: frame.LogicalFloat},
		{Name: "city", Logical: frame.LogicalCategorical},
	}, false)
	p, train, err := transform.Fit(context.Background(), spec, x, nil, transform.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(train.Names())

	// Serving: an unseen city goes to city__other; a missing age is imputed.
	sAge, _ := frame.NewFloat("age", []float64{math.NaN()}, nil)
	sCity, _ := frame.NewCategoricalFromStrings("city", []string{"paris"}, nil)
	s, _ := frame.New(sAge, sCity)
	out, err := p.Apply(context.Background(), s)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, c := range out.Columns() {
		v, _ := frame.Numeric(c)
		fmt.Printf("%s=%.3g ", c.Name(), v[0])
	}
	fmt.Println()
	// Output:
	// [age age__missing city__bergen city__oslo city__other]
	// age=0 age__missing=1 city__bergen=0 city__oslo=0 city__other=1
}
