package linear

import (
	"context"
	"errors"
	"fmt"
	"math"

	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/optimize"
)

// Report describes how a solver finished.
type Report struct {
	// Solver is "lbfgs", "fista" (proximal gradient) or "cd" (coordinate
	// descent).
	Solver string `json:"solver"`
	// Iterations is the number of solver iterations (L-BFGS iterations,
	// proximal gradient steps or coordinate-descent sweeps).
	Iterations int `json:"iterations"`
	// Evaluations counts passes over the data to evaluate the objective.
	Evaluations int `json:"evaluations"`
	// GradNorm is the largest absolute component of the gradient (for
	// l1 penalties: of the minimum-norm subgradient) of the objective
	// divided by the weight sum, at the solution; 0 for "cd".
	GradNorm float64 `json:"grad_norm"`
	// DualityGap is the duality gap of the coordinate-descent objective at
	// the solution ("cd" only).
	DualityGap float64 `json:"duality_gap,omitempty"`
	// Converged reports whether the tolerance was met within MaxIter.
	Converged bool `json:"converged"`
	// Objective is the value of the documented objective of the fitter at
	// the solution, in the fitter's own scaling.
	Objective float64 `json:"objective"`
}

// lbfgs minimises the smooth objective from theta (updated in place).
func lbfgs(ctx context.Context, s *smooth, theta []float64, p Params) (Report, error) {
	dim := len(theta)
	lastX := make([]float64, dim)
	lastG := make([]float64, dim)
	have := false
	fg := func(x []float64) float64 {
		f := s.eval(x, lastG)
		copy(lastX, x)
		have = true
		return f
	}
	prob := optimize.Problem{
		Func: fg,
		Grad: func(grad, x []float64) {
			if !have || !floats.Equal(x, lastX) {
				fg(x)
			}
			copy(grad, lastG)
		},
		Status: func() (optimize.Status, error) {
			if err := ctx.Err(); err != nil {
				return optimize.Failure, err
			}
			return optimize.NotTerminated, nil
		},
	}
	settings := &optimize.Settings{
		GradientThreshold: p.Tol,
		MajorIterations:   p.MaxIter,
		Converger:         &optimize.FunctionConverge{Relative: 1e-15, Iterations: 10},
	}
	res, err := optimize.Minimize(prob, theta, settings, &optimize.LBFGS{Store: 10})
	if cerr := ctx.Err(); cerr != nil {
		return Report{}, fmt.Errorf("linear: lbfgs: %w", cerr)
	}
	if res == nil {
		return Report{}, fmt.Errorf("linear: lbfgs: %w", err)
	}
	if err != nil && !errors.Is(err, optimize.ErrLinesearcherFailure) && !errors.Is(err, optimize.ErrNoProgress) {
		return Report{}, fmt.Errorf("linear: lbfgs: %w", err)
	}
	copy(theta, res.X)
	gn := floats.Norm(res.Gradient, math.Inf(1))
	return Report{Solver: "lbfgs", Iterations: res.MajorIterations, Evaluations: s.evals,
		GradNorm: gn, Converged: gn <= p.Tol || res.Status == optimize.GradientThreshold || res.Status == optimize.FunctionConvergence, Objective: res.F}, nil
}

// fista minimises f(theta) + l1 Σ|b| (intercepts unpenalised) by
// accelerated proximal gradient with backtracking and adaptive restart.
func fista(ctx context.Context, s *smooth, theta []float64, l1 float64, p Params) (Report, error) {
	nb := s.k * len(s.d.cols)
	dim := len(theta)
	yv := append([]float64(nil), theta...)
	prev := append([]float64(nil), theta...)
	gy := make([]float64, dim)
	gn := make([]float64, dim)
	next := make([]float64, dim)
	pen := func(x []float64) float64 { return l1 * floats.Norm(x[:nb], 1) }
	fx := s.eval(theta, gn) + pen(theta)
	L, t := 1.0, 1.0
	rep := Report{Solver: "fista"}
	for it := 1; it <= p.MaxIter; it++ {
		if it%10 == 0 {
			if err := ctx.Err(); err != nil {
				return Report{}, fmt.Errorf("linear: fista: %w", err)
			}
		}
		fy := s.eval(yv, gy)
		var fn float64
		for {
			for i := range next {
				v := yv[i] - gy[i]/L
				if i < nb {
					v = math.Copysign(math.Max(math.Abs(v)-l1/L, 0), v)
				}
				next[i] = v
			}
			fn = s.eval(next, gn)
			var lin, sq float64
			for i := range next {
				dv := next[i] - yv[i]
				lin += gy[i] * dv
				sq += dv * dv
			}
			if fn <= fy+lin+0.5*L*sq+1e-12*math.Abs(fy) || L > 1e20 {
				break
			}
			L *= 2
		}
		fn += pen(next)
		rep.Iterations = it
		rep.GradNorm = subgradNorm(next, gn, nb, l1)
		if fn > fx {
			// Adaptive restart: drop momentum.
			t = 1
			copy(yv, theta)
			continue
		}
		copy(prev, theta)
		copy(theta, next)
		fx = fn
		if rep.GradNorm <= p.Tol {
			rep.Converged = true
			break
		}
		tn := (1 + math.Sqrt(1+4*t*t)) / 2
		for i := range yv {
			yv[i] = theta[i] + (t-1)/tn*(theta[i]-prev[i])
		}
		t = tn
		L /= 1.1
	}
	rep.Objective = fx
	rep.Evaluations = s.evals
	return rep, nil
}

