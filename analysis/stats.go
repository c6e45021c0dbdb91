package analysis

import (
	"cmp"
	"math"
	"math/bits"
	"math/rand/v2"
	"slices"
	"sync"
)

// DefaultResamples is the number of bootstrap and permutation resamples
// the metrics reference asks for at least.
const DefaultResamples = 2000

// DefaultLevel is the confidence level of the intervals in a Summary.
const DefaultLevel = 0.95

// BootstrapCI is the percentile bootstrap confidence interval of stat over
// values at the given level (0.95 for a 95 % interval). values holds one
// number per unit that may be resampled, personas not impressions
// (impressions within a persona are not independent). Each of the resamples
// draws len(values) values with replacement from r and applies stat; lo and
// hi are the (1 − level)/2 and (1 + level)/2 quantiles of those statistics,
// interpolated linearly between order statistics. stat receives a scratch
// slice it may reorder but must not keep. Resamples where stat is NaN are
// dropped. It returns NaN, NaN when values is empty, stat or r is nil,
// resamples < 1, level is outside (0, 1) or every resample is NaN.
func BootstrapCI(values []float64, stat func([]float64) float64, resamples int, level float64, r *rand.Rand) (lo, hi float64) {
	if len(values) == 0 || stat == nil || r == nil || resamples < 1 || !(level > 0 && level < 1) {
		return math.NaN(), math.NaN()
	}
	n := len(values)
	buf := make([]float64, n)
	stats := make([]float64, 0, resamples)
	for range resamples {
		for i := range buf {
			buf[i] = values[r.IntN(n)]
		}
		if s := stat(buf); !math.IsNaN(s) {
			stats = append(stats, s)
		}
	}
	if len(stats) == 0 {
		return math.NaN(), math.NaN()
	}
	slices.Sort(stats)
	alpha := (1 - level) / 2
	return quantile(stats, alpha), quantile(stats, 1-alpha)
}

// bootstrapChunks is how many independent streams BootstrapMeanCI splits
// its resamples into. It is fixed, not the number of cores, so the interval
// is the same on every machine.
const bootstrapChunks = 4

// BootstrapMeanCI is BootstrapCI(values, Mean, resamples, level, r),
// computed faster: it sums the draws instead of copying them, and splits
// the resamples into bootstrapChunks streams, each a PCG seeded from r in
// a fixed order. The interval depends on r and the inputs only, not on
// the cores; its resamples differ from BootstrapCI's for the same r.
func BootstrapMeanCI(values []float64, resamples int, level float64, r *rand.Rand) (lo, hi float64) {
	if !bootstrapMeanCIDraws(values, resamples, level) || r == nil {
		return math.NaN(), math.NaN()
	}
	return bootstrapMeanCI(values, resamples, level, bootstrapStreams(r))
}

// bootstrapMeanCIDraws says whether BootstrapMeanCI draws from r for these
// arguments (given an r): it returns NaNs without drawing otherwise.
func bootstrapMeanCIDraws(values []float64, resamples int, level float64) bool {
	return len(values) > 0 && resamples >= 1 && level > 0 && level < 1
}

// bootstrapStreams draws BootstrapMeanCI's streams from r, in its order:
// each a PCG seeded as rand.NewPCG(r.Uint64(), r.Uint64()).
func bootstrapStreams(r *rand.Rand) [bootstrapChunks]pcg {
	var srcs [bootstrapChunks]pcg
	for c := range srcs {
		srcs[c] = pcg{hi: r.Uint64(), lo: r.Uint64()}
	}
	return srcs
}

