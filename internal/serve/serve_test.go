package serve

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/mlcycle/mlcycle/predict"
)

// checkRows asserts that a rows response predicts recs exactly as the
// model does in process: the same labels, bit-identical probabilities and
// scores, one valid UUID per row.
func checkRows(t *testing.T, body []byte, m *predict.Model, model string, version int, recs []map[string]any) []string {
	t.Helper()
	var got rowsResponse
	decodeJSON(t, body, &got)
	if got.Model != model || got.Version != version {
		t.Errorf("model %q version %d, want %q %d", got.Model, got.Version, model, version)
	}
	ref := want(t, m, recs)
	if len(got.Predictions) != ref.Len() {
		t.Fatalf("%d predictions, want %d: %s", len(got.Predictions), ref.Len(), body)
	}
	var ids []string
	for i, p := range got.Predictions {
		id, err := uuid.Parse(p.InferenceID)
		if err != nil || id.Version() != 7 {
			t.Errorf("row %d: inference id %q is not a UUID v7 (%v)", i, p.InferenceID, err)
		}
		ids = append(ids, p.InferenceID)
		if ref.Values != nil {
			if v, ok := p.Prediction.(float64); !ok || v != ref.Values[i] {
				t.Errorf("row %d: prediction %v, want %v", i, p.Prediction, ref.Values[i])
			}
			if p.Probabilities != nil || p.Score != nil {
				t.Errorf("row %d: regression response has probabilities or a score", i)
			}
			continue
		}
		if p.Prediction != ref.Label(i) {
			t.Errorf("row %d: prediction %v, want %q", i, p.Prediction, ref.Label(i))
		}
		if p.Score == nil || *p.Score != ref.Score(i) {
			t.Errorf("row %d: score %v, want %v", i, p.Score, ref.Score(i))
		}
		for j, c := range m.Classes() {
			if p.Probabilities[c] != ref.Proba(i)[j] {
				t.Errorf("row %d: P(%s) = %v, want %v", i, c, p.Probabilities[c], ref.Proba(i)[j])
			}
		}
		if len(p.Probabilities) != len(m.Classes()) {
			t.Errorf("row %d: %d probabilities, want %d", i, len(p.Probabilities), len(m.Classes()))
		}
	}
	return ids
}

var testRecs = []map[string]any{
	{"x": 0.1, "n": 3.0, "city": "Bergen", "flag": false},
	{"x": "3.7", "n": "6", "city": "Tromsø", "flag": "true"},
	{"n": 1.0, "city": "Oslo", "flag": 1.0},                // x missing: optional
	{"x": 4.2, "n": 2.0, "city": "Paris", "flag": nil},     // unseen category, missing flag
	{"x": nil, "n": 0.0, "city": "", "flag": true},         // explicit missing values
	{"x": 2.5, "n": 5.0, "city": "Bodø", "flag": "false"},  // all present
	{"x": 1e-300, "n": -4.0, "city": "Oslo", "flag": true}, // extremes
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}

