// Package split divides a dataset version into train, test and optionally
// validation versions: at random, stratified by a column, or by time.
//
// Outputs are new versions of <name>_train, <name>_test and <name>_valid,
// each with the source as its lineage parent, recorded in one transaction.
// Row order within each part is the source's order.
//
// Sizes follow scikit-learn's train_test_split: the test part has
// ceil(test × n) rows and the validation part ceil(valid × n); the rest is
// train. Stratified splits give each class its share of each part by
// largest remainder, so part sizes are exactly those of an unstratified
// split and each class's proportion is as close as integers allow. A time
// split sorts by the time column (ties by row order) and cuts train <
// valid < test; rows that share a timestamp with the cut go to the later
// part, so every train row is strictly earlier than every test row.
//
// Randomness comes from a PCG generator seeded with Seed (math/rand/v2), so
// the same version, options and seed give identical parts on every machine.
package split

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"sort"
	"strings"

	"github.com/mlcycle/mlcycle/internal/catalog"
	"github.com/mlcycle/mlcycle/internal/dataengine"
	"github.com/mlcycle/mlcycle/internal/fault"
	"github.com/mlcycle/mlcycle/internal/store"
)

// Opts are the split parameters.
type Opts struct {
	Test     float64 `json:"test"`
	Valid    float64 `json:"valid,omitempty"`
	Stratify string  `json:"stratify,omitempty"`
	Time     string  `json:"time,omitempty"`
	Seed     uint64  `json:"seed"`
}

// Validate reports every problem with the options.
func (o Opts) Validate() error {
	var probs []string
	if !(o.Test > 0 && o.Test < 1) {
		probs = append(probs, fmt.Sprintf("--test %v: want a fraction between 0 and 1", o.Test))
	}
	if o.Valid < 0 || o.Valid >= 1 {
		probs = append(probs, fmt.Sprintf("--valid %v: want a fraction between 0 and 1", o.Valid))
	}
	if o.Test+o.Valid >= 1 {
		probs = append(probs, fmt.Sprintf("--test %v + --valid %v leave no rows for training", o.Test, o.Valid))
	}
	if o.Stratify != "" && o.Time != "" {
		probs = append(probs, "--stratify and --time cannot be combined")
	}
	if len(probs) > 0 {
		return fault.Invalid("split: %s", strings.Join(probs, "; "))
	}
	return nil
}

// Part labels.
const (
	train uint8 = iota
	valid
	test
)

var partNames = []string{"train", "valid", "test"}

// Result is the outcome of Run.
type Result struct {
	// Parts are train, then valid when requested, then test.
	Parts []catalog.Version
	// Existing is true when this split had been made before.
	Existing bool
}

