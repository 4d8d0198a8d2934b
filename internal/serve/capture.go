package serve

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mlcycle/mlcycle/internal/blob"
	"github.com/mlcycle/mlcycle/internal/fault"
	"github.com/mlcycle/mlcycle/predict"
)

// CaptureVersion is the version of the capture record format
// (docs/format/capture.md), written as "v" in every record.
const CaptureVersion = 1

// Capture writer tuning.
const (
	// flushEvery is the least time between two rewrites of one object.
	flushEvery = time.Second
	// flushLines pending lines for one object trigger a rewrite before
	// flushEvery has passed.
	flushLines = 1000
	// flushCost bounds the share of time spent rewriting one object: after
	// a rewrite that took d, the next waits at least flushCost × d.
	flushCost = 10
	// maxPendingBytes bounds the encoded records waiting for a rewrite;
	// beyond it records are dropped.
	maxPendingBytes = 64 << 20
)

// capRecord is one captured row, encoded by the writer goroutine so that
// the request path only queues it. Every field is read-only.
type capRecord struct {
	ep    *live
	id    [16]byte
	ts    time.Time
	proto string
	input map[string]any
	res   *predict.Result
	i     int
}

// capKey names one capture object: an endpoint and an hour.
type capKey struct {
	endpoint string
	hour     time.Time
}

// pendingObj holds the lines waiting to be appended to one object.
type pendingObj struct {
	buf     bytes.Buffer
	lines   int
	last    time.Time     // last rewrite (real time)
	backoff time.Duration // least wait before the next rewrite
}

// captureWriter appends captured records to hourly JSON-lines objects in
// the artifact store. Requests queue records on a bounded channel without
// blocking; one goroutine encodes them, groups them by object and rewrites
// each object (read, append, put) at most every second, sooner when 1,000
// lines wait, and on close.
type captureWriter struct {
	blob    *blob.Store
	ch      chan capRecord
	m       *metrics
	log     *slog.Logger
	closed  atomic.Bool
	quit    chan struct{}
	done    chan struct{}
	once    sync.Once
	ctx     context.Context
	cancel  context.CancelFunc
	pending map[capKey]*pendingObj
	bytes   int
	now     func() time.Time // real time, for the rewrite schedule
}

func newCaptureWriter(b *blob.Store, buffer int, m *metrics, log *slog.Logger) *captureWriter {
	ctx, cancel := context.WithCancel(context.Background())
	return &captureWriter{blob: b, ch: make(chan capRecord, buffer), m: m, log: log.With("part", "capture"),
		quit: make(chan struct{}), done: make(chan struct{}), ctx: ctx, cancel: cancel,
		pending: map[capKey]*pendingObj{}, now: time.Now}
}

// add queues r, or drops and counts it when the queue is full or the
// writer is closed. It never blocks.
func (c *captureWriter) add(r capRecord) {
	if c.closed.Load() {
		c.m.dropped.WithLabelValues(r.ep.Name).Inc()
		return
	}
	select {
	case c.ch <- r:
	default:
		c.m.dropped.WithLabelValues(r.ep.Name).Inc()
	}
}

func (c *captureWriter) run() {
	defer close(c.done)
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case r := <-c.ch:
			if k, ok := c.append(r); ok && c.pending[k].lines >= flushLines {
				c.flushKey(k, c.pending[k], false)
			}
		case <-tick.C:
			c.flush(false)
		case <-c.quit:
			for {
				select {
				case r := <-c.ch:
					c.append(r)
				default:
					c.flush(true)
					return
				}
			}
		}
	}
}

// close stops taking records, writes the pending ones and waits for the
// writer; when ctx ends first, the writes in progress are cancelled.
func (c *captureWriter) close(ctx context.Context) error {
	c.once.Do(func() {
		c.closed.Store(true)
		close(c.quit)
	})
	var err error
	select {
	case <-c.done:
	case <-ctx.Done():
		c.cancel()
		<-c.done
		err = fmt.Errorf("serve: flush captured records: %w", ctx.Err())
	}
	// Count what requests queued while the writer made its last flush.
	for {
		select {
		case r := <-c.ch:
			c.m.dropped.WithLabelValues(r.ep.Name).Inc()
		default:
			return err
		}
	}
}