// bootstrapMeanCI is BootstrapMeanCI with its streams drawn: srcs from
// bootstrapStreams, the arguments such that bootstrapMeanCIDraws holds.
func bootstrapMeanCI(values []float64, resamples int, level float64, srcs [bootstrapChunks]pcg) (lo, hi float64) {
	n := uint64(len(values))
	stats := make([]float64, resamples)
	var outs [bootstrapChunks][]float64
	from := 0
	for c := range bootstrapChunks {
		to := from + resamples/bootstrapChunks
		if c < resamples%bootstrapChunks {
			to++
		}
		outs[c] = stats[from:to]
		from = to
	}
	switch {
	case n >= 1<<32: // 32 GiB of values: one stream at a time
		for c := range bootstrapChunks {
			bootstrapLarge(values, &srcs[c], outs[c])
		}
	case n*uint64(resamples) >= 1<<15:
		// Enough work for two goroutines, each drawing half of every
		// stream in one loop (bootstrapFour): the second half of a
		// stream starts from the state the first half leaves
		// (pcg.advance), so each stream draws the same values in the
		// same order as drawn alone.
		perResample := n/2 + n%2 // draws of one resample
		var (
			srcs2 [bootstrapChunks]pcg
			outs2 [bootstrapChunks][]float64
		)
		for c := range bootstrapChunks {
			h := (len(outs[c]) + 1) / 2
			srcs2[c] = srcs[c]
			srcs2[c].advance(uint64(h) * perResample)
			outs[c], outs2[c] = outs[c][:h], outs[c][h:]
		}
		var wg sync.WaitGroup
		wg.Go(func() { bootstrapFour(values, &srcs2, &outs2) })
		bootstrapFour(values, &srcs, &outs)
		wg.Wait()
	default:
		bootstrapFour(values, &srcs, &outs)
	}
	stats = slices.DeleteFunc(stats, math.IsNaN)
	if len(stats) == 0 {
		return math.NaN(), math.NaN()
	}
	alpha := (1 - level) / 2
	if slices.ContainsFunc(stats, isNegativeZero) {
		// −0 and +0 are equal to a sort, so which of them ends up
		// where depends on the algorithm: sort as before.
		slices.Sort(stats)
		return quantile(stats, alpha), quantile(stats, 1-alpha)
	}
	return quantileSelect(stats, alpha), quantileSelect(stats, 1-alpha)
}

func isNegativeZero(x float64) bool { return x == 0 && math.Signbit(x) }

// quantileSelect is quantile(sorted s, q), the same value, found by
// selecting the two order statistics it needs instead of sorting s,
// which it reorders. s holds no NaN and no −0.
func quantileSelect(s []float64, q float64) float64 {
	h := float64(len(s)-1) * q
	i := int(math.Floor(h))
	if i >= len(s)-1 {
		return slices.Max(s)
	}
	selectNth(s, i)
	lo, hi := s[i], slices.Min(s[i+1:])
	return lo + (h-float64(i))*(hi-lo)
}

// selectNth reorders s (no NaN) so that s[k] holds what it would hold
// sorted, with nothing larger before it and nothing smaller after it:
// Hoare's FIND, with the median of three as pivot and, past a budget of
// rounds or below 16 values, a sort of what is left.
func selectNth(s []float64, k int) {
	lo, hi := 0, len(s)-1
	for budget := 2 * bits.Len(uint(len(s))); hi-lo >= 16; budget-- {
		if budget == 0 {
			break
		}
		mid := lo + (hi-lo)/2
		if s[mid] < s[lo] {
			s[mid], s[lo] = s[lo], s[mid]
		}
		if s[hi] < s[lo] {
			s[hi], s[lo] = s[lo], s[hi]
		}
		if s[hi] < s[mid] {
			s[hi], s[mid] = s[mid], s[hi]
		}
		pivot := s[mid]
		i, j := lo, hi
		for i <= j {
			for s[i] < pivot {
				i++
			}
			for pivot < s[j] {
				j--
			}
			if i <= j {
				s[i], s[j] = s[j], s[i]
				i++
				j--
			}
		}
		// s[lo:j+1] ≤ pivot ≤ s[i:hi+1], and what lies between equals it.
		switch {
		case k <= j:
			hi = j
		case k >= i:
			lo = i
		default:
			return
		}
	}
	slices.Sort(s[lo : hi+1])
}

// PCG's multiplier and increment, each a 128-bit number as hi, lo.
const (
	pcgMulHi = 2549297995355413924
	pcgMulLo = 4865540595714422341
	pcgIncHi = 6364136223846793005
	pcgIncLo = 1442695040888963407
)

