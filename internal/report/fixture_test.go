package report

import (
	"math"

	"github.com/mlcycle/mlcycle/internal/eda"
)

// nasty is a column name that breaks HTML and SVG unless escaped.
const nasty = `a<b&"c"`

func f(v float64) *float64 { return &v }

// quantiles builds the seven quantiles the profile lists.
func quantiles(v ...float64) []eda.Quantile {
	ps := []float64{0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99}
	out := make([]eda.Quantile, len(v))
	for i := range v {
		out[i] = eda.Quantile{P: ps[i], Value: v[i]}
	}
	return out
}

// edges returns n+1 equal-width edges over [lo, hi].
func edges(lo, hi float64, n int) []float64 {
	out := make([]float64, n+1)
	for i := range out {
		out[i] = lo + (hi-lo)*float64(i)/float64(n)
	}
	return out
}

// churnProfile is a hand-made profile of a 10,000-row churn dataset with
// numeric, categorical, text, date and boolean columns, a binary target,
// a NaN in a correlation matrix and a column name that needs escaping.
func churnProfile() *eda.Profile {
	cols := []eda.Column{
		{
			Name: "customer_id", Type: "integer", Count: 10000, Distinct: 10000,
			Min: f(1), Max: f(10000), Mean: f(5000.5), Std: f(2886.8957), Skewness: f(0), Kurtosis: f(-1.2),
			Quantiles: quantiles(100.99, 500.95, 2500.75, 5000.5, 7500.25, 9500.05, 9900.01),
			Histogram: &eda.Histogram{Edges: edges(1, 10000, 10), Counts: []int64{1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000}},
		},
		{
			Name: "age", Type: "float", Count: 9800, Missing: 200, MissingPct: 2, Distinct: 62,
			Min: f(18), Max: f(79), Mean: f(41.372), Std: f(12.904), Skewness: f(0.412), Kurtosis: f(-0.371),
			Quantiles: quantiles(18, 22, 31.5, 40, 50, 65, 74), Outliers: 0,
			Histogram: &eda.Histogram{Edges: edges(18, 79, 20), Counts: []int64{
				212, 398, 611, 802, 955, 1010, 988, 917, 830, 721, 603, 488, 377, 281, 198, 139, 95, 62, 60, 53}},
		},
		{
			Name: "income", Type: "float", Count: 9588, Missing: 412, MissingPct: 4.12, Distinct: 9011,
			Min: f(0), Max: f(1.25e6), Mean: f(58231.42), Std: f(61234.93), Skewness: f(7.81), Kurtosis: f(112.34),
			Quantiles: quantiles(0, 9120, 27800, 46250.5, 71020, 142000, 298000), Zeros: 96, Outliers: 37,
			Histogram: &eda.Histogram{Edges: edges(0, 1.25e6, 20), Counts: []int64{
				6120, 2410, 640, 210, 96, 44, 25, 14, 9, 6, 4, 3, 2, 1, 1, 0, 0, 1, 0, 2}},
		},
		{
			Name: "plan", Type: "categorical", Count: 10000, Distinct: 4, MinText: "basic", MaxText: "standard",
			Top: []eda.Count{{Value: "basic", Count: 5120}, {Value: "standard", Count: 3011}, {Value: "premium", Count: 1525}, {Value: "enterprise", Count: 344}},
		},
		{
			Name: nasty, Type: "text", Count: 9800, Missing: 200, MissingPct: 2, Distinct: 14,
			MinText: `"quoted"`, MaxText: "zebra",
			Top: []eda.Count{
				{Value: "<script>alert(1)</script>", Count: 2100},
				{Value: "x & y", Count: 1800},
				{Value: `"quoted"`, Count: 1500},
				{Value: "it's", Count: 1200},
				{Value: "a very long category value that keeps going well past any label width", Count: 900},
				{Value: "café", Count: 700},
				{Value: "δ-delta", Count: 500},
				{Value: "O'Brien", Count: 400},
				{Value: "zebra", Count: 300},
				{Value: "two\nlines", Count: 200},
			},
		},
		{
			Name: "signup", Type: "date", Count: 10000, Distinct: 2150,
			Min: f(1546473600), Max: f(1735516800), MinText: "2019-01-03", MaxText: "2024-12-30",
		},
		{
			Name: "tenure_months", Type: "integer", Count: 10000, Distinct: 72,
			Min: f(0), Max: f(71), Mean: f(24.51), Std: f(18.02), Skewness: f(0.73), Kurtosis: f(-0.41),
			Quantiles: quantiles(0, 1, 9, 21, 37, 60, 69), Zeros: 310,
			Histogram: &eda.Histogram{Edges: edges(0, 71, 12), Counts: []int64{1820, 1540, 1310, 1120, 950, 820, 700, 580, 440, 330, 230, 160}},
		},
		{
			Name: "churned", Type: "boolean", Count: 10000, Distinct: 2, Zeros: 7300,
			Top: []eda.Count{{Value: "false", Count: 7300}, {Value: "true", Count: 2700}},
		},
	}
	names := make([]string, len(cols))
	for i, c := range cols {
		names[i] = c.Name
	}
	// Missing values sit in age, income and the text column, with a burst
	// in income's blocks 6 to 8.
	frac := make([][]float64, len(cols))
	for i := range frac {
		frac[i] = make([]float64, 20)
	}
	for b := range 20 {
		frac[1][b] = float64(5+(b*7)%11) / 500
		frac[2][b] = float64(3+(b*5)%7) / 500
		frac[4][b] = 0.02
	}
	frac[2][6], frac[2][7], frac[2][8] = 0.31, 0.24, 0.12

	num := []string{"customer_id", "age", "income", "tenure_months"}
	cat := []string{"plan", nasty, "churned"}
	nan := math.NaN()
	return &eda.Profile{
		Dataset: "churn", Version: 3, Rows: 10000, NumColumns: len(cols), DuplicateRows: 12,
		MemoryBytes: 1234567, MissingCells: 812,
		Columns: cols,
		Missing: eda.MissingMatrix{Columns: names, BlockRows: 500, Fraction: frac},
		Correlations: eda.Correlations{
			Pearson: &eda.Matrix{Rows: num, Cols: num, Values: [][]float64{
				{1, 0.012, -0.004, 0.021},
				{0.012, 1, 0.387, 0.452},
				{-0.004, 0.387, 1, 0.118},
				{0.021, 0.452, 0.118, 1},
			}},
			Spearman: &eda.Matrix{Rows: num, Cols: num, Values: [][]float64{
				{1, 0.011, -0.006, nan},
				{0.011, 1, 0.512, 0.47},
				{-0.006, 0.512, 1, -0.231},
				{nan, 0.47, -0.231, 1},
			}},
			CramersV: &eda.Matrix{Rows: cat, Cols: cat, Values: [][]float64{
				{1, 0.08, 0.29},
				{0.08, 1, 0.05},
				{0.29, 0.05, 1},
			}},
			CorrelationRatio: &eda.Matrix{Rows: num, Cols: cat, Values: [][]float64{
				{0.01, 0.02, 0.01},
				{0.22, 0.04, 0.18},
				{0.61, 0.03, 0.09},
				{0.35, 0.02, 0.71},
			}},
		},
		Target: &eda.Target{
			Column: "churned", Task: "binary",
			Classes: []eda.Count{{Value: "false", Count: 7300}, {Value: "true", Count: 2700}},
			Relations: []eda.Relation{
				{Feature: "customer_id", PowerMetric: "roc_auc", Power: f(0.503),
					Bins:  decileBins([]string{"1", "1000", "2000", "3000", "4000", "5000", "6000", "7000", "8000", "9000", "1e+04"}, 1000, []float64{0.27, 0.26, 0.28, 0.27, 0.27, 0.26, 0.28, 0.27, 0.27, 0.27}),
					Boxes: []eda.Box{box("false", 7300, 1, 2510, 5003, 7488, 10000, 1, 10000), box("true", 2700, 3, 2490, 4990, 7510, 9999, 3, 9999)}},
				{Feature: "age", PowerMetric: "roc_auc", Power: f(0.612),
					Bins: append(decileBins([]string{"18", "23", "28", "32", "36", "40", "44", "48", "53", "60", "79"}, 980, []float64{0.41, 0.36, 0.31, 0.28, 0.26, 0.24, 0.22, 0.21, 0.22, 0.19}),
						eda.BinRate{Label: "(missing)", Count: 200, Rate: 0.35}),
					Boxes: []eda.Box{box("false", 7154, 18, 33, 42, 51, 79, 18, 78), box("true", 2646, 18, 26, 35, 46, 79, 18, 76)}},
				{Feature: "income", PowerMetric: "roc_auc", Power: f(0.581),
					Bins: append(decileBins([]string{"0", "8410", "1.6e+04", "2.5e+04", "3.4e+04", "4.6e+04", "5.6e+04", "6.9e+04", "8.6e+04", "1.2e+05", "1.25e+06"}, 959, []float64{0.33, 0.31, 0.3, 0.28, 0.27, 0.26, 0.25, 0.24, 0.24, 0.22}),
						eda.BinRate{Label: "(missing)", Count: 412, Rate: 0.29}),
					Boxes: []eda.Box{box("false", 7012, 0, 29800, 48100, 73900, 1.25e6, 0, 140000), box("true", 2576, 0, 23100, 40900, 64200, 890000, 0, 125000)}},
				{Feature: "plan", PowerMetric: "roc_auc", Power: f(0.664),
					Bins: []eda.BinRate{{Label: "basic", Count: 5120, Rate: 0.34}, {Label: "standard", Count: 3011, Rate: 0.22}, {Label: "premium", Count: 1525, Rate: 0.15}, {Label: "enterprise", Count: 344, Rate: 0.08}}},
				{Feature: nasty, PowerMetric: "roc_auc",
					Bins: []eda.BinRate{{Label: "<script>alert(1)</script>", Count: 2100, Rate: 0.27}, {Label: "x & y", Count: 1800, Rate: 0.28}, {Label: `"quoted"`, Count: 1500, Rate: 0.26}, {Label: "(other)", Count: 4400, Rate: 0.27}, {Label: "(missing)", Count: 200, Rate: 0.3}}},
				{Feature: "signup", PowerMetric: "roc_auc", Power: f(0.547),
					Bins: decileBins([]string{"1.547e+09", "1.565e+09", "1.584e+09", "1.603e+09", "1.622e+09", "1.641e+09", "1.66e+09", "1.679e+09", "1.698e+09", "1.717e+09", "1.736e+09"}, 1000, []float64{0.22, 0.23, 0.24, 0.25, 0.26, 0.27, 0.29, 0.3, 0.31, 0.33})},
				{Feature: "tenure_months", PowerMetric: "roc_auc", Power: f(0.968),
					Bins:  decileBins([]string{"0", "1", "4", "8", "13", "19", "26", "34", "44", "56", "71"}, 1000, []float64{0.81, 0.64, 0.44, 0.31, 0.2, 0.13, 0.08, 0.05, 0.02, 0.01}),
					Boxes: []eda.Box{box("false", 7300, 0, 15, 29, 47, 71, 0, 71), box("true", 2700, 0, 1, 4, 11, 70, 0, 26)}},
			},
		},
		Warnings: []eda.Warning{
			{Kind: eda.WarnIDLike, Column: "customer_id", Message: "customer_id has a different value in every row: an identifier, not a feature"},
			{Kind: eda.WarnSkewed, Column: "income", Message: "income is heavily skewed (skewness 7.81)"},
			{Kind: eda.WarnOutliers, Column: "income", Message: "income has 37 values beyond median ± 5 robust std"},
			{Kind: eda.WarnDuplicates, Message: "12 rows duplicate an earlier row"},
			{Kind: eda.WarnLeakage, Column: "tenure_months", Message: "tenure_months alone predicts churned with roc_auc 0.968: check it is known at prediction time"},
		},
	}
}

