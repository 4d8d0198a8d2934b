package report

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/mlcycle/mlcycle/internal/catalog"
	"github.com/mlcycle/mlcycle/internal/catalog/catalogtest"
	"github.com/mlcycle/mlcycle/internal/eda"
)

// TestSharedReportsInBrowser profiles every dataset of ../shared/datasets
// with its target, writes the report, and opens it in headless Chromium:
// every chart must be in the DOM with a size, and the page must throw no
// exception and log no error.
func TestSharedReportsInBrowser(t *testing.T) {
	t.Parallel()
	dir := catalogtest.SharedDatasets(t)
	a := catalogtest.New(t)
	ctx, step := browser(t)
	var mu sync.Mutex
	var problems []string
	if err := chromedp.Listen(ctx, func(ev any) {
		mu.Lock()
		defer mu.Unlock()
		switch e := ev.(type) {
		case *runtime.EventConsoleAPICalled:
			if e.Type == runtime.ConsoleAPICalledTypeError {
				problems = append(problems, fmt.Sprintf("console.error: %v", e.Args))
			}
		case *runtime.EventExceptionThrown:
			problems = append(problems, "exception: "+e.ExceptionDetails.Text)
		}
	}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ file, target string }{
		{"mlc_churn.csv", "churn"}, {"credit_data.csv", "status"}, {"ames.csv", "sale_price"},
		{"pima_indians_diabetes2.csv", "diabetes"}, {"spam.csv", "type"},
	} {
		name := catalog.DefaultName(tc.file)
		if _, err := a.Catalog.Add(context.Background(), filepath.Join(dir, tc.file), catalog.AddOpts{Name: name}); err != nil {
			t.Fatal(err)
		}
		p, err := eda.Run(context.Background(), a.Catalog, name, eda.Opts{Target: tc.target})
		if err != nil {
			t.Fatalf("%s: %v", tc.file, err)
		}
		file := filepath.Join(t.TempDir(), name+".html")
		f, err := os.Create(file)
		if err != nil {
			t.Fatal(err)
		}
		if err := EDA(f, p, Opts{}); err != nil {
			t.Fatalf("%s: %v", tc.file, err)
		}
		f.Close()
		if err := chromedp.Do(step(), chromedp.Navigate((&url.URL{Scheme: "file", Path: file}).String()), chromedp.WaitReady(chromedp.CSS("footer"))); err != nil {
			t.Fatalf("%s: open: %v", tc.file, err)
		}
		type box struct{ Width, Height float64 }
		boxes, err := chromedp.Run(step(), chromedp.Evaluate[[]box](`Array.from(document.querySelectorAll("svg")).map(function(s){
			var r = s.getBoundingClientRect(); return {Width: r.width, Height: r.height};
		})`))
		if err != nil {
			t.Fatalf("%s: %v", tc.file, err)
		}
		if want := wantCharts(p); len(boxes) != want || want < 10 {
			t.Errorf("%s: %d charts in the DOM, want %d", tc.file, len(boxes), want)
		}
		for i, b := range boxes {
			if b.Width <= 0 || b.Height <= 0 {
				t.Errorf("%s: chart %d has an empty box", tc.file, i)
			}
		}
	}
	mu.Lock()
	defer mu.Unlock()
	for _, p := range problems {
		t.Errorf("page: %s", p)
	}
}
