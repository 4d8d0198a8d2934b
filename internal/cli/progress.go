package cli

import (
	"log/slog"
	"os"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"
)

// spinner shows an activity indicator with the elapsed time on stderr while
// long work runs, when stderr is a terminal and --json is off. The returned
// function stops and clears it.
func (st *state) spinner(what string) func() {
	f, ok := st.env.Stderr.(*os.File)
	if !ok || st.json || !term.IsTerminal(int(f.Fd())) {
		return func() {}
	}
	bar := progressbar.NewOptions(-1,
		progressbar.OptionSetWriter(f),
		progressbar.OptionSetDescription(what),
		progressbar.OptionSpinnerType(14),
		progressbar.OptionShowElapsedTimeOnFinish(),
		progressbar.OptionSetElapsedTime(true),
		progressbar.OptionClearOnFinish(),
		progressbar.OptionThrottle(100*time.Millisecond),
	)
	done := make(chan struct{})
	exited := make(chan struct{})
	go func() {
		defer close(exited)
		t := time.NewTicker(100 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				bar.Add(1)
			}
		}
	}()
	return func() {
		close(done)
		<-exited
		bar.Finish()
	}
}

// progress reports counted work (boosting rounds, scored rows): a bar with
// a count and an ETA on a terminal, otherwise a log line every tenth of
// the total. Nothing goes to stdout, so --json output stays one document.
type progress struct {
	bar  *progressbar.ProgressBar
	log  *slog.Logger
	msg  string // the log message and the bar's first description
	next int64
}

func (st *state) progress(log *slog.Logger, msg string) *progress {
	p := &progress{log: log, msg: msg}
	f, ok := st.env.Stderr.(*os.File)
	if ok && !st.json && term.IsTerminal(int(f.Fd())) {
		p.bar = progressbar.NewOptions64(-1,
			progressbar.OptionSetWriter(f),
			progressbar.OptionSetDescription(msg),
			progressbar.OptionShowCount(),
			progressbar.OptionSetPredictTime(true),
			progressbar.OptionSetElapsedTime(true),
			progressbar.OptionClearOnFinish(),
			progressbar.OptionThrottle(100*time.Millisecond),
			progressbar.OptionSetWidth(30),
		)
	}
	return p
}

// step records done of total; desc, if not empty, replaces the bar's
// description, and attrs go with the log line.
func (p *progress) step(done, total int64, desc string, attrs ...any) {
	if p.bar != nil {
		if p.bar.GetMax64() != total {
			p.bar.ChangeMax64(total)
		}
		if desc != "" {
			p.bar.Describe(desc)
		}
		_ = p.bar.Set64(done)
		return
	}
	if step := max(total/10, 1); done > 0 && (done >= p.next || done == total) {
		p.next = done + step
		p.log.Info(p.msg, attrs...)
	}
}

// phase says what the work is doing between counted steps.
func (p *progress) phase(what string) {
	if p.bar != nil {
		p.bar.Describe(what)
		return
	}
	p.log.Info(what)
}

func (p *progress) done() {
	if p.bar != nil {
		_ = p.bar.Finish()
	}
}
