// Package retrain closes the loop (`mlcycle retrain ENDPOINT`): it builds a
// new training dataset version from the champion's training data and the
// endpoint's labelled captured rows, retrains with the champion's recipe,
// evaluates challenger and champion on the newest labelled rows, and
// promotes the challenger — approval, alias move, endpoint switch, all in
// the registry's history — only when it passes the goal's gate and beats
// the champion on the goal's primary metric; otherwise it rejects the
// challenger with the reason. Each retraining is recorded as a run (kind
// retrain) with its outcome.
//
// Data: the labelled rows are ordered by prediction time; the newest
// RecentFrac of them (at least MinRecent rows) are kept out of training as
// the comparison window ("<endpoint>_recent"); the others
// ("<endpoint>_labeled") are appended to the champion's training version
// with a prep union step into "<training dataset>_retrain", whose lineage
// names both parents.
package retrain

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"time"

	"github.com/mlcycle/mlcycle/internal/blob"
	"github.com/mlcycle/mlcycle/internal/catalog"
	"github.com/mlcycle/mlcycle/internal/clock"
	"github.com/mlcycle/mlcycle/internal/config"
	"github.com/mlcycle/mlcycle/internal/dataengine"
	"github.com/mlcycle/mlcycle/internal/eval"
	"github.com/mlcycle/mlcycle/internal/fault"
	"github.com/mlcycle/mlcycle/internal/monitor"
	"github.com/mlcycle/mlcycle/internal/prep"
	"github.com/mlcycle/mlcycle/internal/registry"
	"github.com/mlcycle/mlcycle/internal/store"
	"github.com/mlcycle/mlcycle/internal/train"
	"github.com/mlcycle/mlcycle/predict"
)

// Service retrains endpoints' models.
type Service struct {
	Catalog  *catalog.Service
	Store    store.Store
	Blob     *blob.Store
	Registry *registry.Service
	Train    *train.Service
	Eval     *eval.Service
	Clock    clock.Clock  // default clock.Real
	Log      *slog.Logger // default: discard
}

// MinRecent is the fewest labelled rows of the comparison window.
const MinRecent = 20

// Options describe a retraining.
type Options struct {
	Endpoint string
	// Alias is the alias the promoted challenger takes; default champion.
	Alias string
	// Goal supplies the gate's criteria and the primary metric.
	Goal *config.Goal
	// RecentFrac is the share of the newest labelled rows kept for the
	// comparison; default 0.3.
	RecentFrac float64
	Actor      string
}

// Outcome is what a retraining did and why.
type Outcome struct {
	Run        int64  `json:"run"`
	Endpoint   string `json:"endpoint"`
	Champion   string `json:"champion"`
	Challenger string `json:"challenger"`
	// Labeled and Recent count the labelled rows added to training and
	// kept for the comparison; Data and RecentData name their versions.
	Labeled         int     `json:"labeled_rows"`
	Recent          int     `json:"recent_rows"`
	Data            string  `json:"training_data"`
	RecentData      string  `json:"recent_data"`
	Metric          string  `json:"metric"`
	ChampionValue   float64 `json:"champion_value"`
	ChallengerValue float64 `json:"challenger_value"`
	GatePassed      bool    `json:"gate_passed"`
	Promoted        bool    `json:"promoted"`
	Reason          string  `json:"reason"`
}

func (s *Service) log() *slog.Logger {
	if s.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return s.Log
}

func (s *Service) now() time.Time {
	if s.Clock == nil {
		return time.Now()
	}
	return s.Clock.Now()
}

