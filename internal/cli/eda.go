package cli

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/mlcycle/mlcycle/internal/eda"
	"github.com/mlcycle/mlcycle/internal/fault"
	"github.com/mlcycle/mlcycle/internal/report"
	"github.com/spf13/cobra"
)

func newEDACmd(st *state) *cobra.Command {
	var o eda.Opts
	var out string
	cmd := &cobra.Command{
		Use:   "eda NAME[@VERSION]",
		Short: "Profile a dataset version: statistics, correlations, target relations, warnings, HTML report",
		Long: `Profile a dataset version and write a self-contained HTML report (inline SVG
charts; opens from disk with no network). The terminal gets a summary table;
--json prints the whole profile instead.

Per column: type, count, missing, distinct, min, max, mean, std, skewness,
kurtosis, quantiles (1, 5, 25, 50, 75, 95, 99 %), zeros, outliers (beyond
median ± 5 robust std), top values, histogram or bar chart. Dataset: rows,
columns, duplicate rows, memory, missing-value matrix. Correlations: Pearson
and Spearman (numeric), Cramér's V (categorical), correlation ratio (mixed).
With --target (or goal.target): class balance, each feature's relation to
the target, and the held-out power of a one-feature model. Numbers follow
pandas' definitions. See docs/eda.md.`,
		Example: "  mlcycle eda churn --target churn --out churn_eda.html\n  mlcycle eda churn@2 --json > profile.json",
		Args:    exactArgs(1, "NAME[@VERSION]"),
		RunE: func(cmd *cobra.Command, args []string) error {
			a, err := st.open(cmd.Context())
			if err != nil {
				return err
			}
			defer a.Close()
			if g := a.Config.Goal; g != nil {
				if o.Target == "" {
					o.Target = g.Target
				}
				if o.Positive == "" && o.Target == g.Target {
					o.Positive = g.Positive
				}
				if o.Task == "" && o.Target == g.Target {
					o.Task = g.Task
				}
			}
			stop := st.spinner("profiling " + args[0])
			p, err := eda.Run(cmd.Context(), a.Catalog, args[0], o)
			stop()
			if err != nil {
				return err
			}
			if out == "" {
				out = fmt.Sprintf("%s_v%d_eda.html", p.Dataset, p.Version)
			}
			path := st.abs(out)
			if err := writeAtomic(path, func(w io.Writer) error { return report.EDA(w, p, report.Opts{}) }); err != nil {
				return err
			}
			if st.json {
				return writeJSON(st.env.Stdout, p)
			}
			printProfile(st, p)
			fmt.Fprintf(st.env.Stdout, "\nReport: %s\n", path)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.Target, "target", "", "target column (default: goal.target of mlcycle.yaml)")
	f.StringVar(&o.Positive, "positive", "", "positive class of a binary target (default: goal.positive, else the minority class)")
	f.StringVar(&out, "out", "", "HTML report path (default: NAME_vN_eda.html)")
	f.Uint64Var(&o.Seed, "seed", 0, "seed of the held-out split for single-feature power")
	st.jsonFlag(cmd)
	return cmd
}

// writeAtomic writes a file through write into a temporary file beside
// path, renamed into place only when write succeeds.
func writeAtomic(path string, write func(io.Writer) error) error {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return fault.Invalid("--out %s: %v", path, err)
	}
	if err := write(tmp); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return err
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	return nil
}

func printProfile(st *state, p *eda.Profile) {
	w := st.env.Stdout
	fmt.Fprintf(w, "%s@%d: %d rows × %d columns, %d duplicate rows, %d missing cells, %s in memory\n\n",
		p.Dataset, p.Version, p.Rows, p.NumColumns, p.DuplicateRows, p.MissingCells, humanBytes(p.MemoryBytes))
	tw := table(w)
	hasTarget := p.Target != nil
	head := "COLUMN\tTYPE\tMISSING\tDISTINCT\tMIN\tMEAN\tSTD\tMAX\tSKEW"
	if hasTarget {
		head += "\tPOWER"
	}
	fmt.Fprintln(tw, head)
	power := map[string]string{}
	if hasTarget {
		for _, r := range p.Target.Relations {
			if r.Power != nil {
				power[r.Feature] = fmt.Sprintf("%s %.3f", r.PowerMetric, *r.Power)
			}
		}
	}
	for _, c := range p.Columns {
		minV, maxV := num(c.Min), num(c.Max)
		if c.MinText != "" {
			minV, maxV = c.MinText, c.MaxText
		}
		miss := "0"
		if c.Missing > 0 {
			miss = fmt.Sprintf("%d (%.1f%%)", c.Missing, c.MissingPct)
		}
		line := fmt.Sprintf("%s\t%s\t%s\t%d\t%s\t%s\t%s\t%s\t%s", clip(c.Name, 30), c.Type, miss, c.Distinct,
			clip(minV, 16), num(c.Mean), num(c.Std), clip(maxV, 16), num(c.Skewness))
		if hasTarget {
			if hasTarget && c.Name == p.Target.Column {
				line += "\t(target)"
			} else {
				line += "\t" + power[c.Name]
			}
		}
		fmt.Fprintln(tw, line)
	}
	tw.Flush()
	if hasTarget && len(p.Target.Classes) > 0 {
		var parts []string
		for _, c := range p.Target.Classes {
			parts = append(parts, fmt.Sprintf("%s %d", c.Value, c.Count))
		}
		fmt.Fprintf(w, "\nTarget %s (%s): %s\n", p.Target.Column, p.Target.Task, strings.Join(parts, ", "))
	}
	if len(p.Warnings) > 0 {
		fmt.Fprintf(w, "\nWarnings (%d):\n", len(p.Warnings))
		for _, x := range p.Warnings {
			fmt.Fprintf(w, "  [%s] %s\n", x.Kind, x.Message)
		}
	}
}
