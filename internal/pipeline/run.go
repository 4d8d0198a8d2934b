package pipeline

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/mlcycle/mlcycle/internal/app"
	"github.com/mlcycle/mlcycle/internal/catalog"
	"github.com/mlcycle/mlcycle/internal/clock"
	"github.com/mlcycle/mlcycle/internal/dataengine"
	"github.com/mlcycle/mlcycle/internal/eda"
	"github.com/mlcycle/mlcycle/internal/eval"
	"github.com/mlcycle/mlcycle/internal/fault"
	"github.com/mlcycle/mlcycle/internal/framing"
	"github.com/mlcycle/mlcycle/internal/prep"
	"github.com/mlcycle/mlcycle/internal/registry"
	"github.com/mlcycle/mlcycle/internal/report"
	"github.com/mlcycle/mlcycle/internal/split"
	"github.com/mlcycle/mlcycle/internal/store"
	"github.com/mlcycle/mlcycle/internal/train"
)

// Step statuses.
const (
	StatusRan    = "ran"
	StatusCached = "cached"
	StatusFailed = "failed"
)

// StepRecord is what one step did; the records of a run are stored as the
// pipeline run's metrics ({"steps": [...]}).
type StepRecord struct {
	ID     string `json:"id"`
	Kind   string `json:"kind"`
	Status string `json:"status"`
	// Hash is the step's input hash (sha256 hex).
	Hash string `json:"hash"`
	// Outputs are what later steps may refer to as ${steps.ID.FIELD}.
	Outputs map[string]string `json:"outputs,omitempty"`
	// Summary is one line with the step's key numbers.
	Summary string  `json:"summary,omitempty"`
	Seconds float64 `json:"seconds"`
	Error   string  `json:"error,omitempty"`
}

// Result is one run of a pipeline.
type Result struct {
	// Run is the pipeline run's number in the metadata store.
	Run    int64        `json:"run"`
	Name   string       `json:"name"`
	Status string       `json:"status"`
	Steps  []StepRecord `json:"steps"`
	// Previous is the succeeded pipeline run whose steps served as the
	// cache; 0 for none.
	Previous int64 `json:"previous,omitempty"`
}

// Opts are the options of Run.
type Opts struct {
	// Dir is the directory relative paths of the pipeline (sources,
	// recipes, feature specs, reports) are resolved against: the pipeline
	// file's directory.
	Dir string
	// OutDir is the directory relative report paths (eda and eval out)
	// are resolved against: the project's. Default Dir.
	OutDir string
	// Actor is recorded in the registry's history. Default "mlcycle pipeline".
	Actor string
	// Clock times the steps. Default clock.Real.
	Clock clock.Clock
	// NoCache runs every step, whatever the last run recorded; the run's
	// records then serve as the next run's cache as usual.
	NoCache bool
	// StepDone, if set, is called after every step.
	StepDone func(StepRecord)
}

// GateError says an eval step's gate failed; the pipeline stopped there.
type GateError struct {
	Step string
	// Failed are the criteria that failed, with their measured values.
	Failed []string
}

func (e *GateError) Error() string {
	return fmt.Sprintf("pipeline: step %q: the goal is not met: %s failed", e.Step, strings.Join(e.Failed, ", "))
}

