package serve

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/valyala/fasthttp"
	"github.com/valyala/fasthttp/fasthttpadaptor"
)

// The prediction routes of fastHandler, matched on the raw path.
var (
	routeEndpoints = []byte("/endpoints/")
	routeV1        = []byte("/v1/models/")
	routeV2        = []byte("/v2/models/")
	suffixInvoke   = []byte("/invocations")
	suffixV1       = []byte(":predict")
	suffixV2       = []byte("/infer")
)

// fastHandler returns the fasthttp handler that `mlcycle server` listens
// with: the prediction routes — POST /endpoints/NAME/invocations,
// /v1/models/NAME:predict and /v2/models/NAME/infer — served natively, and
// every other request handed to next (Handler, or a mux around it) through
// fasthttpadaptor. Both transports run the same prediction core
// (predictRequest), and the protocol tests run on both (transports).
//
// fasthttp reads a request into reused buffers and writes a response
// without net/http's per-request allocations: on the 2-core serving
// benchmark (docs/serve.md, "Performance") it took single-row throughput
// at 32 connections from about 31,000 to 36,000 requests/s. It cannot
// tell that a client left mid-request, so predictions over fasthttp run
// to their Timeout instead of stopping with a 499.
func (s *Server) fastHandler(next http.Handler) fasthttp.RequestHandler {
	slow := fasthttpadaptor.NewFastHTTPHandler(next)
	return func(ctx *fasthttp.RequestCtx) {
		proto, name, ok := predictRoute(ctx.URI().PathOriginal())
		if !ok {
			slow(ctx)
			return
		}
		c := call{proto: proto, name: name, method: internBytes(ctx.Method(), http.MethodPost),
			ctype:  internBytes(ctx.Request.Header.ContentType(), "application/json"),
			length: int64(ctx.Request.Header.ContentLength()), body: ctx.PostBody()}
		if c.length < 0 {
			c.length = -1 // chunked or unknown: the body itself is checked
		}
		s.predict(context.Background(), &c, fastReply{ctx})
	}
}

// internBytes returns b as a string: common when it is, else a copy (the
// usual method and content type cost no allocation).
func internBytes(b []byte, common string) string {
	if string(b) == common {
		return common
	}
	return string(b)
}

// predictRoute recognises a prediction route in a raw request path. Paths
// that are not plain (percent-encoded, or not clean: "//", "/./", "/../")
// go to the net/http routes, which decode, clean and redirect them.
func predictRoute(path []byte) (proto, name string, ok bool) {
	if bytes.IndexByte(path, '%') >= 0 || bytes.Contains(path, []byte("//")) || bytes.Contains(path, []byte("/.")) {
		return "", "", false
	}
	seg := func(prefix, suffix []byte) ([]byte, bool) {
		if !bytes.HasPrefix(path, prefix) || !bytes.HasSuffix(path, suffix) || len(path) <= len(prefix)+len(suffix) {
			return nil, false
		}
		n := path[len(prefix) : len(path)-len(suffix)]
		return n, bytes.IndexByte(n, '/') < 0
	}
	if n, ok := seg(routeEndpoints, suffixInvoke); ok {
		return protoInvocations, string(n), true
	}
	if n, ok := seg(routeV1, suffixV1); ok && bytes.IndexByte(n, ':') < 0 {
		return protoV1, string(n), true
	}
	if n, ok := seg(routeV2, suffixV2); ok {
		return protoV2, string(n), true
	}
	return "", "", false
}

// fastReply answers through fasthttp.
type fastReply struct{ ctx *fasthttp.RequestCtx }

func (f fastReply) header(k, v string) { f.ctx.Response.Header.Set(k, v) }

func (f fastReply) send(status int, b []byte) {
	f.ctx.SetStatusCode(status)
	f.ctx.SetContentType("application/json")
	f.ctx.SetBody(b)
}

// FastServer returns the fasthttp server of fastHandler(next) with the
// limits of the server's Config: bodies up to MaxBodyBytes (413 beyond, as
// a JSON error), reads bounded by Timeout plus 10 s, idle
// connections closed after two minutes. Errors reading a request are
// answered in JSON, counted in the metrics and logged at debug level.
func (s *Server) FastServer(next http.Handler) *fasthttp.Server {
	c := s.cfg
	return &fasthttp.Server{
		Handler:               s.fastHandler(next),
		MaxRequestBodySize:    int(c.MaxBodyBytes),
		ReadBufferSize:        16 << 10, // request line and headers
		ReadTimeout:           c.Timeout + 10*time.Second,
		IdleTimeout:           2 * time.Minute, // no write timeout, as with net/http: one deadline less per request
		NoDefaultServerHeader: true,
		CloseOnShutdown:       true,
		Logger:                fastLogger{s.log},
		ErrorHandler: func(ctx *fasthttp.RequestCtx, err error) {
			e := &apiError{status: http.StatusBadRequest, row: -1, msg: fmt.Sprintf("malformed HTTP request: %v", err)}
			var small *fasthttp.ErrSmallBuffer
			var ne net.Error
			switch {
			case errors.Is(err, fasthttp.ErrBodyTooLarge):
				e = bodyTooLarge(c.MaxBodyBytes)
			case errors.As(err, &small):
				e = &apiError{status: http.StatusRequestHeaderFieldsTooLarge, row: -1, msg: "request headers are larger than 16 KiB"}
			case errors.As(err, &ne) && ne.Timeout():
				e = &apiError{status: http.StatusRequestTimeout, row: -1, msg: "the request was not received in time"}
			}
			s.log.Debug("bad HTTP request", "remote", ctx.RemoteAddr().String(), "err", err)
			sendError(fastReply{ctx}, e)
			// fasthttp forgets the request line after a failed chunked body:
			// such requests count under protocol "http" (refused before
			// routing), as do malformed ones.
			proto, name, ok := predictRoute(ctx.URI().PathOriginal())
			if !ok {
				proto = protoHTTP
			}
			if s.endpoint(name) == nil {
				name = ""
			}
			s.m.requests.WithLabelValues(name, proto, strconv.Itoa(e.status)).Inc()
		},
	}
}

// fastLogger sends fasthttp's log lines to slog.
type fastLogger struct{ log *slog.Logger }

// They are connection errors (a client that left, a request refused
// before routing, already answered): debug level, as a client's mistake
// is not the server's warning.
func (l fastLogger) Printf(format string, args ...any) {
	l.log.Debug(fmt.Sprintf(format, args...), "part", "http")
}
