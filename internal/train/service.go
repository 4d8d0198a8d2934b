package train

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"regexp"
	"slices"
	"strconv"
	"time"

	"github.com/mlcycle/mlcycle/internal/baseline"
	"github.com/mlcycle/mlcycle/internal/blob"
	"github.com/mlcycle/mlcycle/internal/catalog"
	"github.com/mlcycle/mlcycle/internal/clock"
	"github.com/mlcycle/mlcycle/internal/fault"
	"github.com/mlcycle/mlcycle/internal/store"
	"github.com/mlcycle/mlcycle/ml/frame"
	"github.com/mlcycle/mlcycle/predict"
)

// Service runs training runs and records them in the metadata store.
type Service struct {
	Catalog *catalog.Service
	Store   store.Store
	Blob    *blob.Store
	Clock   clock.Clock  // default clock.Real
	Log     *slog.Logger // default: discard
	// Version is the program's version, recorded in model lineage.
	Version string
}

// Options describe a training run.
type Options struct {
	// Data is the training dataset (NAME[@VERSION]).
	Data string
	// Target is the column to predict; Task and Positive may be empty
	// (inferred; see NewProblem).
	Target, Task, Positive string
	Recipe                 Recipe
	// Valid is a validation dataset; when empty, ValidFrac of the
	// training rows (stratified) are held out instead, or none when
	// ValidFrac is 0.
	Valid     string
	ValidFrac float64
	// CV is the number of cross-validation folds over the training
	// dataset; 0 or 1 means none.
	CV int
	// Name names the run; default "<dataset>-<algo>".
	Name string
	// Budget bounds the training time (goal.budget.train_seconds); 0
	// means none.
	Budget time.Duration
	Hooks  Hooks
	// Phase, if set, is told what the run is doing ("cross-validation
	// fold 2/5").
	Phase func(string)
}

// Summary is what a finished training run records as its metrics.
type Summary struct {
	// Metrics by split: "train", "valid", "cv_mean", "cv_std".
	Metrics map[string]Metrics `json:"metrics"`
	// Rows by split: "train", "valid"; "skipped" counts rows without a
	// target value.
	Rows            map[string]int `json:"rows"`
	BestRound       int            `json:"best_round,omitempty"`
	Stopped         string         `json:"stopped,omitempty"`
	Dropped         []string       `json:"dropped,omitempty"`
	DurationSeconds float64        `json:"duration_seconds"`
}

// Result is the outcome of a training run.
type Result struct {
	Run      store.Run
	ModelKey string
	Summary  Summary
	Curve    *Curve
	Package  *predict.Package
	// BaselineKeys are the artifact keys of the baseline statistics and
	// constraints of the training rows (internal/monitor).
	BaselineKeys [2]string

	model  *predict.Model
	trainX *frame.Frame // the raw training features
}

func (s *Service) now() time.Time {
	if s.Clock == nil {
		return time.Now()
	}
	return s.Clock.Now()
}

func (s *Service) log() *slog.Logger {
	if s.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return s.Log
}

// FindRun resolves a run reference: its number, or a name (the newest run
// of that name, of the given kind when kind is not empty).
func FindRun(ctx context.Context, s store.Runs, ref, kind string) (store.Run, error) {
	if id, err := strconv.ParseInt(ref, 10, 64); err == nil {
		return s.Run(ctx, id)
	}
	rs, err := s.ListRuns(ctx, store.RunFilter{Name: ref, Kind: kind, Limit: 1})
	if err != nil {
		return store.Run{}, err
	}
	if len(rs) == 0 {
		return store.Run{}, fault.Mark(fault.KindNotFound, fmt.Errorf("no run is numbered or named %q (see mlcycle runs list)", ref))
	}
	return rs[0], nil
}

// ModelKey returns the artifact key of a training run's model package.
func ModelKey(runID int64) string {
	return fmt.Sprintf("runs/%d/model%s", runID, predict.Extension)
}