// Run runs the pipeline in the project a is open on. Steps whose input
// hash equals the one recorded for them in the last succeeded run of the
// pipeline are skipped and their outputs reused. The run is recorded as a
// run of kind pipeline whatever its outcome; an error stops the pipeline at
// the failing step (a *GateError for a failed gate).
func Run(ctx context.Context, a *app.App, p *Pipeline, o Opts) (*Result, error) {
	if o.Clock == nil {
		o.Clock = clock.Real{}
	}
	if o.Actor == "" {
		o.Actor = "mlcycle pipeline"
	}
	if o.OutDir == "" {
		o.OutDir = o.Dir
	}
	var prev map[string]StepRecord
	var prevID int64
	if !o.NoCache {
		var err error
		if prev, prevID, err = lastSucceeded(ctx, a.Store, p.Name); err != nil {
			return nil, err
		}
	}
	spec, _ := json.Marshal(p)
	run, err := a.Store.CreateRun(ctx, store.NewRun{Name: p.Name, Kind: store.RunPipeline, Options: spec, StartedAt: o.Clock.Now()})
	if err != nil {
		return nil, fmt.Errorf("pipeline %s: %w", p.Name, err)
	}
	res := &Result{Run: run.ID, Name: p.Name, Previous: prevID}
	r := &runner{a: a, o: o, outputs: map[string]map[string]string{}, kinds: map[string]string{}}
	var runErr error
	for i := range p.Steps {
		s := &p.Steps[i]
		rec := r.step(ctx, s, prev[s.ID])
		res.Steps = append(res.Steps, rec.StepRecord)
		if o.StepDone != nil {
			o.StepDone(rec.StepRecord)
		}
		if rec.err != nil {
			runErr = rec.err
			break
		}
		r.outputs[s.ID], r.kinds[s.ID] = rec.Outputs, s.Kind()
	}
	end := store.RunEnd{Status: store.RunSucceeded, FinishedAt: o.Clock.Now()}
	if runErr != nil {
		end.Status, end.Error = store.RunFailed, runErr.Error()
		if errors.Is(runErr, context.Canceled) {
			end.Status = store.RunCancelled
		}
	}
	end.Metrics, _ = json.Marshal(map[string]any{"steps": res.Steps})
	// Record the outcome even when ctx is done, so no run stays "running".
	if _, err := a.Store.FinishRun(context.WithoutCancel(ctx), run.ID, end); err != nil && runErr == nil {
		runErr = fmt.Errorf("pipeline %s: record run %d: %w", p.Name, run.ID, err)
	}
	res.Status = end.Status
	return res, runErr
}

// lastSucceeded returns the step records of the pipeline's last succeeded
// run by step id.
func lastSucceeded(ctx context.Context, st store.Store, name string) (map[string]StepRecord, int64, error) {
	runs, err := st.ListRuns(ctx, store.RunFilter{Name: name, Kind: store.RunPipeline})
	if err != nil {
		return nil, 0, fmt.Errorf("pipeline %s: previous runs: %w", name, err)
	}
	for _, r := range runs {
		if r.Status != store.RunSucceeded {
			continue
		}
		var m struct {
			Steps []StepRecord `json:"steps"`
		}
		if err := json.Unmarshal(r.Metrics, &m); err != nil {
			continue
		}
		out := map[string]StepRecord{}
		for _, s := range m.Steps {
			out[s.ID] = s
		}
		return out, r.ID, nil
	}
	return nil, 0, nil
}

type runner struct {
	a       *app.App
	o       Opts
	outputs map[string]map[string]string // by step id
	kinds   map[string]string
}

type stepResult struct {
	StepRecord
	err error
}

func (r *runner) step(ctx context.Context, s *Step, prev StepRecord) (rec stepResult) {
	kind := s.Kind()
	rec.ID, rec.Kind = s.ID, kind
	start := r.o.Clock.Now()
	defer func() {
		rec.Seconds = r.o.Clock.Now().Sub(start).Seconds()
		if rec.err != nil {
			rec.Status, rec.Error = StatusFailed, rec.err.Error()
		}
	}()
	params, canon, err := r.resolve(s)
	if err != nil {
		rec.err = err
		return rec
	}
	ids, err := r.identities(ctx, kind, params)
	if err != nil {
		rec.err = fmt.Errorf("pipeline: step %q: %w", s.ID, err)
		return rec
	}
	h := sha256.New()
	fmt.Fprintf(h, "%s\n%s\n%s", kind, canon, strings.Join(ids, "\n"))
	rec.Hash = hex.EncodeToString(h.Sum(nil))
	if prev.Hash == rec.Hash && (prev.Status == StatusRan || prev.Status == StatusCached) && r.outputsExist(prev.Outputs) {
		rec.Status, rec.Outputs, rec.Summary = StatusCached, prev.Outputs, prev.Summary
		return rec
	}
	rec.Outputs, rec.Summary, rec.err = r.exec(ctx, kind, params)
	if rec.err != nil {
		var ge *GateError
		if errors.As(rec.err, &ge) {
			ge.Step = s.ID
		} else {
			rec.err = fmt.Errorf("pipeline: step %q (%s): %w", s.ID, kind, rec.err)
		}
	}
	rec.Status = StatusRan
	return rec
}

// outputsExist reports whether the report files a step wrote are still
// there; a cached step must not point at a deleted report.
func (r *runner) outputsExist(out map[string]string) bool {
	if p, ok := out["report"]; ok {
		if _, err := os.Stat(p); err != nil {
			return false
		}
	}
	return true
}

