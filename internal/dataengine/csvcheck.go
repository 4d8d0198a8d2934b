package dataengine

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"unicode/utf8"
)

// openMaybeGzip opens path, decompressing it when its name ends in .gz.
func openMaybeGzip(path string) (io.ReadCloser, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	if !strings.HasSuffix(strings.ToLower(path), ".gz") {
		return f, nil
	}
	zr, err := gzip.NewReader(f)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("not a valid gzip file: %v", err)
	}
	return struct {
		io.Reader
		io.Closer
	}{zr, f}, nil
}

// Problem is a located defect in an input file.
type Problem struct {
	Line   int    // 1-based physical line; 0 when unknown
	Column string // column name; "" when the problem is not in one column
	Msg    string
}

func (p *Problem) Error() string {
	var b strings.Builder
	if p.Line > 0 {
		fmt.Fprintf(&b, "line %d", p.Line)
	}
	if p.Column != "" {
		if b.Len() > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "column %q", p.Column)
	}
	if b.Len() > 0 {
		b.WriteString(": ")
	}
	b.WriteString(p.Msg)
	return b.String()
}

// readHeader returns the header fields of a delimited file and the line
// where they start (after any blank lines).
func readHeader(path string, delim byte) ([]string, int, error) {
	r, err := openMaybeGzip(path)
	if err != nil {
		return nil, 0, err
	}
	defer r.Close()
	br := bufio.NewReaderSize(r, 1<<16)
	var fields []string
	start := 0
	err = scanCSV(br, delim, func(line int, rec []string) error {
		fields = append([]string(nil), rec...)
		start = line
		return errStop
	})
	if err != nil && err != errStop {
		return nil, 0, err
	}
	return fields, start, nil
}

var errStop = fmt.Errorf("stop")

// checkCSV scans a delimited file strictly (RFC 4180 with the given
// delimiter) and returns the first problem found, or nil. It is the slow,
// precise path run only after DuckDB rejected a file.
func checkCSV(path string, delim byte) error {
	r, err := openMaybeGzip(path)
	if err != nil {
		return err
	}
	defer r.Close()
	br := bufio.NewReaderSize(r, 1<<16)
	var header []string
	err = scanCSV(br, delim, func(line int, rec []string) error {
		if header == nil {
			header = append([]string(nil), rec...)
			return nil
		}
		if len(rec) != len(header) {
			return &Problem{Line: line, Msg: fmt.Sprintf("row has %d fields, the header has %d", len(rec), len(header))}
		}
		return nil
	})
	if err == nil {
		return nil
	}
	if p, ok := err.(*scanProblem); ok {
		out := &Problem{Line: p.line, Msg: p.msg}
		if p.col >= 0 && p.col < len(header) {
			out.Column = header[p.col]
		}
		return out
	}
	return err
}

type scanProblem struct {
	line, col int
	msg       string
}

func (p *scanProblem) Error() string { return fmt.Sprintf("line %d: %s", p.line, p.msg) }

// scanCSV parses records and calls fn with each record and the line where
// it starts. A UTF-8 byte-order mark at the start is skipped.
func scanCSV(br *bufio.Reader, delim byte, fn func(line int, rec []string) error) error {
	line := 0
	first := true
	var rec []string
	var field bytes.Buffer
	for {
		raw, err := br.ReadBytes('\n')
		if len(raw) == 0 && err != nil {
			if err == io.EOF {
				return nil
			}
			return err
		}
		line++
		if first {
			raw = bytes.TrimPrefix(raw, []byte("\xef\xbb\xbf"))
			first = false
		}
		if !utf8.Valid(raw) {
			col := bytes.Count(raw[:invalidAt(raw)], []byte{delim})
			return &scanProblem{line: line, col: col, msg: "invalid UTF-8 (the file must be UTF-8 encoded)"}
		}
		start := line
		rec = rec[:0]
		// Parse one record, which may span lines inside quotes.
		s := trimEOL(raw)
		eol := raw[len(s):] // a line break inside quotes is kept as written
		for {
			field.Reset()
			if len(s) > 0 && s[0] == '"' {
				s = s[1:]
				for {
					i := bytes.IndexByte(s, '"')
					if i < 0 {
						field.Write(s)
						// The quoted field continues on the next line.
						next, err := br.ReadBytes('\n')
						if len(next) == 0 && err != nil {
							return &scanProblem{line: start, col: len(rec), msg: fmt.Sprintf("quoted field opened on line %d is never closed", start)}
						}
						line++
						if !utf8.Valid(next) {
							return &scanProblem{line: line, col: len(rec), msg: "invalid UTF-8 (the file must be UTF-8 encoded)"}
						}
						field.Write(eol)
						s = trimEOL(next)
						eol = next[len(s):]
						continue
					}
					field.Write(s[:i])
					s = s[i+1:]
					if len(s) > 0 && s[0] == '"' { // escaped quote
						field.WriteByte('"')
						s = s[1:]
						continue
					}
					break
				}
				if len(s) > 0 && s[0] != delim {
					return &scanProblem{line: line, col: len(rec), msg: fmt.Sprintf("unexpected %q after a closing quote", s[0])}
				}
			} else {
				i := bytes.IndexByte(s, delim)
				var v []byte
				if i < 0 {
					v = s
				} else {
					v = s[:i]
				}
				if bytes.IndexByte(v, '"') >= 0 {
					return &scanProblem{line: line, col: len(rec), msg: "stray quote in an unquoted field (quote the whole field and double inner quotes)"}
				}
				field.Write(v)
				s = s[len(v):]
			}
			rec = append(rec, field.String())
			if len(s) == 0 {
				break
			}
			s = s[1:] // delimiter
		}
		if len(rec) == 1 && rec[0] == "" && len(trimEOL(raw)) == 0 {
			continue // blank line
		}
		if err := fn(start, rec); err != nil {
			return err
		}
	}
}

func trimEOL(b []byte) []byte {
	b = bytes.TrimSuffix(b, []byte("\n"))
	return bytes.TrimSuffix(b, []byte("\r"))
}

// invalidAt returns the offset of the first invalid UTF-8 sequence in b.
func invalidAt(b []byte) int {
	for i := 0; i < len(b); {
		r, n := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && n <= 1 {
			return i
		}
		i += n
	}
	return len(b)
}

// checkJSONL returns the first line of a JSON lines file that is not one
// valid JSON object, or nil.
func checkJSONL(path string) error {
	r, err := openMaybeGzip(path)
	if err != nil {
		return err
	}
	defer r.Close()
	br := bufio.NewReaderSize(r, 1<<16)
	for line := 1; ; line++ {
		raw, err := br.ReadBytes('\n')
		if len(raw) == 0 && err != nil {
			if err == io.EOF {
				return nil
			}
			return err
		}
		b := bytes.TrimSpace(raw)
		if len(b) == 0 {
			continue
		}
		if !utf8.Valid(b) {
			return &Problem{Line: line, Msg: "invalid UTF-8 (the file must be UTF-8 encoded)"}
		}
		if !json.Valid(b) {
			return &Problem{Line: line, Msg: "malformed JSON: the line is not one complete JSON value"}
		}
		if b[0] != '{' {
			return &Problem{Line: line, Msg: "each line must be a JSON object ({...})"}
		}
	}
}