func TestInvocationsJSON(t *testing.T) {
	t.Parallel()
	s := newServer(t, Config{}, Deps{})
	for _, tr := range transports(t, s) {
		for _, ep := range []struct {
			name, model string
			version     int
			m           *predict.Model
		}{
			{"churn", "churn", 1, model(t, predict.TaskBinary, 20)},
			{"price", "price", 4, model(t, predict.TaskRegression, 20)},
			{"tier", "tier", 2, model(t, predict.TaskMulticlass, 10)},
		} {
			path := "/endpoints/" + ep.name + "/invocations"
			t.Run(tr.name+"/"+ep.name+"/instances", func(t *testing.T) {
				code, body, hdr := tr.do(t, "POST", path, "application/json", mustJSON(map[string]any{"instances": testRecs}))
				if code != http.StatusOK || hdr.Get("Content-Type") != "application/json" {
					t.Fatalf("status %d, content type %q: %s", code, hdr.Get("Content-Type"), body)
				}
				ids := checkRows(t, body, ep.m, ep.model, ep.version, testRecs)
				if len(slices.Compact(slices.Sorted(slices.Values(ids)))) != len(ids) {
					t.Errorf("inference ids repeat: %v", ids)
				}
			})
			t.Run(tr.name+"/"+ep.name+"/one object", func(t *testing.T) {
				code, body, _ := tr.do(t, "POST", path, "application/json", mustJSON(testRecs[1]))
				if code != http.StatusOK {
					t.Fatalf("status %d: %s", code, body)
				}
				checkRows(t, body, ep.m, ep.model, ep.version, testRecs[1:2])
			})
			t.Run(tr.name+"/"+ep.name+"/bare array, no content type", func(t *testing.T) {
				code, body, _ := tr.do(t, "POST", path, "", mustJSON(testRecs[:3]))
				if code != http.StatusOK {
					t.Fatalf("status %d: %s", code, body)
				}
				checkRows(t, body, ep.m, ep.model, ep.version, testRecs[:3])
			})
			t.Run(tr.name+"/"+ep.name+"/arrays in schema order", func(t *testing.T) {
				code, body, _ := tr.do(t, "POST", path, "application/json; charset=utf-8", `{"instances": [[0.1, 3, "Bergen", false], [null, 6, "Oslo", true]]}`)
				if code != http.StatusOK {
					t.Fatalf("status %d: %s", code, body)
				}
				checkRows(t, body, ep.m, ep.model, ep.version, []map[string]any{
					{"x": 0.1, "n": 3.0, "city": "Bergen", "flag": false},
					{"x": nil, "n": 6.0, "city": "Oslo", "flag": true},
				})
			})
			t.Run(tr.name+"/"+ep.name+"/kserve v1", func(t *testing.T) {
				code, body, _ := tr.do(t, "POST", "/v1/models/"+ep.name+":predict", "application/json", mustJSON(map[string]any{"instances": testRecs}))
				if code != http.StatusOK {
					t.Fatalf("status %d: %s", code, body)
				}
				checkRows(t, body, ep.m, ep.model, ep.version, testRecs)
			})
		}
	}
}

func TestInvocationsCSV(t *testing.T) {
	t.Parallel()
	s := newServer(t, Config{}, Deps{})
	m := model(t, predict.TaskBinary, 20)
	for _, tr := range transports(t, s) {
		for _, c := range []struct {
			name, body string
			recs       []map[string]any
		}{
			{"header in another order", "city,x,flag,n\nBergen,0.1,false,3\n\"Tromsø\",3.7,true,6\nOslo,,1,1\n",
				[]map[string]any{{"city": "Bergen", "x": "0.1", "flag": "false", "n": "3"}, {"city": "Tromsø", "x": "3.7", "flag": "true", "n": "6"}, {"city": "Oslo", "x": "", "flag": "1", "n": "1"}}},
			{"header with a subset", "n,city\n3,Bergen\n",
				[]map[string]any{{"n": "3", "city": "Bergen"}}},
			{"no header, schema order, CRLF, BOM", "\ufeff0.1,3,Bergen,false\r\n4.2,2,Paris,\r\n",
				[]map[string]any{{"x": "0.1", "n": "3", "city": "Bergen", "flag": "false"}, {"x": "4.2", "n": "2", "city": "Paris", "flag": ""}}},
		} {
			t.Run(tr.name+"/"+c.name, func(t *testing.T) {
				code, body, _ := tr.do(t, "POST", "/endpoints/churn/invocations", "text/csv", c.body)
				if code != http.StatusOK {
					t.Fatalf("status %d: %s", code, body)
				}
				checkRows(t, body, m, "churn", 1, c.recs)
			})
		}
	}
}

// v2Response is an Open Inference Protocol v2 response.
type v2Response struct {
	ModelName    string `json:"model_name"`
	ModelVersion string `json:"model_version"`
	ID           string `json:"id"`
	Outputs      []struct {
		Name       string         `json:"name"`
		Shape      []int          `json:"shape"`
		Datatype   string         `json:"datatype"`
		Data       []any          `json:"data"`
		Parameters map[string]any `json:"parameters"`
	} `json:"outputs"`
}