// append encodes r into its object's pending lines.
func (c *captureWriter) append(r capRecord) (capKey, bool) {
	ts := r.ts.UTC()
	k := capKey{endpoint: r.ep.Name, hour: ts.Truncate(time.Hour)}
	in, err := json.Marshal(r.input)
	if err != nil {
		c.log.Error("encode captured input", "endpoint", r.ep.Name, "err", err)
		c.m.dropped.WithLabelValues(r.ep.Name).Inc()
		return k, false
	}
	if c.bytes >= maxPendingBytes {
		c.m.dropped.WithLabelValues(r.ep.Name).Inc()
		return k, false
	}
	p := c.pending[k]
	if p == nil {
		p = &pendingObj{}
		c.pending[k] = p
	}
	b := p.buf.AvailableBuffer()
	b = append(b, `{"v":`...)
	b = strconv.AppendInt(b, CaptureVersion, 10)
	b = append(b, `,"inference_id":`...)
	b = appendUUID(b, r.id)
	b = append(b, `,"timestamp":"`...)
	b = ts.AppendFormat(b, time.RFC3339Nano)
	b = append(b, `","endpoint":`...)
	b = appendString(b, r.ep.Name)
	b = append(b, `,"model":`...)
	b = append(b, r.ep.modelJS...)
	b = append(b, `,"version":`...)
	b = strconv.AppendInt(b, int64(r.ep.Version), 10)
	b = append(b, `,"protocol":"`...)
	b = append(b, r.proto...)
	b = append(b, `","input":`...)
	b = append(b, in...)
	b = append(b, `,"output":{`...)
	b = appendOutput(b, r.ep, r.res, r.i)
	b = append(b, "}}\n"...)
	p.buf.Write(b)
	p.lines++
	c.bytes += len(b)
	return k, true
}

// flush rewrites every object that is due (all of them when force), and
// forgets idle objects of past hours.
func (c *captureWriter) flush(force bool) {
	now := c.now()
	for k, p := range c.pending {
		if p.lines == 0 {
			if now.Sub(p.last) > 2*time.Hour {
				delete(c.pending, k)
			}
			continue
		}
		c.flushKey(k, p, force)
	}
}

// flushKey rewrites k's object with its pending lines appended, when the
// schedule allows it (always when force).
func (c *captureWriter) flushKey(k capKey, p *pendingObj, force bool) {
	now := c.now()
	since := now.Sub(p.last)
	due := since >= max(flushEvery, p.backoff) || p.lines >= flushLines && since >= p.backoff
	if !force && !due {
		return
	}
	key := captureKey(k)
	err := c.write(key, p.buf.Bytes())
	took := c.now().Sub(now)
	p.last, p.backoff = c.now(), flushCost*took
	if err != nil {
		c.log.Error("write captured records", "key", key, "lines", p.lines, "err", err)
		if !force && c.ctx.Err() == nil {
			return // keep the lines for the next try
		}
		c.m.dropped.WithLabelValues(k.endpoint).Add(float64(p.lines))
	} else {
		c.m.written.WithLabelValues(k.endpoint).Add(float64(p.lines))
	}
	c.bytes -= p.buf.Len()
	p.buf.Reset()
	p.lines = 0
}

// write appends lines to the object under key: read, append, put.
func (c *captureWriter) write(key string, lines []byte) error {
	var old []byte
	r, err := c.blob.NewReader(c.ctx, key)
	switch {
	case err == nil:
		old, err = io.ReadAll(r)
		r.Close()
		if err != nil {
			return err
		}
	case fault.Is(err, fault.KindNotFound):
	default:
		return err
	}
	return c.blob.Put(c.ctx, key, io.MultiReader(bytes.NewReader(old), bytes.NewReader(lines)))
}

// captureKey returns the object key of k:
// capture/<endpoint>/<YYYY>/<MM>/<DD>/<HH>.jsonl.
func captureKey(k capKey) string {
	h := k.hour
	return fmt.Sprintf("capture/%s/%04d/%02d/%02d/%02d.jsonl", url.PathEscape(k.endpoint), h.Year(), h.Month(), h.Day(), h.Hour())
}
