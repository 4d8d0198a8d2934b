package cli

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib"
	"github.com/mlcycle/mlcycle/internal/catalog/catalogtest"
	"github.com/spf13/cobra"
)

// run executes a command line in dir with the given extra environment and
// returns the exit code, stdout and stderr.
func run(t *testing.T, dir string, env map[string]string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	e := Env{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb, Dir: dir,
		Getenv: func(k string) string { return env[k] }}
	code := Run(context.Background(), args, e)
	return code, out.String(), errb.String()
}

func mustRun(t *testing.T, dir string, env map[string]string, args ...string) string {
	t.Helper()
	code, out, errs := run(t, dir, env, args...)
	if code != 0 {
		t.Fatalf("mlcycle %s: exit %d\nstdout: %s\nstderr: %s", strings.Join(args, " "), code, out, errs)
	}
	return out
}

// TestWalkthrough runs the user story end to end.
func TestWalkthrough(t *testing.T) {
	t.Parallel()
	walkthrough(t, nil)
}

// TestWalkthroughPostgres runs it with the catalog on PostgreSQL.
func TestWalkthroughPostgres(t *testing.T) {
	t.Parallel()
	url := os.Getenv("MLCYCLE_TEST_POSTGRES_URL")
	if url == "" {
		t.Skip("MLCYCLE_TEST_POSTGRES_URL not set: no PostgreSQL to test against")
	}
	db, err := sql.Open("pgx", url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var b [6]byte
	rand.Read(b[:])
	schema := "cli_" + hex.EncodeToString(b[:])
	if _, err := db.Exec("CREATE SCHEMA " + schema); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Exec("DROP SCHEMA " + schema + " CASCADE") })
	sep := "?"
	if strings.Contains(url, "?") {
		sep = "&"
	}
	storeURL := url + sep + "search_path=" + schema
	walkthrough(t, map[string]string{"MLCYCLE_STORE": storeURL})
	// The catalog really is in PostgreSQL.
	var n int
	if err := db.QueryRow("SELECT count(*) FROM " + schema + ".versions").Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 5 { // churn, churn_clean, _train, _test, roundtrip
		t.Errorf("PostgreSQL holds %d versions, want 5", n)
	}
}