func TestV2Infer(t *testing.T) {
	t.Parallel()
	s := newServer(t, Config{}, Deps{})
	req := `{"id": "req-7", "inputs": [
		{"name": "x", "shape": [3], "datatype": "FP64", "data": [0.1, null, 4.2]},
		{"name": "n", "shape": [3, 1], "datatype": "INT64", "data": [[3], [6], [2]]},
		{"name": "city", "shape": [3], "datatype": "BYTES", "data": ["Bergen", "Oslo", "Paris"]},
		{"name": "flag", "shape": [3], "datatype": "BOOL", "data": [false, true, true]}]}`
	recs := []map[string]any{
		{"x": 0.1, "n": 3.0, "city": "Bergen", "flag": false},
		{"x": nil, "n": 6.0, "city": "Oslo", "flag": true},
		{"x": 4.2, "n": 2.0, "city": "Paris", "flag": true},
	}
	for _, tr := range transports(t, s) {
		for _, c := range []struct {
			ep, version string
			m           *predict.Model
		}{{"churn", "1", model(t, predict.TaskBinary, 20)}, {"price", "4", model(t, predict.TaskRegression, 20)}, {"tier", "2", model(t, predict.TaskMulticlass, 10)}} {
			t.Run(tr.name+"/"+c.ep, func(t *testing.T) {
				code, body, _ := tr.do(t, "POST", "/v2/models/"+c.ep+"/infer", "application/json", req)
				if code != http.StatusOK {
					t.Fatalf("status %d: %s", code, body)
				}
				var got v2Response
				decodeJSON(t, body, &got)
				if got.ModelName != c.ep || got.ModelVersion != c.version || got.ID != "req-7" {
					t.Errorf("model %q version %q id %q", got.ModelName, got.ModelVersion, got.ID)
				}
				ref := want(t, c.m, recs)
				outs := map[string]int{}
				for i, o := range got.Outputs {
					outs[o.Name] = i
				}
				pred := got.Outputs[outs["prediction"]]
				if !slices.Equal(pred.Shape, []int{3}) || len(pred.Data) != 3 {
					t.Fatalf("prediction output %+v", pred)
				}
				for i := range 3 {
					if ref.Values != nil {
						if pred.Datatype != "FP64" || pred.Data[i] != ref.Values[i] {
							t.Errorf("row %d: %s %v, want %v", i, pred.Datatype, pred.Data[i], ref.Values[i])
						}
					} else if pred.Datatype != "BYTES" || pred.Data[i] != ref.Label(i) {
						t.Errorf("row %d: %s %v, want %q", i, pred.Datatype, pred.Data[i], ref.Label(i))
					}
				}
				if ref.Values == nil {
					pr := got.Outputs[outs["probabilities"]]
					k := len(c.m.Classes())
					if !slices.Equal(pr.Shape, []int{3, k}) || len(pr.Data) != 3*k {
						t.Fatalf("probabilities output %+v", pr)
					}
					for i, v := range pr.Data {
						if v != ref.Probs[i] {
							t.Errorf("probability %d = %v, want %v", i, v, ref.Probs[i])
						}
					}
					if fmt.Sprint(pr.Parameters["classes"]) != fmt.Sprint(c.m.Classes()) {
						t.Errorf("classes %v, want %v", pr.Parameters["classes"], c.m.Classes())
					}
				}
				ids := got.Outputs[outs["inference_id"]]
				for _, id := range ids.Data {
					if _, err := uuid.Parse(fmt.Sprint(id)); err != nil {
						t.Errorf("inference id %v: %v", id, err)
					}
				}
				if len(ids.Data) != 3 {
					t.Errorf("%d inference ids, want 3", len(ids.Data))
				}
			})
		}
	}
}

