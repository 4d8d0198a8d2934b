// Package eda profiles a dataset version for exploratory data analysis:
// per-column statistics, correlations, relations to a target, and
// warnings. The numbers follow pandas' definitions (sample std with
// ddof=1, linear-interpolation quantiles, pandas' Pearson and Spearman);
// the arithmetic lives in ml/stats. internal/report renders a Profile as a
// self-contained HTML page; `mlcycle eda --json` prints it.
package eda

// Profile is the result of profiling one dataset version. Float fields that
// have no value (a statistic of an empty column, a correlation of a
// constant one) are nil pointers or, inside matrices, NaN written as JSON
// null.
type Profile struct {
	Dataset string `json:"dataset"`
	Version int    `json:"version"`
	Rows    int64  `json:"rows"`
	// NumColumns counts the dataset's columns.
	NumColumns    int   `json:"num_columns"`
	DuplicateRows int64 `json:"duplicate_rows"`
	// MemoryBytes is the in-memory size of the loaded table.
	MemoryBytes int64 `json:"memory_bytes"`
	// MissingCells counts missing values over all columns.
	MissingCells int64 `json:"missing_cells"`

	Columns []Column `json:"columns"`
	// Missing is the missing-value matrix chart's data.
	Missing MissingMatrix `json:"missing_matrix"`
	// Correlations between columns; nil matrices when fewer than two
	// columns of the kind exist.
	Correlations Correlations `json:"correlations"`
	// Target is set when profiling with a target column.
	Target *Target `json:"target,omitempty"`
	// Warnings, in column order, then dataset-wide ones.
	Warnings []Warning `json:"warnings"`
}

// Column is one column's profile.
type Column struct {
	Name string `json:"name"`
	// Type is the catalog's logical type.
	Type       string  `json:"type"`
	Count      int64   `json:"count"`   // non-missing values
	Missing    int64   `json:"missing"` // missing values
	MissingPct float64 `json:"missing_pct"`
	Distinct   int64   `json:"distinct"` // distinct non-missing values
	// Numeric statistics (integer, float; min/max also for dates and
	// timestamps as Unix seconds), nil when not applicable or empty.
	Min      *float64 `json:"min,omitempty"`
	Max      *float64 `json:"max,omitempty"`
	Mean     *float64 `json:"mean,omitempty"`
	Std      *float64 `json:"std,omitempty"`      // sample std, ddof=1
	Skewness *float64 `json:"skewness,omitempty"` // pandas' skew (adjusted Fisher-Pearson)
	Kurtosis *float64 `json:"kurtosis,omitempty"` // pandas' kurt (excess, unbiased)
	// Quantiles at 1, 5, 25, 50, 75, 95, 99 %, linear interpolation.
	Quantiles []Quantile `json:"quantiles,omitempty"`
	Zeros     int64      `json:"zeros"`
	// Outliers counts values beyond median ± 5 × robust std (numeric).
	Outliers int64 `json:"outliers"`
	// MinText and MaxText are the smallest and largest values of text,
	// categorical, date and timestamp columns, as text.
	MinText string `json:"min_text,omitempty"`
	MaxText string `json:"max_text,omitempty"`
	// Top holds the most frequent values with their counts (categorical,
	// boolean, text), most frequent first, ties by value.
	Top []Count `json:"top,omitempty"`
	// Histogram of numeric columns (50 equal-width bins over [min, max],
	// as numpy.histogram), nil otherwise.
	Histogram *Histogram `json:"histogram,omitempty"`
}

// Quantile is one quantile: P in [0, 1] and its value.
type Quantile struct {
	P     float64 `json:"p"`
	Value float64 `json:"value"`
}

// Count is a value and how often it occurs.
type Count struct {
	Value string `json:"value"`
	Count int64  `json:"count"`
}

// Histogram has len(Edges) == len(Counts)+1; the last bin includes its
// right edge.
type Histogram struct {
	Edges  []float64 `json:"edges"`
	Counts []int64   `json:"counts"`
}

// MissingMatrix summarises where values are missing: the rows are cut into
// len(Fraction[0]) consecutive blocks, and Fraction[c][b] is the share of
// missing values of column c in block b.
type MissingMatrix struct {
	Columns   []string    `json:"columns"`
	BlockRows int64       `json:"block_rows"`
	Fraction  [][]float64 `json:"fraction"`
}

// Matrix is a labelled matrix of correlation-like values; NaN (JSON null)
// where undefined.
type Matrix struct {
	Rows   []string    `json:"rows"`
	Cols   []string    `json:"cols"`
	Values [][]float64 `json:"values"`
}

// Correlations holds the association matrices.
type Correlations struct {
	// Pearson and Spearman: numeric × numeric (pairwise complete rows).
	Pearson  *Matrix `json:"pearson,omitempty"`
	Spearman *Matrix `json:"spearman,omitempty"`
	// CramersV: categorical × categorical.
	CramersV *Matrix `json:"cramers_v,omitempty"`
	// CorrelationRatio: numeric rows × categorical columns (eta).
	CorrelationRatio *Matrix `json:"correlation_ratio,omitempty"`
}

// Target describes the target column and each feature's relation to it.
type Target struct {
	Column string `json:"column"`
	// Task is binary, multiclass or regression.
	Task string `json:"task"`
	// Classes is the class balance (classification), most frequent first.
	Classes []Count `json:"classes,omitempty"`
	// Relations, one per feature column, in column order.
	Relations []Relation `json:"relations"`
}

// Relation is one feature's relation to the target.
type Relation struct {
	Feature string `json:"feature"`
	// Bins: per bin (numeric feature, up to 10 quantile bins) or category
	// (top categories, the rest as "(other)", missing as "(missing)"):
	// the row count and the target rate (binary: share of the positive
	// class; regression: mean target; multiclass: share of the majority
	// class).
	Bins []BinRate `json:"bins"`
	// Boxes: for a numeric feature and a classification target, the
	// feature's distribution per class.
	Boxes []Box `json:"boxes,omitempty"`
	// Power is the held-out score of a one-feature model (ROC-AUC for
	// classification, one-vs-rest macro for multiclass; R² for regression),
	// under PowerMetric.
	Power       *float64 `json:"power,omitempty"`
	PowerMetric string   `json:"power_metric"`
}

// BinRate is one bin of a relation.
type BinRate struct {
	Label string  `json:"label"`
	Count int64   `json:"count"`
	Rate  float64 `json:"rate"`
}

// Box is a box plot's five numbers and whiskers (1.5 × IQR, clipped to the
// data), per class.
type Box struct {
	Class     string  `json:"class"`
	Count     int64   `json:"count"`
	Min       float64 `json:"min"`
	Q1        float64 `json:"q1"`
	Median    float64 `json:"median"`
	Q3        float64 `json:"q3"`
	Max       float64 `json:"max"`
	WhiskerLo float64 `json:"whisker_lo"`
	WhiskerHi float64 `json:"whisker_hi"`
}

// Warning kinds.
const (
	WarnConstant       = "constant"
	WarnIDLike         = "id_like"
	WarnHighCardinal   = "high_cardinality"
	WarnMostlyMissing  = "mostly_missing"
	WarnSkewed         = "skewed"
	WarnOutliers       = "outliers"
	WarnDuplicates     = "duplicate_rows"
	WarnLeakage        = "possible_leakage"
	WarnClassImbalance = "class_imbalance"
)

// Warning is one finding worth a look.
type Warning struct {
	Kind    string `json:"kind"`
	Column  string `json:"column,omitempty"`
	Message string `json:"message"`
}
