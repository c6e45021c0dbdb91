package analysis

import (
	"math"
	"math/rand/v2"
	"testing"
)

// referenceDL is the textbook O(n·m)-memory Lowrance–Wagner algorithm,
// kept to check pairScratch.damerauLevenshtein against.
func referenceDL(a, b []int32) int {
	n, m := len(a), len(b)
	if n == 0 || m == 0 {
		return n + m
	}
	ai, bi := a, b
	size := int32(0)
	for _, x := range append(append([]int32{}, a...), b...) {
		size = max(size, x+1)
	}
	inf := n + m
	w := m + 2
	// d[(i+1)*w + (j+1)] is the distance between a[:i] and b[:j]; row and
	// column 0 hold the sentinel inf.
	d := make([]int, (n+2)*w)
	d[0] = inf
	for i := 0; i <= n; i++ {
		d[(i+1)*w] = inf
		d[(i+1)*w+1] = i
	}
	for j := 0; j <= m; j++ {
		d[j+1] = inf
		d[w+j+1] = j
	}
	lastRow := make([]int, size) // last row (1-based) where an item of a was seen; 0 for none
	for i := 1; i <= n; i++ {
		lastCol := 0 // last column (1-based) in this row where b matched a[i-1]
		row, prev := (i+1)*w, i*w
		for j := 1; j <= m; j++ {
			k := lastRow[bi[j-1]]
			l := lastCol
			cost := 1
			if ai[i-1] == bi[j-1] {
				cost = 0
				lastCol = j
			}
			d[row+j+1] = min(
				d[prev+j]+cost,
				d[row+j]+1,
				d[prev+j+1]+1,
				d[k*w+l]+(i-k-1)+1+(j-l-1),
			)
		}
		lastRow[ai[i-1]] = i
	}
	return d[(n+1)*w+m+1]
}

// randomLists returns two lists of lengths up to maxLen over an alphabet
// of the given size: small alphabets make repeats, matches and crossing
// matches (transpositions) common.
func randomLists(r *rand.Rand, maxLen, alphabet int) ([]int32, []int32) {
	mk := func() []int32 {
		out := make([]int32, r.IntN(maxLen+1))
		for i := range out {
			out[i] = int32(r.IntN(alphabet))
		}
		return out
	}
	return mk(), mk()
}

func TestPairScratchDamerauLevenshteinMatchesReference(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	var s pairScratch // one scratch for every pair: stale state would show
	for _, tc := range []struct{ maxLen, alphabet int }{
		{3, 2}, {6, 3}, {12, 4}, {20, 8}, {40, 30}, {60, 200}, {200, 1000},
	} {
		for range 400 {
			a, b := randomLists(r, tc.maxLen, tc.alphabet)
			s.reset(tc.alphabet)
			got := s.damerauLevenshtein(a, b)
			want := referenceDL(a, b)
			if got != want {
				t.Fatalf("damerauLevenshtein(%v, %v) = %d, want %d", a, b, got, want)
			}
			if g := DamerauLevenshtein(a, b); g != want {
				t.Fatalf("DamerauLevenshtein(%v, %v) = %d, want %d", a, b, g, want)
			}
		}
	}
}

func TestPairScratchMetricsMatchGeneric(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	var s pairScratch
	same := func(x, y float64) bool { return (math.IsNaN(x) && math.IsNaN(y)) || math.Abs(x-y) <= 1e-12 }
	for _, tc := range []struct{ maxLen, alphabet int }{{4, 3}, {15, 10}, {80, 60}, {300, 2400}} {
		s.reset(tc.alphabet)
		for range 300 {
			a, b := randomLists(r, tc.maxLen, tc.alphabet)
			if got, want := s.jaccard(a, b), Jaccard(a, b); !same(got, want) {
				t.Fatalf("jaccard(%v, %v) = %v, want %v", a, b, got, want)
			}
			if got, want := s.kendallTau(a, b), KendallTau(a, b); !same(got, want) {
				t.Fatalf("kendallTau(%v, %v) = %v, want %v", a, b, got, want)
			}
			if got, want := s.rbo(a, b, 0.9), RBO(a, b, 0.9); !same(got, want) {
				t.Fatalf("rbo(%v, %v) = %v, want %v", a, b, got, want)
			}
		}
	}
}

func TestPairScratchGenerationWrap(t *testing.T) {
	var s pairScratch
	s.reset(4)
	s.gen = math.MaxUint32 - 1 // the next two sets wrap the stamps
	a, b := []int32{0, 1, 2}, []int32{1, 2, 3}
	for range 4 {
		if got := s.jaccard(a, b); got != 0.5 {
			t.Fatalf("jaccard around the wrap = %v, want 0.5", got)
		}
	}
}

// BenchmarkDamerauLevenshtein500 compares the audit's pair computation with
// the full-matrix reference on two 500-item lists drawn from a
// 2,400-item catalogue, as the analysis benchmark's sessions are.
func BenchmarkDamerauLevenshtein500(b *testing.B) {
	r := rand.New(rand.NewPCG(5, 6))
	mk := func() []int32 {
		out := make([]int32, 500)
		for i := range out {
			out[i] = int32(r.IntN(2400))
		}
		return out
	}
	x, y := mk(), mk()
	b.Run("scratch", func(b *testing.B) {
		var s pairScratch
		s.reset(2400)
		for b.Loop() {
			s.damerauLevenshtein(x, y)
		}
	})
	b.Run("reference", func(b *testing.B) {
		for b.Loop() {
			referenceDL(x, y)
		}
	})
}