func TestHealthAndMetadata(t *testing.T) {
	t.Parallel()
	s, err := New(Config{}, Deps{})
	if err != nil {
		t.Fatal(err)
	}
	h := s.Handler()
	// Not ready before SetReady.
	for _, p := range []string{"/ping", "/v2/health/ready"} {
		if code, body, _ := do(t, h, "GET", p, "", ""); code != http.StatusServiceUnavailable {
			t.Errorf("GET %s before SetReady = %d %s, want 503", p, code, body)
		}
	}
	s.Set(Endpoint{Name: "churn", Model: "churn-model", Version: 3, Pred: model(t, predict.TaskBinary, 20), CapturePercent: -1})
	s.SetReady(true)
	trs := transports(t, s)
	for _, c := range []struct {
		method, path string
		code         int
		body         string // a substring of the body
	}{
		{"GET", "/ping", 200, `"ready":true`},
		{"GET", "/v2/health/live", 200, `"live":true`},
		{"GET", "/v2/health/ready", 200, `"ready":true`},
		{"GET", "/v2/models/churn/ready", 200, `"ready":true`},
		{"GET", "/v2/models/nope/ready", 404, `"field":"name"`},
		{"GET", "/v1/models/churn", 200, `"ready":true`},
		{"GET", "/v1/models/nope", 404, `no endpoint \"nope\"`},
		{"GET", "/v2/models/nope", 404, `"field":"name"`},
		{"GET", "/v2", 200, `"name":"mlcycle"`},
		{"POST", "/ping", 405, `method POST not allowed`},
	} {
		for _, tr := range trs {
			code, body, _ := tr.do(t, c.method, c.path, "", "")
			if code != c.code || !strings.Contains(string(body), c.body) {
				t.Errorf("%s: %s %s = %d %s, want %d with %s", tr.name, c.method, c.path, code, body, c.code, c.body)
			}
		}
	}
	code, body, _ := do(t, h, "GET", "/v2/models/churn", "", "")
	if code != 200 {
		t.Fatalf("metadata: %d %s", code, body)
	}
	var md struct {
		Name     string   `json:"name"`
		Versions []string `json:"versions"`
		Platform string   `json:"platform"`
		Inputs   []struct {
			Name, Datatype string
			Shape          []int
		} `json:"inputs"`
		Outputs []struct {
			Name, Datatype string
			Shape          []int
		} `json:"outputs"`
	}
	decodeJSON(t, body, &md)
	if md.Name != "churn" || !slices.Equal(md.Versions, []string{"3"}) || md.Platform != "mlcycle" {
		t.Errorf("metadata %+v", md)
	}
	var ins, outs []string
	for _, in := range md.Inputs {
		ins = append(ins, in.Name+":"+in.Datatype)
	}
	for _, o := range md.Outputs {
		outs = append(outs, fmt.Sprint(o.Name, ":", o.Datatype, o.Shape))
	}
	if w := []string{"x:FP64", "n:INT64", "city:BYTES", "flag:BOOL"}; !slices.Equal(ins, w) {
		t.Errorf("inputs %v, want %v", ins, w)
	}
	if w := []string{"prediction:BYTES[-1]", "probabilities:FP64[-1 2]", "inference_id:BYTES[-1]"}; !slices.Equal(outs, w) {
		t.Errorf("outputs %v, want %v", outs, w)
	}
	if eps := s.Endpoints(); len(eps) != 1 || eps[0].Name != "churn" || eps[0].CapturePercent != 100 {
		t.Errorf("Endpoints() = %+v", eps)
	}
	s.Remove("churn")
	if code, _, _ := do(t, h, "GET", "/v2/models/churn/ready", "", ""); code != 404 || len(s.Endpoints()) != 0 {
		t.Errorf("after Remove: ready = %d, endpoints %v", code, s.Endpoints())
	}
}

func TestConfig(t *testing.T) {
	t.Parallel()
	c := Config{}.WithDefaults()
	if c.MaxBodyBytes != 6<<20 || c.MaxRows != 10000 || c.Timeout.Seconds() != 10 || c.MaxInFlight < 4 || c.CaptureBuffer != 10000 {
		t.Errorf("defaults %+v", c)
	}
	err := Config{MaxRows: -1, Timeout: -1}.Validate()
	if err == nil || !strings.Contains(err.Error(), "MaxRows") || !strings.Contains(err.Error(), "Timeout") {
		t.Errorf("Validate = %v, want both fields named", err)
	}
	if _, err := New(Config{MaxBodyBytes: -5}, Deps{}); err == nil {
		t.Error("New accepted a negative MaxBodyBytes")
	}
}

func TestSetIgnoresIncompleteEndpoint(t *testing.T) {
	t.Parallel()
	s, _ := New(Config{}, Deps{})
	s.Set(Endpoint{Name: "x"})
	s.Set(Endpoint{Pred: model(t, predict.TaskBinary, 20)})
	if len(s.Endpoints()) != 0 {
		t.Errorf("Endpoints() = %v, want none", s.Endpoints())
	}
}
