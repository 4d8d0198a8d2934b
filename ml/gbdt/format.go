package gbdt

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// FormatName and FormatVersion identify the model document; see
// docs/format/gbdt.md. Readers accept every minor version of their major
// version.
const (
	FormatName    = "mlcycle.gbdt"
	FormatVersion = "1.0"
)

// ErrVersion is wrapped by Unmarshal's error for a document of another
// major version or another format.
var ErrVersion = errors.New("unsupported model format version")

type docTree struct {
	Left        []int32   `json:"left"`
	Feature     []uint16  `json:"feature"`
	Value       []float64 `json:"value"`
	DefaultLeft []bool    `json:"default_left"`
	Gain        []float64 `json:"gain"`
	CatNodes    []int32   `json:"cat_nodes,omitempty"`
	CatSets     [][]int   `json:"cat_sets,omitempty"`
}

type doc struct {
	Format    string    `json:"format"`
	Version   string    `json:"version"`
	Params    Params    `json:"params"`
	NumClass  int       `json:"num_class"`
	BaseScore []float64 `json:"base_score"`
	Features  []Feature `json:"features"`
	Trees     []docTree `json:"trees"`
}

// MarshalJSON encodes the model as the document of docs/format/gbdt.md.
func (m *Model) MarshalJSON() ([]byte, error) {
	d := doc{Format: FormatName, Version: FormatVersion, Params: m.params, NumClass: m.k, BaseScore: m.baseScore, Features: m.features}
	d.Trees = make([]docTree, len(m.trees))
	for t := range m.trees {
		tr := &m.trees[t]
		n := len(tr.nodes)
		dt := docTree{Left: make([]int32, n), Feature: make([]uint16, n), Value: make([]float64, n), DefaultLeft: make([]bool, n), Gain: make([]float64, n)}
		for i, nd := range tr.nodes {
			dt.Left[i], dt.Feature[i], dt.Value[i], dt.DefaultLeft[i], dt.Gain[i] = nd.left, nd.feat, float64(nd.value), nd.defl, float64(tr.gain[i])
			if nd.cat >= 0 {
				var set []int
				for c := range 256 {
					if m.cats[int(nd.cat)+c>>6]>>(c&63)&1 != 0 {
						set = append(set, c)
					}
				}
				dt.CatNodes = append(dt.CatNodes, int32(i))
				dt.CatSets = append(dt.CatSets, set)
			}
		}
		d.Trees[t] = dt
	}
	return json.Marshal(d)
}

// UnmarshalJSON decodes a document of docs/format/gbdt.md, checking that
// every tree is well formed.
func (m *Model) UnmarshalJSON(data []byte) error {
	var head struct {
		Format  string `json:"format"`
		Version string `json:"version"`
	}
	if err := json.Unmarshal(data, &head); err != nil {
		return fmt.Errorf("gbdt: read model: %w", err)
	}
	if head.Format != FormatName {
		return fmt.Errorf("gbdt: read model: format %q, want %q: %w", head.Format, FormatName, ErrVersion)
	}
	major, _, _ := strings.Cut(head.Version, ".")
	if v, err := strconv.Atoi(major); err != nil || v != 1 {
		return fmt.Errorf("gbdt: read model: version %q, this reader reads major version 1: %w", head.Version, ErrVersion)
	}
	var d doc
	if err := json.Unmarshal(data, &d); err != nil {
		return fmt.Errorf("gbdt: read model: %w", err)
	}
	bad := func(format string, args ...any) error {
		return fmt.Errorf("gbdt: read model: %s: %w", fmt.Sprintf(format, args...), ErrInvalid)
	}
	if err := d.Params.Validate(); err != nil {
		return fmt.Errorf("gbdt: read model: %w", err)
	}
	k := 1
	if d.Params.Objective == MultiSoftmax || d.Params.Objective == MultiSoftprob {
		k = d.Params.NumClass
	}
	if d.NumClass != k || len(d.BaseScore) != k {
		return bad("num_class %d and %d base scores, want %d", d.NumClass, len(d.BaseScore), k)
	}
	if len(d.Trees)%k != 0 {
		return bad("%d trees, want a multiple of num_class %d", len(d.Trees), k)
	}
	if len(d.Features) == 0 {
		return bad("no features")
	}
	out := Model{params: d.Params, features: d.Features, k: k, baseScore: d.BaseScore, trees: make([]tree, len(d.Trees))}
	for t, dt := range d.Trees {
		n := len(dt.Left)
		if n == 0 || len(dt.Feature) != n || len(dt.Value) != n || len(dt.DefaultLeft) != n || len(dt.Gain) != n || len(dt.CatNodes) != len(dt.CatSets) {
			return bad("tree %d: arrays of different lengths or no nodes", t)
		}
		tr := tree{nodes: make([]node, n), gain: make([]float32, n)}
		for i := range n {
			l := dt.Left[i]
			if l >= 0 && (int(l) <= i || int(l)+1 >= n) {
				return bad("tree %d: node %d has children %d, want after it and below %d", t, i, l, n)
			}
			if l < -1 {
				return bad("tree %d: node %d has left %d", t, i, l)
			}
			if l >= 0 && int(dt.Feature[i]) >= len(d.Features) {
				return bad("tree %d: node %d splits feature %d of %d", t, i, dt.Feature[i], len(d.Features))
			}
			v := dt.Value[i]
			if math.IsNaN(v) || math.Abs(v) > math.MaxFloat32 && !math.IsInf(v, 0) {
				return bad("tree %d: node %d has value %v", t, i, v)
			}
			tr.nodes[i] = node{value: float32(v), left: l, cat: -1, feat: dt.Feature[i], defl: dt.DefaultLeft[i]}
			tr.gain[i] = float32(dt.Gain[i])
		}
		for j, i := range dt.CatNodes {
			if i < 0 || int(i) >= n || tr.nodes[i].left < 0 || tr.nodes[i].cat >= 0 {
				return bad("tree %d: categorical node %d is not a split or repeated", t, i)
			}
			var set [4]uint64
			for _, c := range dt.CatSets[j] {
				if c < 0 || c > 255 {
					return bad("tree %d: node %d has category %d, want 0 to 255", t, i, c)
				}
				set[c>>6] |= 1 << (c & 63)
			}
			tr.nodes[i].cat = int32(len(out.cats))
			out.cats = append(out.cats, set[:]...)
		}
		out.trees[t] = tr
	}
	*m = out
	return nil
}
