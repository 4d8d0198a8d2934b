// Package baseline keeps the monitoring baseline of a model: the drift
// statistics and suggested constraints (ml/drift, docs/format/statistics.md
// and constraints.md) of its training data, stored beside the model
// package; internal/monitor compares captured traffic with it.
//
// A baseline describes the model's raw input columns (the package schema)
// plus one column PredictionColumn holding the model's prediction of each
// row: the positive-class probability (binary), the predicted label
// (multiclass) or the value (regression), so that prediction drift is
// checked like feature drift. It is computed when a training run succeeds,
// on the run's training rows, and on demand (`mlcycle monitor baseline`)
// on any dataset version; it is stored under the training run's artifacts
// (Keys), replacing the previous one.
package baseline

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"slices"

	"github.com/mlcycle/mlcycle/internal/blob"
	"github.com/mlcycle/mlcycle/ml/drift"
	"github.com/mlcycle/mlcycle/ml/frame"
	"github.com/mlcycle/mlcycle/predict"
)

// PredictionColumn names the prediction column of baselines and of the
// frames compared with them.
const PredictionColumn = "__prediction__"

// Keys returns the artifact keys of training run id's baseline.
func Keys(runID int64) (statistics, constraints string) {
	return fmt.Sprintf("runs/%d/baseline/statistics.json", runID), fmt.Sprintf("runs/%d/baseline/constraints.json", runID)
}

// WithPredictions returns the model's input columns of x plus
// PredictionColumn, the model's prediction of every row.
func WithPredictions(ctx context.Context, m *predict.Model, x *frame.Frame) (*frame.Frame, error) {
	var cols []frame.Column
	for _, f := range m.Schema() {
		if c, ok := x.Column(f.Name); ok {
			cols = append(cols, c)
		}
	}
	res, err := m.Predict(ctx, x)
	if err != nil {
		return nil, err
	}
	pc, err := PredictionColumnOf(m, res)
	if err != nil {
		return nil, err
	}
	return frame.New(append(cols, pc)...)
}

// PredictionColumnOf returns the predictions as PredictionColumn: scores
// for binary tasks, labels for multiclass, values for regression.
func PredictionColumnOf(m *predict.Model, res *predict.Result) (frame.Column, error) {
	n := res.Len()
	switch m.Task() {
	case predict.TaskMulticlass:
		labels := make([]string, n)
		for i := range labels {
			labels[i] = res.Label(i)
		}
		return frame.NewCategoricalFromStrings(PredictionColumn, labels, nil)
	case predict.TaskBinary:
		v := make([]float64, n)
		for i := range v {
			v[i] = res.Score(i)
		}
		return frame.NewFloat(PredictionColumn, v, nil)
	}
	return frame.NewFloat(PredictionColumn, slices.Clone(res.Values), nil)
}

// Compute returns the statistics and suggested constraints of the
// model's inputs and predictions on x.
func Compute(ctx context.Context, m *predict.Model, x *frame.Frame) (drift.Statistics, drift.Constraints, error) {
	f, err := WithPredictions(ctx, m, x)
	if err != nil {
		return drift.Statistics{}, drift.Constraints{}, fmt.Errorf("baseline: %w", err)
	}
	st, err := drift.Baseline(ctx, f, drift.BaselineOpts{})
	if err != nil {
		return drift.Statistics{}, drift.Constraints{}, fmt.Errorf("baseline: %w", err)
	}
	return st, drift.Suggest(st, drift.SuggestOpts{}), nil
}

// Save writes a baseline under training run id's artifacts.
func Save(ctx context.Context, b *blob.Store, runID int64, st drift.Statistics, c drift.Constraints) error {
	sk, ck := Keys(runID)
	for _, o := range []struct {
		key string
		v   any
	}{{sk, st}, {ck, c}} {
		js, err := json.MarshalIndent(o.v, "", " ")
		if err != nil {
			return fmt.Errorf("baseline: %w", err)
		}
		if err := b.Put(ctx, o.key, bytes.NewReader(js)); err != nil {
			return fmt.Errorf("baseline: save %s: %w", o.key, err)
		}
	}
	return nil
}

// Load reads and validates training run id's baseline. Users may
// edit the constraints; Validate lists every problem with its path.
func Load(ctx context.Context, b *blob.Store, runID int64) (drift.Statistics, drift.Constraints, error) {
	sk, ck := Keys(runID)
	var st drift.Statistics
	var c drift.Constraints
	for _, o := range []struct {
		key string
		v   any
	}{{sk, &st}, {ck, &c}} {
		r, err := b.NewReader(ctx, o.key)
		if err != nil {
			return st, c, fmt.Errorf("baseline of run %d: %w (compute one with mlcycle monitor baseline)", runID, err)
		}
		err = json.NewDecoder(r).Decode(o.v)
		r.Close()
		if err != nil {
			return st, c, fmt.Errorf("baseline of run %d: %s: %w", runID, o.key, err)
		}
	}
	if err := st.Validate(); err != nil {
		return st, c, fmt.Errorf("baseline of run %d: statistics: %w", runID, err)
	}
	if err := c.Validate(); err != nil {
		return st, c, fmt.Errorf("baseline of run %d: constraints: %w", runID, err)
	}
	return st, c, nil
}
