package serve

import (
	"bytes"
	"encoding/json"
	"sync"
	"unicode/utf8"

	"github.com/mlcycle/mlcycle/ml/frame"
)

// decodeRows is the fast path of decodeInstances + frameOf for the JSON
// bodies most requests send: {"instances": [objects]}, [objects] or one
// object, whose keys are schema columns written without escapes and whose
// values are scalars. It fills a predict.Rows straight from the bytes —
// no map per record, no boxed values for numeric columns — and returns
// where each instance's object lies in body, for capture.
//
// On anything else (another shape, an unknown or escaped key, a nested
// value, a value the column does not take, malformed JSON, no rows or too
// many) it returns ok false and the caller takes the general path, which
// then gives the same frame or the error message: the fast path never
// decides an error. TestDecodeRowsMatchesGeneral and FuzzDecodeRows hold
// the two paths to the same frames.
func decodeRows(ep *live, body []byte, maxRows int, sc *rowScratch) (*frame.Frame, bool) {
	if _, isCol := ep.byName["instances"]; isCol {
		return nil, false // a bare object may then be a row or a batch
	}
	d := rowDecoder{p: jsonParser{b: body}, ep: ep, sc: sc}
	p := &d.p
	p.space()
	if p.i >= len(body) {
		return nil, false
	}
	switch body[p.i] {
	case '[':
		if !d.list(maxRows) {
			return nil, false
		}
	case '{':
		open := p.i
		p.i++
		p.space()
		if bytes.HasPrefix(body[p.i:], []byte(`"instances"`)) {
			p.i += len(`"instances"`)
			p.space()
			if p.i >= len(body) || body[p.i] != ':' {
				return nil, false
			}
			p.i++
			p.space()
			if p.i >= len(body) || body[p.i] != '[' || !d.list(maxRows) {
				return nil, false
			}
			p.space()
			if p.i >= len(body) || body[p.i] != '}' {
				return nil, false // another key beside "instances"
			}
			p.i++
		} else {
			p.i = open
			if !d.instance(0) {
				return nil, false
			}
			d.rows = 1
		}
	default:
		return nil, false
	}
	p.space()
	if p.i != len(body) || d.rows == 0 {
		return nil, false
	}
	rows := ep.newRows(d.rows)
	for _, c := range sc.cells {
		var err error
		switch c.kind {
		case cellNumber:
			err = rows.SetNumber(int(c.row), int(c.col), c.x)
		case cellString:
			err = rows.Set(int(c.row), int(c.col), c.s)
		case cellTrue:
			err = rows.Set(int(c.row), int(c.col), true)
		case cellFalse:
			err = rows.Set(int(c.row), int(c.col), false)
		case cellNull:
			err = rows.Set(int(c.row), int(c.col), nil)
		}
		if err != nil {
			return nil, false
		}
	}
	fr, err := rows.Frame()
	if err != nil {
		return nil, false
	}
	return fr, true
}

// rowScratch is decodeRows' reusable space: the values read and the byte
// range of each instance.
type rowScratch struct {
	cells []cell
	spans [][2]int
}

var rowScratchPool = sync.Pool{New: func() any { return new(rowScratch) }}

func (sc *rowScratch) reset() {
	clear(sc.cells) // drop the strings
	sc.cells, sc.spans = sc.cells[:0], sc.spans[:0]
}

const (
	cellNumber = iota
	cellString
	cellTrue
	cellFalse
	cellNull
)

// cell is one value of a request: row, schema column, kind and value.
type cell struct {
	row, col int32
	kind     uint8
	x        float64
	s        string
}

type rowDecoder struct {
	p    jsonParser
	ep   *live
	sc   *rowScratch
	rows int
}

// list reads a JSON array of instance objects.
func (d *rowDecoder) list(maxRows int) bool {
	p := &d.p
	p.i++ // [
	for {
		p.space()
		if p.i >= len(p.b) || p.b[p.i] != '{' || d.rows >= maxRows || !d.instance(d.rows) {
			return false
		}
		d.rows++
		if more, ok := p.next(']'); !ok || !more {
			return ok
		}
	}
}

// instance reads one object as row r.
func (d *rowDecoder) instance(r int) bool {
	p := &d.p
	start := p.i
	p.i++ // {
	p.space()
	if p.i < len(p.b) && p.b[p.i] == '}' {
		p.i++
		d.sc.spans = append(d.sc.spans, [2]int{start, p.i})
		return true
	}
	next := 0 // the column expected next: keys usually come in schema order
	for {
		p.space()
		if p.i >= len(p.b) || p.b[p.i] != '"' {
			return false
		}
		p.i++
		ks := p.i
		for p.i < len(p.b) && p.b[p.i] != '"' && p.b[p.i] != '\\' && p.b[p.i] >= 0x20 {
			p.i++
		}
		if p.i >= len(p.b) || p.b[p.i] != '"' {
			return false // an escape or a control character: the general path
		}
		key := p.b[ks:p.i]
		p.i++
		j := -1
		if next < len(d.ep.schema) && d.ep.schema[next].Name == string(key) {
			j = next
		} else if k, ok := d.ep.byName[string(key)]; ok {
			j = k
		} else {
			return false
		}
		next = j + 1
		p.space()
		if p.i >= len(p.b) || p.b[p.i] != ':' {
			return false
		}
		p.i++
		p.space()
		if p.i >= len(p.b) {
			return false
		}
		c := cell{row: int32(r), col: int32(j)}
		switch b := p.b[p.i]; {
		case b == '"':
			vs := p.i
			s, ok := p.text()
			if !ok || !utf8.Valid(p.b[vs:p.i]) {
				return false // invalid UTF-8 would reach the capture as it is
			}
			c.kind, c.s = cellString, s
		case b == '-' || b >= '0' && b <= '9':
			x, ok := p.num()
			if !ok {
				return false
			}
			c.kind, c.x = cellNumber, x
		case b == 't':
			if !p.literal("true") {
				return false
			}
			c.kind = cellTrue
		case b == 'f':
			if !p.literal("false") {
				return false
			}
			c.kind = cellFalse
		case b == 'n':
			if !p.literal("null") {
				return false
			}
			c.kind = cellNull
		default:
			return false // an object or an array: the general path names it
		}
		d.sc.cells = append(d.sc.cells, c)
		if more, ok := p.next('}'); !ok {
			return false
		} else if !more {
			d.sc.spans = append(d.sc.spans, [2]int{start, p.i})
			return true
		}
	}
}

// capturedInputs returns each instance's object of body as one line of
// JSON, in one copy of body (the body buffer is reused after the request).
func capturedInputs(body []byte, spans [][2]int) [][]byte {
	cp := append([]byte(nil), body...)
	out := make([][]byte, len(spans))
	for i, sp := range spans {
		in := cp[sp[0]:sp[1]:sp[1]]
		if bytes.IndexByte(in, '\n') >= 0 || bytes.IndexByte(in, '\r') >= 0 { // whitespace between tokens: a capture record is one line
			var b bytes.Buffer
			if json.Compact(&b, in) == nil {
				in = b.Bytes()
			}
		}
		out[i] = in
	}
	return out
}