// decileBins makes the bins "[e0, e1]", "(e1, e2]", ... with n rows each.
func decileBins(e []string, n int64, rates []float64) []eda.BinRate {
	out := make([]eda.BinRate, len(rates))
	for i, r := range rates {
		open := "("
		if i == 0 {
			open = "["
		}
		out[i] = eda.BinRate{Label: open + e[i] + ", " + e[i+1] + "]", Count: n, Rate: r}
	}
	return out
}

func box(class string, n int64, lo, q1, med, q3, hi, wlo, whi float64) eda.Box {
	return eda.Box{Class: class, Count: n, Min: lo, Q1: q1, Median: med, Q3: q3, Max: hi, WhiskerLo: wlo, WhiskerHi: whi}
}

// wantCharts counts the charts the report of p must hold: a histogram per
// column with one, a bar chart per column with top values, the missing
// matrix, a heatmap per correlation matrix, the class balance, and per
// relation a rate chart and a box plot when it has bins and boxes.
func wantCharts(p *eda.Profile) int {
	n := 0
	for _, c := range p.Columns {
		if c.Histogram != nil && len(c.Histogram.Counts) > 0 {
			n++
		}
		if len(c.Top) > 0 {
			n++
		}
	}
	if len(p.Missing.Columns) > 0 && len(p.Missing.Fraction[0]) > 0 {
		n++
	}
	for _, m := range []*eda.Matrix{p.Correlations.Pearson, p.Correlations.Spearman, p.Correlations.CramersV, p.Correlations.CorrelationRatio} {
		if m != nil {
			n++
		}
	}
	if t := p.Target; t != nil {
		if len(t.Classes) > 0 {
			n++
		}
		for _, r := range t.Relations {
			if len(r.Bins) > 0 {
				n++
			}
			if len(r.Boxes) > 0 {
				n++
			}
		}
	}
	return n
}
