package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/mlcycle/mlcycle/internal/catalog"
	"github.com/mlcycle/mlcycle/internal/dataengine"
	"github.com/mlcycle/mlcycle/internal/fault"
	"github.com/mlcycle/mlcycle/internal/prep"
	"github.com/mlcycle/mlcycle/internal/split"
	"github.com/spf13/cobra"
	"gopkg.in/yaml.v3"
)

func newDataCmd(st *state) *cobra.Command {
	cmd := group("data", "Manage the data catalog: ingest, inspect, prepare, split, export")
	cmd.AddCommand(newDataAddCmd(st), newDataListCmd(st), newDataShowCmd(st), newDataHeadCmd(st),
		newDataPrepCmd(st), newDataSplitCmd(st), newDataLineageCmd(st), newDataExportCmd(st))
	return cmd
}

// versionJSON is how a dataset version prints with --json.
type versionJSON struct {
	Name        string              `json:"name"`
	Version     int                 `json:"version"`
	Kind        string              `json:"kind"`
	ContentHash string              `json:"content_hash"`
	Rows        int64               `json:"rows"`
	Bytes       int64               `json:"bytes"`
	Source      string              `json:"source"`
	CreatedAt   time.Time           `json:"created_at"`
	Columns     []dataengine.Column `json:"columns"`
	Existing    bool                `json:"existing,omitempty"`
}

func toJSON(v catalog.Version, existing bool) versionJSON {
	return versionJSON{Name: v.Dataset, Version: v.Number(), Kind: v.Kind, ContentHash: v.ContentHash,
		Rows: v.Rows, Bytes: v.Bytes, Source: v.Source, CreatedAt: v.CreatedAt, Columns: v.Columns, Existing: existing}
}

func newDataAddCmd(st *state) *cobra.Command {
	var opts catalog.AddOpts
	var schemaFile string
	cmd := &cobra.Command{
		Use:   "add FILE|URL",
		Short: "Ingest a CSV, TSV, Parquet or JSON lines file as a new dataset version",
		Long: `Ingest a file into the catalog as a new, immutable version of a dataset.

Formats: CSV, TSV, Parquet and JSON lines (.csv, .tsv, .parquet, .jsonl/.ndjson),
gzip-compressed or not (.gz). Sources: a local path, file:///path, or
s3://bucket/key?region=... . Column types are inferred (integer, float,
boolean, categorical, text, date, timestamp); --schema FILE forces some,
with a YAML or JSON mapping of column name to type:

  income: float
  zip: categorical

Ingesting identical bytes with identical options again returns the existing
version and stores nothing. On any error the catalog is left as it was.`,
		Example: "  mlcycle data add ../shared/datasets/mlc_churn.csv --name churn\n  mlcycle data add events.jsonl.gz --name events --schema types.yaml --json",
		Args:    exactArgs(1, "FILE"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if schemaFile != "" {
				types, err := readSchemaFile(st.abs(schemaFile))
				if err != nil {
					return err
				}
				opts.Types = types
			}
			if opts.Format != "" && !contains(dataengine.Formats, opts.Format) {
				return usagef("--format %q: want one of %s", opts.Format, strings.Join(dataengine.Formats, ", "))
			}
			a, err := st.open(cmd.Context())
			if err != nil {
				return err
			}
			defer a.Close()
			src := st.abs(args[0])
			stop := st.spinner("ingesting " + args[0])
			res, err := a.Catalog.Add(cmd.Context(), src, opts)
			stop()
			if err != nil {
				return err
			}
			if st.json {
				return writeJSON(st.env.Stdout, toJSON(res.Version, res.Existing))
			}
			if res.Existing {
				fmt.Fprintf(st.env.Stdout, "%s@%d already holds these bytes with these options (sha256 %s); nothing new stored\n", res.Dataset, res.Number(), short(res.ContentHash))
				return nil
			}
			fmt.Fprintf(st.env.Stdout, "Added %s@%d: %d rows, %d columns, %s (sha256 %s)\n", res.Dataset, res.Number(), res.Rows, len(res.Columns), humanBytes(res.Bytes), short(res.ContentHash))
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&opts.Name, "name", "", "dataset name (default: the file name without extensions)")
	f.StringVar(&opts.Format, "format", "", "input format: csv, tsv, parquet, jsonl (default: from the file name)")
	f.StringVar(&schemaFile, "schema", "", "YAML/JSON file mapping column names to types, to override inference")
	f.BoolVar(&opts.NoHeader, "no-header", false, "the CSV/TSV file has no header row (columns are named column0, column1, ...)")
	st.jsonFlag(cmd)
	return cmd
}

// readSchemaFile reads a column → type mapping.
func readSchemaFile(path string) (map[string]string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		if os.IsNotExist(err) {
			return nil, fault.NotFound("--schema %s: no such file", path)
		}
		return nil, fault.Invalid("--schema %s: %v", path, err)
	}
	var m map[string]string
	if err := yaml.Unmarshal(data, &m); err != nil {
		return nil, fault.Invalid("--schema %s: want a mapping of column name to type (%s): %s", path, strings.Join(dataengine.Types, ", "), strings.TrimPrefix(err.Error(), "yaml: "))
	}
	var probs []string
	for _, col := range sortedKeys(m) {
		if !dataengine.IsType(m[col]) {
			probs = append(probs, fmt.Sprintf("%s: unknown type %q", col, m[col]))
		}
	}
	if len(probs) > 0 {
		return nil, fault.Invalid("--schema %s: %s (known types: %s)", path, strings.Join(probs, "; "), strings.Join(dataengine.Types, ", "))
	}
	return m, nil
}