func walkthrough(t *testing.T, env map[string]string) {
	root := t.TempDir()
	src, err := os.ReadFile(filepath.Join(catalogtest.Testdata(), "..", "internal", "demo", "mlc_churn.csv"))
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(root, "mlc_churn.csv"), src, 0o644)
	mustRun(t, root, env, "init", "churn-project")
	proj := filepath.Join(root, "churn-project")
	if _, err := os.Stat(filepath.Join(proj, "mlcycle.yaml")); err != nil {
		t.Fatal(err)
	}
	cfg, _ := os.ReadFile(filepath.Join(proj, "mlcycle.yaml"))
	if !strings.Contains(string(cfg), "name: churn-project") || !strings.Contains(string(cfg), "# goal:") {
		t.Errorf("mlcycle.yaml lacks the name or the goal example:\n%s", cfg)
	}

	var add struct {
		Name        string `json:"name"`
		Version     int    `json:"version"`
		ContentHash string `json:"content_hash"`
		Rows        int64  `json:"rows"`
		Columns     []struct{ Name, Type string }
	}
	out := mustRun(t, proj, env, "data", "add", "../mlc_churn.csv", "--name", "churn", "--json")
	if err := json.Unmarshal([]byte(out), &add); err != nil {
		t.Fatalf("data add --json: %v\n%s", err, out)
	}
	// The README of shared/datasets gives this sha256 for mlc_churn.csv.
	if add.Name != "churn" || add.Version != 1 || add.Rows != 5000 || len(add.Columns) != 20 ||
		add.ContentHash != "7eaf98ebcdf529c260539b939b6d1e8f5001b9d3d5266810560ba070c5bc2046" {
		t.Errorf("data add = %+v", add)
	}
	if c := add.Columns[19]; c.Name != "churn" || c.Type != "categorical" {
		t.Errorf("last column = %+v, want churn categorical", c)
	}

	// A subdirectory finds the project like git does.
	sub := filepath.Join(proj, "notebooks", "deep")
	os.MkdirAll(sub, 0o755)
	if out := mustRun(t, sub, env, "data", "list"); !strings.Contains(out, "churn") || !strings.Contains(out, "5000") {
		t.Errorf("data list from a subdirectory:\n%s", out)
	}
	// And --project / MLCYCLE_PROJECT name it from anywhere.
	if out := mustRun(t, root, env, "--project", proj, "data", "list", "--json"); !strings.Contains(out, `"name": "churn"`) {
		t.Errorf("data list --project:\n%s", out)
	}
	env2 := map[string]string{"MLCYCLE_PROJECT": proj}
	for k, v := range env {
		env2[k] = v
	}
	mustRun(t, root, env2, "data", "list")

	out = mustRun(t, proj, env, "data", "show", "churn")
	for _, w := range []string{"churn@1", "Rows:      5000", "Columns:   20", "mlc_churn.csv", "7eaf98ebcdf5", "churn ", "no (4293)"} {
		if !strings.Contains(out, w) {
			t.Errorf("data show lacks %q:\n%s", w, out)
		}
	}
	var show struct {
		Profile []struct {
			Name     string
			Distinct int64
			Missing  int64
			Mean     *float64
		}
	}
	if err := json.Unmarshal([]byte(mustRun(t, proj, env, "data", "show", "churn@1", "--json")), &show); err != nil {
		t.Fatal(err)
	}
	if p := show.Profile[19]; p.Name != "churn" || p.Distinct != 2 || p.Missing != 0 {
		t.Errorf("profile of churn = %+v, want 2 distinct, 0 missing", p)
	}

	var head struct {
		Rows [][]any `json:"rows"`
	}
	if err := json.Unmarshal([]byte(mustRun(t, proj, env, "data", "head", "churn", "-n", "5", "--json")), &head); err != nil {
		t.Fatal(err)
	}
	if len(head.Rows) != 5 || head.Rows[0][0] != "KS" || head.Rows[0][1] != float64(128) {
		t.Errorf("data head -n 5 rows = %v", head.Rows)
	}
	if out := mustRun(t, proj, env, "data", "head", "churn", "-n", "2"); len(strings.Split(strings.TrimSpace(out), "\n")) != 3 {
		t.Errorf("data head -n 2 printed:\n%s", out)
	}

	recipe := filepath.Join(proj, "clean.yaml")
	os.WriteFile(recipe, []byte("- cast: {area_code: categorical}\n- derive: {name: total_charge, expr: \"total_day_charge + total_eve_charge\"}\n- dedupe: {}\n"), 0o644)
	out = mustRun(t, proj, env, "data", "prep", "churn", "--recipe", "clean.yaml", "--out", "churn_clean", "--json")
	if !strings.Contains(out, `"name": "churn_clean"`) || !strings.Contains(out, `"total_charge"`) {
		t.Errorf("data prep --json:\n%s", out)
	}

	var parts struct {
		Parts []struct {
			Name    string
			Version int
			Rows    int64
			Columns []struct{ Name, Type string }
		}
	}
	out = mustRun(t, proj, env, "data", "split", "churn_clean", "--test", "0.2", "--stratify", "churn", "--seed", "7", "--json")
	if err := json.Unmarshal([]byte(out), &parts); err != nil {
		t.Fatal(err)
	}
	if len(parts.Parts) != 2 || parts.Parts[0].Name != "churn_clean_train" || parts.Parts[0].Rows != 4000 ||
		parts.Parts[1].Name != "churn_clean_test" || parts.Parts[1].Rows != 1000 || len(parts.Parts[1].Columns) != 21 {
		t.Errorf("data split --json = %+v", parts)
	}

	out = mustRun(t, proj, env, "data", "lineage", "churn_clean_test")
	for _, w := range []string{"churn_clean_test@1", "churn_clean@1", "churn@1", "mlc_churn.csv"} {
		if !strings.Contains(out, w) {
			t.Errorf("data lineage lacks %q:\n%s", w, out)
		}
	}
	var node struct {
		Dataset string
		Parents []struct {
			Dataset string
			Parents []struct{ Dataset, Kind, Source string }
		}
	}
	json.Unmarshal([]byte(mustRun(t, proj, env, "data", "lineage", "churn_clean_test", "--json")), &node)
	if node.Parents[0].Dataset != "churn_clean" || node.Parents[0].Parents[0].Kind != "ingest" {
		t.Errorf("lineage --json = %+v", node)
	}

	mustRun(t, proj, env, "data", "export", "churn_clean", "--to", "out.parquet")
	mustRun(t, proj, env, "data", "export", "churn_clean_test", "--to", "test.csv")
	csv, _ := os.ReadFile(filepath.Join(proj, "test.csv"))
	if n := strings.Count(string(csv), "\n"); n != 1001 {
		t.Errorf("exported CSV has %d lines, want 1001", n)
	}
	// Re-ingesting the export gives the same rows.
	out = mustRun(t, proj, env, "data", "add", "out.parquet", "--name", "roundtrip", "--json")
	if !strings.Contains(out, `"rows": 5000`) {
		t.Errorf("re-ingested export:\n%s", out)
	}
}

