package transform

import (
	"context"
	"slices"
	"testing"

	"github.com/mlcycle/mlcycle/ml/frame"
)

// TestOneHotCategoryNamedOther checks that a category literally named
// "other" keeps its own column beside the bucket of the rest.
func TestOneHotCategoryNamedOther(t *testing.T) {
	vals := []string{"rent", "owner", "other", "other", "parents", "rent", "owner", "rent"}
	c, err := frame.NewCategoricalFromStrings("home", vals, nil)
	if err != nil {
		t.Fatal(err)
	}
	x, _ := frame.New(c)
	spec := Spec{Columns: map[string][]Step{"home": {{OneHot: &OneHot{MaxCategories: 4}}}}}
	p, out, err := Fit(context.Background(), spec, x, nil, Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"home__other", "home__owner", "home__rent", "home__other_"}
	if got := p.Outputs(); !slices.Equal(got, want) {
		t.Fatalf("outputs %q, want %q", got, want)
	}
	other, _ := frame.ColumnAs[*frame.FloatColumn](out, "home__other")
	bucket, _ := frame.ColumnAs[*frame.FloatColumn](out, "home__other_")
	if !slices.Equal(other.Values(), []float64{0, 0, 1, 1, 0, 0, 0, 0}) || !slices.Equal(bucket.Values(), []float64{0, 0, 0, 0, 1, 0, 0, 0}) {
		t.Errorf("home__other %v, bucket %v", other.Values(), bucket.Values())
	}
	b, err := p.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	var q Pipeline
	if err := q.UnmarshalJSON(b); err != nil {
		t.Fatalf("reload: %v", err)
	}
}