// subgradNorm returns the largest absolute component of the minimum-norm
// subgradient of f + l1 Σ|b| at x, given the gradient g of f.
func subgradNorm(x, g []float64, nb int, l1 float64) float64 {
	var m float64
	for i := range x {
		v := g[i]
		if i < nb {
			switch {
			case x[i] > 0:
				v += l1
			case x[i] < 0:
				v -= l1
			default:
				v = math.Max(math.Abs(v)-l1, 0)
			}
		}
		m = math.Max(m, math.Abs(v))
	}
	return m
}

// coordinateDescent minimises, as scikit-learn's ElasticNet,
//
//	(1/(2W)) Σ w_i (yc_i - Σ_j z_ij b_j)² + a1 ||b||₁ + (a2/2) ||b||²
//
// over b, where z and yc are the standardised (or raw) features and the
// target, centred when fitting an intercept. It returns b and the report.
func coordinateDescent(ctx context.Context, d *design, y []float64, a1, a2 float64, icpt bool, p Params) ([]float64, float64, Report, error) {
	n, q := d.n, len(d.cols)
	// Materialise sqrt(w)-weighted centred columns.
	sw := make([]float64, n)
	for i := range sw {
		sw[i] = math.Sqrt(d.wt(i))
	}
	ym := 0.0
	if icpt {
		ym = d.wmean(y)
	}
	cm := make([]float64, q)
	z := make([][]float64, q)
	for j, c := range d.cols {
		if icpt {
			cm[j] = d.wmean(c)
		}
		zj := make([]float64, n)
		for i, v := range c {
			zj[i] = sw[i] * (v - cm[j]) / d.scale[j]
		}
		z[j] = zj
	}
	yc := make([]float64, n)
	for i, v := range y {
		yc[i] = sw[i] * (v - ym)
	}
	// scikit-learn's cd works on 0.5||yc - Zb||² + A||b||₁ + (B/2)||b||².
	W := d.wsum
	A, B := a1*W, a2*W
	b := make([]float64, q)
	r := append([]float64(nil), yc...)
	norm2 := make([]float64, q)
	for j := range z {
		norm2[j] = floats.Dot(z[j], z[j])
	}
	tol := p.Tol * floats.Dot(yc, yc)
	rep := Report{Solver: "cd"}
	var gap float64
	for it := 1; it <= p.MaxIter; it++ {
		if err := ctx.Err(); err != nil {
			return nil, 0, Report{}, fmt.Errorf("linear: coordinate descent: %w", err)
		}
		for j := range z {
			if norm2[j] == 0 {
				continue
			}
			old := b[j]
			rho := floats.Dot(z[j], r) + norm2[j]*old
			nw := math.Copysign(math.Max(math.Abs(rho)-A, 0), rho) / (norm2[j] + B)
			if nw != old {
				floats.AddScaled(r, old-nw, z[j])
				b[j] = nw
			}
		}
		rep.Iterations = it
		// Duality gap, as sklearn's enet_coordinate_descent.
		var dual float64
		for j := range z {
			dual = math.Max(dual, math.Abs(floats.Dot(z[j], r)-B*b[j]))
		}
		rn2 := floats.Dot(r, r)
		wn2 := floats.Dot(b, b)
		cst := 1.0
		if dual > A {
			cst = A / dual
			gap = 0.5 * (rn2 + rn2*cst*cst)
		} else {
			gap = rn2
		}
		gap += A*floats.Norm(b, 1) - cst*floats.Dot(r, yc) + 0.5*B*(1+cst*cst)*wn2
		if gap <= tol {
			rep.Converged = true
			break
		}
	}
	rep.DualityGap = gap / W
	rep.Objective = floats.Dot(r, r)/(2*W) + a1*floats.Norm(b, 1) + 0.5*a2*floats.Dot(b, b)
	rep.Evaluations = rep.Iterations
	// Intercept in standardised space: ym - Σ b_j (cm_j - mean_j)/scale_j,
	// expressed so that design.raw's conversion applies.
	b0 := ym
	for j := range b {
		b0 -= b[j] * (cm[j] - d.mean[j]) / d.scale[j]
	}
	return b, b0, rep, nil
}
