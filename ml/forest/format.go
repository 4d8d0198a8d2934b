package forest

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// FormatName identifies a serialized forest; FormatVersion is the version
// MarshalJSON writes ("MAJOR.MINOR"). See docs/format/forest.md.
const (
	FormatName    = "mlcycle.forest"
	FormatVersion = "1.0"
)

// ErrVersion marks a serialized model of another format or major version.
var ErrVersion = errors.New("unsupported forest format version")

type modelJSON struct {
	Format   string     `json:"format"`
	Version  string     `json:"version"`
	Task     string     `json:"task"`
	NumClass int        `json:"num_class,omitempty"`
	Features []Feature  `json:"features"`
	Trees    []treeJSON `json:"trees"`
}

type treeJSON struct {
	Feature     []int32   `json:"feature"`
	Threshold   []number  `json:"threshold"`
	MissingLeft []bool    `json:"missing_left"`
	Left        []int32   `json:"left"`
	Right       []int32   `json:"right"`
	Value       []float64 `json:"value"`
}

// number is a float64 that also encodes the infinities, as the strings
// "+Inf" and "-Inf" (a split that sends every present value left has the
// threshold +Inf).
type number float64

func (n number) MarshalJSON() ([]byte, error) {
	f := float64(n)
	switch {
	case math.IsInf(f, 1):
		return []byte(`"+Inf"`), nil
	case math.IsInf(f, -1):
		return []byte(`"-Inf"`), nil
	case math.IsNaN(f):
		return nil, fmt.Errorf("forest: a threshold is NaN")
	}
	return strconv.AppendFloat(nil, f, 'g', -1, 64), nil
}

func (n *number) UnmarshalJSON(b []byte) error {
	switch string(b) {
	case `"+Inf"`:
		*n = number(math.Inf(1))
		return nil
	case `"-Inf"`:
		*n = number(math.Inf(-1))
		return nil
	}
	f, err := strconv.ParseFloat(string(b), 64)
	if err != nil {
		return fmt.Errorf("forest: threshold %s is not a number", b)
	}
	*n = number(f)
	return nil
}

// MarshalJSON writes the model in the versioned format of
// docs/format/forest.md.
func (m *Model) MarshalJSON() ([]byte, error) {
	out := modelJSON{Format: FormatName, Version: FormatVersion, Task: m.Task, NumClass: m.NumClass, Features: m.Features,
		Trees: make([]treeJSON, len(m.Trees))}
	for i, t := range m.Trees {
		th := make([]number, len(t.Threshold))
		for j, v := range t.Threshold {
			th[j] = number(v)
		}
		out.Trees[i] = treeJSON{Feature: t.Feature, Threshold: th, MissingLeft: t.MissingLeft, Left: t.Left, Right: t.Right, Value: t.Value}
	}
	return json.Marshal(out)
}

// UnmarshalJSON reads a model written by MarshalJSON. It checks the
// format, the major version and the trees' structure (array lengths,
// feature indices, children that come after their parent), so that a
// damaged file fails here rather than in Predict.
func (m *Model) UnmarshalJSON(b []byte) error {
	var in modelJSON
	if err := json.Unmarshal(b, &in); err != nil {
		return fmt.Errorf("forest: read model: %w", err)
	}
	major, _, _ := strings.Cut(in.Version, ".")
	if in.Format != FormatName || major != "1" {
		return fmt.Errorf("forest: read model: format %q version %q, this reader reads %q major version 1: %w", in.Format, in.Version, FormatName, ErrVersion)
	}
	out := Model{Task: in.Task, NumClass: in.NumClass, Features: in.Features, Trees: make([]Tree, len(in.Trees))}
	switch {
	case in.Task == Classification && in.NumClass >= 2, in.Task == Regression && in.NumClass == 0:
	default:
		return fmt.Errorf("forest: read model: task %q with %d classes: %w", in.Task, in.NumClass, ErrInvalid)
	}
	w := out.Width()
	for i, t := range in.Trees {
		n := len(t.Feature)
		if n == 0 || len(t.Threshold) != n || len(t.MissingLeft) != n || len(t.Left) != n || len(t.Right) != n || len(t.Value) != n*w {
			return fmt.Errorf("forest: read model: tree %d: arrays of unequal length: %w", i, ErrInvalid)
		}
		for j := range n {
			f := t.Feature[j]
			if f < 0 {
				continue
			}
			if int(f) >= len(in.Features) || int(t.Left[j]) <= j || int(t.Right[j]) <= j || int(t.Left[j]) >= n || int(t.Right[j]) >= n {
				return fmt.Errorf("forest: read model: tree %d node %d: bad feature or children: %w", i, j, ErrInvalid)
			}
		}
		th := make([]float64, n)
		for j, v := range t.Threshold {
			th[j] = float64(v)
		}
		out.Trees[i] = Tree{Feature: t.Feature, Threshold: th, MissingLeft: t.MissingLeft, Left: t.Left, Right: t.Right, Value: t.Value}
	}
	*m = out
	return nil
}
