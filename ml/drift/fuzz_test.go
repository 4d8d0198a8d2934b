package drift

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// FuzzConstraints checks that any JSON document either fails to decode,
// fails validation, or survives an encode/decode round trip unchanged, and
// that Validate never panics.
func FuzzConstraints(f *testing.F) {
	st := baselineStats(f)
	b, _ := json.Marshal(Suggest(st, SuggestOpts{}))
	f.Add(b)
	f.Add([]byte(`{"format":"mlcycle.constraints","version":1,"min_sample_size":1,"features":[{"name":"a","type":"numeric","range":{"min":1,"max":0}}]}`))
	f.Add([]byte(`{"features":[{"name":"","drift":[{"method":"ks","threshold":-1}]}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var c Constraints
		if json.Unmarshal(data, &c) != nil || c.Validate() != nil {
			return
		}
		b, err := json.Marshal(c)
		if err != nil {
			t.Fatalf("marshal valid constraints: %v", err)
		}
		var back Constraints
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatalf("unmarshal %s: %v", b, err)
		}
		if diff := cmp.Diff(c, back); diff != "" {
			t.Errorf("round trip (-want +got):\n%s", diff)
		}
	})
}

// FuzzStatistics checks that Validate never panics on decoded input and
// that Compare accepts whatever Validate accepts.
func FuzzStatistics(f *testing.F) {
	b, _ := json.Marshal(baselineStats(f))
	f.Add(b)
	f.Add([]byte(`{"format":"mlcycle.statistics","version":1,"rows":1,"features":[{"name":"x","type":"numeric","present":1,"numeric":{"histogram":{"edges":[],"counts":[1]},"sample":[2],"std":null}}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var s Statistics
		if json.Unmarshal(data, &s) != nil || s.Validate() != nil {
			return
		}
		cons := Suggest(s, SuggestOpts{})
		if err := cons.Validate(); err != nil {
			t.Fatalf("Suggest of valid statistics is invalid: %v", err)
		}
		if _, err := Compare(t.Context(), s, cons, baselineFrame(t)); err != nil {
			t.Fatalf("Compare: %v", err)
		}
	})
}
