package analysis

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

func TestPCGAdvance(t *testing.T) {
	r := newRand(9)
	steps := []uint64{0, 1, 2, 3, 4, 5, 63, 64, 65, 1000, 4097}
	for range 5 {
		steps = append(steps, uint64(r.IntN(20000)))
	}
	for _, k := range steps {
		seed := [2]uint64{r.Uint64(), r.Uint64()}
		want := rand.NewPCG(seed[0], seed[1])
		for range k {
			want.Uint64()
		}
		got := pcg{hi: seed[0], lo: seed[1]}
		got.advance(k)
		for i := range 3 {
			if w, g := want.Uint64(), got.Uint64(); w != g {
				t.Fatalf("seed %v advanced by %d, draw %d: %d, want %d", seed, k, i, g, w)
			}
		}
	}
	// Advancing by 2^64 − 1 then 1 is advancing by 2^64, the same as
	// squaring the step 64 times: checked against advancing by 2^63 twice.
	a, b := pcg{hi: 1, lo: 2}, pcg{hi: 1, lo: 2}
	a.advance(math.MaxUint64)
	a.advance(1)
	b.advance(1 << 63)
	b.advance(1 << 63)
	if a != b {
		t.Errorf("advance(2^64 − 1) then 1 = %v, advance(2^63) twice = %v", a, b)
	}
}

// bootstrapCase is one input of TestBootstrapMeanCIMatchesOld.
type bootstrapCase struct {
	values    []float64
	resamples int
	level     float64
	seed      uint64
}

func (c bootstrapCase) String() string {
	return fmt.Sprintf("n %d, %d resamples, level %v, seed %d", len(c.values), c.resamples, c.level, c.seed)
}

// bootstrapCases are inputs of every size class: tiny, around the
// two-goroutine threshold, up to 5000 values and 3000 resamples, odd and
// even sizes, resample counts not divisible by 4, values that make some
// or every resample NaN (NaN, +Inf with −Inf), resample means that tie or
// are −0, and levels whose quantiles are the extremes.
func bootstrapCases(r *rand.Rand) []bootstrapCase {
	var cases []bootstrapCase
	values := func(n int) []float64 {
		v := make([]float64, n)
		for i := range v {
			v[i] = r.NormFloat64()*3 + 1
		}
		return v
	}
	add := func(v []float64, resamples int) {
		cases = append(cases, bootstrapCase{v, resamples, []float64{0.95, 0.9, 0.5, 0.999}[r.IntN(4)], r.Uint64()})
	}
	for _, n := range []int{1, 2, 3, 4, 5, 6, 7, 8, 9} {
		for _, resamples := range []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 13, 2000} {
			add(values(n), resamples)
		}
	}
	// Around the two-goroutine threshold n·resamples = 2^15.
	for _, n := range []int{15, 16, 17, 32, 33} {
		for _, resamples := range []int{1024, 1025, 1926, 1927, 2047, 2048, 2049, 2185} {
			add(values(n), resamples)
		}
	}
	for range 60 {
		add(values(1+r.IntN(5000)), 1+r.IntN(3000))
	}
	for range 40 {
		add(values(1+r.IntN(300)), 1+r.IntN(3000))
	}
	for _, n := range []int{1, 2, 3, 500, 501, 4999, 5000} {
		v := values(n)
		v[r.IntN(n)] = math.NaN() // resamples drawing it are NaN
		add(v, 1+r.IntN(3000))
		v = values(n)
		v[r.IntN(n)] = math.Inf(1)
		add(v, 1+r.IntN(3000))
		if n > 1 {
			v = values(n)
			v[0], v[n-1] = math.Inf(1), math.Inf(-1) // NaN when both are drawn
			add(v, 1+r.IntN(3000))
		}
		v = values(n)
		for i := range v {
			v[i] = math.NaN() // every resample NaN
		}
		add(v, 1+r.IntN(3000))
	}
	// Few distinct values: many resample means tie.
	for _, n := range []int{2, 3, 10, 101} {
		v := make([]float64, n)
		for i := range v {
			v[i] = float64(r.IntN(2))
		}
		add(v, 1+r.IntN(3000))
		add(slices.Repeat([]float64{0.1}, n), 1+r.IntN(3000))
	}
	// A negative subnormal among zeros: resample means of −0 and +0.
	for _, n := range []int{2, 3, 5} {
		v := make([]float64, n)
		v[0] = -math.SmallestNonzeroFloat64
		add(v, 1+r.IntN(3000))
	}
	// Levels at the ends: the upper quantile rounds to the maximum.
	for _, level := range []float64{math.Nextafter(1, 0), 1e-12} {
		for _, n := range []int{1, 2, 3, 300} {
			c := bootstrapCase{values(n), 1 + r.IntN(3000), level, r.Uint64()}
			cases = append(cases, c)
			c.values = make([]float64, n)
			c.values[0] = -math.SmallestNonzeroFloat64
			cases = append(cases, c)
		}
	}
	return cases
}

