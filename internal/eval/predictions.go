package eval

import (
	"encoding/csv"
	"io"
	"strconv"

	"github.com/mlcycle/mlcycle/predict"
)

// WriteCSV writes the predictions as CSV with a header: row (1-based row
// number in the dataset version), true (label), predicted (label), then
// score (binary: the positive-class probability; regression: the value)
// or one probability column per class, "proba_<label>" (multiclass).
func (p *Predictions) WriteCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	head := []string{"row", "true", "predicted"}
	switch p.Task {
	case predict.TaskMulticlass:
		for _, c := range p.Classes {
			head = append(head, "proba_"+c)
		}
	default:
		head = append(head, "score")
	}
	if err := cw.Write(head); err != nil {
		return err
	}
	rec := make([]string, len(head))
	for i, row := range p.Rows {
		rec = rec[:0]
		rec = append(rec, strconv.Itoa(row), p.trueLabel(i), p.Pred[i])
		if p.Task == predict.TaskMulticlass {
			for _, v := range p.Proba[i] {
				rec = append(rec, fmtFloat(v))
			}
		} else {
			rec = append(rec, fmtFloat(p.Score[i]))
		}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

func (p *Predictions) trueLabel(i int) string {
	if p.Task == predict.TaskRegression {
		return fmtFloat(p.True[i])
	}
	return p.Classes[int(p.True[i])]
}

// fmtFloat writes the shortest text that reads back as the same float64.
func fmtFloat(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }
