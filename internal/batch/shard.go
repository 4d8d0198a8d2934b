package batch

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/parquet-go/parquet-go"

	"github.com/mlcycle/mlcycle/internal/catalog"
	"github.com/mlcycle/mlcycle/internal/dataengine"
	"github.com/mlcycle/mlcycle/predict"
)

// A shard object holds one shard's predictions, in the shard's row order,
// as a Parquet file written by parquet-go with required columns: pred
// (INT32, the class index) and p0 ... p<K-1> (DOUBLE, the class
// probabilities) for classification, value (DOUBLE) for regression. Class
// labels, the model and the ID columns are added when the shards are
// merged, so a shard is small and cheap to write.

// shardWriter writes shard files, reusing its buffers.
type shardWriter struct {
	vals []parquet.Value
	rows []parquet.Row
}

// shardSchema returns the schema of a shard with k classes (0:
// regression) and, per value of a row in order, its column index.
func shardSchema(k int) (*parquet.Schema, []string) {
	g := parquet.Group{}
	var names []string
	if k == 0 {
		names = []string{"value"}
		g["value"] = parquet.Leaf(parquet.DoubleType)
	} else {
		names = []string{"pred"}
		g["pred"] = parquet.Leaf(parquet.Int32Type)
		for j := range k {
			n := "p" + strconv.Itoa(j)
			names = append(names, n)
			g[n] = parquet.Leaf(parquet.DoubleType)
		}
	}
	return parquet.NewSchema("shard", g), names
}

// write writes a prediction result to path as a shard file.
func (w *shardWriter) write(path string, r *predict.Result, k int) error {
	sch, names := shardSchema(k)
	// Values of a row must come in column-index order.
	width := len(names)
	col := make([]int, width) // col[v]: the column index of value v
	order := make([]int, width)
	for v, n := range names {
		leaf, ok := sch.Lookup(n)
		if !ok {
			return fmt.Errorf("shard schema lacks %s", n)
		}
		col[v] = leaf.ColumnIndex
		order[leaf.ColumnIndex] = v
	}
	n := r.Len()
	if cap(w.vals) < n*width {
		w.vals = make([]parquet.Value, n*width)
	}
	vals := w.vals[:n*width]
	if cap(w.rows) < n {
		w.rows = make([]parquet.Row, n)
	}
	rows := w.rows[:n]
	for i := range n {
		row := vals[i*width : (i+1)*width : (i+1)*width]
		for c, v := range order {
			var x parquet.Value
			switch {
			case k == 0:
				x = parquet.DoubleValue(r.Values[i])
			case v == 0:
				x = parquet.Int32Value(int32(r.Pred[i]))
			default:
				x = parquet.DoubleValue(r.Probs[i*k+v-1])
			}
			row[c] = x.Level(0, 0, c)
		}
		rows[i] = row
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(f, 1<<20)
	pw := parquet.NewWriter(bw, sch)
	if _, err := pw.WriteRows(rows); err != nil {
		f.Close()
		return err
	}
	if err := pw.Close(); err != nil {
		f.Close()
		return err
	}
	if err := bw.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// merge joins the input's ID columns with the shards, in row order, into
// one staged Parquet file in the catalog's stored format.
func (s *Service) merge(ctx context.Context, a Args, in catalog.Version, m Resolved, total int) (catalog.Staged, error) {
	files := make([]string, total)
	for i := range total {
		p, err := s.blob.LocalPath(ctx, shardKey(a.Key, i))
		if err != nil {
			return catalog.Staged{}, err
		}
		files[i] = dataengine.Quote(p)
	}
	var sel []string
	for _, id := range a.IDs {
		sel = append(sel, "i."+dataengine.Ident(id))
	}
	classes := m.Model.Classes()
	if len(classes) == 0 {
		sel = append(sel, "p.value AS prediction")
	} else {
		labels := make([]string, len(classes))
		for j, c := range classes {
			labels[j] = dataengine.Quote(c)
		}
		sel = append(sel, fmt.Sprintf("([%s])[p.pred + 1] AS prediction", strings.Join(labels, ", ")))
		for j, c := range classes {
			sel = append(sel, fmt.Sprintf("p.p%d AS %s", j, dataengine.Ident("proba_"+c)))
		}
	}
	sel = append(sel,
		fmt.Sprintf("%s AS model", dataengine.Quote(a.ModelName)),
		fmt.Sprintf("CAST(%d AS BIGINT) AS model_version", a.ModelVersion))
	from := fmt.Sprintf("read_parquet([%s]) p", strings.Join(files, ", "))
	if len(a.IDs) > 0 {
		inPath, err := s.cat.Path(ctx, in)
		if err != nil {
			return catalog.Staged{}, err
		}
		ids := make([]string, len(a.IDs))
		for j, id := range a.IDs {
			ids[j] = dataengine.Ident(id)
		}
		from = fmt.Sprintf("(SELECT %s FROM %s) i POSITIONAL JOIN %s", strings.Join(ids, ", "), dataengine.Scan(inPath), from)
	}
	staged := s.cat.StagingPath()
	q := fmt.Sprintf("COPY (SELECT %s FROM %s) TO %s (%s)", strings.Join(sel, ", "), from, dataengine.Quote(staged), dataengine.StoredParquet)
	var rows int64
	if err := s.cat.Engine().DB().QueryRowContext(ctx, q).Scan(&rows); err != nil {
		os.Remove(staged)
		return catalog.Staged{}, fmt.Errorf("batch: merge shards: %w", err)
	}
	if rows != in.Rows {
		os.Remove(staged)
		return catalog.Staged{}, fmt.Errorf("batch: merged %d rows, the input has %d", rows, in.Rows)
	}
	return catalog.Staged{
		Path: staged, Dataset: a.Out, Kind: Kind, InputKey: a.InputKey,
		Schema: outputSchema(in, a.IDs, m.Model), Rows: rows,
		Source:  fmt.Sprintf("batch %s version %d (%s) on %s@%d", a.ModelName, a.ModelVersion, a.Model, in.Dataset, in.Number()),
		Options: map[string]any{"model": a.Model, "model_name": a.ModelName, "model_version": a.ModelVersion, "model_key": a.ModelKey, "ids": a.IDs},
		Parents: parents(in),
	}, nil
}
