package predict

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"time"
)

// Format identifies a model package; FormatVersion is the version this
// code writes. Readers accept every version up to FormatVersion and reject
// newer ones with ErrVersion.
const (
	Format        = "mlcycle.model"
	FormatVersion = 1
	// Extension is the file name extension of model packages.
	Extension = ".mlmodel"
)

// Tasks.
const (
	TaskBinary     = "binary"
	TaskMulticlass = "multiclass"
	TaskRegression = "regression"
)

// Algorithms.
const (
	AlgoGBDT     = "gbdt"
	AlgoLinear   = "linear"
	AlgoForest   = "forest"
	AlgoBaseline = "baseline"
)

// Errors.
var (
	// ErrFormat marks a file that is not a model package or is damaged.
	ErrFormat = errors.New("not a valid model package")
	// ErrVersion marks a package written by a newer mlcycle.
	ErrVersion = errors.New("unsupported model package version")
	// ErrInput marks rows the model cannot score: a missing required
	// column, a column of the wrong type.
	ErrInput = errors.New("invalid prediction input")
)

// Field is one input column of the model's schema.
type Field struct {
	Name string `json:"name"`
	// Logical is the catalog's logical type: integer, float, boolean,
	// categorical, text, date or timestamp.
	Logical string `json:"logical"`
	// Categories lists the training categories of a categorical column.
	Categories []string `json:"categories,omitempty"`
	// Required is false when the transforms can fill the column in when a
	// request leaves it out.
	Required bool `json:"required"`
}

// Input is a dataset version a model was trained or validated on.
type Input struct {
	Dataset     string `json:"dataset"`
	Version     int    `json:"version"`
	ContentHash string `json:"content_hash,omitempty"`
	Role        string `json:"role"` // train, valid
	Rows        int64  `json:"rows"`
}

// Lineage says how a model was made.
type Lineage struct {
	RunID   int64   `json:"run_id,omitempty"`
	Inputs  []Input `json:"inputs"`
	SpecSHA string  `json:"feature_spec_sha256"`
	Seed    uint64  `json:"seed"`
	// Mlcycle is the version of the program that trained the model.
	Mlcycle string `json:"mlcycle"`
}

// Baseline is the constant model: the class prior (classification) or
// the mean (regression) of the training target.
type Baseline struct {
	// Prior holds the training class shares (classification).
	Prior []float64 `json:"prior,omitempty"`
	// Value is the training mean (regression).
	Value float64 `json:"value,omitempty"`
}

// Package is the document a model package file holds. Transforms and
// Model are the serialized forms of their ml/ packages.
type Package struct {
	Format    string    `json:"format"`
	Version   int       `json:"version"`
	CreatedAt time.Time `json:"created_at"`
	Name      string    `json:"name,omitempty"`
	Task      string    `json:"task"`
	Target    string    `json:"target"`
	// Classes are the class labels in class-index order (classification);
	// for binary tasks Classes[1] is the positive class.
	Classes []string `json:"classes,omitempty"`
	// Threshold is the positive-class probability from which a binary
	// prediction is the positive class. Default 0.5.
	Threshold float64 `json:"threshold,omitempty"`
	Schema    []Field `json:"schema"`
	// Features names the transformed columns the model reads, in order.
	Features   []string        `json:"features"`
	Transforms json.RawMessage `json:"transforms"`
	Algo       string          `json:"algo"`
	Params     json.RawMessage `json:"params,omitempty"`
	Model      json.RawMessage `json:"model"`
	// Metrics holds the training-time metrics by split ("train",
	// "valid", "cv_mean", "cv_std"), each by metric name.
	Metrics map[string]map[string]float64 `json:"metrics,omitempty"`
	// Importance is the model's own feature importance (gain for trees,
	// |coefficient| on standardised inputs for linear models), by
	// transformed feature.
	Importance map[string]float64 `json:"importance,omitempty"`
	Lineage    Lineage            `json:"lineage"`
	// Recipe is how the model was made (algorithm, parameters as given,
	// feature spec, seed), as the training run recorded it, so that a
	// retraining can follow it. Opaque to this package.
	Recipe json.RawMessage `json:"recipe,omitempty"`
}

// Encode writes p as a model package: gzip-compressed JSON.
func (p *Package) Encode(w io.Writer) error {
	zw, err := gzip.NewWriterLevel(w, gzip.BestSpeed)
	if err != nil {
		return err
	}
	enc := json.NewEncoder(zw)
	if err := enc.Encode(p); err != nil {
		return fmt.Errorf("predict: encode model package: %w", err)
	}
	if err := zw.Close(); err != nil {
		return fmt.Errorf("predict: encode model package: %w", err)
	}
	return nil
}

// Bytes returns p encoded.
func (p *Package) Bytes() ([]byte, error) {
	var b bytes.Buffer
	if err := p.Encode(&b); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// maxPackageBytes bounds the decompressed size of a package (a guard
// against a hostile gzip stream).
const maxPackageBytes = 2 << 30

// DecodePackage reads a model package: gzip-compressed JSON, or plain
// JSON (a package unpacked by hand with gunzip). It checks the format
// name and version, not the content; Load does both.
func DecodePackage(r io.Reader) (*Package, error) {
	br := bufio.NewReader(r)
	head, _ := br.Peek(2)
	var src io.Reader = br
	if len(head) == 2 && head[0] == 0x1f && head[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrFormat, err)
		}
		defer zr.Close()
		src = zr
	}
	lr := &io.LimitedReader{R: src, N: maxPackageBytes + 1}
	var head2 struct {
		Format  string `json:"format"`
		Version int    `json:"version"`
	}
	body, err := io.ReadAll(lr)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrFormat, err)
	}
	if lr.N <= 0 {
		return nil, fmt.Errorf("%w: larger than %d bytes", ErrFormat, int64(maxPackageBytes))
	}
	if err := json.Unmarshal(body, &head2); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrFormat, err)
	}
	if head2.Format != Format {
		return nil, fmt.Errorf("%w: format is %q, want %q", ErrFormat, head2.Format, Format)
	}
	if head2.Version < 1 || head2.Version > FormatVersion {
		return nil, fmt.Errorf("%w: version %d; this mlcycle reads versions 1 to %d: upgrade mlcycle", ErrVersion, head2.Version, FormatVersion)
	}
	var p Package
	if err := json.Unmarshal(body, &p); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrFormat, err)
	}
	return &p, nil
}

// LoadFile reads the model package at path and prepares it for
// prediction.
func LoadFile(path string) (*Model, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("predict: %w", err)
	}
	defer f.Close()
	m, err := Load(f)
	if err != nil {
		return nil, fmt.Errorf("predict: %s: %w", path, err)
	}
	return m, nil
}
