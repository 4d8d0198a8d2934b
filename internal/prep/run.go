package prep

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"

	"github.com/mlcycle/mlcycle/internal/catalog"
	"github.com/mlcycle/mlcycle/internal/dataengine"
	"github.com/mlcycle/mlcycle/internal/fault"
	"github.com/mlcycle/mlcycle/internal/store"
)

// rowCol is the ordinal column that carries row order through the chain.
const rowCol = "__mlc_row"

// Result is the outcome of Run.
type Result struct {
	catalog.Version
	// Existing is true when the same recipe had already been run on the
	// same inputs: the existing version is returned.
	Existing bool
}

// Run applies recipe r to the version named by in and records the result
// as a new version of dataset out. Nothing is written unless every step
// validates.
func Run(ctx context.Context, cat *catalog.Service, in string, r *Recipe, out string) (Result, error) {
	if err := catalog.CheckName(out); err != nil {
		return Result{}, err
	}
	src, err := cat.Get(ctx, in)
	if err != nil {
		return Result{}, err
	}
	// Resolve joined datasets up front: they are parents too.
	parents := []store.Parent{{VersionID: src.ID, Role: "input"}}
	joins := map[int]catalog.Version{}
	var probs Problems
	for i, st := range r.Steps {
		if st.Kind != KindJoin && st.Kind != KindUnion {
			continue
		}
		jv, err := cat.Get(ctx, st.Dataset)
		if err != nil {
			probs = append(probs, fmt.Sprintf("steps[%d].%s.dataset: %v", i, st.Kind, err))
			continue
		}
		joins[i] = jv
		parents = append(parents, store.Parent{VersionID: jv.ID, Role: st.Kind})
	}
	if len(probs) > 0 {
		return Result{}, fault.Mark(fault.KindInvalid, probs)
	}
	ids := make([]int64, len(parents))
	for i, p := range parents {
		ids[i] = p.VersionID
	}
	key := catalog.InputKey(store.KindPrep, ids, r.Hash())
	if v, ok, err := cat.Lookup(ctx, out, key); err != nil {
		return Result{}, err
	} else if ok {
		return Result{Version: v, Existing: true}, nil
	}

	e := cat.Engine()
	conn, err := e.DB().Conn(ctx)
	if err != nil {
		return Result{}, err
	}
	defer conn.Close()
	p := &planner{ctx: ctx, conn: conn, prefix: "mlc_prep_" + randomHex()}
	defer p.dropViews()

	srcPath, err := cat.Path(ctx, src)
	if err != nil {
		return Result{}, err
	}
	if err := p.start(srcPath, src.Columns); err != nil {
		return Result{}, err
	}
	for i, st := range r.Steps {
		var jpath string
		var jcols []dataengine.Column
		if jv, ok := joins[i]; ok {
			if jpath, err = cat.Path(ctx, jv); err != nil {
				return Result{}, err
			}
			jcols = jv.Columns
		}
		p.step(i, st, jpath, jcols)
	}
	if len(p.probs) > 0 {
		return Result{}, fault.Mark(fault.KindInvalid, p.probs)
	}

	staged := cat.StagingPath()
	sel := canonical(p.cols)
	var rows int64
	err = conn.QueryRowContext(ctx, fmt.Sprintf("COPY (SELECT %s FROM %s ORDER BY %s) TO %s (%s)",
		sel, p.view, dataengine.Ident(rowCol), dataengine.Quote(staged), dataengine.StoredParquet)).Scan(&rows)
	if err != nil {
		os.Remove(staged)
		if ctx.Err() != nil {
			return Result{}, fault.Canceled(ctx.Err())
		}
		return Result{}, p.explainRun(r, err)
	}
	if rows == 0 {
		os.Remove(staged)
		return Result{}, fault.Invalid("recipe: the steps left no rows (check filter, drop_missing and join steps); nothing was recorded")
	}
	vs, existing, err := cat.Record(ctx, []catalog.Staged{{
		Path: staged, Dataset: out, Kind: store.KindPrep, InputKey: key,
		Schema: dataengine.Schema{Columns: p.cols}, Rows: rows,
		Source:  fmt.Sprintf("prep %s@%d (recipe %s)", src.Dataset, src.Number(), r.Hash()[:12]),
		Options: map[string]any{"recipe": r, "recipe_hash": r.Hash()},
		Parents: parents,
	}})
	if err != nil {
		return Result{}, err
	}
	return Result{Version: vs[0], Existing: existing}, nil
}

