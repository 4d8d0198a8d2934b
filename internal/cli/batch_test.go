package cli

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
)

// TestBatch runs `mlcycle batch` on the credit holdout with a trained run,
// again (nothing to do), and with bad arguments.
func TestBatch(t *testing.T) {
	t.Parallel()
	proj := creditProject(t, "")
	mustRun(t, proj, nil, "train", "credit_train", "--target", "status", "--params", "n_estimators=20,max_depth=3", "--name", "small")

	var res struct {
		Dataset  string   `json:"dataset"`
		Version  int      `json:"version"`
		Rows     int64    `json:"rows"`
		Existing bool     `json:"existing"`
		Input    string   `json:"input"`
		Model    string   `json:"model"`
		ModelVer int      `json:"model_version"`
		Shards   int      `json:"shards"`
		Computed int      `json:"computed"`
		Columns  []string `json:"columns"`
	}
	out := mustRun(t, proj, nil, "batch", "small", "--data", "credit_holdout", "--out", "scored", "--shard-rows", "300", "--json")
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("batch --json: %v\n%s", err, out)
	}
	wantCols := []string{"prediction", "proba_good", "proba_bad", "model", "model_version"}
	if res.Dataset != "scored" || res.Version != 1 || res.Rows != 637 || res.Existing || res.Input != "credit_holdout@1" ||
		res.Model != "small" || res.ModelVer != 1 || res.Shards != 3 || res.Computed != 3 || !slices.Equal(res.Columns, wantCols) {
		t.Errorf("batch --json = %+v", res)
	}
	out = mustRun(t, proj, nil, "batch", "1", "--data", "credit_holdout", "--out", "scored", "--shard-rows", "300")
	if !strings.Contains(out, "scored@1 already holds small's predictions for credit_holdout@1 (637 rows); nothing to do") {
		t.Errorf("second batch output:\n%s", out)
	}
	out = mustRun(t, proj, nil, "data", "show", "scored")
	for _, w := range []string{"batch", "credit_holdout@1"} {
		if !strings.Contains(out, w) {
			t.Errorf("data show scored lacks %q:\n%s", w, out)
		}
	}
	out = mustRun(t, proj, nil, "batch", "small", "--data", "credit_holdout", "--out", "scored_all")
	if !strings.Contains(out, "scored_all@1: 637 rows scored by small (version 1) from credit_holdout@1") || !strings.Contains(out, "1 shard(s)") {
		t.Errorf("batch output:\n%s", out)
	}

	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"batch", "small", "--data", "credit_holdout"}, 2, "needs --data DATASET and --out NAME"},
		{[]string{"batch", "--data", "credit_holdout", "--out", "x"}, 2, "takes 1 argument"},
		{[]string{"batch", "small", "--data", "nothing", "--out", "x"}, 1, `dataset "nothing" not found`},
		{[]string{"batch", "nomodel", "--data", "credit_holdout", "--out", "x"}, 1, "nomodel"},
		{[]string{"batch", "small", "--data", "credit_holdout", "--out", "x", "--id", "nope"}, 1, `ID column "nope" is not in credit_holdout@1`},
	} {
		code, out, errs := run(t, proj, nil, tc.args...)
		if code != tc.code || !strings.Contains(out+errs, tc.want) {
			t.Errorf("mlcycle %s: exit %d, want %d with %q\nstdout: %s\nstderr: %s", strings.Join(tc.args, " "), code, tc.code, tc.want, out, errs)
		}
	}
}
