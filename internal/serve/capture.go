package serve

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
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
	// flushEvery is the least time between two publications of one object.
	flushEvery = time.Second
	// flushLines unpublished lines of one object trigger a publication before
	// flushEvery has passed.
	flushLines = 1000
	// flushCost bounds the share of time spent publishing one object: after
	// a publication that took d, the next waits at least flushCost × d.
	flushCost = 10
	// maxPendingBytes bounds the encoded records waiting to be spooled;
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
	input []byte // the row as a JSON object on one line
	res   *predict.Result
	i     int
}

// capKey names one capture object: an endpoint and an hour.
type capKey struct {
	endpoint string
	hour     time.Time
}

// pendingObj holds the lines of one object: encoded lines waiting in buf,
// lines appended to the local spool file but not yet published.
type pendingObj struct {
	buf     bytes.Buffer
	lines   int
	spool   string        // local copy of the object, appended to
	inPlace bool          // spool is the object itself (a file:// bucket)
	unpub   int           // lines in the spool not yet in the store
	last    time.Time     // last publication (real time)
	backoff time.Duration // least wait before the next publication
}

// captureWriter appends captured records to hourly JSON-lines objects in
// the artifact store. Requests append records to a bounded queue under a
// mutex, without blocking and without waking anything: one goroutine
// takes the whole queue every tick (100 ms), or when kickLen records wait,
// encodes them, groups them by object and appends
// them — to the object itself in a file:// bucket (blob.AppendPath), else
// to a local spool file per object (in the artifact store's staging
// directory; an object that already exists is first copied there, once)
// and publishes the spool file as the object (an atomic put of the whole
// file) at most every second, sooner when 1,000 lines wait, and on close.
// Appending is proportional to the new lines only; publishing costs the
// object's size, so after a publication that took d the next waits at least
// flushCost × d.
type captureWriter struct {
	blob    *blob.Store
	mu      sync.Mutex
	queue   []capRecord // records waiting for the writer (under mu)
	spare   []capRecord // the writer's last drained queue, reused
	max     int         // queue bound: records beyond it are dropped
	kick    chan struct{}
	m       *metrics
	log     *slog.Logger
	closed  atomic.Bool
	quit    chan struct{}
	done    chan struct{}
	syncReq chan chan struct{}
	once    sync.Once
	ctx     context.Context
	cancel  context.CancelFunc
	pending map[capKey]*pendingObj
	bytes   int
	now     func() time.Time // real time, for the publication schedule
	// spoolOnly keeps even a file:// bucket on the spool-and-publish path
	// of remote buckets (tests of that path).
	spoolOnly bool
}

// kickLen is the queue length at which a request wakes the writer before
// its tick. A wake-up per request would cost more than the encoding: the
// writer goroutine's scheduling is a futex call and a context switch.
const kickLen = 1000

func newCaptureWriter(b *blob.Store, buffer int, m *metrics, log *slog.Logger) *captureWriter {
	ctx, cancel := context.WithCancel(context.Background())
	return &captureWriter{blob: b, max: buffer, kick: make(chan struct{}, 1), m: m, log: log.With("part", "capture"),
		quit: make(chan struct{}), done: make(chan struct{}), syncReq: make(chan chan struct{}), ctx: ctx, cancel: cancel,
		pending: map[capKey]*pendingObj{}, now: time.Now}
}

// add queues r, or drops and counts it when the queue is full or the
// writer is closed. It never blocks on the writer.
func (c *captureWriter) add(r capRecord) {
	c.mu.Lock()
	if c.closed.Load() || len(c.queue) >= c.max {
		c.mu.Unlock()
		c.m.dropped.WithLabelValues(r.ep.Name).Inc()
		return
	}
	c.queue = append(c.queue, r)
	n := len(c.queue)
	c.mu.Unlock()
	if n == min(kickLen, c.max) {
		select {
		case c.kick <- struct{}{}:
		default:
		}
	}
}

// drain encodes the queued records into their objects' pending lines,
// flushing an object when flushLines wait.
func (c *captureWriter) drain() {
	c.mu.Lock()
	q := c.queue
	c.queue = c.spare[:0]
	c.mu.Unlock()
	for _, r := range q {
		if k, ok := c.append(r); ok && c.pending[k].lines >= flushLines {
			c.flushKey(k, c.pending[k], false)
		}
	}
	clear(q) // let the results and inputs go
	c.spare = q[:0]
}

func (c *captureWriter) run() {
	defer close(c.done)
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-c.kick:
			c.drain()
		case <-tick.C:
			c.drain()
			c.flush(false)
		case d := <-c.syncReq:
			c.drain()
			c.flush(true)
			close(d)
		case <-c.quit:
			c.drain()
			c.flush(true)
			return
		}
	}
}

