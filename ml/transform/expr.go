package transform

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// expr is a parsed arithmetic expression of a derived column.
//
// Grammar, loosest binding first:
//
//	sum     = product { ("+" | "-") product }
//	product = unary { ("*" | "/") unary }
//	unary   = "-" unary | power
//	power   = atom [ "^" unary ]            (right-associative: 2^3^2 = 2^9)
//	atom    = number | name | func "(" sum { "," sum } ")" | "(" sum ")"
//
// so -x^2 is -(x^2), as in mathematics and Python. Names are identifiers
// (letters, digits, '_' and '.', not starting with a digit) or any text in
// backquotes. Functions: log (natural), exp, sqrt, abs (one argument),
// min, max (two or more).
type expr struct {
	op   byte // 'n' number, 'v' variable, 'f' function, '~' negation, or + - * / ^
	num  float64
	name string
	args []*expr
}

const maxExprDepth = 200

var exprFuncs = map[string][2]int{ // name → min, max argument count (max 0: unbounded)
	"log": {1, 1}, "exp": {1, 1}, "sqrt": {1, 1}, "abs": {1, 1},
	"min": {2, 0}, "max": {2, 0},
}

type exprParser struct {
	src   string
	pos   int
	depth int
}

// parseExpr parses src; errors name the byte offset.
func parseExpr(src string) (*expr, error) {
	p := &exprParser{src: src}
	if strings.TrimSpace(src) == "" {
		return nil, fmt.Errorf("expression is empty")
	}
	e, err := p.sum()
	if err != nil {
		return nil, err
	}
	p.space()
	if p.pos < len(p.src) {
		return nil, p.errorf("unexpected %q", p.rest())
	}
	return e, nil
}

func (p *exprParser) errorf(format string, args ...any) error {
	return fmt.Errorf("at offset %d: %s", p.pos, fmt.Sprintf(format, args...))
}

func (p *exprParser) rest() string {
	r := p.src[p.pos:]
	if len(r) > 10 {
		r = r[:10] + "..."
	}
	return r
}

func (p *exprParser) space() {
	for p.pos < len(p.src) && (p.src[p.pos] == ' ' || p.src[p.pos] == '\t' || p.src[p.pos] == '\n' || p.src[p.pos] == '\r') {
		p.pos++
	}
}

func (p *exprParser) peek() byte {
	p.space()
	if p.pos < len(p.src) {
		return p.src[p.pos]
	}
	return 0
}

func (p *exprParser) enter() error {
	p.depth++
	if p.depth > maxExprDepth {
		return p.errorf("expression nested deeper than %d", maxExprDepth)
	}
	return nil
}

func (p *exprParser) sum() (*expr, error) {
	if err := p.enter(); err != nil {
		return nil, err
	}
	defer func() { p.depth-- }()
	l, err := p.product()
	if err != nil {
		return nil, err
	}
	for {
		c := p.peek()
		if c != '+' && c != '-' {
			return l, nil
		}
		p.pos++
		r, err := p.product()
		if err != nil {
			return nil, err
		}
		l = &expr{op: c, args: []*expr{l, r}}
	}
}

func (p *exprParser) product() (*expr, error) {
	l, err := p.unary()
	if err != nil {
		return nil, err
	}
	for {
		c := p.peek()
		if c != '*' && c != '/' {
			return l, nil
		}
		p.pos++
		r, err := p.unary()
		if err != nil {
			return nil, err
		}
		l = &expr{op: c, args: []*expr{l, r}}
	}
}

func (p *exprParser) unary() (*expr, error) {
	if err := p.enter(); err != nil {
		return nil, err
	}
	defer func() { p.depth-- }()
	if p.peek() == '-' {
		p.pos++
		e, err := p.unary()
		if err != nil {
			return nil, err
		}
		return &expr{op: '~', args: []*expr{e}}, nil
	}
	if p.peek() == '+' {
		p.pos++
		return p.unary()
	}
	b, err := p.atom()
	if err != nil {
		return nil, err
	}
	if p.peek() == '^' {
		p.pos++
		e, err := p.unary()
		if err != nil {
			return nil, err
		}
		return &expr{op: '^', args: []*expr{b, e}}, nil
	}
	return b, nil
}

func isNameStart(r rune) bool { return r == '_' || unicode.IsLetter(r) }
func isNamePart(r rune) bool  { return isNameStart(r) || r == '.' || unicode.IsDigit(r) }

