package frameio

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"math/big"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/encoding"

	"github.com/mlcycle/mlcycle/ml/frame"
)

// errShort reports a page holding fewer values than its levels promise.
var errShort = errors.New("page holds fewer values than its header says")

// decodeChunk decodes one column chunk into its rows of the plan's buffers.
func decodeChunk(t *chunkTask) (err error) {
	p := t.col
	defer func() {
		// parquet-go can panic on corrupt pages; a bad file is an error, not
		// a crash.
		if r := recover(); r != nil {
			err = fmt.Errorf("column %q, row group %d: corrupt data: %v", p.name, t.rg, r)
		}
	}()
	d := chunkDecoder{p: p}
	pages := t.chunk.Pages()
	defer pages.Close()
	row, end := t.row0, t.row0+t.rows
	for {
		pg, err := pages.ReadPage()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return fmt.Errorf("column %q, row group %d: %w", p.name, t.rg, err)
		}
		n := int(pg.NumRows())
		if n > end-row {
			parquet.Release(pg)
			return fmt.Errorf("column %q, row group %d: pages hold more than the row group's %d rows", p.name, t.rg, t.rows)
		}
		err = d.page(pg, row, n)
		parquet.Release(pg)
		if err != nil {
			return fmt.Errorf("column %q, row group %d: %w", p.name, t.rg, err)
		}
		row += n
	}
	if row != end {
		return fmt.Errorf("column %q, row group %d: pages hold %d rows, want %d", p.name, t.rg, row-t.row0, t.rows)
	}
	if p.kind == frame.Categorical {
		p.local[t.rg] = d.local
	}
	return nil
}

// chunkDecoder holds the state of one chunk: the current dictionary
// converted to the frame's representation, and scratch buffers.
type chunkDecoder struct {
	p *colPlan

	dict   parquet.Dictionary
	dictF  []float64
	dictB  []bool
	dictT  []int64
	dictS  []string
	dictC  []uint32
	tmpF   []float64
	tmpB   []bool
	tmpT   []int64
	tmpS   []string
	tmpC   []uint32
	intern map[string]uint32
	local  []string
}

