package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/mlcycle/mlcycle/internal/demo"
	"github.com/mlcycle/mlcycle/internal/pipeline"
)

// pipelineProject makes a project holding the demo's goal and a copy of the
// committed example pipeline beside copies of the files it names, laid out
// as in the repository (examples/, internal/demo/), so the example runs
// as committed without writing into the repository.
func pipelineProject(t *testing.T) (proj, example string) {
	t.Helper()
	root := t.TempDir()
	mustRun(t, root, nil, "init", "p")
	proj = filepath.Join(root, "p")
	if err := appendGoal(filepath.Join(proj, "mlcycle.yaml")); err != nil {
		t.Fatal(err)
	}
	src, err := os.ReadFile("../../examples/churn-pipeline.yaml")
	if err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{
		"examples/churn-pipeline.yaml":    src,
		"internal/demo/mlc_churn.csv":     demo.ChurnCSV,
		"internal/demo/clean.yaml":        demo.CleanRecipe,
		"examples/baseline-pipeline.yaml": []byte(baselinePipeline),
	}
	for name, b := range files {
		p := filepath.Join(root, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return proj, filepath.Join(root, "examples", "churn-pipeline.yaml")
}

// baselinePipeline trains the class-prior baseline, whose roc_auc of 0.5
// fails the demo goal's gate (roc_auc >= 0.85): the register step after it
// must not run.
const baselinePipeline = `name: churn-baseline
steps:
  - id: ingest
    ingest: {source: ../internal/demo/mlc_churn.csv, name: churn}
  - id: split
    split: {input: "${steps.ingest.ref}", test: 0.2, stratify: churn, seed: 7}
  - id: train
    train: {data: "${steps.split.train}", algo: baseline, name: churn-prior}
  - id: evaluate
    eval: {model: train, data: "${steps.split.test}", gate: true, out: reports/baseline_eval.html}
  - id: register
    register: {run: train, name: churn_prior}
`

func runPipeline(t *testing.T, proj, file string, wantCode int) pipeline.Result {
	t.Helper()
	code, out, errs := run(t, proj, nil, "pipeline", "run", file, "--json")
	var res pipeline.Result
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("pipeline run --json: exit %d, %v\nstdout: %s\nstderr: %s", code, err, out, errs)
	}
	if code != wantCode {
		t.Fatalf("pipeline run: exit %d, want %d\nstdout: %s\nstderr: %s", code, wantCode, out, errs)
	}
	return res
}

func statuses(r pipeline.Result) map[string]string {
	m := map[string]string{}
	for _, s := range r.Steps {
		m[s.ID] = s.Status
	}
	return m
}

// TestPipelineRun runs the committed example (every step kind), runs it
// again (every step cached), changes the training parameters (training and
// the steps whose inputs change with it re-run) and runs a pipeline whose
// gate fails (it stops there, exit 1).
func TestPipelineRun(t *testing.T) {
	t.Parallel()
	proj, file := pipelineProject(t)
	all := func(status string) map[string]string {
		m := map[string]string{}
		for _, id := range []string{"ingest", "clean", "split", "eda", "frame", "train", "evaluate", "register", "deploy", "monitor", "retrain", "drift-alarm"} {
			m[id] = status
		}
		return m
	}

	first := runPipeline(t, proj, file, 0)
	if diff := cmp.Diff(all(pipeline.StatusRan), statuses(first)); diff != "" {
		t.Fatalf("first run's steps (-want +got):\n%s", diff)
	}
	out := map[string]map[string]string{}
	for _, s := range first.Steps {
		out[s.ID] = s.Outputs
		t.Logf("%s %s: %s", s.Status, s.ID, s.Summary)
	}
	if got, want := out["split"]["train"], "churn_clean_train@1"; got != want {
		t.Errorf("split train part = %q, want %q", got, want)
	}
	if got, want := out["evaluate"]["passed"], "true"; got != want {
		t.Errorf("evaluate passed = %q, want %q", got, want)
	}
	if got, want := out["register"]["ref"], "churn@1"; got != want {
		t.Errorf("register ref = %q, want %q", got, want)
	}
	if got, want := out["deploy"]["ref"], "churn@1"; got != want {
		t.Errorf("deploy ref = %q, want %q", got, want)
	}
	for _, id := range []string{"eda", "evaluate"} {
		if _, err := os.Stat(out[id]["report"]); err != nil {
			t.Errorf("%s report: %v", id, err)
		}
	}
	// The services did their part: endpoint, schedule, policy, alarm.
	for _, args := range [][]string{{"endpoints", "list"}, {"monitor", "schedules"}, {"alarm", "list"}} {
		if o := mustRun(t, proj, nil, args...); !strings.Contains(o, "churn") {
			t.Errorf("mlcycle %s: no churn in\n%s", strings.Join(args, " "), o)
		}
	}

	second := runPipeline(t, proj, file, 0)
	if diff := cmp.Diff(all(pipeline.StatusCached), statuses(second)); diff != "" {
		t.Errorf("second run's steps (-want +got):\n%s", diff)
	}
	if second.Previous != first.Run {
		t.Errorf("second run's cache = run %d, want run %d", second.Previous, first.Run)
	}
	for i := range first.Steps {
		if a, b := first.Steps[i], second.Steps[i]; a.Hash != b.Hash || !cmp.Equal(a.Outputs, b.Outputs) {
			t.Errorf("step %s: hash %s → %s, outputs %v → %v", a.ID, a.Hash, b.Hash, a.Outputs, b.Outputs)
		}
	}

	// Fewer boosting rounds: training and what depends on its run re-run;
	// the data steps and the endpoint's schedule, policy and alarm
	// (parameters unchanged) stay cached.
	src, _ := os.ReadFile(file)
	changed := strings.Replace(string(src), "n_estimators: 300", "n_estimators: 250", 1)
	if changed == string(src) {
		t.Fatal("example has no n_estimators: 300 to change")
	}
	if err := os.WriteFile(file, []byte(changed), 0o644); err != nil {
		t.Fatal(err)
	}
	third := runPipeline(t, proj, file, 0)
	want := all(pipeline.StatusCached)
	for _, id := range []string{"train", "evaluate", "register", "deploy"} {
		want[id] = pipeline.StatusRan
	}
	if diff := cmp.Diff(want, statuses(third)); diff != "" {
		t.Errorf("run after a parameter change (-want +got):\n%s", diff)
	}
	if got, want := third.Steps[7].Outputs["ref"], "churn@2"; got != want {
		t.Errorf("register after the change = %q, want %q", got, want)
	}

	// A failed gate stops the pipeline and names the criterion.
	base := filepath.Join(filepath.Dir(file), "baseline-pipeline.yaml")
	failed := runPipeline(t, proj, base, 1)
	if got := statuses(failed); got["evaluate"] != pipeline.StatusFailed || len(got) != 4 {
		t.Errorf("gate failure: steps %v, want evaluate failed and register not run", got)
	}
	if e := failed.Steps[3].Error; !strings.Contains(e, "roc_auc") || !strings.Contains(e, "not met") {
		t.Errorf("gate failure error = %q, want the failed criterion roc_auc named", e)
	}
	code, o, errs := run(t, proj, nil, "pipeline", "run", base)
	t.Logf("gate failure, text output:\n%s%s", o, errs)
	if code != 1 || !strings.Contains(errs, "roc_auc") || !strings.Contains(o, "failed") {
		t.Errorf("pipeline run (text) of a failing gate: exit %d\nstdout: %s\nstderr: %s", code, o, errs)
	}

	// Every run is recorded.
	var runs []struct {
		ID     int64  `json:"run"`
		Name   string `json:"name"`
		Kind   string `json:"kind"`
		Status string `json:"status"`
	}
	if err := json.Unmarshal([]byte(mustRun(t, proj, nil, "runs", "list", "--kind", "pipeline", "--json")), &runs); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range runs {
		got = append(got, r.Name+" "+r.Status)
	}
	if diff := cmp.Diff([]string{"churn-baseline failed", "churn-baseline failed", "churn succeeded", "churn succeeded", "churn succeeded"}, got); diff != "" {
		t.Errorf("runs list --kind pipeline (-want +got):\n%s", diff)
	}

	// --no-cache runs every step again.
	code, o, errs = run(t, proj, nil, "pipeline", "run", file, "--no-cache", "--json")
	var forced pipeline.Result
	if err := json.Unmarshal([]byte(o), &forced); err != nil || code != 0 {
		t.Fatalf("pipeline run --no-cache: exit %d, %v\n%s", code, err, errs)
	}
	if diff := cmp.Diff(all(pipeline.StatusRan), statuses(forced)); diff != "" {
		t.Errorf("--no-cache run's steps (-want +got):\n%s", diff)
	}
}

func TestPipelineValidate(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	example, err := filepath.Abs("../../examples/churn-pipeline.yaml")
	if err != nil {
		t.Fatal(err)
	}
	out := mustRun(t, dir, nil, "pipeline", "validate", example)
	if !strings.Contains(out, "12 steps, valid") {
		t.Errorf("validate example: %s", out)
	}
	bad := filepath.Join(dir, "bad.yaml")
	os.WriteFile(bad, []byte("name: p\nsteps:\n  - id: t\n    train: {data: d, algo: svm, colour: red}\n"), 0o644)
	code, _, errs := run(t, dir, nil, "pipeline", "validate", bad)
	if code != 1 || !strings.Contains(errs, "field colour not found") || !strings.Contains(errs, `steps[0].train.algo: "svm"`) {
		t.Errorf("validate bad: exit %d, stderr %s", code, errs)
	}
}
