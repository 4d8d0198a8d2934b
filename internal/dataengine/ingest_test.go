package dataengine

import (
	"context"
	"os"
	"path/filepath"
	"testing"
)

func newEngine(t *testing.T) *Engine {
	t.Helper()
	e, err := Open(Config{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	return e
}

func TestQuick(t *testing.T) {
	e := newEngine(t)
	for _, f := range []string{"mlc_churn.csv", "credit_data.csv", "ames.csv", "spam.csv", "pima_indians_diabetes2.csv"} {
		dst := filepath.Join(t.TempDir(), "out.parquet")
		res, err := e.Ingest(context.Background(), filepath.Join("../../../shared/datasets", f), dst, IngestOpts{})
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%s: %d rows %v", f, res.Rows, res.Schema)
	}
	dir := t.TempDir()
	cases := map[string]string{
		"ragged.csv": "a,b,c\n1,2,x\n3,4,y\n5,6\n",
		"quote.csv":  "a,b\n1,\"unterminated\n3,4\n",
		"utf.csv":    "a,b\n1,2\n3,\xff\xfe\n",
		"typ.csv":    "a,b\n1,2\n3,abc\n",
		"hdr.csv":    "a,b\n",
		"dup.csv":    "a,a\n1,2\n",
		"stray.csv":  "a,b\n1,x\"y\n",
		"bad.jsonl":  "{\"a\":1,\"b\":\"x\"}\n{\"a\":2,\"b\":\n{\"a\":3}\n",
		"x.xls":      "zz",
		"np.parquet": "not parquet at all",
	}
	for name, body := range cases {
		p := filepath.Join(dir, name)
		os.WriteFile(p, []byte(body), 0o644)
		_, err := e.Ingest(context.Background(), p, filepath.Join(dir, "o.parquet"), IngestOpts{})
		t.Logf("%s: %v", name, err)
	}
}