// page writes the n rows of pg starting at frame row row.
func (d *chunkDecoder) page(pg parquet.Page, row, n int) error {
	p := d.p
	vals := pg.Data()
	dict := pg.Dictionary()
	defs := pg.DefinitionLevels()
	present := n
	if defs != nil {
		if len(defs) != n {
			return fmt.Errorf("page has %d definition levels for %d rows", len(defs), n)
		}
		present = bytes.Count(defs, []byte{p.maxDef})
	}
	if present == n {
		defs = nil // no nulls: convert straight into the frame
	}
	var err error
	switch p.kind {
	case frame.Float:
		dst := p.floats[row : row+n]
		if defs != nil && dict == nil && vals.Kind() == encoding.Double {
			src := vals.Double()
			if len(src) < present {
				return errShort
			}
			scatter(dst, src[:present], defs, p.maxDef, math.NaN(), p.mask, row)
			return nil
		}
		out := dense(dst, &d.tmpF, present, defs)
		if dict != nil {
			if d.dict != dict {
				d.dict, d.dictF = dict, make([]float64, dict.Len())
				if err := fillFloats(d.dictF, dict.Page().Data(), p.src); err != nil {
					return fmt.Errorf("dictionary: %w", err)
				}
			}
			err = lookup(out, vals, d.dictF)
		} else {
			err = fillFloats(out, vals, p.src)
		}
		if err == nil && defs != nil {
			scatter(dst, out, defs, p.maxDef, math.NaN(), p.mask, row)
		}
	case frame.Bool:
		dst := p.bools[row : row+n]
		out := dense(dst, &d.tmpB, present, defs)
		if dict != nil {
			if d.dict != dict {
				d.dict, d.dictB = dict, make([]bool, dict.Len())
				if err := fillBools(d.dictB, dict.Page().Data()); err != nil {
					return fmt.Errorf("dictionary: %w", err)
				}
			}
			err = lookup(out, vals, d.dictB)
		} else {
			err = fillBools(out, vals)
		}
		if err == nil && defs != nil {
			scatter(dst, out, defs, p.maxDef, false, p.mask, row)
		}
	case frame.Time:
		dst := p.times[row : row+n]
		out := dense(dst, &d.tmpT, present, defs)
		if dict != nil {
			if d.dict != dict {
				d.dict, d.dictT = dict, make([]int64, dict.Len())
				if err := fillTimes(d.dictT, dict.Page().Data(), p.src); err != nil {
					return fmt.Errorf("dictionary: %w", err)
				}
			}
			err = lookup(out, vals, d.dictT)
		} else {
			err = fillTimes(out, vals, p.src)
		}
		if err == nil && defs != nil {
			scatter(dst, out, defs, p.maxDef, 0, p.mask, row)
		}
	case frame.String:
		dst := p.strs[row : row+n]
		out := dense(dst, &d.tmpS, present, defs)
		if dict != nil {
			if d.dict != dict {
				d.dict, d.dictS = dict, make([]string, dict.Len())
				if err := fillStrings(d.dictS, dict.Page().Data(), p.src); err != nil {
					return fmt.Errorf("dictionary: %w", err)
				}
			}
			err = lookup(out, vals, d.dictS)
		} else {
			err = fillStrings(out, vals, p.src)
		}
		if err == nil && defs != nil {
			scatter(dst, out, defs, p.maxDef, "", p.mask, row)
		}
		clear(d.tmpS) // do not keep page blocks alive through the scratch buffer
	case frame.Categorical:
		dst := p.codes[row : row+n]
		out := dense(dst, &d.tmpC, present, defs)
		if dict != nil {
			if d.dict != dict {
				d.dict = dict
				strs := make([]string, dict.Len())
				if err := fillStrings(strs, dict.Page().Data(), p.src); err != nil {
					return fmt.Errorf("dictionary: %w", err)
				}
				d.dictC = make([]uint32, len(strs))
				for i, s := range strs {
					d.dictC[i] = d.internString(s)
				}
			}
			err = lookup(out, vals, d.dictC)
		} else {
			err = d.fillCodes(out, vals)
		}
		if err == nil && defs != nil {
			scatter(dst, out, defs, p.maxDef, 0, p.mask, row)
		}
	default:
		err = fmt.Errorf("no decoder for kind %s", p.kind)
	}
	return err
}

// dense returns where to convert a page's present values: the frame's rows
// themselves when the page has no nulls, else a scratch buffer of present
// elements that scatter then spreads over the rows.
func dense[T any](dst []T, tmp *[]T, present int, defs []byte) []T {
	if defs == nil {
		return dst
	}
	if cap(*tmp) < present {
		*tmp = make([]T, present)
	}
	return (*tmp)[:present]
}

// scatter writes the present values in order to the rows whose definition
// level is maxDef, and null with a mask bit to the others. It needs exactly
// as many values as there are levels equal to maxDef.
func scatter[T any](dst, values []T, defs []byte, maxDef byte, null T, mask frame.Mask, row int) {
	k := 0
	for j, level := range defs {
		if level == maxDef {
			dst[j] = values[k]
			k++
			continue
		}
		dst[j] = null
		i := row + j
		// Row groups need not start on a word boundary: a neighbouring
		// chunk may be setting bits of the same word.
		atomic.OrUint64(&mask[i>>6], 1<<(uint(i)&63))
	}
}