// planner builds the chain of views and collects problems.
type planner struct {
	ctx    context.Context
	conn   *sql.Conn
	prefix string
	n      int
	views  []string
	view   string              // the current view
	cols   []dataengine.Column // columns of the current view, without rowCol
	probs  Problems
	// inputs[i] is the view that step i read.
	inputs []string
}

func (p *planner) start(path string, cols []dataengine.Column) error {
	q := fmt.Sprintf("SELECT * EXCLUDE (file_row_number), file_row_number AS %s FROM read_parquet(%s, file_row_number = true)",
		dataengine.Ident(rowCol), dataengine.Quote(path))
	if err := p.create(q); err != nil {
		return fmt.Errorf("prep: read input: %w", err)
	}
	p.cols = cols
	return nil
}

// create makes a new view from q and makes it current.
func (p *planner) create(q string) error {
	name := fmt.Sprintf("%s_%d", p.prefix, p.n)
	p.n++
	if _, err := p.conn.ExecContext(p.ctx, fmt.Sprintf("CREATE TEMP VIEW %s AS %s", name, q)); err != nil {
		return err
	}
	p.views = append(p.views, name)
	p.view = name
	return nil
}

func (p *planner) dropViews() {
	for i := len(p.views) - 1; i >= 0; i-- {
		p.conn.ExecContext(context.WithoutCancel(p.ctx), "DROP VIEW IF EXISTS "+p.views[i])
	}
}

func (p *planner) col(name string) (dataengine.Column, bool) {
	for _, c := range p.cols {
		if c.Name == name {
			return c, true
		}
	}
	return dataengine.Column{}, false
}

func (p *planner) names() string {
	out := make([]string, len(p.cols))
	for i, c := range p.cols {
		out[i] = c.Name
	}
	return strings.Join(out, ", ")
}

// need checks that columns exist, adding problems under path.
func (p *planner) need(path string, cols []string) bool {
	ok := true
	for j, c := range cols {
		if c == rowCol {
			p.probs = append(p.probs, fmt.Sprintf("%s[%d]: %q is reserved", path, j, c))
			ok = false
			continue
		}
		if _, found := p.col(c); !found {
			p.probs = append(p.probs, fmt.Sprintf("%s[%d]: unknown column %q (columns here: %s)", path, j, c, p.names()))
			ok = false
		}
	}
	return ok
}

func idents(cols []string) string {
	out := make([]string, len(cols))
	for i, c := range cols {
		out[i] = dataengine.Ident(c)
	}
	return strings.Join(out, ", ")
}

func isNumeric(t string) bool { return t == dataengine.TypeInteger || t == dataengine.TypeFloat }