func (p *exprParser) atom() (*expr, error) {
	c := p.peek()
	switch {
	case c == 0:
		return nil, p.errorf("unexpected end of expression")
	case c == '(':
		p.pos++
		e, err := p.sum()
		if err != nil {
			return nil, err
		}
		if p.peek() != ')' {
			return nil, p.errorf("missing )")
		}
		p.pos++
		return e, nil
	case c == '`':
		end := strings.IndexByte(p.src[p.pos+1:], '`')
		if end < 0 {
			return nil, p.errorf("unterminated `")
		}
		name := p.src[p.pos+1 : p.pos+1+end]
		if name == "" {
			return nil, p.errorf("empty column name")
		}
		p.pos += end + 2
		return &expr{op: 'v', name: name}, nil
	case c >= '0' && c <= '9' || c == '.':
		start := p.pos
		for p.pos < len(p.src) && (p.src[p.pos] >= '0' && p.src[p.pos] <= '9' || p.src[p.pos] == '.') {
			p.pos++
		}
		if p.pos < len(p.src) && (p.src[p.pos] == 'e' || p.src[p.pos] == 'E') {
			q := p.pos + 1
			if q < len(p.src) && (p.src[q] == '+' || p.src[q] == '-') {
				q++
			}
			if q < len(p.src) && p.src[q] >= '0' && p.src[q] <= '9' {
				for q < len(p.src) && p.src[q] >= '0' && p.src[q] <= '9' {
					q++
				}
				p.pos = q
			}
		}
		v, err := strconv.ParseFloat(p.src[start:p.pos], 64)
		if err != nil {
			p.pos = start
			return nil, p.errorf("bad number %q", p.rest())
		}
		return &expr{op: 'n', num: v}, nil
	}
	r, _ := utf8.DecodeRuneInString(p.src[p.pos:])
	if !isNameStart(r) {
		return nil, p.errorf("unexpected %q", p.rest())
	}
	start := p.pos
	for p.pos < len(p.src) {
		r, n := utf8.DecodeRuneInString(p.src[p.pos:])
		if !isNamePart(r) {
			break
		}
		p.pos += n
	}
	name := p.src[start:p.pos]
	if p.peek() != '(' {
		return &expr{op: 'v', name: name}, nil
	}
	arity, ok := exprFuncs[name]
	if !ok {
		p.pos = start
		return nil, p.errorf("unknown function %q (want log, exp, sqrt, abs, min or max)", name)
	}
	p.pos++
	var args []*expr
	for {
		a, err := p.sum()
		if err != nil {
			return nil, err
		}
		args = append(args, a)
		c := p.peek()
		if c == ',' {
			p.pos++
			continue
		}
		if c != ')' {
			return nil, p.errorf("missing ) after arguments of %s", name)
		}
		p.pos++
		break
	}
	if len(args) < arity[0] || arity[1] > 0 && len(args) > arity[1] {
		return nil, fmt.Errorf("%s takes %s, got %d", name, arityText(arity), len(args))
	}
	return &expr{op: 'f', name: name, args: args}, nil
}

func arityText(a [2]int) string {
	if a[1] == 0 {
		return fmt.Sprintf("%d or more arguments", a[0])
	}
	if a[0] == 1 && a[1] == 1 {
		return "1 argument"
	}
	return fmt.Sprintf("%d arguments", a[0])
}

// vars returns the sorted distinct column names the expression reads.
func (e *expr) vars() []string {
	set := map[string]bool{}
	var walk func(*expr)
	walk = func(e *expr) {
		if e.op == 'v' {
			set[e.name] = true
		}
		for _, a := range e.args {
			walk(a)
		}
	}
	walk(e)
	out := make([]string, 0, len(set))
	for n := range set {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// String writes the expression fully parenthesised (for tests and errors).
func (e *expr) String() string {
	switch e.op {
	case 'n':
		return strconv.FormatFloat(e.num, 'g', -1, 64)
	case 'v':
		return "`" + e.name + "`"
	case '~':
		return "(-" + e.args[0].String() + ")"
	case 'f':
		parts := make([]string, len(e.args))
		for i, a := range e.args {
			parts[i] = a.String()
		}
		return e.name + "(" + strings.Join(parts, ", ") + ")"
	}
	return "(" + e.args[0].String() + " " + string(e.op) + " " + e.args[1].String() + ")"
}

// eval evaluates the expression on every row; cols holds the variables'
// values (NaN for missing). A result that is not finite (division by zero,
// log of 0, overflow) is NaN, that is missing.
func (e *expr) eval(cols map[string][]float64, n int) []float64 {
	out := e.evalRaw(cols, n)
	for i, v := range out {
		if math.IsInf(v, 0) {
			out[i] = math.NaN()
		}
	}
	return out
}

func (e *expr) evalRaw(cols map[string][]float64, n int) []float64 {
	out := make([]float64, n)
	switch e.op {
	case 'n':
		for i := range out {
			out[i] = e.num
		}
		return out
	case 'v':
		copy(out, cols[e.name])
		return out
	}
	args := make([][]float64, len(e.args))
	for i, a := range e.args {
		args[i] = a.evalRaw(cols, n)
	}
	a := args[0]
	switch e.op {
	case '~':
		for i := range out {
			out[i] = -a[i]
		}
	case '+':
		for i := range out {
			out[i] = a[i] + args[1][i]
		}
	case '-':
		for i := range out {
			out[i] = a[i] - args[1][i]
		}
	case '*':
		for i := range out {
			out[i] = a[i] * args[1][i]
		}
	case '/':
		for i := range out {
			if args[1][i] == 0 {
				out[i] = math.NaN()
			} else {
				out[i] = a[i] / args[1][i]
			}
		}
	case '^':
		for i := range out {
			out[i] = math.Pow(a[i], args[1][i])
		}
	case 'f':
		switch e.name {
		case "log":
			for i := range out {
				out[i] = math.Log(a[i])
			}
		case "exp":
			for i := range out {
				out[i] = math.Exp(a[i])
			}
		case "sqrt":
			for i := range out {
				out[i] = math.Sqrt(a[i])
			}
		case "abs":
			for i := range out {
				out[i] = math.Abs(a[i])
			}
		case "min", "max":
			copy(out, a)
			for _, b := range args[1:] {
				for i := range out {
					switch {
					case math.IsNaN(out[i]) || math.IsNaN(b[i]):
						out[i] = math.NaN()
					case e.name == "min":
						out[i] = math.Min(out[i], b[i])
					default:
						out[i] = math.Max(out[i], b[i])
					}
				}
			}
		}
	}
	return out
}