// Run splits the version named by ref.
func Run(ctx context.Context, cat *catalog.Service, ref string, o Opts) (Result, error) {
	if err := o.Validate(); err != nil {
		return Result{}, err
	}
	src, err := cat.Get(ctx, ref)
	if err != nil {
		return Result{}, err
	}
	col := o.Stratify
	if col == "" {
		col = o.Time
	}
	if col != "" && src.Schema().Index(col) < 0 {
		return Result{}, fault.Invalid("split: %s@%d has no column %q (columns: %s)", src.Dataset, src.Number(), col, strings.Join(src.Schema().Names(), ", "))
	}
	if o.Time != "" {
		t := src.Columns[src.Schema().Index(o.Time)].Type
		if t != dataengine.TypeDate && t != dataengine.TypeTimestamp && t != dataengine.TypeInteger && t != dataengine.TypeFloat {
			return Result{}, fault.Invalid("split: --time %q is %s; want a date, timestamp or numeric column", o.Time, t)
		}
	}
	names := []string{src.Dataset + "_train", src.Dataset + "_test"}
	if o.Valid > 0 {
		names = []string{src.Dataset + "_train", src.Dataset + "_valid", src.Dataset + "_test"}
	}
	key := catalog.InputKey(store.KindSplit, src.ID, o)
	if prior, ok, err := lookup(ctx, cat, names, key); err != nil || ok {
		return Result{Parts: prior, Existing: ok}, err
	}

	path, err := cat.Path(ctx, src)
	if err != nil {
		return Result{}, err
	}
	e := cat.Engine()
	conn, err := e.DB().Conn(ctx)
	if err != nil {
		return Result{}, err
	}
	defer conn.Close()

	n := int(src.Rows)
	nTest := int(math.Ceil(o.Test * float64(n)))
	nValid := int(math.Ceil(o.Valid * float64(n)))
	if nTest < 1 || n-nTest-nValid < 1 || (o.Valid > 0 && nValid < 1) {
		return Result{}, fault.Invalid("split: %s@%d has %d rows, too few for these fractions", src.Dataset, src.Number(), n)
	}
	var labels []uint8
	switch {
	case o.Time != "":
		labels, err = byTime(ctx, conn, path, o.Time, n, nValid, nTest)
	case o.Stratify != "":
		labels, err = stratified(ctx, conn, path, o.Stratify, n, nValid, nTest, o.Seed)
	default:
		labels = random(n, nValid, nTest, o.Seed)
	}
	if err != nil {
		return Result{}, err
	}

	table := "mlc_split_" + strings.ReplaceAll(key[:16], "-", "")
	if err := dataengine.CreateLabels(ctx, conn, table, labels); err != nil {
		return Result{}, fmt.Errorf("split: %w", err)
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), "DROP TABLE IF EXISTS "+dataengine.Ident(table))

	parts := []uint8{train, test}
	if o.Valid > 0 {
		parts = []uint8{train, valid, test}
	}
	var staged []catalog.Staged
	defer func() {
		for _, s := range staged {
			cleanupFile(s.Path)
		}
	}()
	for i, part := range parts {
		p := cat.StagingPath()
		var rows int64
		q := fmt.Sprintf("COPY (SELECT d.* FROM %s AS d POSITIONAL JOIN %s AS a WHERE a.label = %d) TO %s (%s)",
			dataengine.Scan(path), dataengine.Ident(table), part, dataengine.Quote(p), dataengine.StoredParquet)
		if err := conn.QueryRowContext(ctx, q).Scan(&rows); err != nil {
			if ctx.Err() != nil {
				return Result{}, fault.Canceled(ctx.Err())
			}
			return Result{}, fmt.Errorf("split: write %s: %w", names[i], err)
		}
		staged = append(staged, catalog.Staged{
			Path: p, Dataset: names[i], Kind: store.KindSplit, InputKey: key,
			Schema: src.Schema(), Rows: rows,
			Source:  fmt.Sprintf("split %s@%d (%s)", src.Dataset, src.Number(), partNames[part]),
			Options: map[string]any{"part": partNames[part], "split": o},
			Parents: []store.Parent{{VersionID: src.ID, Role: "input"}},
		})
	}
	vs, existing, err := cat.Record(ctx, staged)
	staged = nil // consumed by Record
	if err != nil {
		return Result{}, err
	}
	return Result{Parts: vs, Existing: existing}, nil
}

func lookup(ctx context.Context, cat *catalog.Service, names []string, key string) ([]catalog.Version, bool, error) {
	var out []catalog.Version
	for _, name := range names {
		v, ok, err := cat.Lookup(ctx, name, key)
		if err != nil || !ok {
			return nil, false, err
		}
		out = append(out, v)
	}
	return out, true, nil
}

// random labels a seeded permutation: the first nTest rows of it test, the
// next nValid valid, the rest train.
func random(n, nValid, nTest int, seed uint64) []uint8 {
	labels := make([]uint8, n)
	perm := rng(seed).Perm(n)
	for i, r := range perm {
		switch {
		case i < nTest:
			labels[r] = test
		case i < nTest+nValid:
			labels[r] = valid
		}
	}
	return labels
}

func rng(seed uint64) *rand.Rand {
	return rand.New(rand.NewPCG(seed, 0x6d6c6379636c6521)) // "mlcycle!"
}