// Train runs a training run: it records the run, fits, scores, saves the
// model package and records how the run ended (succeeded, failed or
// cancelled). A run that does not succeed leaves no model package.
func (s *Service) Train(ctx context.Context, o Options) (*Result, error) {
	if err := o.check(); err != nil {
		return nil, err
	}
	v, f, err := s.Catalog.Load(ctx, o.Data, nil)
	if err != nil {
		return nil, err
	}
	prob, err := NewProblem(f, o.Target, o.Task, o.Positive)
	if err != nil {
		return nil, err
	}
	r := o.Recipe
	var dropped []string
	if r.Features == nil {
		dropped = idLike(f, o.Target)
		r.Drop = append(slices.Clone(r.Drop), dropped...)
	}
	full, skipped, err := prob.NewSplit(f, nil)
	if err != nil {
		return nil, err
	}
	inputs := []store.RunInput{{VersionID: v.ID, Role: "train"}}
	lineage := []predict.Input{{Dataset: v.Dataset, Version: v.Version.Version, ContentHash: v.ContentHash, Role: "train", Rows: v.Rows}}
	train, valid := full, (*Split)(nil)
	if o.Valid != "" {
		vv, vf, err := s.Catalog.Load(ctx, o.Valid, nil)
		if err != nil {
			return nil, fmt.Errorf("validation set: %w", err)
		}
		vs, _, err := prob.NewSplit(vf, nil)
		if err != nil {
			return nil, fmt.Errorf("validation set %s: %w", o.Valid, err)
		}
		valid = &vs
		inputs = append(inputs, store.RunInput{VersionID: vv.ID, Role: "valid"})
		lineage = append(lineage, predict.Input{Dataset: vv.Dataset, Version: vv.Version.Version, ContentHash: vv.ContentHash, Role: "valid", Rows: vv.Rows})
	} else if o.ValidFrac > 0 {
		tr, va := Holdout(full.Y, prob.K(), o.ValidFrac, r.Seed)
		if len(tr) == 0 || len(va) == 0 {
			return nil, fault.Invalid("train: %d labelled rows are too few to hold out %.0f%% for validation", full.Len(), 100*o.ValidFrac)
		}
		if train, err = full.Take(tr); err != nil {
			return nil, err
		}
		vs, err := full.Take(va)
		if err != nil {
			return nil, err
		}
		valid = &vs
	}

	name := o.Name
	if name == "" {
		name = v.Dataset + "-" + r.Algo
	}
	params, _ := json.Marshal(r.Params)
	optsJSON, err := json.Marshal(map[string]any{
		"recipe": r, "task": prob.Task, "positive": o.Positive, "classes": prob.Classes,
		"valid": o.Valid, "valid_frac": o.ValidFrac, "cv": o.CV, "budget_seconds": o.Budget.Seconds(),
	})
	if err != nil {
		return nil, errorf("options: %w", err)
	}
	start := s.now()
	run, err := s.Store.CreateRun(ctx, store.NewRun{
		Name: name, Kind: store.RunTrain, Target: prob.Target, Algo: r.Algo,
		Params: params, Options: optsJSON, StartedAt: start, Inputs: inputs,
	})
	if err != nil {
		return nil, err
	}
	s.log().InfoContext(ctx, "training", "run", run.ID, "name", name, "data", fmt.Sprintf("%s@%d", v.Dataset, v.Version.Version), "algo", r.Algo, "task", prob.Task, "rows", train.Len())
	res, err := s.fitRun(ctx, o, prob, r, full, train, valid, start)
	if err == nil {
		res.Summary.Rows["skipped"] = skipped
		res.Summary.Dropped = dropped
		res.Package.Name = name
		res.Package.CreatedAt = start.UTC()
		res.Package.Lineage.RunID = run.ID
		res.Package.Lineage.Inputs = lineage
		res.Package.Lineage.Mlcycle = s.Version
		res.Package.Metrics = map[string]map[string]float64{}
		for k, m := range res.Summary.Metrics {
			res.Package.Metrics[k] = m
		}
		res.ModelKey = ModelKey(run.ID)
		err = s.save(ctx, res, run.ID, o.Phase)
	}
	end := store.RunEnd{FinishedAt: s.now(), PeakMemBytes: peakMemory()}
	rctx := context.WithoutCancel(ctx)
	if err != nil {
		end.Status, end.Error = store.RunFailed, err.Error()
		if errors.Is(err, context.Canceled) {
			end.Status, end.Error = store.RunCancelled, "cancelled: "+err.Error()
		}
		if _, ferr := s.Store.FinishRun(rctx, run.ID, end); ferr != nil {
			s.log().ErrorContext(rctx, "recording the run's end failed", "run", run.ID, "err", ferr)
		}
		return nil, fmt.Errorf("run %d (%s): %w", run.ID, name, err)
	}
	res.Summary.DurationSeconds = end.FinishedAt.Sub(start).Seconds()
	end.Status, end.ArtifactKey = store.RunSucceeded, res.ModelKey
	if end.Metrics, err = json.Marshal(res.Summary); err != nil {
		return nil, errorf("metrics: %w", err)
	}
	if res.Curve != nil {
		if end.Curve, err = json.Marshal(res.Curve); err != nil {
			return nil, errorf("curve: %w", err)
		}
	}
	if res.Run, err = s.Store.FinishRun(rctx, run.ID, end); err != nil {
		_ = s.Blob.Delete(rctx, res.ModelKey)
		return nil, err
	}
	return res, nil
}