// sameFloat reports whether a and b are the same float64, bit for bit
// (so −0 ≠ +0), counting every NaN as the same.
func sameFloat(a, b float64) bool {
	if math.IsNaN(a) || math.IsNaN(b) {
		return math.IsNaN(a) && math.IsNaN(b)
	}
	return math.Float64bits(a) == math.Float64bits(b)
}

// TestBootstrapMeanCIMatchesOld: four streams per loop, each goroutine
// starting half of every stream from an advanced state, give exactly the
// interval of the two streams per goroutine drawn before, and leave r in
// the same state.
func TestBootstrapMeanCIMatchesOld(t *testing.T) {
	for _, c := range bootstrapCases(newRand(21)) {
		r, rOld := newRand(c.seed), newRand(c.seed)
		lo, hi := BootstrapMeanCI(c.values, c.resamples, c.level, r)
		wlo, whi := oldBootstrapMeanCI(c.values, c.resamples, c.level, rOld)
		if !sameFloat(lo, wlo) || !sameFloat(hi, whi) {
			t.Errorf("%v: BootstrapMeanCI = [%v, %v], want [%v, %v]", c, lo, hi, wlo, whi)
		}
		if g, w := r.Uint64(), rOld.Uint64(); g != w {
			t.Errorf("%v: next draw of r %d, want %d", c, g, w)
		}
	}
}

// TestBootstrapMeanCIMatchesOldLarge covers 2^21 values and more, where
// the upper-half index is no longer computed in floating point.
func TestBootstrapMeanCIMatchesOldLarge(t *testing.T) {
	if testing.Short() {
		t.Skip("16 MiB of values")
	}
	r := newRand(22)
	for _, n := range []int{1<<21 - 1, 1 << 21, 1<<21 + 1} {
		values := make([]float64, n)
		for i := range values {
			values[i] = r.Float64()
		}
		for _, resamples := range []int{1, 5} {
			seed := r.Uint64()
			lo, hi := BootstrapMeanCI(values, resamples, 0.9, newRand(seed))
			wlo, whi := oldBootstrapMeanCI(values, resamples, 0.9, newRand(seed))
			if !sameFloat(lo, wlo) || !sameFloat(hi, whi) {
				t.Errorf("n %d, %d resamples: [%v, %v], want [%v, %v]", n, resamples, lo, hi, wlo, whi)
			}
		}
	}
}

// TestQuantileSelect: the quantile found by selection is the one of the
// sorted values, bit for bit, whatever their order and ties.
func TestQuantileSelect(t *testing.T) {
	r := newRand(23)
	qs := []float64{0, 1e-12, 0.025, 0.05, 0.5, 0.95, 0.975, math.Nextafter(1, 0), 1}
	gens := map[string]func(i, n int) float64{
		"normal":     func(int, int) float64 { return r.NormFloat64() },
		"few values": func(int, int) float64 { return float64(r.IntN(3)) - 1 },
		"equal":      func(int, int) float64 { return 0.5 },
		"ascending":  func(i, _ int) float64 { return float64(i) },
		"descending": func(i, _ int) float64 { return float64(-i) },
		"organ pipe": func(i, n int) float64 { return float64(min(i, n-i)) },
		"with inf": func(int, int) float64 {
			return []float64{math.Inf(-1), 0, 1, math.Inf(1)}[r.IntN(4)]
		},
	}
	for name, gen := range gens {
		for _, n := range []int{1, 2, 3, 15, 16, 17, 33, 100, 2000, 2001, 2999} {
			s := make([]float64, n)
			for i := range s {
				s[i] = gen(i, n)
			}
			sorted := slices.Clone(s)
			slices.Sort(sorted)
			for _, q := range qs {
				work := slices.Clone(s)
				if got, want := quantileSelect(work, q), quantile(sorted, q); !sameFloat(got, want) {
					t.Errorf("%s, n %d: quantileSelect(q %v) = %v, want %v", name, n, q, got, want)
				}
				k := r.IntN(n)
				selectNth(work, k)
				if work[k] != sorted[k] || slices.Max(work[:k+1]) > work[k] || slices.Min(work[k:]) < work[k] {
					t.Errorf("%s, n %d: selectNth(%d) put %v there, want %v with nothing larger before and smaller after", name, n, k, work[k], sorted[k])
				}
			}
		}
	}
}

// BenchmarkBootstrapMeanCIOldNew measures the interval of the code before
// and after four streams per loop side by side, at DefaultResamples.
func BenchmarkBootstrapMeanCIOldNew(b *testing.B) {
	for _, n := range []int{20, 1000, 20000} {
		r := newRand(uint64(n))
		values := make([]float64, n)
		for i := range values {
			values[i] = r.Float64()
		}
		for _, impl := range []struct {
			name string
			f    func([]float64, int, float64, *rand.Rand) (float64, float64)
		}{{"old", oldBootstrapMeanCI}, {"new", BootstrapMeanCI}} {
			b.Run(fmt.Sprintf("n=%d/%s", n, impl.name), func(b *testing.B) {
				for b.Loop() {
					impl.f(values, DefaultResamples, DefaultLevel, r)
				}
			})
		}
	}
}