func newDataListCmd(st *state) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List the datasets in the catalog",
		Args:  exactArgs(0),
		RunE: func(cmd *cobra.Command, args []string) error {
			a, err := st.open(cmd.Context())
			if err != nil {
				return err
			}
			defer a.Close()
			ds, err := a.Catalog.List(cmd.Context())
			if err != nil {
				return err
			}
			if st.json {
				type item struct {
					Name      string    `json:"name"`
					Latest    int       `json:"latest_version"`
					Rows      int64     `json:"rows"`
					Bytes     int64     `json:"bytes"`
					CreatedAt time.Time `json:"created_at"`
				}
				out := []item{}
				for _, d := range ds {
					out = append(out, item{d.Name, d.Latest, d.LatestRows, d.LatestBytes, d.CreatedAt})
				}
				return writeJSON(st.env.Stdout, out)
			}
			if len(ds) == 0 {
				fmt.Fprintln(st.env.Stdout, "No datasets yet. Add one with: mlcycle data add FILE --name NAME")
				return nil
			}
			tw := table(st.env.Stdout)
			fmt.Fprintln(tw, "NAME\tVERSIONS\tROWS\tSIZE\tCREATED")
			for _, d := range ds {
				fmt.Fprintf(tw, "%s\t%d\t%d\t%s\t%s\n", d.Name, d.Latest, d.LatestRows, humanBytes(d.LatestBytes), d.CreatedAt.Format("2006-01-02 15:04"))
			}
			return tw.Flush()
		},
	}
	st.jsonFlag(cmd)
	return cmd
}