// stratified labels each class's rows in proportion.
func stratified(ctx context.Context, conn *sql.Conn, path, col string, n, nValid, nTest int, seed uint64) ([]uint8, error) {
	rows, err := conn.QueryContext(ctx, fmt.Sprintf("SELECT CAST(%s AS VARCHAR) FROM %s", dataengine.Ident(col), dataengine.Scan(path)))
	if err != nil {
		return nil, fmt.Errorf("split: read %q: %w", col, err)
	}
	defer rows.Close()
	classes := map[string][]int{}
	i := 0
	for rows.Next() {
		var v sql.NullString
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		k := "\x00missing"
		if v.Valid {
			k = v.String
		}
		classes[k] = append(classes[k], i)
		i++
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if i != n {
		return nil, fmt.Errorf("split: read %d rows of %q, the catalog says %d", i, col, n)
	}
	keys := make([]string, 0, len(classes))
	for k := range classes {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	sizes := make([]int, len(keys))
	for j, k := range keys {
		sizes[j] = len(classes[k])
	}
	testQ := allocate(sizes, nTest)
	rest := make([]int, len(sizes))
	for j := range sizes {
		rest[j] = sizes[j] - testQ[j]
	}
	validQ := allocate(rest, nValid)
	labels := make([]uint8, n)
	r := rng(seed)
	for j, k := range keys {
		idx := classes[k]
		r.Shuffle(len(idx), func(a, b int) { idx[a], idx[b] = idx[b], idx[a] })
		for m, row := range idx {
			switch {
			case m < testQ[j]:
				labels[row] = test
			case m < testQ[j]+validQ[j]:
				labels[row] = valid
			}
		}
	}
	return labels, nil
}

// allocate splits total over groups in proportion to sizes by largest
// remainder (ties to the larger group, then the earlier one), never giving
// a group more than its size.
func allocate(sizes []int, total int) []int {
	sum := 0
	for _, s := range sizes {
		sum += s
	}
	out := make([]int, len(sizes))
	if sum == 0 || total == 0 {
		return out
	}
	type rem struct {
		i    int
		frac float64
	}
	var rems []rem
	given := 0
	for i, s := range sizes {
		exact := float64(s) * float64(total) / float64(sum)
		out[i] = int(math.Floor(exact))
		given += out[i]
		rems = append(rems, rem{i, exact - float64(out[i])})
	}
	sort.SliceStable(rems, func(a, b int) bool {
		if rems[a].frac != rems[b].frac {
			return rems[a].frac > rems[b].frac
		}
		return sizes[rems[a].i] > sizes[rems[b].i]
	})
	for k := 0; given < total && k < 2*len(rems); k++ {
		i := rems[k%len(rems)].i
		if out[i] < sizes[i] {
			out[i]++
			given++
		}
	}
	return out
}

// byTime labels the latest nTest rows test and the nValid before them
// valid, moving each cut earlier past rows that share its time.
func byTime(ctx context.Context, conn *sql.Conn, path, col string, n, nValid, nTest int) ([]uint8, error) {
	var missing int64
	if err := conn.QueryRowContext(ctx, fmt.Sprintf("SELECT count(*) - count(%s) FROM %s", dataengine.Ident(col), dataengine.Scan(path))).Scan(&missing); err != nil {
		return nil, err
	}
	if missing > 0 {
		return nil, fault.Invalid("split: --time %q has %d missing values; every row needs a time (fill or drop them with a prep recipe)", col, missing)
	}
	// Rank rows by time (ties by row); the text form is used only to see
	// which neighbours share a time.
	rows, err := conn.QueryContext(ctx, fmt.Sprintf(
		"SELECT file_row_number, CAST(%[1]s AS VARCHAR) FROM read_parquet(%[2]s, file_row_number = true) ORDER BY %[1]s, file_row_number",
		dataengine.Ident(col), dataengine.Quote(path)))
	if err != nil {
		return nil, fmt.Errorf("split: read %q: %w", col, err)
	}
	defer rows.Close()
	order := make([]int, 0, n)
	times := make([]string, 0, n)
	for rows.Next() {
		var r int64
		var t string
		if err := rows.Scan(&r, &t); err != nil {
			return nil, err
		}
		order = append(order, int(r))
		times = append(times, t)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	cut := func(k int) int {
		for k > 0 && k < len(times) && times[k-1] == times[k] {
			k--
		}
		return k
	}
	testAt := cut(n - nTest)
	validAt := cut(testAt - nValid)
	if validAt < 1 || (nValid > 0 && validAt == testAt) {
		return nil, fault.Invalid("split: too many rows share the same %q value to cut train before test", col)
	}
	labels := make([]uint8, n)
	for k, r := range order {
		switch {
		case k >= testAt:
			labels[r] = test
		case k >= validAt:
			labels[r] = valid
		}
	}
	return labels, nil
}

func cleanupFile(p string) { _ = os.Remove(p) }