// pcg is math/rand/v2's PCG (128-bit LCG, DXSM output) as a plain value
// whose Uint64 the compiler inlines: pcg{hi, lo} draws what
// rand.NewPCG(hi, lo) draws (TestPCGMatchesRand).
type pcg struct{ hi, lo uint64 }

func (p *pcg) Uint64() uint64 {
	const cheapMul = 0xda942042e4dd58b5
	hi, lo := bits.Mul64(p.lo, pcgMulLo)
	hi += p.hi*pcgMulLo + p.lo*pcgMulHi
	lo, c := bits.Add64(lo, pcgIncLo, 0)
	hi, _ = bits.Add64(hi, pcgIncHi, c)
	p.lo, p.hi = lo, hi
	hi ^= hi >> 32
	hi *= cheapMul
	hi ^= hi >> 48
	hi *= lo | 1
	return hi
}

// advance moves p on by k draws at the cost of about log2(k) 128-bit
// multiplications (Brown, "Random number generation with arbitrary
// strides", 1994): k steps of s → a·s + c are s → A·s + C with
// A = a^k and C = c·(a^(k−1) + … + a + 1), built by squaring
// (TestPCGAdvance).
func (p *pcg) advance(k uint64) {
	accMulHi, accMulLo := uint64(0), uint64(1)
	accAddHi, accAddLo := uint64(0), uint64(0)
	curMulHi, curMulLo := uint64(pcgMulHi), uint64(pcgMulLo)
	curAddHi, curAddLo := uint64(pcgIncHi), uint64(pcgIncLo)
	for ; k > 0; k >>= 1 {
		if k&1 == 1 {
			accMulHi, accMulLo = mul128(accMulHi, accMulLo, curMulHi, curMulLo)
			accAddHi, accAddLo = mul128(accAddHi, accAddLo, curMulHi, curMulLo)
			accAddHi, accAddLo = add128(accAddHi, accAddLo, curAddHi, curAddLo)
		}
		// c ← (a + 1)·c, a ← a²
		h, l := add128(curMulHi, curMulLo, 0, 1)
		curAddHi, curAddLo = mul128(h, l, curAddHi, curAddLo)
		curMulHi, curMulLo = mul128(curMulHi, curMulLo, curMulHi, curMulLo)
	}
	h, l := mul128(accMulHi, accMulLo, p.hi, p.lo)
	p.hi, p.lo = add128(h, l, accAddHi, accAddLo)
}

// mul128 is x·y mod 2^128.
func mul128(xHi, xLo, yHi, yLo uint64) (hi, lo uint64) {
	hi, lo = bits.Mul64(xLo, yLo)
	return hi + xHi*yLo + xLo*yHi, lo
}

// add128 is x + y mod 2^128.
func add128(xHi, xLo, yHi, yLo uint64) (hi, lo uint64) {
	lo, c := bits.Add64(xLo, yLo, 0)
	hi, _ = bits.Add64(xHi, yHi, c)
	return hi, lo
}

// bootstrapFour fills out[c] with resample means of values (fewer than
// 2^32) drawn from src[c], for the four streams c, as bootstrapOne would
// one stream at a time. While all four have resamples left, sumFour draws
// them in one loop: each stream's draws depend on its previous one, and a
// core interleaving four keeps more of them in flight (BenchmarkBootstrapMeanCIOldNew).
// From 2^21 values on, where sumFour's indices would not be exact, and for
// the last resamples of the longer streams, bootstrapOne draws alone.
func bootstrapFour(values []float64, src *[4]pcg, out *[4][]float64) {
	n := uint64(len(values))
	m := 0
	if n < 1<<21 {
		m = min(len(out[0]), len(out[1]), len(out[2]), len(out[3]))
		o0, o1, o2, o3 := out[0][:m], out[1][:m], out[2][:m], out[3][:m]
		for k := range m {
			s0, s1, s2, s3 := sumFour(values, src)
			o0[k], o1[k], o2[k], o3[k] = s0/float64(n), s1/float64(n), s2/float64(n), s3/float64(n)
		}
	}
	for c := range src {
		bootstrapOne(values, &src[c], out[c][m:])
	}
}