func (o Options) check() error {
	switch {
	case o.Data == "":
		return fault.Invalid("train: no dataset")
	case o.Target == "":
		return fault.Invalid("train: no target: give --target or set goal.target in mlcycle.yaml")
	case o.ValidFrac < 0 || o.ValidFrac >= 1:
		return fault.Invalid("train: --valid-frac %v is outside [0, 1)", o.ValidFrac)
	case o.CV < 0 || o.CV == 1:
		return fault.Invalid("train: --cv %d: want 2 or more folds, or 0 for none", o.CV)
	case o.Budget < 0:
		return fault.Invalid("train: negative time budget")
	}
	if r := o.Recipe; !slices.Contains(Algos, r.Algo) {
		return fault.Invalid("train: unknown algorithm %q (want one of %v)", r.Algo, Algos)
	}
	return nil
}

// fitRun fits the final model and, when asked, cross-validates.
func (s *Service) fitRun(ctx context.Context, o Options, prob *Problem, r Recipe, full, train Split, valid *Split, start time.Time) (*Result, error) {
	h := o.Hooks
	if o.Budget > 0 {
		stop := h.Stop
		h.Stop = func() string {
			if el := s.now().Sub(start); el >= o.Budget {
				return fmt.Sprintf("time budget: stopped after %.1f s (goal.budget.train_seconds = %g)", el.Seconds(), o.Budget.Seconds())
			}
			if stop != nil {
				return stop()
			}
			return ""
		}
		// Algorithms without rounds stop at the budget with an error;
		// gbdt stops gracefully through h.Stop first.
		grace := o.Budget + o.Budget/10 + time.Second
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, grace)
		defer cancel()
	}
	fit, err := Fit(ctx, prob, r, train, valid, h)
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) && o.Budget > 0 {
			return nil, fault.Invalid("training exceeded the time budget of %g s (goal.budget.train_seconds): choose a cheaper model or raise the budget", o.Budget.Seconds())
		}
		return nil, err
	}
	res := &Result{Package: fit.Package, Curve: fit.Curve, model: fit.Model, trainX: train.X, Summary: Summary{
		Metrics: map[string]Metrics{}, Rows: map[string]int{"train": train.Len()},
		BestRound: fit.BestRound, Stopped: fit.Stopped,
	}}
	thr := fit.Package.Threshold
	pt, err := fit.Model.PredictFeatures(ctx, fit.Train)
	if err != nil {
		return nil, err
	}
	if res.Summary.Metrics["train"], err = Score(prob.Task, train.Y, pt, thr); err != nil {
		return nil, err
	}
	if valid != nil {
		pv, err := fit.Model.PredictFeatures(ctx, fit.Valid)
		if err != nil {
			return nil, err
		}
		if res.Summary.Metrics["valid"], err = Score(prob.Task, valid.Y, pv, thr); err != nil {
			return nil, err
		}
		res.Summary.Rows["valid"] = valid.Len()
	}
	if o.CV > 1 {
		mean, std, err := s.crossValidate(ctx, o, prob, r, full, fit.BestRound)
		if err != nil {
			return nil, err
		}
		res.Summary.Metrics["cv_mean"], res.Summary.Metrics["cv_std"] = mean, std
	}
	return res, nil
}

