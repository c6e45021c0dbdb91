package analysis

import (
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"testing"
)

func newRand(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)) }

func TestQuantile(t *testing.T) {
	sorted := []float64{1, 2, 3, 4}
	tests := []struct {
		q, want float64
	}{
		{0, 1},
		{1, 4},
		{0.5, 2.5},   // h = 3·½ = 1.5: 2 + ½(3 − 2)
		{0.25, 1.75}, // h = 0.75: 1 + ¾(2 − 1)
		{1.0 / 3, 2}, // h = 1
	}
	for _, tc := range tests {
		if got := quantile(sorted, tc.q); !approx(got, tc.want) {
			t.Errorf("quantile(%v, %v) = %v, want %v", sorted, tc.q, got, tc.want)
		}
	}
}

func TestBootstrapCI(t *testing.T) {
	tests := []struct {
		name           string
		values         []float64
		stat           func([]float64) float64
		resamples      int
		level          float64
		r              *rand.Rand
		wantLo, wantHi float64
	}{
		// Every resample of a constant is the constant.
		{"constant", []float64{2, 2, 2}, Mean, 500, 0.95, newRand(1), 2, 2},
		// The mean of two draws from {0, 1} is 0, ½ or 1 with chances ¼, ½,
		// ¼. Of 4000 sorted means about 1000 are 0 and 1000 are 1, so the
		// 2.5 % and 97.5 % quantiles (order statistics ≈ 100 and ≈ 3900)
		// are 0 and 1.
		{"two values 95%", []float64{0, 1}, Mean, 4000, 0.95, newRand(2), 0, 1},
		// At 40 % the quantiles are 0.3 and 0.7, both inside the middle
		// half of ½s.
		{"two values 40%", []float64{0, 1}, Mean, 4000, 0.4, newRand(3), 0.5, 0.5},
		{"single value", []float64{7}, Mean, 10, 0.95, newRand(4), 7, 7},
		{"empty", nil, Mean, 10, 0.95, newRand(5), nan, nan},
		{"nil rand", []float64{1}, Mean, 10, 0.95, nil, nan, nan},
		{"nil stat", []float64{1}, nil, 10, 0.95, newRand(6), nan, nan},
		{"no resamples", []float64{1}, Mean, 0, 0.95, newRand(7), nan, nan},
		{"level one", []float64{1}, Mean, 10, 1, newRand(8), nan, nan},
		{"stat always NaN", []float64{1}, func([]float64) float64 { return math.NaN() }, 10, 0.9, newRand(9), nan, nan},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			lo, hi := BootstrapCI(tc.values, tc.stat, tc.resamples, tc.level, tc.r)
			if !approx(lo, tc.wantLo) || !approx(hi, tc.wantHi) {
				t.Fatalf("BootstrapCI(%v, %d, %v) = %v, %v, want %v, %v", tc.values, tc.resamples, tc.level, lo, hi, tc.wantLo, tc.wantHi)
			}
		})
	}
}

func TestBootstrapCIProperties(t *testing.T) {
	r := newRand(10)
	values := make([]float64, 40)
	for i := range values {
		values[i] = r.NormFloat64()
	}
	in := slices.Clone(values)
	lo, hi := BootstrapCI(values, Mean, DefaultResamples, 0.95, newRand(11))
	if m := Mean(values); !(lo < m && m < hi) {
		t.Errorf("BootstrapCI(...) = [%v, %v], want an interval around the mean %v", lo, hi, m)
	}
	// The standard error of a mean of 40 N(0, 1) values is 1/√40 ≈ 0.158,
	// so a 95 % interval is about 2·1.96·0.158 ≈ 0.62 wide.
	if w := hi - lo; w < 0.4 || w > 0.85 {
		t.Errorf("BootstrapCI(...) width = %v, want about 0.62", w)
	}
	lo2, hi2 := BootstrapCI(values, Mean, DefaultResamples, 0.95, newRand(11))
	if lo2 != lo || hi2 != hi {
		t.Errorf("BootstrapCI with the same seed = [%v, %v], want [%v, %v]", lo2, hi2, lo, hi)
	}
	if lo80, hi80 := BootstrapCI(values, Mean, DefaultResamples, 0.8, newRand(11)); !(lo80 > lo && hi80 < hi) {
		t.Errorf("80%% interval [%v, %v], want inside the 95%% interval [%v, %v]", lo80, hi80, lo, hi)
	}
	if !slices.Equal(values, in) {
		t.Error("BootstrapCI modified its input")
	}
}

