package cli

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/mlcycle/mlcycle/internal/fault"
	"github.com/mlcycle/mlcycle/internal/monitor"
)

func newFeedbackCmd(st *state) *cobra.Command {
	var file string
	cmd := &cobra.Command{
		Use:   "feedback ENDPOINT --file labels.csv",
		Short: "Record ground truth for served predictions, joined by inference id",
		Long: `Record the true labels of an endpoint's predictions. The CSV file has a header
with the columns inference_id and label (others are ignored). Each label is
joined to the captured prediction with that inference id; unknown ids,
duplicates (a prediction that already has a label: the first one stands) and
labels that are not a class of the model (or not a number, for regression) are
reported, never dropped silently. A running server takes the same as JSON on
POST /endpoints/NAME/feedback. Monitor runs score the labelled predictions.`,
		Example: "  mlcycle feedback churn --file labels.csv\n  mlcycle feedback churn --file labels.csv --json",
		Args:    exactArgs(1, "ENDPOINT"),
		RunE: func(cmd *cobra.Command, args []string) error {
			labels, err := readLabels(st.abs(file))
			if err != nil {
				return err
			}
			a, err := st.open(cmd.Context())
			if err != nil {
				return err
			}
			defer a.Close()
			res, err := a.Monitor.AddFeedback(cmd.Context(), args[0], labels)
			if err != nil {
				return err
			}
			if st.json {
				return writeJSON(st.env.Stdout, res)
			}
			w := st.env.Stdout
			fmt.Fprintf(w, "%d labels recorded for %s; %d duplicates, %d unknown inference ids, %d invalid\n",
				res.Accepted, args[0], len(res.Duplicates), len(res.Unknown), len(res.Invalid))
			show := func(what string, ids []string) {
				if len(ids) > 0 {
					more := ""
					if len(ids) > 10 {
						ids, more = ids[:10], fmt.Sprintf(" (and %d more)", len(ids)-10)
					}
					fmt.Fprintf(w, "  %s: %s%s\n", what, strings.Join(ids, ", "), more)
				}
			}
			show("duplicates", res.Duplicates)
			show("unknown", res.Unknown)
			for i, p := range res.Invalid {
				if i == 10 {
					fmt.Fprintf(w, "  (and %d more invalid)\n", len(res.Invalid)-10)
					break
				}
				fmt.Fprintf(w, "  invalid %s: %s\n", p.InferenceID, p.Reason)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&file, "file", "", "CSV file with inference_id and label columns")
	_ = cmd.MarkFlagRequired("file")
	st.jsonFlag(cmd)
	return cmd
}

// readLabels reads a CSV of inference_id,label rows.
func readLabels(path string) ([]monitor.LabelIn, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fault.Mark(fault.KindInvalid, fmt.Errorf("feedback: %w", err))
	}
	defer f.Close()
	r := csv.NewReader(f)
	head, err := r.Read()
	if err != nil {
		return nil, fault.Invalid("feedback: %s: no header line", path)
	}
	ic, lc := -1, -1
	for i, h := range head {
		switch strings.TrimSpace(h) {
		case "inference_id":
			ic = i
		case "label":
			lc = i
		}
	}
	if ic < 0 || lc < 0 {
		return nil, fault.Invalid("feedback: %s: the header needs the columns inference_id and label (has %s)", path, strings.Join(head, ", "))
	}
	var out []monitor.LabelIn
	for line := 2; ; line++ {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fault.Invalid("feedback: %s: %v", path, err)
		}
		out = append(out, monitor.LabelIn{InferenceID: rec[ic], Label: rec[lc]})
	}
	if len(out) == 0 {
		return nil, fault.Invalid("feedback: %s has no labels", path)
	}
	return out, nil
}