// crossValidate scores the recipe with k folds over the labelled rows of
// the training dataset. Boosting runs the final model's best number of
// rounds in every fold, without early stopping (no fold sees its own
// test rows twice).
func (s *Service) crossValidate(ctx context.Context, o Options, prob *Problem, r Recipe, full Split, bestRound int) (mean, std Metrics, err error) {
	if prob.K() > 0 {
		counts := make([]int, prob.K())
		for _, y := range full.Y {
			counts[int(y)]++
		}
		for k, c := range counts {
			if c < o.CV {
				return nil, nil, fault.Invalid("cross-validation: class %q has %d rows, fewer than the %d folds", prob.Classes[k], c, o.CV)
			}
		}
	}
	if r.Algo == "gbdt" && bestRound > 0 {
		r.Params = cloneMap(r.Params)
		r.Params["n_estimators"] = strconv.Itoa(bestRound)
	}
	folds := foldsOf(full.Y, prob.K(), o.CV, r.Seed)
	var scores []Metrics
	for i, test := range folds {
		if o.Phase != nil {
			o.Phase(fmt.Sprintf("cross-validation fold %d/%d", i+1, o.CV))
		}
		tr, err := full.Take(complement(full.Len(), test))
		if err != nil {
			return nil, nil, err
		}
		te, err := full.Take(test)
		if err != nil {
			return nil, nil, err
		}
		fit, err := Fit(ctx, prob, r, tr, nil, Hooks{})
		if err != nil {
			return nil, nil, fmt.Errorf("cross-validation fold %d: %w", i+1, err)
		}
		res, err := fit.Model.Predict(ctx, te.X)
		if err != nil {
			return nil, nil, fmt.Errorf("cross-validation fold %d: %w", i+1, err)
		}
		m, err := Score(prob.Task, te.Y, res, fit.Package.Threshold)
		if err != nil {
			return nil, nil, fmt.Errorf("cross-validation fold %d: %w", i+1, err)
		}
		scores = append(scores, m)
	}
	mean, std = Metrics{}, Metrics{}
	for name := range scores[0] {
		var vals []float64
		for _, m := range scores {
			if v, ok := m[name]; ok {
				vals = append(vals, v)
			}
		}
		if len(vals) != len(scores) {
			continue // undefined in some fold
		}
		var sum float64
		for _, v := range vals {
			sum += v
		}
		mu := sum / float64(len(vals))
		var ss float64
		for _, v := range vals {
			ss += (v - mu) * (v - mu)
		}
		mean[name], std[name] = mu, math.Sqrt(ss/float64(len(vals)))
	}
	return mean, std, nil
}

// save writes the model package and the baseline of the training rows
// (statistics and constraints for monitoring) to the artifact store; on
// failure it removes what it wrote.
func (s *Service) save(ctx context.Context, res *Result, runID int64, phase func(string)) error {
	if phase != nil {
		phase("baseline statistics of the training rows")
	}
	st, c, err := baseline.Compute(ctx, res.model, res.trainX)
	if err != nil {
		return err
	}
	b, err := res.Package.Bytes()
	if err != nil {
		return err
	}
	if err := s.Blob.Put(ctx, res.ModelKey, bytes.NewReader(b)); err != nil {
		return fmt.Errorf("save model package: %w", err)
	}
	if err := baseline.Save(ctx, s.Blob, runID, st, c); err != nil {
		rctx := context.WithoutCancel(ctx)
		_ = s.Blob.Delete(rctx, res.ModelKey)
		sk, ck := baseline.Keys(runID)
		_ = s.Blob.Delete(rctx, sk)
		_ = s.Blob.Delete(rctx, ck)
		return err
	}
	res.BaselineKeys[0], res.BaselineKeys[1] = baseline.Keys(runID)
	return nil
}

var idName = regexp.MustCompile(`(?i)(^id$|_id$|^id_|^uuid$|^key$)`)

// idLike returns the columns that identify rows rather than describe
// them: text or categorical columns whose values are all distinct, and
// integer columns named like an ID whose values are all distinct. The
// default feature spec leaves them out.
func idLike(f *frame.Frame, target string) []string {
	var out []string
	n := f.Len()
	if n < 20 {
		return nil
	}
	for _, c := range f.Columns() {
		if c.Name() == target || c.NullCount() > 0 {
			continue
		}
		switch col := c.(type) {
		case *frame.CategoricalColumn:
			if len(col.Dict()) >= n && allDistinct(col.Codes()) {
				out = append(out, c.Name())
			}
		case *frame.StringColumn:
			seen := make(map[string]struct{}, n)
			for _, s := range col.Values() {
				seen[s] = struct{}{}
			}
			if len(seen) == n {
				out = append(out, c.Name())
			}
		case *frame.FloatColumn:
			if c.Logical() == frame.LogicalInteger && idName.MatchString(c.Name()) {
				seen := make(map[float64]struct{}, n)
				for _, v := range col.Values() {
					seen[v] = struct{}{}
				}
				if len(seen) == n {
					out = append(out, c.Name())
				}
			}
		}
	}
	return out
}

func allDistinct(codes []uint32) bool {
	seen := make(map[uint32]struct{}, len(codes))
	for _, c := range codes {
		seen[c] = struct{}{}
	}
	return len(seen) == len(codes)
}

func cloneMap(m map[string]string) map[string]string {
	out := make(map[string]string, len(m)+1)
	for k, v := range m {
		out[k] = v
	}
	return out
}
