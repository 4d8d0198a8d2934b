package cli

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestMonitorCommands runs monitor baseline and monitor run from the
// command line (traffic and drift are tested in internal/monitor).
func TestMonitorCommands(t *testing.T) {
	t.Parallel()
	proj := creditProject(t, "goal:\n  target: status\n  positive: bad\n")
	mustRun(t, proj, nil, "train", "credit_train", "--name", "m")
	mustRun(t, proj, nil, "model", "register", "m", "--name", "credit")
	mustRun(t, proj, nil, "deploy", "credit@1", "--endpoint", "credit", "--force", "--reason", "test")

	out := mustRun(t, proj, nil, "monitor", "baseline", "credit@1", "--data", "credit_holdout", "--json")
	var b struct {
		Run      int64 `json:"run"`
		Rows     int   `json:"rows"`
		Features int   `json:"features"`
	}
	if err := json.Unmarshal([]byte(out), &b); err != nil || b.Run != 1 || b.Rows != 637 || b.Features != 14 {
		t.Errorf("monitor baseline --json: %v %+v\n%s", err, b, out)
	}
	out = mustRun(t, proj, nil, "monitor", "run", "credit", "--window", "30m")
	for _, w := range []string{"monitor run 2: endpoint credit (credit@1)", ": 0 captured rows", "INSUFFICIENT_DATA", "__prediction__"} {
		if !strings.Contains(out, w) {
			t.Errorf("monitor run output lacks %q:\n%s", w, out)
		}
	}
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"monitor", "run", "nope"}, 1, `endpoint "nope"`},
		{[]string{"monitor", "run", "credit", "--since", "yesterday"}, 2, "RFC 3339"},
		{[]string{"monitor", "baseline", "credit@9", "--data", "credit_holdout"}, 1, "credit@9"},
		{[]string{"monitor", "baseline", "credit@1"}, 2, "data"},
	} {
		code, out, errs := run(t, proj, nil, tc.args...)
		if code != tc.code || !strings.Contains(out+errs, tc.want) {
			t.Errorf("mlcycle %s: exit %d (want %d), output lacks %q:\n%s%s", strings.Join(tc.args, " "), code, tc.code, tc.want, out, errs)
		}
	}
}
