package linear

import (
	"math"
	"runtime"
	"sync"

	"gonum.org/v1/gonum/floats"
)

// lossKind selects the per-row loss of a smooth objective.
type lossKind int

const (
	lossLogistic lossKind = iota // y in {0, 1}, one output
	lossSoftmax                  // y in 0..k-1, k outputs
	lossSquared                  // real y, one output
)

const (
	blockRows = 256   // rows per inner block (z buffer stays in L1)
	chunkRows = 32768 // rows per unit of parallel work
)

// smooth evaluates the scaled smooth objective
//
//	f(b, b0) = (1/W) Σ_i w_i ℓ(y_i, z_i) + (λ/2) ||b||²,
//	z_ik     = b0_k + Σ_j b_kj (x_ij - mean_j) / scale_j,
//
// and its gradient, in parallel over fixed row chunks. Chunk partial sums
// are reduced in chunk order, so the result does not depend on the number
// of goroutines or on scheduling. Parameters are laid out as b (k×p,
// row-major) followed by b0 (k).
type smooth struct {
	d       *design
	kind    lossKind
	k       int       // outputs
	y       []float64 // target, or class index as float
	lambda  float64
	icpt    bool
	eff     []float64 // k×p raw-space coefficients
	eff0    []float64 // k raw-space intercepts
	parts   []partial // one per chunk
	workers int
	zbuf    [][]float64 // one per worker, k×blockRows
	evals   int
}

type partial struct {
	loss float64
	g    []float64 // k×p: Σ r_ik x_ij
	r    []float64 // k: Σ r_ik
}

func newSmooth(d *design, kind lossKind, k int, y []float64, lambda float64, icpt bool) *smooth {
	p := len(d.cols)
	nch := (d.n + chunkRows - 1) / chunkRows
	s := &smooth{d: d, kind: kind, k: k, y: y, lambda: lambda, icpt: icpt,
		eff: make([]float64, k*p), eff0: make([]float64, k), parts: make([]partial, nch)}
	for c := range s.parts {
		s.parts[c] = partial{g: make([]float64, k*p), r: make([]float64, k)}
	}
	s.workers = min(runtime.GOMAXPROCS(0), nch)
	s.zbuf = make([][]float64, s.workers)
	for w := range s.zbuf {
		s.zbuf[w] = make([]float64, k*blockRows)
	}
	return s
}

// dim returns the number of parameters.
func (s *smooth) dim() int { return s.k*len(s.d.cols) + s.k }

// eval returns f(theta) and writes its gradient into grad.
func (s *smooth) eval(theta, grad []float64) float64 {
	s.evals++
	d, k, p := s.d, s.k, len(s.d.cols)
	b, b0 := theta[:k*p], theta[k*p:]
	for kk := 0; kk < k; kk++ {
		c := b0[kk]
		if !s.icpt {
			c = 0
		}
		for j := 0; j < p; j++ {
			v := b[kk*p+j] / d.scale[j]
			s.eff[kk*p+j] = v
			c -= v * d.mean[j]
		}
		s.eff0[kk] = c
	}
	if s.workers <= 1 {
		for c := range s.parts {
			s.chunk(c, s.zbuf[0])
		}
	} else {
		var wg sync.WaitGroup
		for w := 0; w < s.workers; w++ {
			wg.Go(func() {
				for c := w; c < len(s.parts); c += s.workers {
					s.chunk(c, s.zbuf[w])
				}
			})
		}
		wg.Wait()
	}
	// Reduce in chunk order.
	var loss float64
	g, r := grad[:k*p], grad[k*p:]
	clear(grad)
	for c := range s.parts {
		pt := &s.parts[c]
		loss += pt.loss
		floats.Add(g, pt.g)
		floats.Add(r, pt.r)
	}
	inv := 1 / d.wsum
	var pen float64
	for kk := 0; kk < k; kk++ {
		for j := 0; j < p; j++ {
			i := kk*p + j
			g[i] = (g[i]-d.mean[j]*r[kk])/d.scale[j]*inv + s.lambda*b[i]
			pen += b[i] * b[i]
		}
		if s.icpt {
			r[kk] *= inv
		} else {
			r[kk] = 0
		}
	}
	return loss*inv + 0.5*s.lambda*pen
}

// chunk computes the partial sums of chunk c using z as scratch.
func (s *smooth) chunk(c int, z []float64) {
	d, k, p := s.d, s.k, len(s.d.cols)
	pt := &s.parts[c]
	pt.loss = 0
	clear(pt.g)
	clear(pt.r)
	end := min((c+1)*chunkRows, d.n)
	for lo := c * chunkRows; lo < end; lo += blockRows {
		hi := min(lo+blockRows, end)
		m := hi - lo
		for kk := 0; kk < k; kk++ {
			zk := z[kk*blockRows : kk*blockRows+m]
			for i := range zk {
				zk[i] = s.eff0[kk]
			}
			for j := 0; j < p; j++ {
				floats.AddScaled(zk, s.eff[kk*p+j], d.cols[j][lo:hi])
			}
		}
		pt.loss += s.residuals(z, lo, m)
		for kk := 0; kk < k; kk++ {
			zk := z[kk*blockRows : kk*blockRows+m]
			for j := 0; j < p; j++ {
				pt.g[kk*p+j] += floats.Dot(zk, d.cols[j][lo:hi])
			}
			pt.r[kk] += floats.Sum(zk)
		}
	}
}

// residuals replaces the scores in z (rows lo..lo+m) by the weighted
// derivatives w_i ∂ℓ/∂z_ik and returns Σ w_i ℓ_i.
func (s *smooth) residuals(z []float64, lo, m int) float64 {
	var loss float64
	y := s.y[lo : lo+m]
	var w []float64
	if s.d.w != nil {
		w = s.d.w[lo : lo+m]
	}
	switch s.kind {
	case lossLogistic:
		zz := z[:m]
		for i, v := range zz {
			e := math.Exp(-math.Abs(v))
			l := math.Log1p(e) - y[i]*v
			var pr float64
			if v >= 0 {
				l += v
				pr = 1 / (1 + e)
			} else {
				pr = e / (1 + e)
			}
			r := pr - y[i]
			if w != nil {
				l *= w[i]
				r *= w[i]
			}
			loss += l
			zz[i] = r
		}
	case lossSquared:
		zz := z[:m]
		for i, v := range zz {
			r := v - y[i]
			l := r * r
			r *= 2
			if w != nil {
				l *= w[i]
				r *= w[i]
			}
			loss += l
			zz[i] = r
		}
	case lossSoftmax:
		k := s.k
		for i := 0; i < m; i++ {
			zmax := math.Inf(-1)
			for kk := 0; kk < k; kk++ {
				zmax = math.Max(zmax, z[kk*blockRows+i])
			}
			cls := int(y[i])
			zy := z[cls*blockRows+i]
			var sum float64
			for kk := 0; kk < k; kk++ {
				e := math.Exp(z[kk*blockRows+i] - zmax)
				z[kk*blockRows+i] = e
				sum += e
			}
			// ℓ = log Σ_k exp(z_k) - z_y.
			l := zmax + math.Log(sum) - zy
			wi := 1.0
			if w != nil {
				wi = w[i]
			}
			loss += wi * l
			for kk := 0; kk < k; kk++ {
				pr := z[kk*blockRows+i] / sum
				if kk == cls {
					pr--
				}
				z[kk*blockRows+i] = wi * pr
			}
		}
	}
	return loss
}
