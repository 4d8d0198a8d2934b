package cli

import (
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/mlcycle/mlcycle/internal/catalog/catalogtest"
)

// decode unmarshals a command's --json output, failing t on error.
func decode[T any](t *testing.T, out string) T {
	t.Helper()
	var v T
	if err := json.Unmarshal([]byte(out), &v); err != nil {
		t.Fatalf("decode %T: %v\n%s", v, err, out)
	}
	return v
}

// TestModelRegistry runs register → approve → alias → deploy → endpoints
// → history from the command line.
func TestModelRegistry(t *testing.T) {
	t.Parallel()
	modelRegistry(t, nil)
}

// TestModelRegistryPostgres runs it with the metadata store on PostgreSQL.
func TestModelRegistryPostgres(t *testing.T) {
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
	schema := "cli_model_" + hex.EncodeToString(b[:])
	if _, err := db.Exec("CREATE SCHEMA " + schema); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Exec("DROP SCHEMA " + schema + " CASCADE") })
	sep := "?"
	if strings.Contains(url, "?") {
		sep = "&"
	}
	modelRegistry(t, map[string]string{"MLCYCLE_STORE": url + sep + "search_path=" + schema})
	var n int
	if err := db.QueryRow("SELECT count(*) FROM " + schema + ".model_events").Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 9 { // 2 register, approve, 2 alias, 2 deploy, unalias, undeploy
		t.Errorf("PostgreSQL holds %d model events, want 9", n)
	}
}

