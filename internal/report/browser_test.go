package report

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// chromium is Debian's browser; CI installs it with apt-get install chromium.
const chromium = "/usr/bin/chromium"

// TestEDAReportInBrowser opens the report from disk in headless Chromium
// and checks that every chart is drawn with a size, that the page logs no
// console error and throws no exception, that it requests nothing but its
// own file, and that the table sort works. It saves a screenshot of the
// whole page in the test's temporary directory; set
// REPORT_SCREENSHOT_DIR to keep it and one screenshot per section there.
func TestEDAReportInBrowser(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	p := churnProfile()
	file := filepath.Join(dir, "eda.html")
	f, err := os.Create(file)
	if err != nil {
		t.Fatal(err)
	}
	if err := EDA(f, p, Opts{}); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	pageURL := (&url.URL{Scheme: "file", Path: file}).String()
	ctx, step := browser(t)

	var mu sync.Mutex
	var problems, requests []string
	if err := chromedp.Listen(ctx, func(ev any) {
		mu.Lock()
		defer mu.Unlock()
		switch e := ev.(type) {
		case *runtime.EventConsoleAPICalled:
			if e.Type == runtime.ConsoleAPICalledTypeError || e.Type == runtime.ConsoleAPICalledTypeAssert {
				var args []string
				for _, a := range e.Args {
					args = append(args, string(a.Value)+a.Description)
				}
				problems = append(problems, fmt.Sprintf("console.%s: %s", e.Type, strings.Join(args, " ")))
			}
		case *runtime.EventExceptionThrown:
			d := e.ExceptionDetails
			msg := d.Text
			if d.Exception != nil {
				msg += " " + d.Exception.Description
			}
			problems = append(problems, fmt.Sprintf("exception at %d:%d: %s", d.LineNumber, d.ColumnNumber, msg))
		case *log.EventEntryAdded:
			if e.Entry.Level == log.EntryLevelError {
				problems = append(problems, fmt.Sprintf("log %s: %s %s", e.Entry.Source, e.Entry.Text, e.Entry.URL))
			}
		case *network.EventRequestWillBeSent:
			requests = append(requests, e.Request.URL)
		}
	}); err != nil {
		t.Fatal(err)
	}

	if err := chromedp.Do(step(), chromedp.Navigate(pageURL), chromedp.WaitReady(chromedp.CSS("footer"))); err != nil {
		t.Fatalf("open %s: %v", pageURL, err)
	}

	// Every chart is in the DOM and has a box.
	type box struct {
		Label         string
		Width, Height float64
	}
	boxes, err := chromedp.Run(step(), chromedp.Evaluate[[]box](`Array.from(document.querySelectorAll("svg")).map(function(s){
		var r = s.getBoundingClientRect();
		return {Label: s.getAttribute("aria-label") || "", Width: r.width, Height: r.height};
	})`))
	if err != nil {
		t.Fatalf("measure the charts: %v", err)
	}
	if want := wantCharts(p); len(boxes) != want {
		t.Errorf("svg elements in the DOM = %d, want %d", len(boxes), want)
	}
	for i, b := range boxes {
		if b.Width <= 0 || b.Height <= 0 {
			t.Errorf("chart %d (%q) has an empty bounding box %.1f×%.1f", i, b.Label, b.Width, b.Height)
		}
	}

	// A click on the Count header sorts the overview ascending: the
	// smallest count (income, 9,588) comes first.
	first, err := chromedp.Run(step(), chromedp.Evaluate[string](`(function(){
		var th = document.querySelectorAll("#overview thead th")[2];
		th.click();
		return document.querySelector("#overview tbody tr td").textContent;
	})()`))
	if err != nil {
		t.Fatalf("sort the overview: %v", err)
	}
	if first != "income" {
		t.Errorf("first column after sorting by count = %q, want %q", first, "income")
	}

	shot, err := chromedp.Run(step(), chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	if err := os.WriteFile(filepath.Join(t.TempDir(), "eda.png"), shot, 0o644); err != nil {
		t.Fatal(err)
	}
	if keep := os.Getenv("REPORT_SCREENSHOT_DIR"); keep != "" {
		save := func(name string, png []byte) {
			if err := os.WriteFile(filepath.Join(keep, name), png, 0o644); err != nil {
				t.Error(err)
			}
		}
		save("eda.png", shot)
		for _, id := range []string{"summary", "overview", "col-1", "col-2", "col-4", "missing", "correlations", "target", "rel-1", "rel-4"} {
			png, err := chromedp.Run(step(), chromedp.Screenshot(chromedp.ID(id)))
			if err != nil {
				t.Errorf("screenshot of #%s: %v", id, err)
				continue
			}
			save("eda-"+id+".png", png)
		}
	}

	mu.Lock()
	defer mu.Unlock()
	for _, msg := range problems {
		t.Errorf("page: %s", msg)
	}
	for _, u := range requests {
		if u != pageURL {
			t.Errorf("page requested %s; a report must load nothing but itself", u)
		}
	}
}

// browser starts headless Chromium with a fresh profile for the test and
// returns its tab's context, and step, which derives a context with a
// timeout for one step from it. The browser stops when the test ends.
func browser(t *testing.T) (ctx context.Context, step func() context.Context) {
	t.Helper()
	if _, err := os.Stat(chromium); err != nil {
		t.Skipf("skipping the browser test: %s not found (apt-get install chromium): %v", chromium, err)
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(chromium),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	)
	t.Cleanup(cancelAlloc)
	ctx, cancel := chromedp.NewContext(allocCtx)
	t.Cleanup(cancel)
	// The first Do starts the browser; it gets no timeout, or the browser
	// would end with it.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start %s: %v", chromium, err)
	}
	step = func() context.Context {
		c, stop := context.WithTimeout(ctx, 20*time.Second)
		t.Cleanup(stop)
		return c
	}
	return ctx, step
}