func TestPermutationTest(t *testing.T) {
	tests := []struct {
		name      string
		a, b      []float64
		resamples int
		r         *rand.Rand
		want, tol float64
	}{
		// Every split of {1, 1, 1, 1} has difference 0 ≥ |0|: (1 + B)/(1 + B).
		{"identical", []float64{1, 1}, []float64{1, 1}, 500, newRand(1), 1, 0},
		// Splitting {0, 0, 1, 1} into two pairs: 6 equally likely splits,
		// 2 of them ({0, 0} | {1, 1} and {1, 1} | {0, 0}) as extreme as
		// observed, so p → 2/6 (Monte Carlo error ≈ √(⅓·⅔/20000) ≈ 0.003).
		{"one third", []float64{0, 0}, []float64{1, 1}, 20000, newRand(2), 1.0 / 3, 0.015},
		// Exact p = 2/C(20, 10) ≈ 1.1e−5; with 2000 resamples nearly always
		// none is as extreme, giving the floor 1/2001.
		{"separated", []float64{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, []float64{100, 101, 102, 103, 104, 105, 106, 107, 108, 109}, 2000, newRand(3), 1.0 / 2001, 1.0 / 2001},
		{"empty a", nil, []float64{1}, 10, newRand(4), nan, 0},
		{"nil rand", []float64{1}, []float64{1}, 10, nil, nan, 0},
		{"no resamples", []float64{1}, []float64{1}, 0, newRand(5), nan, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a, b := slices.Clone(tc.a), slices.Clone(tc.b)
			got := PermutationTest(tc.a, tc.b, tc.resamples, tc.r)
			if math.IsNaN(tc.want) != math.IsNaN(got) || math.Abs(got-tc.want) > tc.tol {
				t.Fatalf("PermutationTest(%v, %v, %d) = %v, want %v ± %v", tc.a, tc.b, tc.resamples, got, tc.want, tc.tol)
			}
			if !slices.Equal(a, tc.a) || !slices.Equal(b, tc.b) {
				t.Fatal("PermutationTest modified its input")
			}
		})
	}
}

func TestHolm(t *testing.T) {
	tests := []struct {
		name string
		ps   []float64
		want []float64
	}{
		// Sorted 0.005, 0.01, 0.03, 0.04 times 4, 3, 2, 1 = 0.02, 0.03, 0.06,
		// 0.04; running maximum 0.02, 0.03, 0.06, 0.06; back in input order.
		{"four", []float64{0.01, 0.04, 0.03, 0.005}, []float64{0.03, 0.06, 0.06, 0.02}},
		// m = 2 without the NaN: 0.02·2 = 0.04, 0.04·1 = 0.04.
		{"nan skipped", []float64{0.02, nan, 0.04}, []float64{0.04, nan, 0.04}},
		// 0.5·2 = 1, 0.6·1 = 0.6 → running max 1.
		{"capped", []float64{0.5, 0.6}, []float64{1, 1}},
		{"single", []float64{0.03}, []float64{0.03}},
		{"empty", nil, []float64{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := Holm(tc.ps)
			if !slices.EqualFunc(got, tc.want, approx) {
				t.Fatalf("Holm(%v) = %v, want %v", tc.ps, got, tc.want)
			}
		})
	}
}

