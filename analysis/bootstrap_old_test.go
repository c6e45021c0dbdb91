package analysis

import (
	"math"
	"math/bits"
	"math/rand/v2"
	"slices"
	"sync"
)

// oldBootstrapMeanCI and the functions below are BootstrapMeanCI as it was
// before it drew four streams per loop (two streams per goroutine,
// interleaved), copied unchanged as the reference the new code must match
// bit for bit (TestBootstrapMeanCIMatchesOld) and be measured against
// (BenchmarkBootstrapMeanCIOldNew).
func oldBootstrapMeanCI(values []float64, resamples int, level float64, r *rand.Rand) (lo, hi float64) {
	if len(values) == 0 || r == nil || resamples < 1 || !(level > 0 && level < 1) {
		return math.NaN(), math.NaN()
	}
	n := uint64(len(values))
	stats := make([]float64, resamples)
	var (
		srcs [bootstrapChunks]oldPCG
		outs [bootstrapChunks][]float64
	)
	from := 0
	for c := range bootstrapChunks {
		to := from + resamples/bootstrapChunks
		if c < resamples%bootstrapChunks {
			to++
		}
		srcs[c] = oldPCG{hi: r.Uint64(), lo: r.Uint64()} // as rand.NewPCG(hi, lo)
		outs[c] = stats[from:to]
		from = to
	}
	// Two streams per goroutine, drawn in one loop: each stream's draws
	// depend on its previous one, so a core interleaving two keeps its
	// multipliers busy (about 1.5x the resamples per second of one stream
	// at a time, BenchmarkBootstrapMeanCI). Each stream's sums are the
	// same, in the same order, as drawn alone.
	if n*uint64(resamples) >= 1<<15 {
		var wg sync.WaitGroup
		for c := 0; c < bootstrapChunks; c += 2 {
			wg.Go(func() { oldBootstrapPair(values, &srcs[c], &srcs[c+1], outs[c], outs[c+1]) })
		}
		wg.Wait()
	} else {
		for c := 0; c < bootstrapChunks; c += 2 {
			oldBootstrapPair(values, &srcs[c], &srcs[c+1], outs[c], outs[c+1])
		}
	}
	stats = slices.DeleteFunc(stats, math.IsNaN)
	if len(stats) == 0 {
		return math.NaN(), math.NaN()
	}
	slices.Sort(stats)
	alpha := (1 - level) / 2
	return quantile(stats, alpha), quantile(stats, 1-alpha)
}

type oldPCG struct{ hi, lo uint64 }

func (p *oldPCG) Uint64() uint64 {
	const (
		mulHi    = 2549297995355413924
		mulLo    = 4865540595714422341
		incHi    = 6364136223846793005
		incLo    = 1442695040888963407
		cheapMul = 0xda942042e4dd58b5
	)
	hi, lo := bits.Mul64(p.lo, mulLo)
	hi += p.hi*mulLo + p.lo*mulHi
	lo, c := bits.Add64(lo, incLo, 0)
	hi, _ = bits.Add64(hi, incHi, c)
	p.lo, p.hi = lo, hi
	hi ^= hi >> 32
	hi *= cheapMul
	hi ^= hi >> 48
	hi *= lo | 1
	return hi
}

func oldBootstrapPair(values []float64, a, b *oldPCG, outA, outB []float64) {
	n := uint64(len(values))
	if n >= 1<<32 {
		oldBootstrapLarge(values, a, outA)
		oldBootstrapLarge(values, b, outB)
		return
	}
	both := min(len(outA), len(outB))
	x, y := *a, *b
	for k := range both {
		sa, sb := 0.0, 0.0
		for range n / 2 {
			u, v := x.Uint64(), y.Uint64()
			sa += values[((u&0xffffffff)*n)>>32] + values[((u>>32)*n)>>32]
			sb += values[((v&0xffffffff)*n)>>32] + values[((v>>32)*n)>>32]
		}
		if n%2 == 1 {
			sa += values[((x.Uint64()&0xffffffff)*n)>>32]
			sb += values[((y.Uint64()&0xffffffff)*n)>>32]
		}
		outA[k], outB[k] = sa/float64(n), sb/float64(n)
	}
	*a, *b = x, y
	oldBootstrapOne(values, a, outA[both:])
	oldBootstrapOne(values, b, outB[both:])
}

func oldBootstrapOne(values []float64, src *oldPCG, out []float64) {
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

func oldBootstrapLarge(values []float64, src *oldPCG, out []float64) {
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
