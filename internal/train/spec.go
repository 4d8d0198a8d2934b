package train

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"

	"gopkg.in/yaml.v3"

	"github.com/mlcycle/mlcycle/internal/fault"
	"github.com/mlcycle/mlcycle/ml/transform"
)

// ReadSpec reads a feature spec (docs/transform.md) from a YAML (or JSON)
// file. Unknown keys are errors with their line; the spec's content is
// checked against the data's schema when training starts.
func ReadSpec(path string) (*transform.Spec, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fault.Mark(fault.KindInvalid, fmt.Errorf("feature spec: %w", err))
	}
	return ParseSpec(path, b)
}

// ParseSpec parses a feature spec; name is used in error messages.
func ParseSpec(name string, b []byte) (*transform.Spec, error) {
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	var s transform.Spec
	if err := dec.Decode(&s); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, fault.Invalid("feature spec %s: the file is empty", name)
		}
		return nil, fault.Invalid("feature spec %s: %v", name, err)
	}
	return &s, nil
}
