package analysis

import (
	"math"
	"slices"
)

// JSD is the Jensen–Shannon divergence
// JSD(P‖Q) = ½ KL(P‖M) + ½ KL(Q‖M), M = ½(P + Q), with base-2 logarithms,
// so 0 ≤ JSD ≤ 1 (0 for equal distributions, 1 for disjoint ones); √JSD is a
// metric. It is computed over the union of the categories with a positive
// share in p or q, without smoothing: a category missing from one side
// contributes 0·log 0 = 0 there. Both inputs are normalised to sum to 1
// first. It returns NaN when either has no positive entry.
func JSD(p, q map[string]float64) float64 {
	pk, psum, ok := positive(p)
	if !ok {
		return math.NaN()
	}
	qk, qsum, ok := positive(q)
	if !ok {
		return math.NaN()
	}
	keys := slices.Concat(pk, qk)
	slices.Sort(keys)
	keys = slices.Compact(keys)
	sum := 0.0
	for _, k := range keys {
		a, b := max(p[k], 0)/psum, max(q[k], 0)/qsum
		m := (a + b) / 2
		if a > 0 {
			sum += a * math.Log2(a/m)
		}
		if b > 0 {
			sum += b * math.Log2(b/m)
		}
	}
	return min(max(sum/2, 0), 1)
}

// Slope is the least-squares slope of ys against xs:
// Σ(x − x̄)(y − ȳ) / Σ(x − x̄)². Applied to a persona's interest share per
// session it is the speed of the filter bubble. It returns NaN when the
// slices differ in length, have fewer than 2 points, or all xs are equal.
func Slope(xs, ys []float64) float64 {
	n := len(xs)
	if n != len(ys) || n < 2 {
		return math.NaN()
	}
	mx, my := 0.0, 0.0
	for i := range xs {
		mx += xs[i]
		my += ys[i]
	}
	mx /= float64(n)
	my /= float64(n)
	sxy, sxx := 0.0, 0.0
	for i := range xs {
		dx := xs[i] - mx
		sxy += dx * (ys[i] - my)
		sxx += dx * dx
	}
	if sxx == 0 {
		return math.NaN()
	}
	return sxy / sxx
}

// DiffToLinear is DIFF-TO-LINEAR (Srba et al., ACM TORS 2023) over one phase:
// scores holds the mean score s_i at each step a..b of the phase, L_i is the
// straight line from (a, s_a) to (b, s_b), and DTL = Σ_{i=a..b} (s_i − L_i).
// A negative value means the score dropped early and suddenly rather than
// steadily. It returns 0 for a single step (the line is the point) and NaN
// for an empty phase.
func DiffToLinear(scores []float64) float64 {
	n := len(scores)
	switch n {
	case 0:
		return math.NaN()
	case 1:
		return 0
	}
	first, last := scores[0], scores[n-1]
	dtl := 0.0
	for i, s := range scores {
		line := first + (last-first)*float64(i)/float64(n-1)
		dtl += s - line
	}
	return dtl
}
