package eda

import (
	"context"

	"github.com/mlcycle/mlcycle/internal/fault"
	"github.com/mlcycle/mlcycle/ml/frame"
	"github.com/mlcycle/mlcycle/ml/stats"
)

// correlations computes the association matrices. Numeric columns
// (integer, float) enter Pearson and Spearman as pandas' DataFrame.corr
// would; categorical and boolean columns with 2..MaxCorrLevels levels enter
// Cramér's V and the correlation ratio.
func correlations(ctx context.Context, cols []frame.Column, prof []Column) (Correlations, error) {
	var out Correlations
	var numNames, catNames []string
	var num [][]float64
	var cats []stats.Categorical
	for k, c := range cols {
		switch c := c.(type) {
		case *frame.FloatColumn:
			numNames = append(numNames, c.Name())
			num = append(num, c.Values())
		case *frame.CategoricalColumn:
			if d := prof[k].Distinct; d >= 2 && d <= MaxCorrLevels {
				catNames = append(catNames, c.Name())
				cats = append(cats, stats.CategoricalOf(c))
			}
		case *frame.BoolColumn:
			if prof[k].Distinct == 2 {
				codes := make([]uint32, c.Len())
				for i, v := range c.Values() {
					if v {
						codes[i] = 1
					}
				}
				catNames = append(catNames, c.Name())
				cats = append(cats, stats.Categorical{Codes: codes, Missing: c.Mask()})
			}
		}
	}
	if len(num) >= 2 {
		out.Pearson = &Matrix{Rows: numNames, Cols: numNames, Values: stats.Pearson(num)}
		if err := ctx.Err(); err != nil {
			return out, fault.Canceled(err)
		}
		out.Spearman = &Matrix{Rows: numNames, Cols: numNames, Values: stats.Spearman(num)}
	}
	if len(cats) >= 2 {
		m := square(len(cats))
		err := parallel(ctx, len(cats), func(i int) {
			m[i][i] = stats.CramersV(cats[i], cats[i])
			for j := i + 1; j < len(cats); j++ {
				m[i][j] = stats.CramersV(cats[i], cats[j])
			}
		})
		if err != nil {
			return out, err
		}
		for i := range m {
			for j := 0; j < i; j++ {
				m[i][j] = m[j][i]
			}
		}
		out.CramersV = &Matrix{Rows: catNames, Cols: catNames, Values: m}
	}
	if len(num) >= 1 && len(cats) >= 1 {
		m := make([][]float64, len(num))
		err := parallel(ctx, len(num), func(i int) {
			m[i] = make([]float64, len(cats))
			for j := range cats {
				m[i][j] = stats.CorrelationRatio(num[i], cats[j])
			}
		})
		if err != nil {
			return out, err
		}
		out.CorrelationRatio = &Matrix{Rows: numNames, Cols: catNames, Values: m}
	}
	return out, nil
}

func square(n int) [][]float64 {
	m := make([][]float64, n)
	for i := range m {
		m[i] = make([]float64, n)
	}
	return m
}