// sync writes every record queued so far to the store and returns when
// they are there (or ctx ends, or the writer has stopped).
func (c *captureWriter) sync(ctx context.Context) error {
	d := make(chan struct{})
	select {
	case c.syncReq <- d:
	case <-c.done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case <-d:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// close stops taking records, writes the pending ones and waits for the
// writer; when ctx ends first, the writes in progress are cancelled.
func (c *captureWriter) close(ctx context.Context) error {
	c.once.Do(func() {
		c.mu.Lock()
		c.closed.Store(true) // under mu: no record is queued after the final drain
		c.mu.Unlock()
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
	c.mu.Lock()
	for _, r := range c.queue {
		c.m.dropped.WithLabelValues(r.ep.Name).Inc()
	}
	c.queue = nil
	c.mu.Unlock()
	return err
}

// append encodes r into its object's pending lines.
func (c *captureWriter) append(r capRecord) (capKey, bool) {
	ts := r.ts.UTC()
	k := capKey{endpoint: r.ep.Name, hour: ts.Truncate(time.Hour)}
	if r.input == nil || c.bytes >= maxPendingBytes {
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
	b = append(b, r.input...)
	b = append(b, `,"output":{`...)
	b = appendOutput(b, r.ep, r.res, r.i)
	b = append(b, "}}\n"...)
	p.buf.Write(b)
	p.lines++
	c.bytes += len(b)
	return k, true
}

// flush spools and publishes every object that is due (all of them when
// force), and forgets idle objects of past hours (removing their spools).
func (c *captureWriter) flush(force bool) {
	now := c.now()
	for k, p := range c.pending {
		if p.lines == 0 && p.unpub == 0 {
			if now.Sub(p.last) > 2*time.Hour {
				if p.spool != "" && !p.inPlace {
					os.Remove(p.spool)
				}
				delete(c.pending, k)
			}
			continue
		}
		c.flushKey(k, p, force)
	}
}

// appendInput appends a captured row as a JSON object with its columns in
// schema order (the row holds schema columns only: requests with unknown
// fields are refused). Plain JSON values are encoded by hand; anything
// else goes through encoding/json.
func appendInput(b []byte, ep *live, row map[string]any) ([]byte, error) {
	b = append(b, '{')
	first := true
	for _, f := range ep.schema {
		v, ok := row[f.Name]
		if !ok {
			continue
		}
		if !first {
			b = append(b, ',')
		}
		first = false
		b = appendString(b, f.Name)
		b = append(b, ':')
		switch v := v.(type) {
		case nil:
			b = append(b, "null"...)
		case bool:
			b = strconv.AppendBool(b, v)
		case float64:
			b = appendFloat(b, v)
		case string:
			b = appendString(b, v)
		case json.Number:
			b = append(b, v...)
		default:
			js, err := json.Marshal(v)
			if err != nil {
				return b, err
			}
			b = append(b, js...)
		}
	}
	return append(b, '}'), nil
}

// flushKey appends k's pending lines to its spool file and publishes the
// spool when the schedule allows it (always when force).
func (c *captureWriter) flushKey(k capKey, p *pendingObj, force bool) {
	key := captureKey(k)
	if p.lines > 0 {
		if err := c.spool(key, p); err != nil {
			c.log.Error("spool captured records", "key", key, "lines", p.lines, "err", err)
			if !force && c.ctx.Err() == nil {
				return // keep the lines for the next try
			}
			c.m.dropped.WithLabelValues(k.endpoint).Add(float64(p.lines))
		} else if p.inPlace {
			c.m.written.WithLabelValues(k.endpoint).Add(float64(p.lines))
		} else {
			p.unpub += p.lines
		}
		c.bytes -= p.buf.Len()
		p.buf.Reset()
		p.lines = 0
	}
	now := c.now()
	since := now.Sub(p.last)
	due := since >= max(flushEvery, p.backoff) || p.unpub >= flushLines && since >= p.backoff
	if p.unpub == 0 || !force && !due {
		return
	}
	err := c.publish(key, p.spool)
	took := c.now().Sub(now)
	p.last, p.backoff = c.now(), flushCost*took
	if err != nil {
		c.log.Error("publish captured records", "key", key, "lines", p.unpub, "err", err)
		if !force && c.ctx.Err() == nil {
			return // the spool keeps them for the next try
		}
		c.m.dropped.WithLabelValues(k.endpoint).Add(float64(p.unpub))
	} else {
		c.m.written.WithLabelValues(k.endpoint).Add(float64(p.unpub))
	}
	p.unpub = 0
}

// publish stores the spool file at path as the object key (streamed; the
// spool stays).
func (c *captureWriter) publish(key, path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	return c.blob.Put(c.ctx, key, f)
}

// spool appends p's pending lines to its spool file, creating the file on
// first use from the object already in the store, if any.
func (c *captureWriter) spool(key string, p *pendingObj) error {
	if p.spool == "" {
		if path, ok, err := c.blob.AppendPath(key); err != nil {
			return err
		} else if ok && !c.spoolOnly {
			// A local bucket: append to the object itself.
			p.spool, p.inPlace = path, true
		}
	}
	if p.spool == "" {
		path := filepath.Join(c.blob.StagingDir(), "capture-spool", filepath.FromSlash(key))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return err
		}
		f, err := os.Create(path)
		if err != nil {
			return err
		}
		r, err := c.blob.NewReader(c.ctx, key)
		switch {
		case err == nil:
			_, err = io.Copy(f, r)
			r.Close()
		case fault.Is(err, fault.KindNotFound):
			err = nil
		}
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			os.Remove(path)
			return err
		}
		p.spool = path
	}
	f, err := os.OpenFile(p.spool, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return err
	}
	_, err = f.Write(p.buf.Bytes())
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// captureKey returns the object key of k:
// capture/<endpoint>/<YYYY>/<MM>/<DD>/<HH>.jsonl.
func captureKey(k capKey) string {
	h := k.hour
	return fmt.Sprintf("capture/%s/%04d/%02d/%02d/%02d.jsonl", url.PathEscape(k.endpoint), h.Year(), h.Month(), h.Day(), h.Hour())
}
