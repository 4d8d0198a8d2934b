package serve

import (
	"context"
	"errors"
	"testing"

	"github.com/mlcycle/mlcycle/predict"
)

// fuzzEndpoint returns the live form of the binary fixture endpoint.
func fuzzEndpoint(f *testing.F) *live {
	s, err := New(Config{}, Deps{})
	if err != nil {
		f.Fatal(err)
	}
	s.Set(Endpoint{Name: "churn", Model: "churn", Version: 1, Pred: model(f, predict.TaskBinary, 5), CapturePercent: -1})
	return s.endpoint("churn")
}

// checkDecoded scores what a decoder returned: a decoder error must be a
// 4xx, and decoded records must either be refused with a 4xx or predict
// (or fail with predict.ErrInput), never panic.
func checkDecoded(t *testing.T, ep *live, recs []map[string]any, aerr *apiError) {
	t.Helper()
	if aerr != nil {
		if aerr.status < 400 || aerr.status > 499 || aerr.msg == "" {
			t.Fatalf("decoder error %d %q", aerr.status, aerr.msg)
		}
		return
	}
	if len(recs) == 0 || len(recs) > 50 {
		t.Fatalf("decoder returned %d records without an error", len(recs))
	}
	fr, aerr := frameOf(ep, recs)
	if aerr != nil {
		if aerr.status != 400 {
			t.Fatalf("frame error %d %q", aerr.status, aerr.msg)
		}
		return
	}
	res, err := ep.Pred.Predict(context.Background(), fr)
	if err != nil {
		if !errors.Is(err, predict.ErrInput) {
			t.Fatalf("predict: %v", err)
		}
		return
	}
	if res.Len() != len(recs) {
		t.Fatalf("%d predictions for %d records", res.Len(), len(recs))
	}
	ids := make([][16]byte, res.Len())
	appendRows(nil, ep, res, ids)
	appendV2(nil, ep, res, ids, "x")
}

func FuzzDecodeInstances(f *testing.F) {
	ep := fuzzEndpoint(f)
	for _, s := range []string{
		`{"instances": [{"x": 1, "n": 2, "city": "Oslo", "flag": true}]}`,
		`{"x": "1e400", "n": null}`,
		`[[1, 2, "a", false], {"n": "3"}]`,
		`{"instances": [5]}`, `[]`, `{"n": {"a": [1]}}`, `{"x": 1,, }`, `"s"`,
		`{"n": 1, "flag": "maybe", "city": 3}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		recs, aerr := decodeInstances(ep, b, 50)
		checkDecoded(t, ep, recs, aerr)
	})
}

func FuzzDecodeCSV(f *testing.F) {
	ep := fuzzEndpoint(f)
	for _, s := range []string{
		"x,n,city,flag\n1,2,Oslo,true\n",
		"1,2,Oslo,true\n,,,\n",
		"n,city\n\"3\",\"Os\"\"lo\"\n",
		"n\nabc\n", "\ufeffn\n1", "a,b\n1", "n,n\n1,2\n", "\"unterminated\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		recs, aerr := decodeCSV(ep, b, 50)
		checkDecoded(t, ep, recs, aerr)
	})
}

func FuzzDecodeV2(f *testing.F) {
	ep := fuzzEndpoint(f)
	for _, s := range []string{
		`{"inputs": [{"name": "n", "shape": [2], "datatype": "INT64", "data": [1, 2]}, {"name": "city", "shape": [2, 1], "datatype": "BYTES", "data": [["a"], ["b"]]}]}`,
		`{"inputs": [{"name": "flag", "shape": [1], "datatype": "BOOL", "data": [true]}, {"name": "x", "shape": [1], "datatype": "FP32", "data": [null]}]}`,
		`{"inputs": [{"name": "n", "shape": [-1], "datatype": "INT64", "data": []}]}`,
		`{"inputs": [{"name": "n", "shape": [3], "datatype": "INT64", "data": [[[1]], 2, 3]}]}`,
		`{"inputs": [{"name": "n", "shape": [9999999999], "datatype": "INT64", "data": [1]}]}`,
		`{"id": 5}`, `{"inputs": null}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		recs, _, aerr := decodeV2(ep, b, 50)
		checkDecoded(t, ep, recs, aerr)
	})
}
