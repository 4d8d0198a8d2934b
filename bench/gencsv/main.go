// Command gencsv writes deterministic CSVs for the benchmarks:
//
//   - numeric (default): ROWS rows of COLS float columns (f0..fN-1, 7
//     significant digits, like shared/bench/gen_data.py) and a 0/1 integer
//     target column;
//   - -mixed: 10 numeric columns of assorted distributions (n0..n9), 5
//     string categoricals with 3, 10, 50, 200 and 1000 levels and Zipf-like
//     frequencies (c0..c4), 5 % of each feature missing at random (empty
//     field), and a 0/1 target — the shape of shared/bench's mixed_200k;
//   - -regression: 20 uniform features x0..x19 and the Friedman #1 target
//     10·sin(π·x0·x1) + 20·(x2−0.5)² + 10·x3 + 5·x4 + N(0, 1), as
//     sklearn.datasets.make_friedman1(noise=1).
package main

import (
	"bufio"
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"strconv"
)

func main() {
	rows := flag.Int("rows", 1_000_000, "number of data rows")
	cols := flag.Int("cols", 28, "number of float feature columns")
	seed := flag.Uint64("seed", 42, "random seed")
	out := flag.String("out", "", "output CSV path (required)")
	mixed := flag.Bool("mixed", false, "write the mixed numeric/categorical table")
	regression := flag.Bool("regression", false, "write the Friedman #1 regression table")
	flag.Parse()
	if *out == "" || *rows <= 0 || *cols <= 0 {
		fmt.Fprintln(os.Stderr, "usage: gencsv -out FILE [-rows N] [-cols N] [-seed S]")
		os.Exit(2)
	}
	w := write
	switch {
	case *mixed:
		w = func(p string, rows, _ int, seed uint64) error { return writeMixed(p, rows, seed) }
	case *regression:
		w = func(p string, rows, _ int, seed uint64) error { return writeFriedman(p, rows, seed) }
	}
	if err := w(*out, *rows, *cols, *seed); err != nil {
		fmt.Fprintln(os.Stderr, "gencsv:", err)
		os.Exit(1)
	}
}

func write(path string, rows, cols int, seed uint64) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	for j := 0; j < cols; j++ {
		fmt.Fprintf(w, "f%d,", j)
	}
	w.WriteString("target\n")
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	buf := make([]byte, 0, 32)
	for i := 0; i < rows; i++ {
		sum := 0.0
		for j := 0; j < cols; j++ {
			v := r.NormFloat64()
			if j < 10 {
				sum += v
			}
			buf = strconv.AppendFloat(buf[:0], v, 'g', 7, 64)
			w.Write(buf)
			w.WriteByte(',')
		}
		if sum+r.NormFloat64() > 0 {
			w.WriteString("1\n")
		} else {
			w.WriteString("0\n")
		}
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func writeMixed(path string, rows int, seed uint64) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	for j := 0; j < 10; j++ {
		fmt.Fprintf(w, "n%d,", j)
	}
	levels := []int{3, 10, 50, 200, 1000}
	for j := range levels {
		fmt.Fprintf(w, "c%d,", j)
	}
	w.WriteString("target\n")
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	zipf := make([]*rand.Zipf, len(levels))
	for j, l := range levels {
		zipf[j] = rand.NewZipf(r, 1.2, 1, uint64(l-1))
	}
	buf := make([]byte, 0, 32)
	for i := 0; i < rows; i++ {
		score := 0.0
		for j := 0; j < 10; j++ {
			var v float64
			switch j % 5 {
			case 0:
				v = r.NormFloat64()
			case 1:
				v = r.ExpFloat64() * 3
			case 2:
				v = float64(r.IntN(100))
			case 3:
				v = math.Exp(r.NormFloat64())
			default:
				v = r.Float64()*200 - 100
			}
			if j < 3 {
				score += v
			}
			if r.Float64() >= 0.05 {
				buf = strconv.AppendFloat(buf[:0], v, 'g', 7, 64)
				w.Write(buf)
			}
			w.WriteByte(',')
		}
		for j := range levels {
			k := zipf[j].Uint64()
			if k == 0 {
				score += 0.5
			}
			if r.Float64() >= 0.05 {
				fmt.Fprintf(w, "L%d_%d", j, k)
			}
			w.WriteByte(',')
		}
		if score+r.NormFloat64() > 1 {
			w.WriteString("1\n")
		} else {
			w.WriteString("0\n")
		}
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func writeFriedman(path string, rows int, seed uint64) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	for j := 0; j < 20; j++ {
		fmt.Fprintf(w, "x%d,", j)
	}
	w.WriteString("target\n")
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	x := make([]float64, 20)
	buf := make([]byte, 0, 32)
	for i := 0; i < rows; i++ {
		for j := range x {
			x[j] = r.Float64()
			buf = strconv.AppendFloat(buf[:0], x[j], 'g', 7, 64)
			w.Write(buf)
			w.WriteByte(',')
		}
		y := 10*math.Sin(math.Pi*x[0]*x[1]) + 20*(x[2]-0.5)*(x[2]-0.5) + 10*x[3] + 5*x[4] + r.NormFloat64()
		buf = strconv.AppendFloat(buf[:0], y, 'g', 7, 64)
		w.Write(buf)
		w.WriteByte('\n')
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