// lookup writes table[index] for each dictionary index of a page.
func lookup[T any](out []T, vals encoding.Values, table []T) error {
	if len(out) == 0 {
		return nil // a page of nulls may come without value buffers
	}
	if vals.Kind() != encoding.Int32 {
		return fmt.Errorf("dictionary page holds %s values, want INT32 indexes", vals.Kind())
	}
	idx := vals.Int32()
	if len(idx) < len(out) {
		return errShort
	}
	size := uint32(len(table))
	for i := range out {
		x := uint32(idx[i])
		if x >= size {
			return fmt.Errorf("dictionary index %d is outside the dictionary of %d values", idx[i], size)
		}
		out[i] = table[x]
	}
	return nil
}

func fillFloats(out []float64, vals encoding.Values, s source) error {
	if len(out) == 0 {
		return nil // a page of nulls may come without value buffers
	}
	n := len(out)
	switch vals.Kind() {
	case encoding.Double:
		x := vals.Double()
		if len(x) < n {
			return errShort
		}
		copy(out, x)
	case encoding.Float:
		x := vals.Float()
		if len(x) < n {
			return errShort
		}
		for i := range out {
			out[i] = float64(x[i])
		}
	case encoding.Int32:
		x := vals.Int32()
		if len(x) < n {
			return errShort
		}
		if s.unsigned {
			for i := range out {
				out[i] = float64(uint32(x[i]))
			}
		} else {
			for i := range out {
				out[i] = float64(x[i])
			}
		}
	case encoding.Int64:
		x := vals.Int64()
		if len(x) < n {
			return errShort
		}
		if s.unsigned {
			for i := range out {
				out[i] = float64(uint64(x[i]))
			}
		} else {
			for i := range out {
				out[i] = float64(x[i])
			}
		}
	case encoding.Boolean:
		x := vals.Boolean()
		if len(x) < (n+7)/8 {
			return errShort
		}
		for i := range out {
			out[i] = float64(x[i>>3] >> (uint(i) & 7) & 1)
		}
	case encoding.FixedLenByteArray:
		data, size := vals.FixedLenByteArray()
		if size <= 0 || len(data) < n*size {
			return errShort
		}
		for i := range out {
			out[i] = bigEndianFloat(data[i*size : (i+1)*size])
		}
	default:
		return fmt.Errorf("cannot read %s values as numbers", vals.Kind())
	}
	if s.decimal && s.scale != 0 {
		div := math.Pow10(int(s.scale))
		for i := range out {
			out[i] /= div
		}
	}
	return nil
}

// bigEndianFloat converts the big-endian two's complement integer b (a
// FIXED_LEN_BYTE_ARRAY decimal) to a float64.
func bigEndianFloat(b []byte) float64 {
	if len(b) <= 8 {
		var v int64
		if len(b) > 0 && b[0]&0x80 != 0 {
			v = -1
		}
		for _, c := range b {
			v = v<<8 | int64(c)
		}
		return float64(v)
	}
	v := new(big.Int).SetBytes(b)
	if b[0]&0x80 != 0 {
		v.Sub(v, new(big.Int).Lsh(big.NewInt(1), uint(8*len(b))))
	}
	f, _ := new(big.Float).SetInt(v).Float64()
	return f
}

func fillBools(out []bool, vals encoding.Values) error {
	if len(out) == 0 {
		return nil // a page of nulls may come without value buffers
	}
	n := len(out)
	switch vals.Kind() {
	case encoding.Boolean:
		x := vals.Boolean()
		if len(x) < (n+7)/8 {
			return errShort
		}
		for i := range out {
			out[i] = x[i>>3]>>(uint(i)&7)&1 != 0
		}
	case encoding.Int32:
		x := vals.Int32()
		if len(x) < n {
			return errShort
		}
		for i := range out {
			if uint32(x[i]) > 1 {
				return fmt.Errorf("value %d is not 0 or 1, so not a boolean", x[i])
			}
			out[i] = x[i] == 1
		}
	case encoding.Int64:
		x := vals.Int64()
		if len(x) < n {
			return errShort
		}
		for i := range out {
			if uint64(x[i]) > 1 {
				return fmt.Errorf("value %d is not 0 or 1, so not a boolean", x[i])
			}
			out[i] = x[i] == 1
		}
	default:
		return fmt.Errorf("cannot read %s values as booleans", vals.Kind())
	}
	return nil
}