// Retrain runs one retraining of the endpoint's model.
func (s *Service) Retrain(ctx context.Context, o Options) (*Outcome, error) {
	if o.Alias == "" {
		o.Alias = "champion"
	}
	if o.RecentFrac == 0 {
		o.RecentFrac = 0.3
	}
	if o.RecentFrac <= 0 || o.RecentFrac >= 1 {
		return nil, fault.Invalid("retrain: recent share %v is outside (0, 1)", o.RecentFrac)
	}
	if o.Goal == nil || len(o.Goal.Criteria) == 0 {
		return nil, fault.Invalid("retrain: the goal has no criteria to gate the challenger with: add goal.criteria to mlcycle.yaml")
	}
	ep, err := s.Store.Endpoint(ctx, o.Endpoint)
	if err != nil {
		return nil, err
	}
	champ, err := s.Registry.ForEndpoint(ctx, ep)
	if err != nil {
		return nil, err
	}
	pkg := champ.Model.Package()
	var recipe train.Recipe
	if err := json.Unmarshal(pkg.Recipe, &recipe); err != nil || len(pkg.Recipe) == 0 {
		return nil, fault.Invalid("retrain: %s@%d has no recipe to retrain with", ep.Model, ep.Version)
	}
	var trainRef string
	for _, in := range pkg.Lineage.Inputs {
		if in.Role == "train" {
			trainRef = fmt.Sprintf("%s@%d", in.Dataset, in.Version)
		}
	}
	if trainRef == "" {
		return nil, fault.Invalid("retrain: %s@%d does not name its training data", ep.Model, ep.Version)
	}
	out := &Outcome{Endpoint: ep.Name, Champion: fmt.Sprintf("%s@%d", ep.Model, ep.Version), Metric: eval.PrimaryMetric(pkg.Task, o.Goal)}

	opts, _ := json.Marshal(map[string]any{"endpoint": ep.Name, "champion": out.Champion, "alias": o.Alias, "recent_frac": o.RecentFrac})
	run, err := s.Store.CreateRun(ctx, store.NewRun{Name: "retrain-" + ep.Name, Kind: store.RunRetrain, Target: pkg.Target,
		Algo: pkg.Algo, Options: opts, StartedAt: s.now()})
	if err != nil {
		return nil, err
	}
	out.Run = run.ID
	err = s.retrain(ctx, o, ep, champ, pkg, recipe, trainRef, out)
	end := store.RunEnd{Status: store.RunSucceeded, FinishedAt: s.now()}
	if err != nil {
		end.Status, end.Error = store.RunFailed, err.Error()
	} else {
		end.Metrics, _ = json.Marshal(out)
	}
	if _, ferr := s.Store.FinishRun(context.WithoutCancel(ctx), run.ID, end); ferr != nil && err == nil {
		err = ferr
	}
	if err != nil {
		return nil, fmt.Errorf("retrain %s: %w", ep.Name, err)
	}
	return out, nil
}

func (s *Service) retrain(ctx context.Context, o Options, ep store.Endpoint, champ *registry.Resolved, pkg *predict.Package, recipe train.Recipe, trainRef string, out *Outcome) error {
	labels, err := s.Store.Labels(ctx, ep.Name, time.Time{}, time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC))
	if err != nil {
		return err
	}
	byID := make(map[string]store.Label, len(labels))
	for _, l := range labels {
		byID[l.InferenceID] = l
	}
	rows, err := monitor.ReadCaptured(ctx, s.Blob, ep.Name, func(id string) bool { _, ok := byID[id]; return ok })
	if err != nil {
		return err
	}
	nRecent := max(MinRecent, int(math.Round(o.RecentFrac*float64(len(rows)))))
	if len(rows) < nRecent+MinRecent {
		return fault.Invalid("%d labelled captured rows; retraining needs at least %d (%d to compare on, %d to learn from): send more feedback", len(rows), nRecent+MinRecent, nRecent, MinRecent)
	}
	sort.SliceStable(rows, func(i, j int) bool { return rows[i].Timestamp.Before(rows[j].Timestamp) })
	older, recent := rows[:len(rows)-nRecent], rows[len(rows)-nRecent:]

	tv, err := s.Catalog.Get(ctx, trainRef)
	if err != nil {
		return fmt.Errorf("the champion's training data: %w", err)
	}
	labeled, err := s.ingest(ctx, ep.Name+"_labeled", tv, pkg.Target, older, byID)
	if err != nil {
		return err
	}
	recentV, err := s.ingest(ctx, ep.Name+"_recent", tv, pkg.Target, recent, byID)
	if err != nil {
		return err
	}
	r, err := prep.Parse(fmt.Appendf(nil, "- union: {dataset: %q}\n", labeled))
	if err != nil {
		return err
	}
	res, err := prep.Run(ctx, s.Catalog, trainRef, r, tv.Dataset+"_retrain")
	if err != nil {
		return fmt.Errorf("training data + labelled rows: %w", err)
	}
	out.Labeled, out.Recent = len(older), len(recent)
	out.Data, out.RecentData = fmt.Sprintf("%s@%d", res.Dataset, res.Number()), recentV

	positive := ""
	if pkg.Task == predict.TaskBinary {
		positive = pkg.Classes[1]
	}
	tr, err := s.Train.Train(ctx, train.Options{Data: out.Data, Target: pkg.Target, Task: pkg.Task, Positive: positive,
		Recipe: recipe, ValidFrac: 0.2, Name: ep.Model + "-retrain", Budget: budget(o.Goal)})
	if err != nil {
		return fmt.Errorf("train the challenger: %w", err)
	}
	mv, err := s.Registry.Register(ctx, fmt.Sprint(tr.Run.ID), ep.Model, o.Actor, "retrained on "+out.Data)
	if err != nil {
		return err
	}
	out.Challenger = fmt.Sprintf("%s@%d", mv.Model, mv.Version)

	// Both on the newest labelled rows; the gate on the challenger.
	champRep, _, err := s.Eval.Evaluate(ctx, eval.Options{Model: fmt.Sprint(pkg.Lineage.RunID), Data: recentV, Goal: o.Goal, Record: true})
	if err != nil {
		return fmt.Errorf("evaluate the champion: %w", err)
	}
	chalRep, _, err := s.Eval.Evaluate(ctx, eval.Options{Model: fmt.Sprint(tr.Run.ID), Data: recentV, Goal: o.Goal, Gate: true, Record: true})
	if err != nil {
		return fmt.Errorf("evaluate the challenger: %w", err)
	}
	out.ChampionValue, out.ChallengerValue = champRep.Metrics[out.Metric], chalRep.Metrics[out.Metric]
	out.GatePassed = chalRep.Gate.Passed
	better := out.ChallengerValue > out.ChampionValue
	if !config.HigherIsBetter(out.Metric) {
		better = out.ChallengerValue < out.ChampionValue
	}
	switch {
	case !out.GatePassed:
		out.Reason = "the challenger does not pass the goal's gate on the newest labelled rows: " + failedLines(chalRep.Gate)
	case !better:
		out.Reason = fmt.Sprintf("the challenger does not beat the champion on %s over the newest %d labelled rows: %.4f vs %.4f", out.Metric, len(recent), out.ChallengerValue, out.ChampionValue)
	default:
		out.Promoted = true
		out.Reason = fmt.Sprintf("the challenger passes the gate and beats the champion on %s over the newest %d labelled rows: %.4f vs %.4f", out.Metric, len(recent), out.ChallengerValue, out.ChampionValue)
	}
	if !out.Promoted {
		_, err := s.Registry.Reject(ctx, out.Challenger, o.Actor, out.Reason)
		return err
	}
	if _, err := s.Registry.Approve(ctx, out.Challenger, o.Actor, out.Reason); err != nil {
		return err
	}
	if _, err := s.Registry.Alias(ctx, out.Challenger, o.Alias, o.Actor, out.Reason); err != nil {
		return err
	}
	_, err = s.Registry.Deploy(ctx, out.Challenger, ep.Name, registry.DeployOpts{Actor: o.Actor, Reason: out.Reason})
	return err
}