// modelProject makes a project with credit_train and two training runs:
// 1 (gbdt) and 2 (baseline, named prior). env holds the environment of
// every command: MLCYCLE_USER=ann and extra.
func modelProject(t *testing.T, extra map[string]string) (proj string, env map[string]string) {
	t.Helper()
	env = map[string]string{"MLCYCLE_USER": "ann"}
	for k, v := range extra {
		env[k] = v
	}
	root := t.TempDir()
	mustRun(t, root, env, "init", "p")
	proj = filepath.Join(root, "p")
	if err := os.WriteFile(filepath.Join(proj, "mlcycle.yaml"), []byte("name: p\ngoal:\n  target: status\n  positive: bad\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	mustRun(t, proj, env, "data", "add", filepath.Join(catalogtest.Testdata(), "eval", "credit_train.csv"))
	mustRun(t, proj, env, "train", "credit_train", "--params", "max_depth=3,n_estimators=20")
	mustRun(t, proj, env, "train", "credit_train", "--algo", "baseline", "--name", "prior")
	return proj, env
}

// TestModelConcurrentCLI runs deploys and alias moves at once, each
// command with its own connections to the SQLite file as separate
// processes would: none fails (no "database is locked"), and every change
// gets its own generation and history entry.
func TestModelConcurrentCLI(t *testing.T) {
	t.Parallel()
	proj, env := modelProject(t, nil)
	mustRun(t, proj, env, "model", "register", "1", "--name", "churn")
	mustRun(t, proj, env, "model", "register", "2", "--name", "churn")
	mustRun(t, proj, env, "model", "approve", "churn@1")
	mustRun(t, proj, env, "model", "approve", "churn@2")
	const n = 8
	var wg sync.WaitGroup
	errs := make([]string, n)
	for i := range n {
		wg.Go(func() {
			args := []string{"deploy", fmt.Sprintf("churn@%d", i%2+1), "--endpoint", "churn"}
			if i%2 == 1 {
				args = []string{"model", "alias", fmt.Sprintf("churn@%d", i/2%2+1), "champion"}
			}
			if code, out, stderr := run(t, proj, env, args...); code != 0 {
				errs[i] = fmt.Sprintf("mlcycle %s: exit %d: %s%s", strings.Join(args, " "), code, out, stderr)
			}
		})
	}
	wg.Wait()
	for _, e := range errs {
		if e != "" {
			t.Error(e)
		}
	}
	ep := decode[endpointShowJSON](t, mustRun(t, proj, env, "endpoints", "show", "churn", "--json"))
	if ep.Endpoint == nil || ep.Endpoint.Generation != n/2 || len(ep.Served) != n/2 {
		t.Errorf("after %d concurrent deploys: %+v", n/2, ep)
	}
}

func modelRegistry(t *testing.T, extra map[string]string) {
	proj, env := modelProject(t, extra)

	v1 := decode[modelVersionJSON](t, mustRun(t, proj, env, "model", "register", "1", "--name", "churn", "--reason", "first", "--json"))
	if v1.Ref != "churn@1" || v1.Status != "pending" || v1.Run != 1 || v1.Task != "binary" || v1.Metrics["valid"]["roc_auc"] < 0.7 {
		t.Errorf("model register --json = %+v", v1)
	}
	out := mustRun(t, proj, env, "model", "register", "prior", "--name", "churn")
	if !strings.Contains(out, "registered churn@2 from run 2") {
		t.Errorf("model register output %q", out)
	}

	errCases := []struct {
		args []string
		code int
		says []string
	}{
		{[]string{"model", "register", "1", "--name", "churn"}, 1, []string{"run 1", "already recorded"}},
		{[]string{"model", "register", "1"}, 2, []string{"--name"}},
		{[]string{"model", "register", "99", "--name", "churn"}, 1, []string{"run 99", "not found"}},
		{[]string{"deploy", "churn@1", "--endpoint", "churn"}, 1, []string{"pending", "--force", "mlcycle model approve churn@1"}},
		{[]string{"deploy", "churn@1", "--capture-percent", "150"}, 2, []string{"capture percent"}},
		{[]string{"model", "reject", "churn@2"}, 1, []string{"--reason"}},
		{[]string{"model", "show", "nope"}, 1, []string{`model "nope"`, "not found"}},
		{[]string{"model", "show", "churn@7"}, 1, []string{"version 7", "not found"}},
		{[]string{"model", "show", "churn@"}, 1, []string{"nothing after @"}},
		{[]string{"model", "alias", "churn@1", "latest"}, 1, []string{"reserved"}},
		{[]string{"endpoints", "show", "nope"}, 1, []string{`endpoint "nope"`, "not found"}},
		{[]string{"endpoints", "show", "churn", "--at", "yesterday"}, 2, []string{"--at"}},
	}
	for _, c := range errCases {
		code, _, errs := run(t, proj, env, c.args...)
		if code != c.code {
			t.Errorf("mlcycle %s: exit %d, want %d (stderr %q)", strings.Join(c.args, " "), code, c.code, errs)
		}
		for _, s := range c.says {
			if !strings.Contains(errs, s) {
				t.Errorf("mlcycle %s: stderr %q does not say %q", strings.Join(c.args, " "), errs, s)
			}
		}
	}
	// --json errors are JSON with the error's kind.
	code, out, _ := run(t, proj, env, "model", "show", "nope", "--json")
	if e := decode[map[string]string](t, out); code != 1 || e["kind"] != "not_found" {
		t.Errorf("model show nope --json: exit %d, %v", code, e)
	}

	if ap := decode[modelVersionJSON](t, mustRun(t, proj, env, "model", "approve", "churn@1", "--reason", "holdout ok", "--json")); ap.Status != "approved" {
		t.Errorf("model approve = %+v", ap)
	}
	if out := mustRun(t, proj, env, "model", "alias", "churn@1", "champion"); !strings.Contains(out, "churn@champion → churn@1") {
		t.Errorf("model alias output %q", out)
	}
	mustRun(t, proj, env, "model", "alias", "churn@2", "challenger")

	ep1 := decode[endpointJSON](t, mustRun(t, proj, env, "deploy", "churn@champion", "--json"))
	if ep1.Name != "churn" || ep1.Ref != "churn@1" || ep1.Generation != 1 || ep1.Config.CapturePercent != 100 {
		t.Errorf("deploy churn@champion = %+v", ep1)
	}
	time.Sleep(2 * time.Millisecond) // distinct deploy times, to ask what served when
	ep2 := decode[endpointJSON](t, mustRun(t, proj, env, "deploy", "churn@challenger", "--endpoint", "churn", "--force", "--reason", "canary", "--capture-percent", "10", "--json"))
	if ep2.Ref != "churn@2" || ep2.Generation != 2 || ep2.Config.CapturePercent != 10 || !ep2.CreatedAt.Equal(ep1.CreatedAt) {
		t.Errorf("forced deploy = %+v", ep2)
	}

	ms := decode[[]modelJSON](t, mustRun(t, proj, env, "model", "list", "--json"))
	if len(ms) != 1 || ms[0].Name != "churn" || ms[0].Versions != 2 || ms[0].Latest.Version != 2 ||
		!cmp.Equal(ms[0].Aliases, map[string]int{"champion": 1, "challenger": 2}) {
		t.Errorf("model list --json = %+v", ms)
	}
	if out := mustRun(t, proj, env, "model", "list"); !strings.Contains(out, "champion→1") || !strings.Contains(out, "churn") {
		t.Errorf("model list:\n%s", out)
	}

	d := decode[descriptionJSON](t, mustRun(t, proj, env, "model", "show", "churn", "--json"))
	var kinds []string
	for _, e := range d.History {
		kinds = append(kinds, e.Kind+" "+e.Actor)
	}
	if d.Ref != "churn@2" || d.Algo != "baseline" || len(d.Versions) != 2 || len(d.Schema) != 13 || d.Target != "status" ||
		!cmp.Equal(d.Endpoints, []string{"churn"}) || len(d.Lineage) != 1 || d.Lineage[0].Ref != "credit_train@1" ||
		!cmp.Equal(d.Trained, []string{"credit_train@1 (train)"}) {
		t.Errorf("model show churn --json = %+v", d)
	}
	if diff := cmp.Diff([]string{"register ann", "alias ann", "deploy ann"}, kinds); diff != "" {
		t.Errorf("model show churn history (-want +got):\n%s", diff)
	}
	out = mustRun(t, proj, env, "model", "show", "churn@champion")
	for _, s := range []string{"model churn@1 (approved)", "aliases:    champion", "lineage:", "credit_train@1", "roc_auc", "history:", "holdout ok", "approve"} {
		if !strings.Contains(out, s) {
			t.Errorf("model show churn@champion does not say %q:\n%s", s, out)
		}
	}

	eps := decode[[]endpointJSON](t, mustRun(t, proj, env, "endpoints", "list", "--json"))
	if len(eps) != 1 || eps[0].Ref != "churn@2" || eps[0].Generation != 2 {
		t.Errorf("endpoints list = %+v", eps)
	}
	show := decode[endpointShowJSON](t, mustRun(t, proj, env, "endpoints", "show", "churn", "--json"))
	if show.Endpoint == nil || len(show.Served) != 2 || show.Served[0].Ref != "churn@1" || show.Served[0].Until == nil ||
		!show.Served[0].Until.Equal(ep2.UpdatedAt) || show.Served[1].Ref != "churn@2" || show.Served[1].Until != nil || !show.Served[1].Forced {
		t.Errorf("endpoints show = %+v", show)
	}
	for _, c := range []struct {
		at   time.Time
		want string
	}{{ep1.CreatedAt, "churn@1"}, {ep2.UpdatedAt.Add(-time.Microsecond), "churn@1"}, {ep2.UpdatedAt, "churn@2"}} {
		sv := decode[servedJSON](t, mustRun(t, proj, env, "endpoints", "show", "churn", "--at", c.at.Format(time.RFC3339Nano), "--json"))
		if sv.Ref != c.want {
			t.Errorf("endpoints show --at %s = %+v, want %s", c.at.Format(time.RFC3339Nano), sv, c.want)
		}
	}
	code, _, errs := run(t, proj, env, "endpoints", "show", "churn", "--at", ep1.CreatedAt.Add(-time.Second).Format(time.RFC3339Nano))
	if code != 1 || !strings.Contains(errs, "not created yet") {
		t.Errorf("endpoints show --at before creation: exit %d, %q", code, errs)
	}

	hist := decode[[]eventJSON](t, mustRun(t, proj, env, "model", "history", "churn", "--json"))
	var all []string
	for _, e := range hist {
		all = append(all, e.Kind)
	}
	if diff := cmp.Diff([]string{"register", "register", "approve", "alias", "alias", "deploy", "deploy"}, all); diff != "" {
		t.Errorf("model history (-want +got):\n%s", diff)
	}
	if out := mustRun(t, proj, env, "model", "history", "churn"); !strings.Contains(out, "deploy to churn (generation 2, replacing churn@1) [forced]") {
		t.Errorf("model history:\n%s", out)
	}

	mustRun(t, proj, env, "model", "alias", "churn", "challenger", "--remove")
	if d := decode[descriptionJSON](t, mustRun(t, proj, env, "model", "show", "churn@2", "--json")); len(d.Aliases) != 0 {
		t.Errorf("aliases after --remove = %v", d.Aliases)
	}
	if out := mustRun(t, proj, env, "endpoints", "delete", "churn", "--reason", "retired"); !strings.Contains(out, "deleted endpoint churn") {
		t.Errorf("endpoints delete output %q", out)
	}
	gone := decode[endpointShowJSON](t, mustRun(t, proj, env, "endpoints", "show", "churn", "--json"))
	if !gone.Deleted || gone.Endpoint != nil || len(gone.Served) != 2 || gone.Served[1].Until == nil {
		t.Errorf("endpoints show after delete = %+v", gone)
	}
	if eps := decode[[]endpointJSON](t, mustRun(t, proj, env, "endpoints", "list", "--json")); len(eps) != 0 {
		t.Errorf("endpoints list after delete = %+v", eps)
	}
}