// step compiles step i, creates its view and updates the columns. Problems
// are collected; a failed step leaves the current view as it was.
func (p *planner) step(i int, st Step, joinPath string, joinCols []dataengine.Column) {
	path := fmt.Sprintf("steps[%d].%s", i, st.Kind)
	before := len(p.probs)
	id := dataengine.Ident
	prev := p.view
	p.inputs = append(p.inputs, prev)
	var q string
	types := map[string]string{} // logical types this step sets
	switch st.Kind {
	case KindSelect:
		if p.need(path, st.Columns) {
			q = fmt.Sprintf("SELECT %s, %s FROM %s", idents(st.Columns), id(rowCol), prev)
		}
	case KindDrop:
		if p.need(path, st.Columns) {
			if len(st.Columns) == len(p.cols) {
				p.probs = append(p.probs, path+": would drop every column")
				break
			}
			q = fmt.Sprintf("SELECT * EXCLUDE (%s) FROM %s", idents(st.Columns), prev)
		}
	case KindRename:
		var parts []string
		for _, old := range sortedKeys(st.Mapping) {
			nw := st.Mapping[old]
			if !p.need(path, []string{old}) {
				continue
			}
			if _, clash := p.col(nw); clash && st.Mapping[nw] == "" {
				p.probs = append(p.probs, fmt.Sprintf("%s.%s: target %q is already a column", path, old, nw))
				continue
			}
			if nw == rowCol {
				p.probs = append(p.probs, fmt.Sprintf("%s.%s: %q is reserved", path, old, nw))
				continue
			}
			parts = append(parts, fmt.Sprintf("%s AS %s", id(old), id(nw)))
		}
		if len(p.probs) == before {
			q = fmt.Sprintf("SELECT * RENAME (%s) FROM %s", strings.Join(parts, ", "), prev)
			// Types follow the columns under their new names.
			for _, c := range p.cols {
				if nw, ok := st.Mapping[c.Name]; ok {
					types[nw] = c.Type
				}
			}
		}
	case KindCast:
		var parts []string
		for _, c := range sortedKeys(st.Mapping) {
			if !p.need(path, []string{c}) {
				continue
			}
			t := st.Mapping[c]
			parts = append(parts, fmt.Sprintf("CAST(%s AS %s) AS %s", id(c), dataengine.Physical(t), id(c)))
			types[c] = t
		}
		if len(p.probs) == before {
			q = fmt.Sprintf("SELECT * REPLACE (%s) FROM %s", strings.Join(parts, ", "), prev)
		}
	case KindFillMissing:
		if !p.need(path+".columns", st.Columns) {
			break
		}
		var parts []string
		for j, c := range st.Columns {
			col, _ := p.col(c)
			var fill string
			switch st.Strategy {
			case "constant":
				fill = fmt.Sprintf("CAST(%s AS %s)", literal(st.Value), dataengine.Physical(col.Type))
			case "mean", "median":
				if !isNumeric(col.Type) {
					p.probs = append(p.probs, fmt.Sprintf("%s.columns[%d]: %s needs a numeric column; %q is %s", path, j, st.Strategy, c, col.Type))
					continue
				}
				agg := "avg"
				if st.Strategy == "median" {
					agg = "median"
				}
				fill = fmt.Sprintf("(SELECT %s(%s)::DOUBLE FROM %s)", agg, id(c), prev)
				if col.Type == dataengine.TypeInteger {
					types[c] = dataengine.TypeFloat
				}
			case "mode":
				fill = fmt.Sprintf("(SELECT %[1]s FROM %[2]s WHERE %[1]s IS NOT NULL GROUP BY %[1]s ORDER BY count(*) DESC, %[1]s LIMIT 1)", id(c), prev)
			}
			parts = append(parts, fmt.Sprintf("COALESCE(%s, %s) AS %s", id(c), fill, id(c)))
		}
		if len(p.probs) == before {
			q = fmt.Sprintf("SELECT * REPLACE (%s) FROM %s", strings.Join(parts, ", "), prev)
		}
	case KindDropMissing:
		cols := st.Columns
		if len(cols) == 0 {
			for _, c := range p.cols {
				cols = append(cols, c.Name)
			}
		}
		if p.need(path, st.Columns) {
			conds := make([]string, len(cols))
			for j, c := range cols {
				conds[j] = id(c) + " IS NOT NULL"
			}
			q = fmt.Sprintf("SELECT * FROM %s WHERE %s", prev, strings.Join(conds, " AND "))
		}
	case KindDedupe:
		cols := st.Columns
		if len(cols) == 0 {
			for _, c := range p.cols {
				cols = append(cols, c.Name)
			}
		}
		if p.need(path, st.Columns) {
			q = fmt.Sprintf("SELECT * FROM %s QUALIFY row_number() OVER (PARTITION BY %s ORDER BY %s) = 1", prev, idents(cols), id(rowCol))
		}
	case KindFilter:
		q = fmt.Sprintf("SELECT * FROM %s WHERE (%s)", prev, st.Expr)
	case KindClip:
		if !p.need(path+".columns", st.Columns) {
			break
		}
		var parts []string
		for j, c := range st.Columns {
			col, _ := p.col(c)
			if !isNumeric(col.Type) {
				p.probs = append(p.probs, fmt.Sprintf("%s.columns[%d]: clip needs a numeric column; %q is %s", path, j, c, col.Type))
				continue
			}
			e := id(c) + "::DOUBLE"
			if st.Lower != nil {
				e = fmt.Sprintf("greatest(%s, (SELECT quantile_cont(%s, %s) FROM %s))", e, id(c), strconv.FormatFloat(*st.Lower, 'g', -1, 64), prev)
			}
			if st.Upper != nil {
				e = fmt.Sprintf("least(%s, (SELECT quantile_cont(%s, %s) FROM %s))", e, id(c), strconv.FormatFloat(*st.Upper, 'g', -1, 64), prev)
			}
			// greatest/least skip NULLs: keep missing values missing.
			parts = append(parts, fmt.Sprintf("CASE WHEN %[1]s IS NULL THEN NULL ELSE %[2]s END AS %[1]s", id(c), e))
			types[c] = dataengine.TypeFloat
		}
		if len(p.probs) == before {
			q = fmt.Sprintf("SELECT * REPLACE (%s) FROM %s", strings.Join(parts, ", "), prev)
		}
	case KindDerive:
		if st.Name == rowCol {
			p.probs = append(p.probs, fmt.Sprintf("%s.name: %q is reserved", path, st.Name))
			break
		}
		if _, exists := p.col(st.Name); exists {
			q = fmt.Sprintf("SELECT * REPLACE ((%s) AS %s) FROM %s", st.Expr, id(st.Name), prev)
		} else {
			q = fmt.Sprintf("SELECT *, (%s) AS %s FROM %s", st.Expr, id(st.Name), prev)
		}
	case KindJoin:
		q = p.join(path, st, joinPath, joinCols, types)
	case KindUnion:
		q = p.union(path, st, joinPath, joinCols)
	case KindSQL:
		q = fmt.Sprintf("WITH input AS (SELECT * FROM %s) SELECT * FROM (%s) AS q", prev, st.SQL)
	case KindSample:
		order := fmt.Sprintf("hash(%s, %d)", id(rowCol), st.Seed)
		if st.Frac != nil {
			q = fmt.Sprintf("SELECT * FROM %s WHERE %s / 18446744073709551616.0 < %s", prev, order, strconv.FormatFloat(*st.Frac, 'g', -1, 64))
		} else {
			q = fmt.Sprintf("SELECT * FROM %s ORDER BY %s LIMIT %d", prev, order, st.N)
		}
	}
	if len(p.probs) > before || q == "" {
		return
	}
	if err := p.create(q); err != nil {
		p.probs = append(p.probs, fmt.Sprintf("%s: %s", path, duckMessage(err)))
		return
	}
	if err := p.refresh(path, types); err != nil {
		p.probs = append(p.probs, fmt.Sprintf("%s: %s", path, duckMessage(err)))
	}
}