func TestMannWhitneyU(t *testing.T) {
	tests := []struct {
		name         string
		a, b         []float64
		wantU, wantP float64
	}{
		// Ranks of a 1, 2, 3: R = 6, U = 6 − 3·4/2 = 0. μ = 4.5,
		// σ² = 9/12·7 = 5.25, z = (4.5 − 0.5)/√5.25 ≈ 1.7457,
		// p = erfc(z/√2) ≈ 0.080856 (scipy's asymptotic p).
		{"separated", []float64{1, 2, 3}, []float64{4, 5, 6}, 0, math.Erfc(4 / math.Sqrt(5.25) / math.Sqrt2)},
		// U of a = 3·3 − 0: the other tail, same p.
		{"separated reversed", []float64{4, 5, 6}, []float64{1, 2, 3}, 9, math.Erfc(4 / math.Sqrt(5.25) / math.Sqrt2)},
		// Pooled 1a 2a 2a 2b 3b 4b: mid-ranks 1, 3, 3, 3, 5, 6. R_a = 7,
		// U = 7 − 6 = 1. One tie of t = 3: Σ(t³ − t) = 24.
		// σ² = 9/12·(7 − 24/30) = 4.65, z = (3.5 − 0.5)/√4.65 ≈ 1.3912,
		// p ≈ 0.164160.
		{"ties", []float64{1, 2, 2}, []float64{2, 3, 4}, 1, math.Erfc(3 / math.Sqrt(4.65) / math.Sqrt2)},
		// All tied: R_a = 2·2.5 = 5, U = 5 − 3 = 2 = μ; σ = 0, p = 1.
		{"all tied", []float64{1, 1}, []float64{1, 1}, 2, 1},
		// U = μ = 2 for interleaved 1a 2b 3b 4a (R_a = 5, U = 2): |U − μ| − ½
		// is negative and clamps to 0, p = 1.
		{"centre", []float64{1, 4}, []float64{2, 3}, 2, 1},
		{"empty", nil, []float64{1}, nan, nan},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			u, p := MannWhitneyU(tc.a, tc.b)
			if !approx(u, tc.wantU) || !approx(p, tc.wantP) {
				t.Fatalf("MannWhitneyU(%v, %v) = %v, %v, want %v, %v", tc.a, tc.b, u, p, tc.wantU, tc.wantP)
			}
		})
	}
}

func TestBootstrapMeanCI(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	values := make([]float64, 300)
	for i := range values {
		values[i] = r.NormFloat64()*2 + 5
	}
	mean := Mean(values)
	lo, hi := BootstrapMeanCI(values, 4000, 0.95, rand.New(rand.NewPCG(1, 1)))
	if !(lo < mean && mean < hi) {
		t.Fatalf("BootstrapMeanCI = [%v, %v], want it around the mean %v", lo, hi, mean)
	}
	// The same interval as the general bootstrap, up to resampling noise:
	// the normal-theory half-width is 1.96·sd/√n.
	blo, bhi := BootstrapCI(values, Mean, 4000, 0.95, rand.New(rand.NewPCG(2, 2)))
	width := bhi - blo
	if math.Abs(lo-blo) > 0.1*width || math.Abs(hi-bhi) > 0.1*width {
		t.Fatalf("BootstrapMeanCI = [%v, %v], BootstrapCI = [%v, %v]: more than 10 %% of the width apart", lo, hi, blo, bhi)
	}
	ss := 0.0
	for _, v := range values {
		ss += (v - mean) * (v - mean)
	}
	sd := math.Sqrt(ss / float64(len(values)-1))
	if want := 2 * 1.96 * sd / math.Sqrt(float64(len(values))); math.Abs(width-want) > 0.15*want {
		t.Fatalf("interval width %v, want about %v", width, want)
	}
	// Deterministic, and the same whatever the number of cores.
	again, _ := BootstrapMeanCI(values, 4000, 0.95, rand.New(rand.NewPCG(1, 1)))
	prev := runtime.GOMAXPROCS(1)
	one, _ := BootstrapMeanCI(values, 4000, 0.95, rand.New(rand.NewPCG(1, 1)))
	runtime.GOMAXPROCS(prev)
	if again != lo || one != lo {
		t.Fatalf("lo = %v, again %v, on one core %v: want equal", lo, again, one)
	}
	for _, tc := range []struct {
		name   string
		values []float64
		n      int
		level  float64
		r      *rand.Rand
	}{
		{"empty", nil, 100, 0.95, r},
		{"no resamples", values, 0, 0.95, r},
		{"bad level", values, 100, 1, r},
		{"nil rand", values, 100, 0.95, nil},
	} {
		if lo, hi := BootstrapMeanCI(tc.values, tc.n, tc.level, tc.r); !math.IsNaN(lo) || !math.IsNaN(hi) {
			t.Errorf("%s: BootstrapMeanCI = [%v, %v], want NaN", tc.name, lo, hi)
		}
	}
}