const (
	nanosPerDay = 86400 * 1_000_000_000
	// julianUnixEpoch is the Julian day number of 1970-01-01, for INT96.
	julianUnixEpoch = 2_440_588
)

var errTimeRange = errors.New("is outside the years 1678 to 2261 that nanosecond times can hold")

func fillTimes(out []int64, vals encoding.Values, s source) error {
	if len(out) == 0 {
		return nil // a page of nulls may come without value buffers
	}
	n := len(out)
	switch vals.Kind() {
	case encoding.Int32, encoding.Int64:
		var x []int64
		var x32 []int32
		if vals.Kind() == encoding.Int32 {
			x32 = vals.Int32()
			if len(x32) < n {
				return errShort
			}
		} else {
			x = vals.Int64()
			if len(x) < n {
				return errShort
			}
		}
		mul := s.unit
		if s.date {
			mul = nanosPerDay
		}
		lo, hi := int64(math.MinInt64)/mul, int64(math.MaxInt64)/mul
		for i := range out {
			var v int64
			if x32 != nil {
				v = int64(x32[i])
			} else {
				v = x[i]
			}
			if v < lo || v > hi {
				return fmt.Errorf("time value %d %w", v, errTimeRange)
			}
			out[i] = v * mul
		}
	case encoding.Int96:
		x := vals.Int96()
		if len(x) < n {
			return errShort
		}
		for i := range out {
			nanos := int64(uint64(x[i][0]) | uint64(x[i][1])<<32)
			days := int64(x[i][2]) - julianUnixEpoch
			if days < math.MinInt64/nanosPerDay+1 || days > math.MaxInt64/nanosPerDay-1 || nanos < 0 || nanos >= nanosPerDay {
				return fmt.Errorf("INT96 time (day %d, nanosecond %d) %w", x[i][2], nanos, errTimeRange)
			}
			out[i] = days*nanosPerDay + nanos
		}
	default:
		return fmt.Errorf("cannot read %s values as times", vals.Kind())
	}
	return nil
}

// fillStrings converts values to strings. Byte strings of one page share one
// allocation.
func fillStrings(out []string, vals encoding.Values, s source) error {
	if len(out) == 0 {
		return nil // a page of nulls may come without value buffers
	}
	n := len(out)
	switch vals.Kind() {
	case encoding.ByteArray:
		data, offs := vals.ByteArray()
		if err := checkOffsets(data, offs, n); err != nil {
			return err
		}
		base := offs[0]
		block := string(data[base:offs[n]])
		for i := range out {
			out[i] = block[offs[i]-base : offs[i+1]-base]
		}
	case encoding.FixedLenByteArray:
		data, size := vals.FixedLenByteArray()
		if size <= 0 || len(data) < n*size {
			return errShort
		}
		if s.decimal {
			for i := range out {
				out[i] = strconv.FormatFloat(bigEndianFloat(data[i*size:(i+1)*size])/math.Pow10(int(s.scale)), 'g', -1, 64)
			}
			return nil
		}
		if s.uuid && size == 16 {
			for i := range out {
				out[i] = formatUUID(data[i*16 : (i+1)*16])
			}
			return nil
		}
		block := string(data[:n*size])
		for i := range out {
			out[i] = block[i*size : (i+1)*size]
		}
	case encoding.Int32, encoding.Int64:
		var x []int64
		var x32 []int32
		if vals.Kind() == encoding.Int32 {
			x32 = vals.Int32()
			if len(x32) < n {
				return errShort
			}
		} else {
			x = vals.Int64()
			if len(x) < n {
				return errShort
			}
		}
		for i := range out {
			var v int64
			switch {
			case x32 != nil && s.unsigned:
				v = int64(uint32(x32[i]))
			case x32 != nil:
				v = int64(x32[i])
			default:
				v = x[i]
			}
			switch {
			case s.decimal:
				out[i] = formatDecimal(v, s.scale)
			case s.unsigned && x32 == nil:
				out[i] = strconv.FormatUint(uint64(v), 10)
			default:
				out[i] = strconv.FormatInt(v, 10)
			}
		}
	case encoding.Float, encoding.Double:
		f := make([]float64, n)
		if err := fillFloats(f, vals, s); err != nil {
			return err
		}
		for i, v := range f {
			out[i] = strconv.FormatFloat(v, 'g', -1, 64)
		}
	case encoding.Boolean:
		b := make([]bool, n)
		if err := fillBools(b, vals); err != nil {
			return err
		}
		for i, v := range b {
			out[i] = strconv.FormatBool(v)
		}
	default:
		return fmt.Errorf("cannot read %s values as strings", vals.Kind())
	}
	return nil
}