func budget(g *config.Goal) time.Duration {
	return time.Duration(g.Budget.TrainSeconds * float64(time.Second))
}

func failedLines(g *eval.Gate) string {
	var s string
	for _, l := range g.Lines {
		if l.Pass {
			continue
		}
		if s != "" {
			s += "; "
		}
		s += l.Criterion
		if l.Value != nil {
			s += fmt.Sprintf(" (%.4g)", *l.Value)
		}
	}
	return s
}

// ingest writes labelled captured rows as a CSV with the training
// version's columns (the label in the target column) and adds it to the
// catalog as dataset name, with the training version's column types.
func (s *Service) ingest(ctx context.Context, name string, tv catalog.Version, target string, rows []monitor.Captured, labels map[string]store.Label) (string, error) {
	dir, err := os.MkdirTemp(s.Blob.StagingDir(), "retrain-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, name+".csv")
	f, err := os.Create(path)
	if err != nil {
		return "", err
	}
	w := csv.NewWriter(f)
	types := map[string]string{}
	head := make([]string, len(tv.Columns))
	for i, c := range tv.Columns {
		head[i] = c.Name
		types[c.Name] = c.Type
		if c.Type == dataengine.TypeInteger {
			// Served requests may carry 99.2 for an integer column; the
			// union step casts to the training type.
			types[c.Name] = dataengine.TypeFloat
		}
	}
	w.Write(head)
	rec := make([]string, len(head))
	for _, r := range rows {
		for i, c := range tv.Columns {
			if c.Name == target {
				rec[i] = labels[r.InferenceID].Value
				continue
			}
			rec[i] = cell(r.Input[c.Name])
		}
		w.Write(rec)
	}
	w.Flush()
	if err := w.Error(); err != nil {
		f.Close()
		return "", err
	}
	if err := f.Close(); err != nil {
		return "", err
	}
	v, err := s.Catalog.Add(ctx, path, catalog.AddOpts{Name: name, IngestOpts: dataengine.IngestOpts{Types: types}})
	if err != nil {
		return "", fmt.Errorf("record %s: %w", name, err)
	}
	return fmt.Sprintf("%s@%d", v.Dataset, v.Number()), nil
}

// cell writes a captured JSON value as a CSV cell.
func cell(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64) // no exponent: integer columns parse exactly
	case bool:
		return strconv.FormatBool(x)
	case string:
		return x
	}
	b, _ := json.Marshal(v)
	return string(b)
}
