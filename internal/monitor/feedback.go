package monitor

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/mlcycle/mlcycle/internal/blob"
	"github.com/mlcycle/mlcycle/internal/fault"
	"github.com/mlcycle/mlcycle/internal/store"
	"github.com/mlcycle/mlcycle/predict"
)

// LabelIn is one piece of ground truth as a client sends it.
type LabelIn struct {
	InferenceID string `json:"inference_id"`
	// Label is the true class label (a string, or a number or boolean
	// written as text) or the true value of a regression target.
	Label any `json:"label"`
}

// Problem is a label that was not recorded, and why.
type Problem struct {
	InferenceID string `json:"inference_id"`
	Reason      string `json:"reason"`
}

// FeedbackResult says what happened to each label: recorded, already
// labelled (duplicates: the first label stands), unknown inference ids
// (no captured prediction of this endpoint has it), or invalid labels.
// Nothing is dropped silently.
type FeedbackResult struct {
	Accepted   int       `json:"accepted"`
	Duplicates []string  `json:"duplicates"`
	Unknown    []string  `json:"unknown"`
	Invalid    []Problem `json:"invalid"`
}

// MaxFeedback bounds the labels of one feedback call.
const MaxFeedback = 100000

// AddFeedback joins labels to the endpoint's captured predictions by
// inference id and records them. An inference id is looked up in the
// capture object of the hour its UUID v7 timestamp names (and the hours
// beside it), then, if still unknown, in every capture object of the
// endpoint.
func (s *Service) AddFeedback(ctx context.Context, endpoint string, labels []LabelIn) (*FeedbackResult, error) {
	if len(labels) > MaxFeedback {
		return nil, fault.Invalid("feedback: %d labels in one call; send at most %d", len(labels), MaxFeedback)
	}
	ep, err := s.Store.Endpoint(ctx, endpoint)
	if err != nil {
		return nil, err
	}
	res, err := s.Registry.ForEndpoint(ctx, ep)
	if err != nil {
		return nil, err
	}
	m := res.Model
	out := &FeedbackResult{Duplicates: []string{}, Unknown: []string{}, Invalid: []Problem{}}
	want := map[string]string{} // inference id → label text
	hours := map[time.Time]bool{}
	var order []string
	for _, l := range labels {
		id := strings.TrimSpace(l.InferenceID)
		if _, dup := want[id]; dup {
			out.Duplicates = append(out.Duplicates, id)
			continue
		}
		u, err := uuid.Parse(id)
		if err != nil {
			out.Invalid = append(out.Invalid, Problem{id, "not an inference id (a UUID)"})
			continue
		}
		v, err := labelText(m, l.Label)
		if err != nil {
			out.Invalid = append(out.Invalid, Problem{id, err.Error()})
			continue
		}
		want[id] = v
		order = append(order, id)
		if u.Version() == 7 {
			sec, nsec := u.Time().UnixTime()
			h := time.Unix(sec, nsec).UTC().Truncate(time.Hour)
			hours[h.Add(-time.Hour)], hours[h], hours[h.Add(time.Hour)] = true, true, true
		}
	}
	found := map[string]time.Time{}
	var keys []string
	for h := range hours {
		keys = append(keys, captureKey(ep.Name, h))
	}
	slices.Sort(keys)
	if err := s.findCaptured(ctx, keys, want, found); err != nil {
		return nil, err
	}
	if len(found) < len(want) {
		all, err := s.Blob.List(ctx, "capture/"+url.PathEscape(ep.Name)+"/")
		if err != nil {
			return nil, err
		}
		all = slices.DeleteFunc(all, func(k string) bool { return slices.Contains(keys, k) })
		if err := s.findCaptured(ctx, all, want, found); err != nil {
			return nil, err
		}
	}
	var ls []store.Label
	now := s.now()
	for _, id := range order {
		t, ok := found[id]
		if !ok {
			out.Unknown = append(out.Unknown, id)
			continue
		}
		ls = append(ls, store.Label{InferenceID: id, Value: want[id], PredictedAt: t, ReceivedAt: now})
	}
	added, dups, err := s.Store.AddLabels(ctx, ep.Name, ls)
	if err != nil {
		return nil, err
	}
	out.Accepted = added
	out.Duplicates = append(out.Duplicates, dups...)
	return out, nil
}

