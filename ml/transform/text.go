package transform

import (
	"context"
	"math"
	"math/bits"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// murmur3 is MurmurHash3_x86_32 of data with the given seed, as
// sklearn.utils.murmurhash3_32(data, seed, positive=False) computes it
// (reinterpreted as a signed 32-bit integer by the caller).
func murmur3(data []byte, seed uint32) uint32 {
	const c1, c2 = 0xcc9e2d51, 0x1b873593
	h := seed
	n := len(data)
	i := 0
	for ; i+4 <= n; i += 4 {
		k := uint32(data[i]) | uint32(data[i+1])<<8 | uint32(data[i+2])<<16 | uint32(data[i+3])<<24
		k *= c1
		k = bits.RotateLeft32(k, 15)
		k *= c2
		h ^= k
		h = bits.RotateLeft32(h, 13)
		h = h*5 + 0xe6546b64
	}
	var k uint32
	switch n - i {
	case 3:
		k ^= uint32(data[i+2]) << 16
		fallthrough
	case 2:
		k ^= uint32(data[i+1]) << 8
		fallthrough
	case 1:
		k ^= uint32(data[i])
		k *= c1
		k = bits.RotateLeft32(k, 15)
		k *= c2
		h ^= k
	}
	h ^= uint32(n)
	h ^= h >> 16
	h *= 0x85ebca6b
	h ^= h >> 13
	h *= 0xc2b2ae35
	h ^= h >> 16
	return h
}

// hashIndex is the column sklearn's HashingVectorizer gives a term.
func hashIndex(term string, nFeatures int) int {
	h := int32(murmur3([]byte(term), 0))
	if h == math.MinInt32 {
		return (math.MaxInt32 - (nFeatures - 1)) % nFeatures
	}
	if h < 0 {
		h = -h
	}
	return int(h) % nFeatures
}

// isWordRune is Python's \w for str patterns: str.isalnum() or '_'.
func isWordRune(r rune) bool {
	return r == '_' || unicode.IsLetter(r) || unicode.IsNumber(r)
}

// tokens splits lower-cased text the way scikit-learn's default
// token_pattern r"(?u)\b\w\w+\b" does: maximal runs of word characters of
// two characters or more.
func tokens(s string) []string {
	s = strings.ToLower(s)
	var out []string
	start, count := -1, 0
	for i := 0; i <= len(s); {
		r, size := utf8.RuneError, 1
		if i < len(s) {
			r, size = utf8.DecodeRuneInString(s[i:])
		}
		if i < len(s) && isWordRune(r) {
			if start < 0 {
				start, count = i, 0
			}
			count++
		} else if start >= 0 {
			if count >= 2 {
				out = append(out, s[start:i])
			}
			start = -1
		}
		i += size
	}
	return out
}

// termCounts adds the hashed n-gram counts of one document to counts (a
// map from column to count, cleared by the caller).
func termCounts(doc string, h TextHash, counts map[int]float64) {
	toks := tokens(doc)
	var b strings.Builder
	for n := h.NgramMin; n <= h.NgramMax; n++ {
		for i := 0; i+n <= len(toks); i++ {
			var term string
			if n == 1 {
				term = toks[i]
			} else {
				b.Reset()
				for j := i; j < i+n; j++ {
					if j > i {
						b.WriteByte(' ')
					}
					b.WriteString(toks[j])
				}
				term = b.String()
			}
			counts[hashIndex(term, h.NFeatures)]++
		}
	}
}

// fitIDF returns TfidfTransformer(smooth_idf=True)'s idf of the documents:
// ln((1+n)/(1+df)) + 1 per column.
func fitIDF(ctx context.Context, docs []string, missing func(int) bool, h TextHash) ([]float64, error) {
	df := make([]float64, h.NFeatures)
	counts := map[int]float64{}
	for i, d := range docs {
		if i%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		if missing(i) {
			continue
		}
		clear(counts)
		termCounts(d, h, counts)
		for j := range counts {
			df[j]++
		}
	}
	n := float64(len(docs))
	idf := make([]float64, h.NFeatures)
	for j, d := range df {
		idf[j] = math.Log((1+n)/(1+d)) + 1
	}
	return idf, nil
}

// hashTFIDF returns the l2-normalised TF-IDF columns of the documents.
func hashTFIDF(ctx context.Context, docs []string, missing func(int) bool, h TextHash, idf []float64) ([][]float64, error) {
	out := make([][]float64, h.NFeatures)
	for j := range out {
		out[j] = make([]float64, len(docs))
	}
	counts := map[int]float64{}
	var keys []int
	for i, d := range docs {
		if i%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		if missing(i) {
			continue
		}
		clear(counts)
		termCounts(d, h, counts)
		keys = keys[:0]
		for j := range counts {
			keys = append(keys, j)
		}
		slices.Sort(keys) // sum in column order, as scipy's CSR rows do
		var ss float64
		for _, j := range keys {
			v := counts[j] * idf[j]
			counts[j] = v
			ss += v * v
		}
		if ss == 0 {
			continue
		}
		norm := math.Sqrt(ss)
		for _, j := range keys {
			out[j][i] = counts[j] / norm
		}
	}
	return out, nil
}
