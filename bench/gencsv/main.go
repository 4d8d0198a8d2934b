// Command gencsv writes a deterministic numeric CSV for the ingest and load
// benchmarks: ROWS rows of COLS float columns (f0..fN-1, 7 significant digits,
// like shared/bench/gen_data.py) and a 0/1 integer target column.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
)

func main() {
	rows := flag.Int("rows", 1_000_000, "number of data rows")
	cols := flag.Int("cols", 28, "number of float feature columns")
	seed := flag.Uint64("seed", 42, "random seed")
	out := flag.String("out", "", "output CSV path (required)")
	flag.Parse()
	if *out == "" || *rows <= 0 || *cols <= 0 {
		fmt.Fprintln(os.Stderr, "usage: gencsv -out FILE [-rows N] [-cols N] [-seed S]")
		os.Exit(2)
	}
	if err := write(*out, *rows, *cols, *seed); err != nil {
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