// checkOffsets validates the n+1 offsets of n byte strings in data.
func checkOffsets(data []byte, offs []uint32, n int) error {
	if len(offs) < n+1 {
		return errShort
	}
	for i := range n {
		if offs[i] > offs[i+1] {
			return fmt.Errorf("byte array offsets decrease at value %d", i)
		}
	}
	if int(offs[n]) > len(data) {
		return errShort
	}
	return nil
}

// fillCodes interns the values of a page that is not dictionary-encoded.
func (d *chunkDecoder) fillCodes(out []uint32, vals encoding.Values) error {
	if len(out) == 0 {
		return nil // a page of nulls may come without value buffers
	}
	n := len(out)
	if vals.Kind() == encoding.ByteArray {
		data, offs := vals.ByteArray()
		if err := checkOffsets(data, offs, n); err != nil {
			return err
		}
		for i := range out {
			out[i] = d.internBytes(data[offs[i]:offs[i+1]])
		}
		return nil
	}
	strs := make([]string, n)
	if err := fillStrings(strs, vals, d.p.src); err != nil {
		return err
	}
	for i, s := range strs {
		out[i] = d.internString(s)
	}
	return nil
}

// internBytes returns the chunk-local code of b, adding it if new.
func (d *chunkDecoder) internBytes(b []byte) uint32 {
	if code, ok := d.intern[string(b)]; ok {
		return code
	}
	return d.add(string(b))
}

// internString returns the chunk-local code of s, adding a copy of it if
// new (s may share memory with a whole page).
func (d *chunkDecoder) internString(s string) uint32 {
	if code, ok := d.intern[s]; ok {
		return code
	}
	return d.add(strings.Clone(s))
}

func (d *chunkDecoder) add(s string) uint32 {
	if d.intern == nil {
		d.intern = make(map[string]uint32)
	}
	code := uint32(len(d.local))
	d.intern[s] = code
	d.local = append(d.local, s)
	return code
}

// formatDecimal writes v / 10^scale exactly.
func formatDecimal(v int64, scale int32) string {
	if scale <= 0 {
		return strconv.FormatInt(v, 10)
	}
	neg := v < 0
	digits := strconv.FormatUint(absUint(v), 10)
	if len(digits) <= int(scale) {
		digits = strings.Repeat("0", int(scale)-len(digits)+1) + digits
	}
	cut := len(digits) - int(scale)
	s := digits[:cut] + "." + digits[cut:]
	if neg {
		s = "-" + s
	}
	return s
}

func absUint(v int64) uint64 {
	if v < 0 {
		return uint64(-(v + 1)) + 1
	}
	return uint64(v)
}

func formatUUID(b []byte) string {
	const hexDigits = "0123456789abcdef"
	var out [36]byte
	j := 0
	for i, c := range b {
		if i == 4 || i == 6 || i == 8 || i == 10 {
			out[j] = '-'
			j++
		}
		out[j], out[j+1] = hexDigits[c>>4], hexDigits[c&15]
		j += 2
	}
	return string(out[:])
}