func newDataShowCmd(st *state) *cobra.Command {
	cmd := &cobra.Command{
		Use:     "show NAME[@VERSION]",
		Short:   "Show a dataset version: schema, rows, size, source, lineage and a profile",
		Example: "  mlcycle data show churn\n  mlcycle data show churn@1 --json",
		Args:    exactArgs(1, "NAME[@VERSION]"),
		RunE: func(cmd *cobra.Command, args []string) error {
			a, err := st.open(cmd.Context())
			if err != nil {
				return err
			}
			defer a.Close()
			v, prof, err := a.Catalog.Profile(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			versions, err := a.Catalog.Versions(cmd.Context(), v.Dataset)
			if err != nil {
				return err
			}
			var opts any
			_ = json.Unmarshal(v.Options, &opts)
			parents := []string{}
			for _, p := range v.Parents {
				parents = append(parents, fmt.Sprintf("%s@%d (%s)", p.Dataset, p.Version, p.Role))
			}
			if st.json {
				return writeJSON(st.env.Stdout, struct {
					versionJSON
					Options  any                        `json:"options"`
					Parents  []string                   `json:"parents"`
					Versions int                        `json:"versions"`
					Profile  []dataengine.ColumnProfile `json:"profile"`
				}{toJSON(v, false), opts, parents, len(versions), prof})
			}
			w := st.env.Stdout
			fmt.Fprintf(w, "Dataset:   %s@%d (of %d version(s))\n", v.Dataset, v.Number(), len(versions))
			fmt.Fprintf(w, "Kind:      %s\n", v.Kind)
			fmt.Fprintf(w, "Rows:      %d\n", v.Rows)
			fmt.Fprintf(w, "Columns:   %d\n", len(v.Columns))
			fmt.Fprintf(w, "Size:      %s (Parquet)\n", humanBytes(v.Bytes))
			fmt.Fprintf(w, "Source:    %s\n", v.Source)
			fmt.Fprintf(w, "SHA-256:   %s\n", v.ContentHash)
			fmt.Fprintf(w, "Created:   %s\n", v.CreatedAt.Format(time.RFC3339))
			if len(parents) > 0 {
				fmt.Fprintf(w, "Parents:   %s\n", strings.Join(parents, ", "))
			}
			fmt.Fprintln(w)
			tw := table(w)
			fmt.Fprintln(tw, "COLUMN\tTYPE\tMISSING\tDISTINCT\tMIN\tMAX\tMEAN\tSTD\tTOP")
			for _, p := range prof {
				top := ""
				if p.Top != "" {
					top = fmt.Sprintf("%s (%d)", p.Top, p.TopCount)
				}
				miss := strconv.FormatInt(p.Missing, 10)
				if p.Missing > 0 && v.Rows > 0 {
					miss += fmt.Sprintf(" (%.1f%%)", 100*float64(p.Missing)/float64(v.Rows))
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\t%s\t%s\t%s\t%s\n", p.Name, p.Type, miss, p.Distinct,
					clip(p.Min, 20), clip(p.Max, 20), num(p.Mean), num(p.Std), clip(top, 28))
			}
			return tw.Flush()
		},
	}
	st.jsonFlag(cmd)
	return cmd
}

func newDataHeadCmd(st *state) *cobra.Command {
	var n int
	cmd := &cobra.Command{
		Use:     "head NAME[@VERSION]",
		Short:   "Print the first rows of a dataset version",
		Example: "  mlcycle data head churn -n 5",
		Args:    exactArgs(1, "NAME[@VERSION]"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if n < 0 {
				return usagef("-n %d: want a row count of 0 or more", n)
			}
			a, err := st.open(cmd.Context())
			if err != nil {
				return err
			}
			defer a.Close()
			v, t, err := a.Catalog.Head(cmd.Context(), args[0], n)
			if err != nil {
				return err
			}
			types := make([]string, len(t.Columns))
			for i, c := range t.Columns {
				if j := v.Schema().Index(c); j >= 0 {
					types[i] = v.Columns[j].Type
				}
			}
			if st.json {
				rows := make([][]any, len(t.Rows))
				for i, r := range t.Rows {
					rows[i] = make([]any, len(r))
					for j, x := range r {
						rows[i][j] = jsonValue(x, types[j])
					}
				}
				return writeJSON(st.env.Stdout, map[string]any{"name": v.Dataset, "version": v.Number(), "columns": v.Columns, "rows": rows})
			}
			tw := table(st.env.Stdout)
			fmt.Fprintln(tw, strings.Join(t.Columns, "\t"))
			for _, r := range t.Rows {
				cells := make([]string, len(r))
				for j, x := range r {
					cells[j] = clip(textValue(x, types[j]), 32)
				}
				fmt.Fprintln(tw, strings.Join(cells, "\t"))
			}
			return tw.Flush()
		},
	}
	cmd.Flags().IntVarP(&n, "rows", "n", 10, "number of rows")
	st.jsonFlag(cmd)
	return cmd
}

func newDataPrepCmd(st *state) *cobra.Command {
	var recipeFile, out string
	cmd := &cobra.Command{
		Use:   "prep NAME[@VERSION] --recipe FILE --out NAME",
		Short: "Apply a prep recipe (YAML steps) to make a new dataset version",
		Long: `Apply a recipe, a YAML list of steps applied in order, to a dataset version and
record the result as a new version of --out, with lineage to its inputs and
the recipe's hash. The whole recipe is validated first; every problem is
reported with its step index and field, and nothing is written.

Steps: select, drop, rename, cast, fill_missing (constant/mean/median/mode),
drop_missing, dedupe, filter (SQL boolean expression), clip (quantile bounds),
derive (SQL expression), join (another catalog dataset on key columns),
sql (a query over the relation "input"), sample (n or frac, with seed).

  - drop: [state]
  - fill_missing: {columns: [income], strategy: median}
  - filter: "age >= 18"
  - derive: {name: charge_total, expr: "total_day_charge + total_eve_charge"}`,
		Example: "  mlcycle data prep churn --recipe clean.yaml --out churn_clean",
		Args:    exactArgs(1, "NAME[@VERSION]"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if recipeFile == "" || out == "" {
				return usagef("data prep needs --recipe FILE and --out NAME")
			}
			data, err := os.ReadFile(st.abs(recipeFile))
			if err != nil {
				if os.IsNotExist(err) {
					return fault.NotFound("--recipe %s: no such file", recipeFile)
				}
				return fault.Invalid("--recipe %s: %v", recipeFile, err)
			}
			r, err := prep.Parse(data)
			if err != nil {
				return fmt.Errorf("%s: %w", recipeFile, err)
			}
			a, err := st.open(cmd.Context())
			if err != nil {
				return err
			}
			defer a.Close()
			stop := st.spinner("running recipe " + recipeFile)
			res, err := prep.Run(cmd.Context(), a.Catalog, args[0], r, out)
			stop()
			if err != nil {
				return err
			}
			if st.json {
				return writeJSON(st.env.Stdout, toJSON(res.Version, res.Existing))
			}
			if res.Existing {
				fmt.Fprintf(st.env.Stdout, "%s@%d was already made by this recipe from these inputs; nothing new stored\n", res.Dataset, res.Number())
				return nil
			}
			fmt.Fprintf(st.env.Stdout, "Created %s@%d: %d rows, %d columns (recipe %s)\n", res.Dataset, res.Number(), res.Rows, len(res.Columns), short(r.Hash()))
			return nil
		},
	}
	cmd.Flags().StringVar(&recipeFile, "recipe", "", "recipe file (YAML)")
	cmd.Flags().StringVar(&out, "out", "", "name of the output dataset")
	st.jsonFlag(cmd)
	return cmd
}

func newDataSplitCmd(st *state) *cobra.Command {
	var o split.Opts
	cmd := &cobra.Command{
		Use:   "split NAME[@VERSION] --test FRAC",
		Short: "Split a dataset version into NAME_train / NAME_test (and NAME_valid)",
		Long: `Split a dataset version into train and test parts (and a validation part with
--valid), recorded as versions of NAME_train, NAME_test and NAME_valid with
lineage to the source. Random by default; --stratify COL keeps each class's
share in every part; --time COL puts the earliest rows in train and the
latest in test. The same input, options and --seed give identical parts.`,
		Example: "  mlcycle data split churn_clean --test 0.2 --stratify churn --seed 7\n  mlcycle data split events --test 0.1 --valid 0.1 --time ts",
		Args:    exactArgs(1, "NAME[@VERSION]"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if !cmd.Flags().Changed("test") {
				return usagef("data split needs --test FRAC")
			}
			a, err := st.open(cmd.Context())
			if err != nil {
				return err
			}
			defer a.Close()
			stop := st.spinner("splitting " + args[0])
			res, err := split.Run(cmd.Context(), a.Catalog, args[0], o)
			stop()
			if err != nil {
				return err
			}
			if st.json {
				parts := make([]versionJSON, len(res.Parts))
				for i, p := range res.Parts {
					parts[i] = toJSON(p, res.Existing)
				}
				return writeJSON(st.env.Stdout, map[string]any{"parts": parts})
			}
			if res.Existing {
				fmt.Fprintln(st.env.Stdout, "This split was made before; nothing new stored:")
			}
			tw := table(st.env.Stdout)
			fmt.Fprintln(tw, "DATASET\tVERSION\tROWS")
			for _, p := range res.Parts {
				fmt.Fprintf(tw, "%s\t%d\t%d\n", p.Dataset, p.Number(), p.Rows)
			}
			return tw.Flush()
		},
	}
	f := cmd.Flags()
	f.Float64Var(&o.Test, "test", 0, "fraction of rows for the test part (required)")
	f.Float64Var(&o.Valid, "valid", 0, "fraction of rows for a validation part")
	f.StringVar(&o.Stratify, "stratify", "", "column whose class shares every part keeps")
	f.StringVar(&o.Time, "time", "", "time column: train before valid before test")
	f.Uint64Var(&o.Seed, "seed", 0, "random seed")
	st.jsonFlag(cmd)
	return cmd
}

func newDataLineageCmd(st *state) *cobra.Command {
	cmd := &cobra.Command{
		Use:     "lineage NAME[@VERSION]",
		Short:   "Show where a dataset version came from, back to the ingested files",
		Example: "  mlcycle data lineage churn_clean_test",
		Args:    exactArgs(1, "NAME[@VERSION]"),
		RunE: func(cmd *cobra.Command, args []string) error {
			a, err := st.open(cmd.Context())
			if err != nil {
				return err
			}
			defer a.Close()
			n, err := a.Catalog.Lineage(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			if st.json {
				return writeJSON(st.env.Stdout, n)
			}
			printLineage(st.env.Stdout, n, "", "")
			return nil
		},
	}
	st.jsonFlag(cmd)
	return cmd
}

func printLineage(w io.Writer, n *catalog.Node, prefix, role string) {
	label := fmt.Sprintf("%s@%d  %s, %d rows, sha256 %s", n.Dataset, n.Version, n.Kind, n.Rows, short(n.ContentHash))
	if role != "" && role != "input" {
		label += "  [" + role + "]"
	}
	fmt.Fprintf(w, "%s%s\n", prefix, label)
	detail := prefix
	if prefix != "" {
		detail = strings.Repeat(" ", len([]rune(prefix)))
	}
	fmt.Fprintf(w, "%s    from: %s\n", detail, n.Source)
	for _, p := range n.Parents {
		printLineage(w, p, detail+"  └─ ", p.Role)
	}
}

func newDataExportCmd(st *state) *cobra.Command {
	var to, format string
	cmd := &cobra.Command{
		Use:     "export NAME[@VERSION] --to FILE",
		Short:   "Write a dataset version to a Parquet, CSV, TSV or JSON lines file",
		Example: "  mlcycle data export churn_clean --to out.parquet\n  mlcycle data export churn --to churn.csv.gz",
		Args:    exactArgs(1, "NAME[@VERSION]"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if to == "" {
				return usagef("data export needs --to FILE")
			}
			a, err := st.open(cmd.Context())
			if err != nil {
				return err
			}
			defer a.Close()
			dst := st.abs(to)
			v, err := a.Catalog.Export(cmd.Context(), args[0], dst, format)
			if err != nil {
				return err
			}
			fi, err := os.Stat(dst)
			if err != nil {
				return err
			}
			if st.json {
				return writeJSON(st.env.Stdout, map[string]any{"name": v.Dataset, "version": v.Number(), "rows": v.Rows, "path": dst, "bytes": fi.Size()})
			}
			fmt.Fprintf(st.env.Stdout, "Wrote %s@%d (%d rows) to %s (%s)\n", v.Dataset, v.Number(), v.Rows, to, humanBytes(fi.Size()))
			return nil
		},
	}
	cmd.Flags().StringVar(&to, "to", "", "output file; the format follows its extension (.parquet, .csv, .tsv, .jsonl, + .gz)")
	cmd.Flags().StringVar(&format, "format", "", "output format, overriding the extension: parquet, csv, tsv, jsonl")
	st.jsonFlag(cmd)
	return cmd
}

func table(w io.Writer) *tabwriter.Writer { return tabwriter.NewWriter(w, 0, 0, 2, ' ', 0) }

func short(h string) string {
	if len(h) > 12 {
		return h[:12]
	}
	return h
}

func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

func num(f *float64) string {
	if f == nil {
		return ""
	}
	return strconv.FormatFloat(*f, 'g', 6, 64)
}

func humanBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}

// textValue formats a cell for the terminal.
func textValue(x any, typ string) string {
	switch v := x.(type) {
	case nil:
		return "NA"
	case time.Time:
		if typ == dataengine.TypeDate {
			return v.Format("2006-01-02")
		}
		return v.Format("2006-01-02 15:04:05.999999")
	case float64:
		return strconv.FormatFloat(v, 'g', -1, 64)
	}
	return fmt.Sprint(x)
}

// jsonValue formats a cell for JSON: NaN and infinities become strings,
// dates "YYYY-MM-DD", timestamps RFC 3339.
func jsonValue(x any, typ string) any {
	switch v := x.(type) {
	case time.Time:
		if typ == dataengine.TypeDate {
			return v.Format("2006-01-02")
		}
		return v.Format(time.RFC3339Nano)
	case float64:
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return strconv.FormatFloat(v, 'g', -1, 64)
		}
	}
	return x
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