func TestExitCodes(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	mustRun(t, root, nil, "init", "p")
	proj := filepath.Join(root, "p")
	tests := []struct {
		args []string
		code int
		want string // in stderr, or stdout with --json
	}{
		{[]string{"bogus"}, 2, `unknown command "bogus"`},
		{[]string{"data", "bogus"}, 2, `unknown command "bogus"`},
		{[]string{"data", "list", "--nope"}, 2, "unknown flag: --nope"},
		{[]string{"data", "head"}, 2, "takes 1 argument"},
		{[]string{"data", "split", "x"}, 2, "needs --test"},
		{[]string{"data", "head", "nothing"}, 1, `dataset "nothing" not found`},
		{[]string{"data", "add", "missing.csv"}, 1, "no such file"},
		{[]string{"data", "add", "missing.csv", "--json"}, 1, `"kind": "not_found"`},
		{[]string{"data", "show", "bad name"}, 1, "not a safe identifier"},
		{[]string{"--log-level", "loud", "data", "list"}, 2, "--log-level"},
		{[]string{"init", "p"}, 1, "already exists"},
	}
	for _, tc := range tests {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			dir := proj
			if tc.args[0] == "init" {
				dir = root
			}
			code, out, errs := run(t, dir, nil, tc.args...)
			if code != tc.code {
				t.Errorf("exit = %d, want %d (stderr %q)", code, tc.code, errs)
			}
			if !strings.Contains(errs+out, tc.want) {
				t.Errorf("output lacks %q:\nstdout: %s\nstderr: %s", tc.want, out, errs)
			}
		})
	}
	// Outside any project.
	code, _, errs := run(t, t.TempDir(), nil, "data", "list")
	if code != 1 || !strings.Contains(errs, "no mlcycle.yaml") {
		t.Errorf("data list outside a project: exit %d, stderr %q", code, errs)
	}
}

// TestHelpEverywhere runs --help on every command.
func TestHelpEverywhere(t *testing.T) {
	t.Parallel()
	var walk func(c *cobra.Command)
	var paths [][]string
	walk = func(c *cobra.Command) {
		parts := strings.Fields(c.CommandPath())[1:]
		paths = append(paths, parts)
		for _, sub := range c.Commands() {
			if !sub.Hidden && sub.Name() != "help" {
				walk(sub)
			}
		}
	}
	walk(newRoot(&state{}))
	if len(paths) < 11 {
		t.Fatalf("found %d commands, want at least 11", len(paths))
	}
	for _, p := range paths {
		args := append(append([]string{}, p...), "--help")
		code, out, _ := run(t, t.TempDir(), nil, args...)
		if code != 0 || !strings.Contains(out, "Usage:") {
			t.Errorf("mlcycle %s: exit %d, output %q", strings.Join(args, " "), code, out)
		}
	}
}

