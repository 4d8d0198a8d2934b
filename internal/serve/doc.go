// Package serve is the real-time prediction server core: the HTTP handlers
// of the endpoints (SageMaker-style invocations, KServe v1, Open Inference
// Protocol v2, health), their limits, data capture to the artifact store and
// the Prometheus metrics. The protocol reference is docs/serve.md, the
// capture format docs/format/capture.md.
//
// It knows nothing of the metadata store or the registry: the `mlcycle
// server` command loads endpoints and hands them over with Set.
//
//	s, err := serve.New(serve.Config{}, serve.Deps{Blob: artifacts, Clock: clock.Real{}, Log: log})
//	s.Set(serve.Endpoint{Name: "churn", Model: "churn", Version: 3, Pred: m, CapturePercent: -1})
//	s.SetReady(true)
//	srv := s.FastServer(s.Handler()) // or &http.Server{Handler: s.Handler()}
//	go srv.Serve(listener)
//	... srv.ShutdownWithContext(ctx); s.Close(ctx) // drain requests, then flush capture
//
// Decisions:
//
//   - One prediction path. Every protocol decodes its body into values of
//     the schema's columns and predict.Rows converts them with the
//     schema's rules (predict.FrameFromRecords is built on it), and
//     predict.Model.Predict scores them, so a row scores the same through
//     every protocol and in evaluation. CSV cells and v2 tensor elements
//     become the same records a JSON body would. JSON bodies of the common
//     shapes ({"instances": [objects]}, [objects], one object, scalar
//     values, plain keys) skip the records: decodeRows reads them straight
//     into predict.Rows, and falls back to the general path on anything
//     else — which then gives the same frame or the error — so it never
//     decides an error itself (a differential fuzz test holds the two to
//     the same frames). A single-row request spends most of its server
//     time in the HTTP stack, not in decoding.
//   - Atomic switches. The endpoints are an immutable map behind an
//     atomic.Pointer; a request loads it once, so it uses one model version
//     from decoding to response, and Set never blocks or fails a request.
//   - Errors name the field. Bad requests get {"error", "field", "row"}
//     with 400 (malformed JSON with its byte offset, wrong types, unknown or
//     missing required columns), 413 (body over MaxBodyBytes, or more than
//     MaxRows rows: both mean "too large, split it"), 415 (content type),
//     404 (unknown endpoint or route), 405 (method). Conversion errors are
//     attributed to a row and field by retrying the records one value at a
//     time, only on the failure path, so no error text is parsed.
//   - Bounded work. A semaphore of MaxInFlight slots guards decoding and
//     prediction (prediction is CPU-bound); a request waits for a slot up
//     to its Timeout, then gets 503 with Retry-After: 1 (the server is
//     overloaded, not the client too fast, hence not 429). A prediction
//     that outlives the Timeout gets 504. A client that leaves is recorded
//     as 499 and gets nothing. Panics become 500 with an error id that is
//     logged with the stack.
//   - Capture never slows a request. Sampled rows are appended to a
//     bounded queue with their input as the request sent it (the
//     instance's bytes of a JSON body, on one line; other bodies
//     re-encoded in schema order); when the queue is full they are dropped
//     and counted. Nothing is woken per request: one goroutine takes the
//     whole queue every 100 ms (sooner when 1,000 records wait), encodes
//     the records and appends them to one object per endpoint and hour
//     (docs/format/capture.md; in place for a file:// store, spooled and
//     published for remote stores). A channel send per record woke that
//     goroutine for every request, which cost a fifth of the throughput.
//     Two servers capturing the same endpoint in one store would
//     overwrite each other's lines: one server per project.
//   - Two transports, one core. Handler is plain net/http (tests,
//     embedding); `mlcycle server` listens with FastServer: fasthttp
//     serving the three prediction routes natively and everything else
//     through the same net/http handler (fasthttpadaptor). Both call
//     predictRequest with a call and a reply, and the protocol tests run
//     on both transports. fasthttp cannot report a client that left, so
//     over it a prediction runs to its Timeout instead of ending as 499.
//   - Hand-written response encoding. Responses have fixed shapes, so they
//     are appended to pooled buffers without reflection; floats use the
//     shortest form that reads back exactly (bit-identical probabilities).
//   - Metric labels stay bounded: requests to unknown endpoints are
//     counted under endpoint="".
package serve
