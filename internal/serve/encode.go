package serve

import (
	"bytes"
	"encoding/json"
	"math"
	"strconv"
	"unicode/utf8"

	"github.com/mlcycle/mlcycle/predict"
)

// The response encoders append JSON by hand: the shapes are fixed, and
// avoiding reflection keeps a single-row response to a few allocations.

const hexDigits = "0123456789abcdef"

// appendString appends s as a JSON string, escaping what RFC 8259 requires
// and <, >, & (as encoding/json does); invalid UTF-8 becomes U+FFFD.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// appendFloat appends x in the shortest form that reads back exactly; NaN
// and infinities, which JSON cannot hold, become null.
func appendFloat(b []byte, x float64) []byte {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return append(b, "null"...)
	}
	return strconv.AppendFloat(b, x, 'g', -1, 64)
}

// appendOutput appends row i's prediction fields, without braces:
// "prediction" (the class label or the value), and for classification
// "score" and "probabilities" (by class label).
func appendOutput(b []byte, ep *live, res *predict.Result, i int) []byte {
	b = append(b, `"prediction":`...)
	if res.Values != nil {
		return appendFloat(b, res.Values[i])
	}
	b = append(b, ep.labelsJS[res.Pred[i]]...)
	b = append(b, `,"score":`...)
	b = appendFloat(b, res.Score(i))
	b = append(b, `,"probabilities":{`...)
	for j, p := range res.Proba(i) {
		if j > 0 {
			b = append(b, ',')
		}
		b = append(b, ep.labelsJS[j]...)
		b = append(b, ':')
		b = appendFloat(b, p)
	}
	return append(b, '}')
}

// appendUUID appends id in its canonical text form, quoted.
func appendUUID(b []byte, id [16]byte) []byte {
	b = append(b, '"')
	for i, c := range id {
		if i == 4 || i == 6 || i == 8 || i == 10 {
			b = append(b, '-')
		}
		b = append(b, hexDigits[c>>4], hexDigits[c&0xf])
	}
	return append(b, '"')
}

// appendRows appends the body of an invocations or KServe v1 response.
func appendRows(b []byte, ep *live, res *predict.Result, ids [][16]byte) []byte {
	b = append(b, ep.head...)
	for i := range res.Len() {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"inference_id":`...)
		b = appendUUID(b, ids[i])
		b = append(b, ',')
		b = appendOutput(b, ep, res, i)
		b = append(b, '}')
	}
	return append(b, "]}\n"...)
}

// appendV2 appends the body of an Open Inference Protocol v2 response.
func appendV2(b []byte, ep *live, res *predict.Result, ids [][16]byte, reqID string) []byte {
	n := res.Len()
	b = append(b, `{"model_name":`...)
	b = appendString(b, ep.Name)
	b = append(b, `,"model_version":"`...)
	b = strconv.AppendInt(b, int64(ep.Version), 10)
	b = append(b, '"')
	if reqID != "" {
		b = append(b, `,"id":`...)
		b = appendString(b, reqID)
	}
	b = append(b, `,"parameters":{"model":`...)
	b = append(b, ep.modelJS...)
	b = append(b, `},"outputs":[{"name":"prediction","shape":[`...)
	b = strconv.AppendInt(b, int64(n), 10)
	if res.Values != nil {
		b = append(b, `],"datatype":"FP64","data":[`...)
		for i, v := range res.Values {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendFloat(b, v)
		}
	} else {
		b = append(b, `],"datatype":"BYTES","data":[`...)
		for i, p := range res.Pred {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, ep.labelsJS[p]...)
		}
		b = append(b, `]},{"name":"probabilities","shape":[`...)
		b = strconv.AppendInt(b, int64(n), 10)
		b = append(b, ',')
		b = strconv.AppendInt(b, int64(len(ep.classes)), 10)
		b = append(b, `],"datatype":"FP64","parameters":{"classes":[`...)
		for j, l := range ep.labelsJS {
			if j > 0 {
				b = append(b, ',')
			}
			b = append(b, l...)
		}
		b = append(b, `]},"data":[`...)
		for i, p := range res.Probs {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendFloat(b, p)
		}
	}
	b = append(b, `]},{"name":"inference_id","shape":[`...)
	b = strconv.AppendInt(b, int64(n), 10)
	b = append(b, `],"datatype":"BYTES","data":[`...)
	for i, id := range ids {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendUUID(b, id)
	}
	return append(b, "]}]}\n"...)
}

// jsonMarshal encodes v without HTML escaping.
func jsonMarshal(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimRight(b.Bytes(), "\n"), nil
}