func TestDemo(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	var rep struct {
		Steps []struct {
			Name, Result string
		}
	}
	out := mustRun(t, dir, nil, "demo", "--dir", "d", "--json")
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatal(err)
	}
	if len(rep.Steps) != 18 || !strings.Contains(rep.Steps[2].Result, "churn_clean_train@1: 4000 rows") || !strings.HasPrefix(rep.Steps[6].Result, "ml_needed") ||
		!strings.HasPrefix(rep.Steps[7].Result, "run 1: best round") || !strings.Contains(rep.Steps[8].Result, "PASS roc_auc >= 0.85") ||
		!strings.Contains(rep.Steps[12].Result, ", 0 drifted features") || !strings.Contains(rep.Steps[15].Result, "alarm churn-drift → ALARM") ||
		!strings.Contains(rep.Steps[16].Result, "5000 labels recorded") || !strings.Contains(rep.Steps[17].Result, "promoted churn@2") {
		t.Errorf("demo steps = %+v", rep.Steps)
	}
	// A second run reuses the project's data versions (the loop makes new
	// runs and model versions).
	out = mustRun(t, dir, nil, "demo", "--dir", "d")
	if !strings.Contains(out, "churn@1: 5000 rows") || strings.Contains(out, "churn@2: 5000 rows") {
		t.Errorf("second demo run:\n%s", out)
	}
}

// TestEDAAndFrame runs eda and frame on the demo dataset with the issue's
// goal in mlcycle.yaml.
func TestEDAAndFrame(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	mustRun(t, root, nil, "demo", "--dir", "p")
	proj := filepath.Join(root, "p")
	cfg := []byte("name: p\n")
	goal := "goal:\n  target: churn\n  positive: \"yes\"\n  criteria:\n    - metric: roc_auc\n      min: 0.85\n    - business: roi\n      min: 2\n  value: {tp: 120, fp: -15, fn: -120, tn: 0}\n"
	os.WriteFile(filepath.Join(proj, "mlcycle.yaml"), append(cfg, goal...), 0o644)

	out := mustRun(t, proj, nil, "eda", "churn_clean_train", "--out", "eda.html")
	for _, w := range []string{"churn_clean_train@1: 4000 rows × 22 columns", "POWER", "(target)", "Target churn (binary)", "Report: "} {
		if !strings.Contains(out, w) {
			t.Errorf("eda output lacks %q:\n%s", w, out)
		}
	}
	html, err := os.ReadFile(filepath.Join(proj, "eda.html"))
	if err != nil || !strings.Contains(string(html), "<svg") {
		t.Errorf("report not written or without charts (%v)", err)
	}
	var prof struct {
		Rows   int64
		Target struct{ Column, Task string }
	}
	if err := json.Unmarshal([]byte(mustRun(t, proj, nil, "eda", "churn", "--json")), &prof); err != nil {
		t.Fatal(err)
	}
	if prof.Rows != 5000 || prof.Target.Column != "churn" || prof.Target.Task != "binary" {
		t.Errorf("eda --json = %+v", prof)
	}
	if _, err := os.Stat(filepath.Join(proj, "churn_v1_eda.html")); err != nil {
		t.Errorf("default report path: %v", err)
	}
	out = mustRun(t, proj, nil, "frame", "churn")
	for _, w := range []string{"binary task", "positive class \"yes\"", "MAJORITY", "ONE_RULE", "roc_auc >= 0.85", "Verdict: ml_needed"} {
		if !strings.Contains(out, w) {
			t.Errorf("frame output lacks %q:\n%s", w, out)
		}
	}
	var fr struct {
		Verdict   string
		Baselines []struct{ Name string }
	}
	if err := json.Unmarshal([]byte(mustRun(t, proj, nil, "frame", "churn", "--json")), &fr); err != nil {
		t.Fatal(err)
	}
	if fr.Verdict != "ml_needed" || len(fr.Baselines) != 3 {
		t.Errorf("frame --json = %+v", fr)
	}
	if code, _, errs := run(t, proj, nil, "eda", "churn", "--target", "nope"); code != 1 || !strings.Contains(errs, `no column "nope"`) {
		t.Errorf("eda --target nope: exit %d, %s", code, errs)
	}
	// A broken goal is reported with its path.
	os.WriteFile(filepath.Join(proj, "mlcycle.yaml"), append(cfg, "goal:\n  criteria:\n    - metric: recal\n      min: 0.6\n"...), 0o644)
	if code, _, errs := run(t, proj, nil, "frame", "churn"); code != 1 || !strings.Contains(errs, `goal.criteria[0].metric: unknown metric "recal"`) {
		t.Errorf("broken goal: exit %d, %s", code, errs)
	}
}
