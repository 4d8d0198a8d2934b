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
//	srv := &http.Server{Addr: addr, Handler: s.Handler()}
//	... srv.Shutdown(ctx); s.Close(ctx) // drain requests, then flush capture
//
// Decisions:
//
//   - One prediction path. Every protocol decodes its body into records
//     (column → JSON value), predict.FrameFromRecords converts them with
//     the schema's rules, and predict.Model.Predict scores them, so a row
//     scores the same through every protocol and in evaluation. CSV cells
//     and v2 tensor elements become the same records a JSON body would.
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
//   - Capture never slows a request. Sampled rows go, unencoded, to a
//     bounded channel; when it is full they are dropped and counted. One
//     goroutine encodes them and appends them to one object per endpoint
//     and hour. Blob objects cannot be appended to, so it rewrites the
//     object (read, append, put) at most once a second per object, sooner
//     when 1,000 lines wait, and on Close; after a rewrite that took d, the
//     next waits at least 10 d, bounding the cost as the hour's object
//     grows. Two servers capturing the same endpoint in one store would
//     overwrite each other's lines: one server per project.
//   - Hand-written response encoding. Responses have fixed shapes, so they
//     are appended to pooled buffers without reflection; floats use the
//     shortest form that reads back exactly (bit-identical probabilities).
//     Request bodies are decoded with encoding/json: most of a single-row
//     request's time is the model itself.
//   - Metric labels stay bounded: requests to unknown endpoints are
//     counted under endpoint="".
package serve