// union compiles a union step: the rows of another dataset version
// appended after the input's, its columns cast to the input's types; a
// column the other version lacks is missing in its rows, a column the
// input lacks is an error.
func (p *planner) union(path string, st Step, upath string, ucols []dataengine.Column) string {
	id := dataengine.Ident
	have := map[string]bool{}
	for _, c := range ucols {
		have[c.Name] = true
	}
	var extra []string
	for _, c := range ucols {
		if _, ok := p.col(c.Name); !ok {
			extra = append(extra, c.Name)
		}
	}
	if len(extra) > 0 {
		p.probs = append(p.probs, fmt.Sprintf("%s.dataset: %s has columns the input lacks: %s", path, st.Dataset, strings.Join(extra, ", ")))
		return ""
	}
	var sel []string
	for _, c := range p.cols {
		if have[c.Name] {
			sel = append(sel, fmt.Sprintf("CAST(%s AS %s) AS %s", id(c.Name), dataengine.Physical(c.Type), id(c.Name)))
		} else {
			sel = append(sel, fmt.Sprintf("CAST(NULL AS %s) AS %s", dataengine.Physical(c.Type), id(c.Name)))
		}
	}
	sel = append(sel, fmt.Sprintf("(SELECT coalesce(max(%s), 0) FROM %s) + file_row_number + 1 AS %s", id(rowCol), p.view, id(rowCol)))
	return fmt.Sprintf("SELECT * FROM %s UNION ALL BY NAME SELECT %s FROM read_parquet(%s, file_row_number = true)",
		p.view, strings.Join(sel, ", "), dataengine.Quote(upath))
}

// join compiles a join step.
func (p *planner) join(path string, st Step, jpath string, jcols []dataengine.Column, types map[string]string) string {
	id := dataengine.Ident
	before := len(p.probs)
	p.need(path+".on", st.On)
	right := map[string]dataengine.Column{}
	for _, c := range jcols {
		right[c.Name] = c
	}
	for j, k := range st.On {
		if _, ok := right[k]; !ok {
			names := make([]string, len(jcols))
			for i, c := range jcols {
				names[i] = c.Name
			}
			p.probs = append(p.probs, fmt.Sprintf("%s.on[%d]: column %q is not in %s (its columns: %s)", path, j, k, st.Dataset, strings.Join(names, ", ")))
		}
	}
	if len(p.probs) > before {
		return ""
	}
	left := p.cols
	var sel []string
	for _, c := range left {
		if (st.How == "right" || st.How == "full") && contains(st.On, c.Name) {
			sel = append(sel, fmt.Sprintf("COALESCE(l.%[1]s, r.%[1]s) AS %[1]s", id(c.Name)))
		} else {
			sel = append(sel, "l."+id(c.Name))
		}
	}
	for _, c := range jcols {
		if contains(st.On, c.Name) {
			continue
		}
		name := c.Name
		if _, clash := p.col(name); clash {
			name += st.Suffix
		}
		sel = append(sel, fmt.Sprintf("r.%s AS %s", id(c.Name), id(name)))
		types[name] = c.Type
	}
	conds := make([]string, len(st.On))
	for i, k := range st.On {
		conds[i] = fmt.Sprintf("l.%[1]s = r.%[1]s", id(k))
	}
	sel = append(sel, fmt.Sprintf("row_number() OVER (ORDER BY l.%s, r.__mlc_rrow) AS %s", id(rowCol), id(rowCol)))
	return fmt.Sprintf("SELECT %s FROM %s AS l %s JOIN (SELECT * EXCLUDE (file_row_number), file_row_number AS __mlc_rrow FROM read_parquet(%s, file_row_number = true)) AS r ON %s",
		strings.Join(sel, ", "), p.view, strings.ToUpper(st.How), dataengine.Quote(jpath), strings.Join(conds, " AND "))
}