// resolve substitutes ${steps.ID.FIELD} references and train step ids in
// the step's parameters; it returns a resolved copy and its canonical JSON.
func (r *runner) resolve(s *Step) (any, string, error) {
	raw, err := json.Marshal(s.params())
	if err != nil {
		return nil, "", err
	}
	var bad []string
	sub := refRE.ReplaceAllStringFunc(string(raw), func(m string) string {
		g := refRE.FindStringSubmatch(m)
		v, ok := r.outputs[g[1]][g[2]]
		if !ok {
			var have []string
			for k := range r.outputs[g[1]] {
				have = append(have, k)
			}
			sort.Strings(have)
			bad = append(bad, fmt.Sprintf("%s: step %q has no output %q (it has %s)", m, g[1], g[2], strings.Join(have, ", ")))
			return m
		}
		b, _ := json.Marshal(v)
		return string(b[1 : len(b)-1])
	})
	if len(bad) > 0 {
		return nil, "", fault.Invalid("pipeline: step %q: %s", s.ID, strings.Join(bad, "; "))
	}
	var out any
	switch s.Kind() {
	case KindIngest:
		out = &Ingest{}
	case KindPrep:
		out = &Prep{}
	case KindSplit:
		out = &Split{}
	case KindEDA:
		out = &EDA{}
	case KindFrame:
		out = &Frame{}
	case KindTrain:
		out = &Train{}
	case KindEval:
		out = &Eval{}
	case KindRegister:
		out = &Register{}
	case KindDeploy:
		out = &Deploy{}
	case KindMonitorSchedule:
		out = &MonitorSchedule{}
	case KindRetrainPolicy:
		out = &RetrainPolicy{}
	case KindAlarm:
		out = &Alarm{}
	}
	if err := json.Unmarshal([]byte(sub), out); err != nil {
		return nil, "", fmt.Errorf("pipeline: step %q: %w", s.ID, err)
	}
	runOf := func(ref *string) {
		if r.kinds[*ref] == KindTrain {
			*ref = r.outputs[*ref]["run"]
		}
	}
	switch p := out.(type) {
	case *Eval:
		runOf(&p.Model)
	case *Register:
		runOf(&p.Run)
	}
	canon, _ := json.Marshal(out)
	return out, string(canon), nil
}

// path resolves an input path against the pipeline's directory.
func (r *runner) path(p string) string { return join(r.o.Dir, p) }

// outPath resolves a report path against the output directory.
func (r *runner) outPath(p string) string { return join(r.o.OutDir, p) }

func join(dir, p string) string {
	if p == "" || strings.Contains(p, "://") || filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(dir, p)
}

// identities returns the content identities of a step's inputs.
func (r *runner) identities(ctx context.Context, kind string, params any) ([]string, error) {
	var ids []string
	dataset := func(ref string) error {
		v, err := r.a.Catalog.Get(ctx, ref)
		if err != nil {
			return err
		}
		ids = append(ids, fmt.Sprintf("dataset %s@%d id %d sha256 %s", v.Dataset, v.Version.Version, v.ID, v.ContentHash))
		return nil
	}
	file := func(p string) error {
		h, err := fileHash(r.path(p))
		if err != nil {
			return err
		}
		ids = append(ids, "file "+p+" sha256 "+h)
		return nil
	}
	runRef := func(ref string) error {
		_, run, err := r.a.Eval.Resolve(ctx, ref)
		if err != nil {
			return err
		}
		if run != nil {
			ids = append(ids, fmt.Sprintf("run %d", run.ID))
		}
		return nil
	}
	var err error
	switch p := params.(type) {
	case *Ingest:
		if !strings.Contains(p.Source, "://") {
			err = file(p.Source)
		}
	case *Prep:
		if err = dataset(p.Input); err == nil && !p.Inline {
			err = file(p.RecipeText)
		}
	case *Split:
		err = dataset(p.Input)
	case *EDA:
		err = dataset(p.Input)
	case *Frame:
		err = dataset(p.Input)
		if g := r.a.Config.Goal; g != nil {
			b, _ := json.Marshal(g)
			ids = append(ids, "goal "+string(b))
		}
	case *Train:
		err = dataset(p.Data)
		if err == nil && p.Valid != "" {
			err = dataset(p.Valid)
		}
		if err == nil && p.Features != "" {
			err = file(p.Features)
		}
		if g := r.a.Config.Goal; g != nil {
			ids = append(ids, fmt.Sprintf("goal target %s task %s positive %s", g.Target, g.Task, g.Positive))
		}
	case *Eval:
		if err = runRef(p.Model); err == nil {
			err = dataset(p.Data)
		}
		if g := r.a.Config.Goal; g != nil {
			b, _ := json.Marshal(g)
			ids = append(ids, "goal "+string(b))
		}
	case *Register:
		err = runRef(p.Run)
	case *Deploy:
		var mv store.ModelVersion
		if mv, err = r.a.Registry.Lookup(ctx, p.Model); err == nil {
			ids = append(ids, fmt.Sprintf("model version id %d (%s@%d, %s)", mv.ID, mv.Model, mv.Version, mv.Status))
		}
	}
	return ids, err
}

