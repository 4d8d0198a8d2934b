package catalog

import (
	"context"

	"github.com/mlcycle/mlcycle/internal/frameio"
	"github.com/mlcycle/mlcycle/ml/frame"
)

// Load reads the version named by ref into an in-memory frame for
// training: typed columns, categorical dictionaries, missing-value masks.
// columns selects and orders columns (nil: all). The catalog's logical
// types decide the column kinds (text → String, categorical →
// Categorical). The Parquet file is decoded in pure Go, in parallel over
// row groups and columns (internal/frameio).
func (s *Service) Load(ctx context.Context, ref string, columns []string) (Version, *frame.Frame, error) {
	v, p, err := s.resolve(ctx, ref)
	if err != nil {
		return v, nil, err
	}
	logical := make(map[string]string, len(v.Columns))
	for _, c := range v.Columns {
		logical[c.Name] = c.Type
	}
	f, err := frameio.Load(ctx, p, frameio.LoadOpts{Columns: columns, Logical: logical})
	return v, f, err
}
