package registry_test

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/mlcycle/mlcycle/internal/fault"
	"github.com/mlcycle/mlcycle/internal/registry"
	"github.com/mlcycle/mlcycle/internal/store"
)

var update = flag.Bool("update", false, "rewrite the expected output of testdata/*.txt scenarios")

// TestScenarios runs the registry scenarios in testdata/*.txt. Each case
// is a command line, a line "----", and the expected output, up to a blank
// line:
//
//	register run=1 name=churn actor=ann
//	----
//	churn@1 pending (run 1, binary)
//
// Runs 1 (gbdt) and 2 (baseline) exist; times print as offsets from the
// fake clock's start. go test -update rewrites the expected output.
func TestScenarios(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob(filepath.Join("testdata", "*.txt"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no scenarios: %v", err)
	}
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".txt"), func(t *testing.T) {
			t.Parallel()
			f := project(t)
			sc := &scenario{f: f, t0: f.clk.Now()}
			b, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			var out strings.Builder
			lines := strings.Split(string(b), "\n")
			for i := 0; i < len(lines); i++ {
				line := lines[i]
				if strings.TrimSpace(line) == "" || strings.HasPrefix(line, "#") {
					out.WriteString(line + "\n")
					continue
				}
				cmd := line
				if i+1 >= len(lines) || lines[i+1] != "----" {
					t.Fatalf("%s:%d: command %q is not followed by ----", file, i+1, cmd)
				}
				i += 2
				var want []string
				for ; i < len(lines) && lines[i] != ""; i++ {
					want = append(want, lines[i])
				}
				got := sc.run(t, cmd)
				if !*update {
					if diff := cmp.Diff(strings.Join(want, "\n"), got); diff != "" {
						t.Errorf("%s:%d: %s (-want +got):\n%s", file, i-len(want)-1, cmd, diff)
					}
				}
				out.WriteString(cmd + "\n----\n" + got + "\n")
				if i < len(lines) {
					out.WriteString("\n")
				}
			}
			if *update {
				if err := os.WriteFile(file, []byte(strings.TrimRight(out.String(), "\n")+"\n"), 0o644); err != nil {
					t.Fatal(err)
				}
			}
		})
	}
}

type scenario struct {
	f  fixture
	t0 time.Time
}

// args splits a command line into its name and key=value arguments;
// values may be double-quoted. A bare word is a flag with value "true".
func args(line string) (string, map[string]string) {
	var toks []string
	var cur strings.Builder
	quoted := false
	for _, r := range line {
		switch {
		case r == '"':
			quoted = !quoted
		case r == ' ' && !quoted:
			if cur.Len() > 0 {
				toks = append(toks, cur.String())
				cur.Reset()
			}
		default:
			cur.WriteRune(r)
		}
	}
	if cur.Len() > 0 {
		toks = append(toks, cur.String())
	}
	kv := map[string]string{}
	for _, tok := range toks[1:] {
		k, v, ok := strings.Cut(tok, "=")
		if !ok {
			v = "true"
		}
		kv[k] = v
	}
	return toks[0], kv
}

func (sc *scenario) at(d time.Time) string { return "+" + d.Sub(sc.t0).String() }

func (sc *scenario) run(t *testing.T, line string) string {
	t.Helper()
	ctx := t.Context()
	r := sc.f.reg
	cmd, a := args(line)
	actor := a["actor"]
	if actor == "" {
		actor = "ann"
	}
	version := func(mv store.ModelVersion, err error) string {
		if err != nil {
			return errText(err)
		}
		s := fmt.Sprintf("%s@%d %s (run %d, %s)", mv.Model, mv.Version, mv.Status, mv.RunID, mv.Task)
		if len(mv.Aliases) > 0 {
			s += " aliases: " + strings.Join(mv.Aliases, ", ")
		}
		return s
	}
	endpoint := func(e store.Endpoint, err error) string {
		if err != nil {
			return errText(err)
		}
		c, _ := registry.ParseEndpointConfig(e.Config)
		return fmt.Sprintf("endpoint %s → %s@%d generation %d capture %g%%", e.Name, e.Model, e.Version, e.Generation, c.CapturePercent)
	}
	switch cmd {
	case "register":
		return version(r.Register(ctx, a["run"], a["name"], actor, a["reason"]))
	case "approve":
		return version(r.SetStatus(ctx, a["ref"], store.StatusApproved, actor, a["reason"], a["force"] == "true"))
	case "reject":
		return version(r.SetStatus(ctx, a["ref"], store.StatusRejected, actor, a["reason"], a["force"] == "true"))
	case "alias":
		return version(r.Alias(ctx, a["ref"], a["alias"], actor, a["reason"]))
	case "unalias":
		return version(r.Unalias(ctx, a["model"], a["alias"], actor, a["reason"]))
	case "show":
		return version(r.Lookup(ctx, a["ref"]))
	case "deploy":
		o := registry.DeployOpts{Force: a["force"] == "true", Actor: actor, Reason: a["reason"]}
		if c, ok := a["capture"]; ok {
			p, err := strconv.ParseFloat(c, 64)
			if err != nil {
				t.Fatalf("%s: capture: %v", line, err)
			}
			o.Config = &registry.EndpointConfig{CapturePercent: p}
		}
		return endpoint(r.Deploy(ctx, a["ref"], a["endpoint"], o))
	case "undeploy":
		return endpoint(r.Undeploy(ctx, a["endpoint"], actor, a["reason"]))
	case "advance":
		d, err := time.ParseDuration(a["by"])
		if err != nil {
			t.Fatalf("%s: %v", line, err)
		}
		sc.f.clk.Advance(d)
		return "now " + sc.at(sc.f.clk.Now())
	case "served":
		d, err := time.ParseDuration(strings.TrimPrefix(a["at"], "+"))
		if err != nil {
			t.Fatalf("%s: %v", line, err)
		}
		sv, err := r.ServedAt(ctx, a["endpoint"], sc.t0.Add(d))
		if err != nil {
			return errText(err)
		}
		return fmt.Sprintf("%s@%d since %s generation %d", sv.Model, sv.Version, sc.at(sv.Since), sv.Generation)
	case "history":
		f := store.EventFilter{Model: a["model"], Endpoint: a["endpoint"]}
		if u, ok := a["until"]; ok {
			d, err := time.ParseDuration(strings.TrimPrefix(u, "+"))
			if err != nil {
				t.Fatalf("%s: %v", line, err)
			}
			f.Until = sc.t0.Add(d)
		}
		es, err := r.History(ctx, f)
		if err != nil {
			return errText(err)
		}
		var lines []string
		for _, e := range es {
			s := fmt.Sprintf("%s %s %s %s@%d", sc.at(e.At), e.Actor, e.Kind, e.Model, e.Version)
			if e.Reason != "" {
				s += fmt.Sprintf(" %q", e.Reason)
			}
			if e.Kind != store.EventRegister {
				s += " " + string(e.Detail)
			}
			lines = append(lines, s)
		}
		if len(lines) == 0 {
			return "(none)"
		}
		return strings.Join(lines, "\n")
	}
	t.Fatalf("unknown scenario command %q", line)
	return ""
}

// errText prints an error as its kind and message.
func errText(err error) string {
	return fmt.Sprintf("error (%s): %v", fault.KindOf(err), err)
}
