package catalog_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/mlcycle/mlcycle/internal/catalog"
	"github.com/mlcycle/mlcycle/internal/catalog/catalogtest"
)

// TestSharedDatasets ingests every dataset of ../shared/datasets and checks
// rows, columns, missing cells (the shared README's figures) and the types
// of the columns that matter.
func TestSharedDatasets(t *testing.T) {
	t.Parallel()
	dir := catalogtest.SharedDatasets(t)
	a := catalogtest.New(t)
	ctx := context.Background()
	tests := []struct {
		file          string
		rows, cols    int
		missing       int64
		types         map[string]string
		distinct      map[string]int64
		missingByName map[string]int64
	}{
		{"mlc_churn.csv", 5000, 20, 0,
			map[string]string{"churn": "categorical", "state": "categorical", "account_length": "integer", "total_day_minutes": "float", "international_plan": "categorical"},
			map[string]int64{"churn": 2, "state": 51, "area_code": 3}, nil},
		{"credit_data.csv", 4454, 14, 455,
			map[string]string{"status": "categorical", "income": "integer", "home": "categorical", "records": "categorical", "age": "integer"},
			map[string]int64{"status": 2, "home": 6},
			map[string]int64{"income": 381, "assets": 47, "debt": 18, "home": 6, "job": 2, "marital": 1}},
		{"ames.csv", 2930, 74, 0,
			map[string]string{"sale_price": "integer", "neighborhood": "categorical", "year_sold": "integer", "longitude": "float"},
			nil, nil},
		{"pima_indians_diabetes2.csv", 768, 9, 652,
			map[string]string{"diabetes": "categorical", "glucose": "integer", "mass": "float"},
			map[string]int64{"diabetes": 2}, nil},
		{"spam.csv", 4601, 58, 0,
			map[string]string{"type": "categorical", "make": "float", "capital_total": "integer"},
			map[string]int64{"type": 2}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			name := catalog.DefaultName(tc.file)
			res, err := a.Catalog.Add(ctx, filepath.Join(dir, tc.file), catalog.AddOpts{Name: name})
			if err != nil {
				t.Fatal(err)
			}
			if res.Rows != int64(tc.rows) || len(res.Columns) != tc.cols {
				t.Errorf("%s is %d × %d, want %d × %d", tc.file, res.Rows, len(res.Columns), tc.rows, tc.cols)
			}
			types := map[string]string{}
			for _, c := range res.Columns {
				types[c.Name] = c.Type
			}
			for col, want := range tc.types {
				if types[col] != want {
					t.Errorf("type of %s = %q, want %q", col, types[col], want)
				}
			}
			_, prof, err := a.Catalog.Profile(ctx, name)
			if err != nil {
				t.Fatal(err)
			}
			var missing int64
			for _, p := range prof {
				missing += p.Missing
				if want, ok := tc.distinct[p.Name]; ok && p.Distinct != want {
					t.Errorf("distinct %s = %d, want %d", p.Name, p.Distinct, want)
				}
				if want, ok := tc.missingByName[p.Name]; ok && p.Missing != want {
					t.Errorf("missing %s = %d, want %d", p.Name, p.Missing, want)
				}
			}
			if missing != tc.missing {
				t.Errorf("missing cells = %d, want %d", missing, tc.missing)
			}
		})
	}
}