func TestPCGMatchesRand(t *testing.T) {
	for _, seed := range [][2]uint64{{0, 0}, {1, 2}, {^uint64(0), 0x9e3779b97f4a7c15}} {
		want := rand.NewPCG(seed[0], seed[1])
		got := pcg{hi: seed[0], lo: seed[1]}
		for i := range 1000 {
			if w, g := want.Uint64(), got.Uint64(); w != g {
				t.Fatalf("seed %v, draw %d: pcg %d, rand.PCG %d", seed, i, g, w)
			}
		}
	}
}

// bootstrapMeanCIStreams is BootstrapMeanCI as it was before it drew two
// streams in one loop: each stream alone, from rand.PCG.
func bootstrapMeanCIStreams(values []float64, resamples int, level float64, r *rand.Rand) (lo, hi float64) {
	n := uint64(len(values))
	stats := make([]float64, resamples)
	from := 0
	for c := range bootstrapChunks {
		to := from + resamples/bootstrapChunks
		if c < resamples%bootstrapChunks {
			to++
		}
		src := rand.NewPCG(r.Uint64(), r.Uint64())
		for k := from; k < to; k++ {
			sum := 0.0
			for range n / 2 {
				x := src.Uint64()
				sum += values[((x&0xffffffff)*n)>>32] + values[((x>>32)*n)>>32]
			}
			if n%2 == 1 {
				sum += values[((src.Uint64()&0xffffffff)*n)>>32]
			}
			stats[k] = sum / float64(n)
		}
		from = to
	}
	stats = slices.DeleteFunc(stats, math.IsNaN)
	if len(stats) == 0 {
		return math.NaN(), math.NaN()
	}
	slices.Sort(stats)
	alpha := (1 - level) / 2
	return quantile(stats, alpha), quantile(stats, 1-alpha)
}

// TestBootstrapMeanCIUnchanged: drawing two streams in one loop gives
// exactly the interval of drawing them one at a time, for odd and even
// sizes, resample counts that do not split evenly, and both the serial
// and the parallel path.
func TestBootstrapMeanCIUnchanged(t *testing.T) {
	r := newRand(3)
	for _, n := range []int{1, 2, 7, 64, 501, 1000} {
		for _, resamples := range []int{1, 3, 5, 10, 2000, 2003} {
			values := make([]float64, n)
			for i := range values {
				values[i] = r.NormFloat64()
			}
			seed := r.Uint64()
			lo, hi := BootstrapMeanCI(values, resamples, 0.95, newRand(seed))
			wlo, whi := bootstrapMeanCIStreams(values, resamples, 0.95, newRand(seed))
			if lo != wlo || hi != whi {
				t.Errorf("n %d, %d resamples: [%v, %v], one stream at a time [%v, %v]", n, resamples, lo, hi, wlo, whi)
			}
		}
	}
}