func captureKey(endpoint string, h time.Time) string {
	return fmt.Sprintf("capture/%s/%04d/%02d/%02d/%02d.jsonl", url.PathEscape(endpoint), h.Year(), h.Month(), h.Day(), h.Hour())
}

// findCaptured scans capture objects for the wanted inference ids,
// recording their prediction times in found.
func (s *Service) findCaptured(ctx context.Context, keys []string, want map[string]string, found map[string]time.Time) error {
	for _, key := range keys {
		if len(found) == len(want) {
			return nil
		}
		err := eachLine(ctx, s.Blob, key, func(_ int, b []byte) error {
			var c struct {
				ID        string    `json:"inference_id"`
				Timestamp time.Time `json:"timestamp"`
			}
			if json.Unmarshal(b, &c) == nil {
				if _, ok := want[c.ID]; ok {
					found[c.ID] = c.Timestamp
				}
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("feedback: %w", err)
		}
	}
	return nil
}

// eachLine calls fn with every line of the capture object under key (none
// when it does not exist), with its 1-based number.
func eachLine(ctx context.Context, b *blob.Store, key string, fn func(line int, b []byte) error) error {
	rc, err := b.NewReader(ctx, key)
	if fault.Is(err, fault.KindNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	defer rc.Close()
	sc := bufio.NewScanner(rc)
	sc.Buffer(make([]byte, 0, 64<<10), 16<<20)
	for line := 1; sc.Scan(); line++ {
		if err := fn(line, sc.Bytes()); err != nil {
			return err
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("read %s: %w", key, err)
	}
	return nil
}

// labelText checks a label against the model's task and returns it as
// text: a known class label, or a number for regression.
func labelText(m *predict.Model, v any) (string, error) {
	if m.Task() == predict.TaskRegression {
		switch x := v.(type) {
		case float64:
			return strconv.FormatFloat(x, 'g', -1, 64), nil
		case json.Number:
			if f, err := x.Float64(); err == nil {
				return strconv.FormatFloat(f, 'g', -1, 64), nil
			}
		case string:
			if f, err := strconv.ParseFloat(strings.TrimSpace(x), 64); err == nil {
				return strconv.FormatFloat(f, 'g', -1, 64), nil
			}
		}
		return "", fmt.Errorf("label %s is not a number (the model is a regression)", predict.ShowValue(v))
	}
	var s string
	switch x := v.(type) {
	case string:
		s = x
	case float64:
		s = strconv.FormatFloat(x, 'g', -1, 64)
	case bool:
		s = strconv.FormatBool(x)
	default:
		return "", fmt.Errorf("label %s is not a class label", predict.ShowValue(v))
	}
	if !slices.Contains(m.Classes(), s) {
		return "", fmt.Errorf("label %q is not a class of the model (%s)", s, strings.Join(m.Classes(), ", "))
	}
	return s, nil
}

// Captured is a captured row: its inference id, when it was predicted and
// its input as received.
type Captured struct {
	InferenceID string
	Timestamp   time.Time
	Input       map[string]any
}

// ReadCaptured returns the endpoint's captured rows whose inference id
// keep accepts, from every capture object of the endpoint.
func ReadCaptured(ctx context.Context, b *blob.Store, endpoint string, keep func(id string) bool) ([]Captured, error) {
	keys, err := b.List(ctx, "capture/"+url.PathEscape(endpoint)+"/")
	if err != nil {
		return nil, err
	}
	var out []Captured
	for _, key := range keys {
		err := eachLine(ctx, b, key, func(_ int, line []byte) error {
			var c struct {
				ID        string         `json:"inference_id"`
				Timestamp time.Time      `json:"timestamp"`
				Input     map[string]any `json:"input"`
			}
			if json.Unmarshal(line, &c) == nil && keep(c.ID) {
				out = append(out, Captured{InferenceID: c.ID, Timestamp: c.Timestamp, Input: c.Input})
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}