// refresh reads the current view's columns and works out logical types:
// those the step set, else the previous type of a same-named column when
// the storage type agrees, else the type implied by DuckDB's.
func (p *planner) refresh(path string, set map[string]string) error {
	rows, err := p.conn.QueryContext(p.ctx, "DESCRIBE "+p.view)
	if err != nil {
		return err
	}
	defer rows.Close()
	old := map[string]string{}
	for _, c := range p.cols {
		old[c.Name] = c.Type
	}
	var cols []dataengine.Column
	hasRow := false
	for rows.Next() {
		var name, typ string
		var a, b, c, d sql.NullString
		if err := rows.Scan(&name, &typ, &a, &b, &c, &d); err != nil {
			return err
		}
		if name == rowCol {
			hasRow = true
			continue
		}
		t := dataengine.LogicalOf(typ)
		if s, ok := set[name]; ok {
			t = s
		} else if o, ok := old[name]; ok && dataengine.Physical(o) == dataengine.Physical(t) {
			t = o
		}
		cols = append(cols, dataengine.Column{Name: name, Type: t})
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if len(cols) == 0 {
		return fmt.Errorf("the step leaves no columns")
	}
	p.cols = cols
	if !hasRow {
		// A sql step dropped the ordinal: number its rows as they come.
		return p.create(fmt.Sprintf("SELECT *, row_number() OVER () AS %s FROM %s", dataengine.Ident(rowCol), p.view))
	}
	return nil
}

// canonical is the final SELECT list: every column in its stored type.
func canonical(cols []dataengine.Column) string {
	parts := make([]string, len(cols))
	for i, c := range cols {
		parts[i] = fmt.Sprintf("CAST(%s AS %s) AS %s", dataengine.Ident(c.Name), dataengine.Physical(c.Type), dataengine.Ident(c.Name))
	}
	return strings.Join(parts, ", ")
}

var reConvert = regexp.MustCompile(`Could not convert string "?'?(.*?)"?'? to '?(\w+)'?`)

// explainRun attributes a failure of the final COPY to a step where it
// can: a value that a cast step cannot convert.
func (p *planner) explainRun(r *Recipe, err error) error {
	msg := duckMessage(err)
	if reConvert.MatchString(err.Error()) {
		for i, st := range r.Steps {
			if st.Kind != KindCast {
				continue
			}
			for _, c := range sortedKeys(st.Mapping) {
				view := p.inputs[i]
				var v string
				q := fmt.Sprintf("SELECT CAST(%[1]s AS VARCHAR) FROM %[2]s WHERE %[1]s IS NOT NULL AND TRY_CAST(%[1]s AS %[3]s) IS NULL LIMIT 1", dataengine.Ident(c), view, dataengine.Physical(st.Mapping[c]))
				if p.conn.QueryRowContext(p.ctx, q).Scan(&v) == nil {
					return fault.Invalid("recipe: steps[%d].cast.%s: value %q is not a valid %s", i, c, v, st.Mapping[c])
				}
			}
		}
	}
	return fault.Invalid("recipe: running the steps failed: %s", msg)
}

// duckMessage returns the first line of a DuckDB error without its class.
func duckMessage(err error) string {
	m := err.Error()
	if i := strings.IndexByte(m, '\n'); i >= 0 {
		m = m[:i]
	}
	for _, p := range []string{"Binder Error: ", "Parser Error: ", "Catalog Error: ", "Conversion Error: ", "Invalid Input Error: "} {
		m = strings.TrimPrefix(m, p)
	}
	return m
}

// literal renders a YAML scalar as a SQL literal.
func literal(v any) string {
	switch x := v.(type) {
	case string:
		return dataengine.Quote(x)
	case bool:
		return strconv.FormatBool(x)
	case int:
		return strconv.Itoa(x)
	case int64:
		return strconv.FormatInt(x, 10)
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64)
	}
	return "NULL"
}

func randomHex() string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