// sumFour draws one resample of values (fewer than 2^21) from each stream
// of src and returns the four sums, each added up in the order
// bootstrapOne adds it. An index is Lemire's multiply-shift of a 32-bit
// half x of a draw, (x·n) >> 32 as in bootstrapOne, computed in floating
// point as x·(n/2^32) truncated: exact, since x·n < 2^53, and it leaves
// the integer multiplier to the PCG. The loop body draws once from each
// stream.
func sumFour(values []float64, src *[4]pcg) (s0, s1, s2, s3 float64) {
	n := uint64(len(values))
	scale := float64(n) / (1 << 32)
	var x, y, z, w uint64
	for range n / 2 {
		x, y, z, w = src[0].Uint64(), src[1].Uint64(), src[2].Uint64(), src[3].Uint64()
		s0 += values[int(float64(int64(uint32(x)))*scale)] + values[int(float64(int64(x>>32))*scale)]
		s1 += values[int(float64(int64(uint32(y)))*scale)] + values[int(float64(int64(y>>32))*scale)]
		s2 += values[int(float64(int64(uint32(z)))*scale)] + values[int(float64(int64(z>>32))*scale)]
		s3 += values[int(float64(int64(uint32(w)))*scale)] + values[int(float64(int64(w>>32))*scale)]
	}
	if n%2 == 1 {
		x, y, z, w = src[0].Uint64(), src[1].Uint64(), src[2].Uint64(), src[3].Uint64()
		s0 += values[int(float64(int64(uint32(x)))*scale)]
		s1 += values[int(float64(int64(uint32(y)))*scale)]
		s2 += values[int(float64(int64(uint32(z)))*scale)]
		s3 += values[int(float64(int64(uint32(w)))*scale)]
	}
	return s0, s1, s2, s3
}

// bootstrapOne fills out with resample means of values (fewer than 2^32)
// drawn from src. Lemire's multiply-shift on each 32-bit half of a 64-bit
// draw gives two indices in [0, n) per draw; the bias, at most n/2^32, is
// far below anything a bootstrap can see.
func bootstrapOne(values []float64, src *pcg, out []float64) {
	n := uint64(len(values))
	for k := range out {
		sum := 0.0
		for range n / 2 {
			x := src.Uint64()
			sum += values[((x&0xffffffff)*n)>>32] + values[((x>>32)*n)>>32]
		}
		if n%2 == 1 {
			sum += values[((src.Uint64()&0xffffffff)*n)>>32]
		}
		out[k] = sum / float64(n)
	}
}

// bootstrapLarge is bootstrapOne for 2^32 values or more: one index per
// draw.
func bootstrapLarge(values []float64, src *pcg, out []float64) {
	n := uint64(len(values))
	for k := range out {
		sum := 0.0
		for range n {
			i, _ := bits.Mul64(src.Uint64(), n)
			sum += values[i]
		}
		out[k] = sum / float64(n)
	}
}

// quantile is the q-quantile of sorted, interpolating linearly between order
// statistics (Hyndman and Fan's type 7, R's default).
func quantile(sorted []float64, q float64) float64 {
	h := float64(len(sorted)-1) * q
	i := int(math.Floor(h))
	if i >= len(sorted)-1 {
		return sorted[len(sorted)-1]
	}
	return sorted[i] + (h-float64(i))*(sorted[i+1]-sorted[i])
}

// Mean is the arithmetic mean of values, or NaN when values is empty. It is
// the usual stat for BootstrapCI.
func Mean(values []float64) float64 {
	if len(values) == 0 {
		return math.NaN()
	}
	s := 0.0
	for _, v := range values {
		s += v
	}
	return s / float64(len(values))
}

