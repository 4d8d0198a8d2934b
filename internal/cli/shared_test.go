package cli

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mlcycle/mlcycle/internal/catalog/catalogtest"
)

// TestSharedDatasets runs the middle of the lifecycle from the command line
// on every dataset of ../shared/datasets: add, split, train, eval --gate.
// With MLCYCLE_TEST_PYTHON set (a Python with scikit-learn; .ci/run sets
// it) the metrics are recomputed by scikit-learn from the per-row
// predictions (testdata/eval/check_predictions.py).
func TestSharedDatasets(t *testing.T) {
	dir := catalogtest.SharedDatasets(t)
	python := os.Getenv("MLCYCLE_TEST_PYTHON")
	if python == "" {
		t.Log("MLCYCLE_TEST_PYTHON not set: metrics are not cross-checked with scikit-learn")
	}
	cases := []struct {
		file, target, positive, criterion string
	}{
		{"mlc_churn", "churn", "yes", "roc_auc\n      min: 0.85"},
		{"credit_data", "status", "bad", "roc_auc\n      min: 0.8"},
		{"pima_indians_diabetes2", "diabetes", "pos", "roc_auc\n      min: 0.8"},
		{"spam", "type", "spam", "roc_auc\n      min: 0.97"},
		{"ames", "sale_price", "", "r2\n      min: 0.85"},
	}
	for _, c := range cases {
		t.Run(c.file, func(t *testing.T) {
			t.Parallel()
			root := t.TempDir()
			mustRun(t, root, nil, "init", "p")
			proj := filepath.Join(root, "p")
			goal := fmt.Sprintf("name: p\ngoal:\n  target: %s\n  criteria:\n    - metric: %s\n", c.target, c.criterion)
			if c.positive != "" {
				goal += fmt.Sprintf("  positive: %q\n", c.positive)
			}
			if err := os.WriteFile(filepath.Join(proj, "mlcycle.yaml"), []byte(goal), 0o644); err != nil {
				t.Fatal(err)
			}
			mustRun(t, proj, nil, "data", "add", filepath.Join(dir, c.file+".csv"), "--name", "d")
			split := []string{"data", "split", "d", "--test", "0.2", "--seed", "1"}
			if c.positive != "" {
				split = append(split, "--stratify", c.target)
			}
			mustRun(t, proj, nil, split...)
			mustRun(t, proj, nil, "train", "d_train", "--seed", "1")
			preds := filepath.Join(root, "preds.csv")
			code, out, errs := run(t, proj, nil, "eval", "d_train-gbdt", "--data", "d_test", "--gate", "--json",
				"--predictions-out", preds, "--out", filepath.Join(root, "eval.html"))
			var rep struct {
				Metrics map[string]float64 `json:"metrics"`
				Gate    struct {
					Passed    bool `json:"passed"`
					Diagnosis []struct {
						Kind, Message string
					} `json:"diagnosis"`
				} `json:"gate"`
			}
			if err := json.Unmarshal([]byte(out), &rep); err != nil {
				t.Fatalf("eval --json: exit %d, %v\n%s\n%s", code, err, out, errs)
			}
			if (code == 0) != rep.Gate.Passed || (!rep.Gate.Passed && len(rep.Gate.Diagnosis) == 0) {
				t.Errorf("exit %d with gate %+v", code, rep.Gate)
			}
			name, _, _ := strings.Cut(c.criterion, "\n")
			t.Logf("%s: %s = %.4f on the test split, goal met: %v", c.file, name, rep.Metrics[name], rep.Gate.Passed)
			if python != "" {
				report := filepath.Join(root, "report.json")
				os.WriteFile(report, []byte(out), 0o644)
				script := filepath.Join(catalogtest.Testdata(), "eval", "check_predictions.py")
				res, err := exec.Command(python, script, preds, report).CombinedOutput()
				if err != nil {
					t.Errorf("scikit-learn disagrees: %v\n%s", err, res)
				} else {
					t.Logf("%s", strings.TrimSpace(string(res)))
				}
			}
			if _, err := os.Stat(filepath.Join(root, "eval.html")); err != nil {
				t.Error(err)
			}
		})
	}
}