func fileHash(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		if os.IsNotExist(err) {
			return "", fault.NotFound("%s: no such file", path)
		}
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// exec runs a step that is not cached.
func (r *runner) exec(ctx context.Context, kind string, params any) (map[string]string, string, error) {
	a, goal := r.a, r.a.Config.Goal
	switch p := params.(type) {
	case *Ingest:
		v, err := a.Catalog.Add(ctx, r.path(p.Source), catalog.AddOpts{Name: p.Name, IngestOpts: dataengine.IngestOpts{Types: p.Types}})
		if err != nil {
			return nil, "", err
		}
		ref := fmt.Sprintf("%s@%d", v.Dataset, v.Number())
		sum := fmt.Sprintf("%s: %d rows × %d columns, sha256 %s", ref, v.Rows, len(v.Columns), short(v.ContentHash))
		if v.Existing {
			sum += " (already ingested)"
		}
		return map[string]string{"dataset": v.Dataset, "version": strconv.Itoa(v.Number()), "ref": ref,
			"rows": strconv.FormatInt(v.Rows, 10), "content_hash": v.ContentHash}, sum, nil
	case *Prep:
		data := []byte(p.RecipeText)
		if !p.Inline {
			var err error
			if data, err = os.ReadFile(r.path(p.RecipeText)); err != nil {
				return nil, "", fault.Invalid("recipe %s: %v", p.RecipeText, err)
			}
		}
		rec, err := prep.Parse(data)
		if err != nil {
			return nil, "", err
		}
		v, err := prep.Run(ctx, a.Catalog, p.Input, rec, p.Output)
		if err != nil {
			return nil, "", err
		}
		ref := fmt.Sprintf("%s@%d", v.Dataset, v.Number())
		return map[string]string{"dataset": v.Dataset, "version": strconv.Itoa(v.Number()), "ref": ref, "rows": strconv.FormatInt(v.Rows, 10)},
			fmt.Sprintf("%s: %d rows × %d columns", ref, v.Rows, len(v.Columns)), nil
	case *Split:
		res, err := split.Run(ctx, a.Catalog, p.Input, split.Opts{Test: p.Test, Valid: p.Valid, Stratify: p.Stratify, Seed: p.Seed})
		if err != nil {
			return nil, "", err
		}
		out := map[string]string{}
		var parts []string
		for _, v := range res.Parts {
			role := v.Dataset[strings.LastIndex(v.Dataset, "_")+1:]
			out[role] = fmt.Sprintf("%s@%d", v.Dataset, v.Number())
			parts = append(parts, fmt.Sprintf("%s: %d rows", out[role], v.Rows))
		}
		return out, strings.Join(parts, ", "), nil
	case *EDA:
		o := eda.Opts{Target: p.Target}
		if o.Target == "" && goal != nil {
			o.Target = goal.Target
		}
		if goal != nil && o.Target == goal.Target {
			o.Positive = goal.Positive
		}
		prof, err := eda.Run(ctx, a.Catalog, p.Input, o)
		if err != nil {
			return nil, "", err
		}
		path := r.outPath(p.Out)
		if err := writeFile(path, func(w io.Writer) error { return report.EDA(w, prof, report.Opts{}) }); err != nil {
			return nil, "", err
		}
		return map[string]string{"report": path, "warnings": strconv.Itoa(len(prof.Warnings))},
			fmt.Sprintf("%d warnings; report %s", len(prof.Warnings), path), nil
	case *Frame:
		o := framing.Opts{Target: p.Target, Goal: goal, Seed: p.Seed}
		if o.Target == "" && goal != nil {
			o.Target = goal.Target
		}
		rep, err := framing.Run(ctx, a.Catalog, p.Input, o)
		if err != nil {
			return nil, "", err
		}
		return map[string]string{"verdict": rep.Verdict}, rep.Verdict + ": " + rep.Message, nil
	case *Train:
		kv, err := train.ParseParams(paramSpecs(p.Params)...)
		if err != nil {
			return nil, "", fault.Invalid("%v", err)
		}
		o := train.Options{Data: p.Data, Target: p.Target, Valid: p.Valid, ValidFrac: 0.2, CV: p.CV, Name: p.Name,
			Recipe: train.Recipe{Algo: p.Algo, Params: kv, Seed: p.Seed}}
		if o.Recipe.Algo == "" {
			o.Recipe.Algo = "gbdt"
		}
		if p.Valid != "" {
			o.ValidFrac = 0
		}
		if p.ValidFrac != nil {
			o.ValidFrac = *p.ValidFrac
		}
		if p.Features != "" {
			if o.Recipe.Features, err = train.ReadSpec(r.path(p.Features)); err != nil {
				return nil, "", err
			}
		}
		if goal != nil {
			if o.Target == "" {
				o.Target = goal.Target
			}
			if o.Target == goal.Target {
				o.Task, o.Positive = goal.Task, goal.Positive
			}
			o.Budget = time.Duration(goal.Budget.TrainSeconds * float64(time.Second))
		}
		res, err := a.Train.Train(ctx, o)
		if err != nil {
			return nil, "", err
		}
		sum := fmt.Sprintf("run %d (%s): %s on %d rows", res.Run.ID, res.Run.Name, res.Package.Algo, res.Summary.Rows["train"])
		if res.Summary.BestRound > 0 {
			sum += fmt.Sprintf(", best round %d", res.Summary.BestRound)
		}
		if m := res.Summary.Metrics["valid"]; len(m) > 0 {
			sum += "; validation " + keyMetrics(m)
		}
		return map[string]string{"run": strconv.FormatInt(res.Run.ID, 10), "name": res.Run.Name, "model_key": res.ModelKey}, sum, nil
	case *Eval:
		rep, _, err := a.Eval.Evaluate(ctx, eval.Options{Model: p.Model, Data: p.Data, Goal: goal, Gate: p.Gate, Record: true, Seed: p.Seed})
		if err != nil {
			return nil, "", err
		}
		path := r.outPath(p.Out)
		if err := writeFile(path, func(w io.Writer) error { return report.Eval(w, rep, report.Opts{}) }); err != nil {
			return nil, "", err
		}
		out := map[string]string{"report": path}
		sum := keyMetrics(rep.Metrics)
		if b := rep.Business; b != nil {
			sum += fmt.Sprintf("; %.4g per prediction at threshold %.3g", b.ExpectedValue, b.Threshold)
		}
		if g := rep.Gate; g != nil {
			var failed []string
			for _, l := range g.Lines {
				if !l.Pass {
					v := l.Note
					if l.Value != nil {
						v = fmt.Sprintf("%.4g", *l.Value)
					}
					failed = append(failed, fmt.Sprintf("%s (%s)", l.Criterion, v))
				}
			}
			out["passed"] = strconv.FormatBool(g.Passed)
			if !g.Passed {
				return out, sum + "; report " + path, &GateError{Failed: failed}
			}
			sum += fmt.Sprintf("; gate passed (%d criteria)", len(g.Lines))
		}
		return out, sum + "; report " + path, nil
	case *Register:
		mv, err := a.Registry.Register(ctx, p.Run, p.Name, r.o.Actor, "registered by pipeline")
		if err != nil {
			return nil, "", err
		}
		ref := fmt.Sprintf("%s@%d", mv.Model, mv.Version)
		sum := ref + " from run " + strconv.FormatInt(mv.RunID, 10)
		if p.Approve {
			if _, err := a.Registry.Approve(ctx, ref, r.o.Actor, "approved by pipeline"); err != nil {
				return nil, "", err
			}
			sum += ", approved"
		}
		if p.Alias != "" {
			if _, err := a.Registry.Alias(ctx, ref, p.Alias, r.o.Actor, "set by pipeline"); err != nil {
				return nil, "", err
			}
			sum += ", alias " + p.Alias
		}
		return map[string]string{"model": mv.Model, "version": strconv.Itoa(mv.Version), "ref": ref}, sum, nil
	case *Deploy:
		o := registry.DeployOpts{Actor: r.o.Actor, Reason: "deployed by pipeline"}
		if p.CapturePercent != nil {
			c := registry.DefaultEndpointConfig()
			c.CapturePercent = *p.CapturePercent
			o.Config = &c
		}
		e, err := a.Registry.Deploy(ctx, p.Model, p.Endpoint, o)
		if err != nil {
			return nil, "", err
		}
		ref := fmt.Sprintf("%s@%d", e.Model, e.Version)
		return map[string]string{"endpoint": p.Endpoint, "ref": ref},
			fmt.Sprintf("endpoint %s → %s (generation %d); serve it with mlcycle server", p.Endpoint, ref, e.Generation), nil
	case *MonitorSchedule:
		every, _ := time.ParseDuration(p.Every)
		if err := r.endpoint(ctx, p.Endpoint); err != nil {
			return nil, "", err
		}
		if err := a.Store.SetSchedule(ctx, p.Endpoint, every, r.o.Clock.Now()); err != nil {
			return nil, "", err
		}
		return map[string]string{"endpoint": p.Endpoint, "every": every.String()},
			fmt.Sprintf("%s is monitored every %v by mlcycle server", p.Endpoint, every), nil
	case *RetrainPolicy:
		every, _ := time.ParseDuration(p.Every)
		if err := r.endpoint(ctx, p.Endpoint); err != nil {
			return nil, "", err
		}
		if err := a.Store.SetRetrainPolicy(ctx, store.RetrainPolicy{Endpoint: p.Endpoint, MinLabels: p.Labels, Every: every, UpdatedAt: r.o.Clock.Now()}); err != nil {
			return nil, "", err
		}
		var when []string
		if every > 0 {
			when = append(when, "every "+every.String())
		}
		if p.Labels > 0 {
			when = append(when, fmt.Sprintf("once %d new labels arrived", p.Labels))
		}
		return map[string]string{"endpoint": p.Endpoint},
			fmt.Sprintf("%s is retrained by mlcycle server %s", p.Endpoint, strings.Join(when, " or ")), nil
	case *Alarm:
		if err := r.endpoint(ctx, p.Endpoint); err != nil {
			return nil, "", err
		}
		spec := p.spec()
		b, _ := json.Marshal(spec)
		al, err := a.Store.PutAlarm(ctx, p.Name, p.Endpoint, b, r.o.Clock.Now())
		if err != nil {
			return nil, "", err
		}
		return map[string]string{"name": al.Name, "state": al.State},
			fmt.Sprintf("alarm %s on %s: %s %s %g in %d of the last %d monitor runs (state %s)", al.Name, p.Endpoint, spec.Metric, spec.Op, spec.Threshold, spec.M, spec.N, al.State), nil
	}
	return nil, "", fmt.Errorf("unknown step kind %q", kind)
}

func (r *runner) endpoint(ctx context.Context, name string) error {
	_, err := r.a.Store.Endpoint(ctx, name)
	return err
}

// keyMetrics formats the headline metrics present in m.
func keyMetrics(m map[string]float64) string {
	var parts []string
	for _, k := range []string{"roc_auc", "recall", "precision", "accuracy", "f1", "r2", "rmse", "log_loss"} {
		if v, ok := m[k]; ok {
			parts = append(parts, fmt.Sprintf("%s %.4f", k, v))
		}
	}
	return strings.Join(parts, ", ")
}

func short(h string) string {
	if len(h) > 12 {
		return h[:12]
	}
	return h
}

// writeFile writes a report through a temporary file renamed into place.
func writeFile(path string, fn func(io.Writer) error) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	f, err := os.CreateTemp(filepath.Dir(path), ".tmp-"+filepath.Base(path))
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	if err := fn(f); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
}

// stringFields returns the step's parameters as text, for finding
// references.
func stringFields(s *Step) []string {
	b, _ := json.Marshal(s.params())
	return []string{string(b)}
}

func sortStrings(s []string) { sort.Strings(s) }
