package frame_test

import (
	"fmt"
	"math"

	"github.com/mlcycle/mlcycle/ml/frame"
)

func Example() {
	age, _ := frame.NewFloat("age", []float64{31, math.NaN(), 45}, nil)
	city, _ := frame.NewCategoricalFromStrings("city",
		[]string{"Oslo", "", "Bergen"}, frame.MaskOf([]bool{false, true, false}))
	f, err := frame.New(age, city)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(f.Len(), f.Names())
	fmt.Println(city.Dict(), city.Codes(), city.NullCount())

	train, _ := f.Take([]int{2, 0})
	a, _ := frame.ColumnAs[*frame.FloatColumn](train, "age")
	fmt.Println(a.Values(), a.NullCount())
	// Output:
	// 3 [age city]
	// [Bergen Oslo] [1 0 0] 1
	// [45 31] 0
}