// PermutationTest is a two-sided permutation test of the difference in
// means between a and b, persona-level values of a test and a control group.
// Each of the resamples shuffles the pooled values into groups of the
// original sizes using r; the p-value is (1 + #{|d*| ≥ |d|}) / (1 + resamples)
// with d the observed difference, so it is never 0. Differences within a
// rounding error of |d| count as at least as extreme. It returns NaN when a
// or b is empty, r is nil or resamples < 1.
func PermutationTest(a, b []float64, resamples int, r *rand.Rand) (p float64) {
	na, nb := len(a), len(b)
	if na == 0 || nb == 0 || r == nil || resamples < 1 {
		return math.NaN()
	}
	pool := slices.Concat(a, b)
	total, scale := 0.0, 0.0
	for _, v := range pool {
		total += v
		scale = max(scale, math.Abs(v))
	}
	diff := func(sumA float64) float64 {
		return sumA/float64(na) - (total-sumA)/float64(nb)
	}
	sumA := 0.0
	for _, v := range a {
		sumA += v
	}
	observed := math.Abs(diff(sumA))
	threshold := observed - 1e-9*max(scale, observed)
	n := len(pool)
	extreme := 0
	for range resamples {
		// A partial Fisher–Yates shuffle puts a uniform random subset of
		// size na at the front, whatever order pool is in.
		s := 0.0
		for i := range na {
			j := i + r.IntN(n-i)
			pool[i], pool[j] = pool[j], pool[i]
			s += pool[i]
		}
		if math.Abs(diff(s)) >= threshold {
			extreme++
		}
	}
	return float64(1+extreme) / float64(1+resamples)
}

// Holm adjusts p-values for multiple comparisons with Holm's step-down
// method, which controls the family-wise error rate like Bonferroni but
// rejects at least as much. With the m p-values sorted ascending,
// p_(j) becomes max_{i≤j} min(1, (m − i + 1)·p_(i)). The result is in the
// order of ps, which is not modified. NaN p-values stay NaN and do not count
// towards m.
func Holm(ps []float64) []float64 {
	adj := make([]float64, len(ps))
	idx := make([]int, 0, len(ps))
	for i, p := range ps {
		if math.IsNaN(p) {
			adj[i] = math.NaN()
			continue
		}
		idx = append(idx, i)
	}
	slices.SortStableFunc(idx, func(i, j int) int { return cmp.Compare(ps[i], ps[j]) })
	m := len(idx)
	running := 0.0
	for rank, i := range idx {
		running = max(running, min(1, float64(m-rank)*ps[i]))
		adj[i] = running
	}
	return adj
}

// MannWhitneyU is the Mann–Whitney U test of a against b. u is the U
// statistic of a: the number of pairs (x from a, y from b) with x > y, plus
// half the ties, equal to R_a − n_a(n_a + 1)/2 with R_a the sum of a's
// mid-ranks in the pooled sample. p is the two-sided p-value from the
// normal approximation with tie correction and continuity correction
// (scipy's method="asymptotic"):
// σ² = n_a n_b / 12 · ((N + 1) − Σ(t³ − t) / (N(N − 1))),
// z = (|u − n_a n_b / 2| − ½) / σ. The approximation is rough below about
// 8 values per group. When every value is tied, σ = 0 and p is 1. It
// returns NaN, NaN when a or b is empty. Values should be finite.
func MannWhitneyU(a, b []float64) (u, p float64) {
	na, nb := len(a), len(b)
	if na == 0 || nb == 0 {
		return math.NaN(), math.NaN()
	}
	type obs struct {
		v   float64
		inA bool
	}
	all := make([]obs, 0, na+nb)
	for _, v := range a {
		all = append(all, obs{v, true})
	}
	for _, v := range b {
		all = append(all, obs{v, false})
	}
	slices.SortFunc(all, func(x, y obs) int { return cmp.Compare(x.v, y.v) })
	n := len(all)
	rankA, ties := 0.0, 0.0
	for i := 0; i < n; {
		j := i + 1
		for j < n && all[j].v == all[i].v {
			j++
		}
		t := float64(j - i)
		mid := float64(i+1+j) / 2 // mean of ranks i+1..j
		for k := i; k < j; k++ {
			if all[k].inA {
				rankA += mid
			}
		}
		ties += t*t*t - t
		i = j
	}
	fa, fb, fn := float64(na), float64(nb), float64(n)
	u = rankA - fa*(fa+1)/2
	variance := fa * fb / 12 * ((fn + 1) - ties/(fn*(fn-1)))
	if variance <= 0 {
		return u, 1
	}
	z := max(math.Abs(u-fa*fb/2)-0.5, 0) / math.Sqrt(variance)
	return u, min(1, math.Erfc(z/math.Sqrt2))
}
