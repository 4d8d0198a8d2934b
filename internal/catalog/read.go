package catalog

import (
	"context"
	"encoding/json"
	"time"

	"github.com/mlcycle/mlcycle/internal/dataengine"
)

// resolve returns the version named by ref and a local path of its data.
func (s *Service) resolve(ctx context.Context, ref string) (Version, string, error) {
	v, err := s.Get(ctx, ref)
	if err != nil {
		return Version{}, "", err
	}
	p, err := s.Path(ctx, v)
	return v, p, err
}

// Head returns the first n rows of the version named by ref.
func (s *Service) Head(ctx context.Context, ref string, n int) (Version, *dataengine.Table, error) {
	v, p, err := s.resolve(ctx, ref)
	if err != nil {
		return v, nil, err
	}
	t, err := s.engine.Head(ctx, p, n)
	return v, t, err
}

// Profile summarises each column of the version named by ref.
func (s *Service) Profile(ctx context.Context, ref string) (Version, []dataengine.ColumnProfile, error) {
	v, p, err := s.resolve(ctx, ref)
	if err != nil {
		return v, nil, err
	}
	prof, err := s.engine.Profile(ctx, p, v.Schema())
	return v, prof, err
}

// Export writes the version named by ref to the local file dst.
func (s *Service) Export(ctx context.Context, ref, dst, format string) (Version, error) {
	v, p, err := s.resolve(ctx, ref)
	if err != nil {
		return v, err
	}
	return v, s.engine.Export(ctx, p, dst, format)
}

// Node is one version in a lineage graph.
type Node struct {
	Dataset     string          `json:"dataset"`
	Version     int             `json:"version"`
	Kind        string          `json:"kind"`
	Source      string          `json:"source"`
	ContentHash string          `json:"content_hash"`
	Rows        int64           `json:"rows"`
	CreatedAt   time.Time       `json:"created_at"`
	Options     json.RawMessage `json:"options,omitempty"`
	// Role is how the child used this version ("input", "join"); empty
	// at the root.
	Role    string  `json:"role,omitempty"`
	Parents []*Node `json:"parents,omitempty"`
}

// Lineage returns the version named by ref with its ancestors, back to the
// ingested files.
func (s *Service) Lineage(ctx context.Context, ref string) (*Node, error) {
	v, err := s.Get(ctx, ref)
	if err != nil {
		return nil, err
	}
	return s.lineage(ctx, v, "", map[int64]bool{})
}

func (s *Service) lineage(ctx context.Context, v Version, role string, seen map[int64]bool) (*Node, error) {
	n := &Node{Dataset: v.Dataset, Version: v.Number(), Kind: v.Kind, Source: v.Source,
		ContentHash: v.ContentHash, Rows: v.Rows, CreatedAt: v.CreatedAt, Role: role}
	if len(v.Options) > 0 && string(v.Options) != "null" {
		n.Options = json.RawMessage(v.Options)
	}
	if seen[v.ID] { // lineage is a DAG; guard anyway
		return n, nil
	}
	seen[v.ID] = true
	for _, p := range v.Parents {
		pv, err := s.ByID(ctx, p.VersionID)
		if err != nil {
			return nil, err
		}
		pn, err := s.lineage(ctx, pv, p.Role, seen)
		if err != nil {
			return nil, err
		}
		n.Parents = append(n.Parents, pn)
	}
	return n, nil
}
