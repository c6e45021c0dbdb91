package analysis

import (
	"fmt"
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

// The map-based list metrics the scratch versions replaced, kept to check
// them against.

func referenceJaccard(a, b []string) float64 {
	as := make(map[string]struct{}, len(a))
	for _, x := range a {
		as[x] = struct{}{}
	}
	bs := make(map[string]struct{}, len(b))
	inter := 0
	for _, x := range b {
		if _, dup := bs[x]; dup {
			continue
		}
		bs[x] = struct{}{}
		if _, ok := as[x]; ok {
			inter++
		}
	}
	union := len(as) + len(bs) - inter
	if union == 0 {
		return math.NaN()
	}
	return float64(inter) / float64(union)
}

func referenceKendallTau(a, b []string) float64 {
	posB := make(map[string]int, len(b))
	for i, x := range b {
		if _, dup := posB[x]; !dup {
			posB[x] = i
		}
	}
	seen := make(map[string]struct{}, len(a))
	var order []int // ranks in b of the shared items, in a's order
	for _, x := range a {
		if _, dup := seen[x]; dup {
			continue
		}
		seen[x] = struct{}{}
		if p, ok := posB[x]; ok {
			order = append(order, p)
		}
	}
	n := len(order)
	if n < 2 {
		return math.NaN()
	}
	score := 0
	for i := range n {
		for j := i + 1; j < n; j++ {
			if order[i] < order[j] {
				score++
			} else {
				score--
			}
		}
	}
	return float64(score) / float64(n*(n-1)/2)
}

func referenceRBO(a, b []string, p float64) float64 {
	if !(p > 0 && p < 1) || (len(a) == 0 && len(b) == 0) {
		return math.NaN()
	}
	short, long := a, b
	if len(short) > len(long) {
		short, long = long, short
	}
	s, l := len(short), len(long)
	if s == 0 {
		return 0
	}
	inS := make(map[string]struct{}, s)
	inL := make(map[string]struct{}, l)
	x, xs := 0, 0 // X_d at the current depth, and X_s
	sum := 0.0
	pd := 1.0 // p^d
	for d := 1; d <= l; d++ {
		pd *= p
		if d <= s {
			if it := short[d-1]; !refHas(inS, it) {
				inS[it] = struct{}{}
				if refHas(inL, it) {
					x++
				}
			}
		}
		if it := long[d-1]; !refHas(inL, it) {
			inL[it] = struct{}{}
			if refHas(inS, it) {
				x++
			}
		}
		if d == s {
			xs = x
		}
		fd := float64(d)
		sum += float64(x) / fd * pd
		if d > s {
			sum += float64(xs) * (fd - float64(s)) / (float64(s) * fd) * pd
		}
	}
	tail := (float64(x-xs)/float64(l) + float64(xs)/float64(s)) * pd
	return (1-p)/p*sum + tail
}

func refHas(set map[string]struct{}, k string) bool {
	_, ok := set[k]
	return ok
}

// strs names codes as strings, for the reference metrics.
func strs(xs []int32) []string {
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = fmt.Sprint("item", x)
	}
	return out
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

func TestPairScratchMetricsMatchReference(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	var s pairScratch
	same := func(x, y float64) bool { return (math.IsNaN(x) && math.IsNaN(y)) || math.Abs(x-y) <= 1e-12 }
	for _, tc := range []struct{ maxLen, alphabet int }{{4, 3}, {15, 10}, {80, 60}, {300, 2400}} {
		s.reset(tc.alphabet)
		for range 300 {
			a, b := randomLists(r, tc.maxLen, tc.alphabet)
			if got, want := s.jaccard(a, b), referenceJaccard(strs(a), strs(b)); !same(got, want) || !same(Jaccard(a, b), want) {
				t.Fatalf("jaccard(%v, %v) = %v, want %v", a, b, got, want)
			}
			if got, want := s.kendallTau(a, b), referenceKendallTau(strs(a), strs(b)); !same(got, want) || !same(KendallTau(a, b), want) {
				t.Fatalf("kendallTau(%v, %v) = %v, want %v", a, b, got, want)
			}
			if got, want := s.rbo(a, b, 0.9), referenceRBO(strs(a), strs(b), 0.9); !same(got, want) || !same(RBO(a, b, 0.9), want) {
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

// editedCopy returns a copy of a with about frac of its items replaced by
// items not in a (codes from fresh up), then shuffled locally: adjacent
// swaps and items moved a few places, as two feeds of one platform differ.
func editedCopy(r *rand.Rand, a []int32, frac float64, fresh int32) []int32 {
	b := append([]int32(nil), a...)
	for i := range b {
		if r.Float64() < frac {
			b[i] = fresh
			fresh++
		}
	}
	for range len(b) / 8 {
		if len(b) < 2 {
			break
		}
		i := r.IntN(len(b) - 1)
		b[i], b[i+1] = b[i+1], b[i]
	}
	for range len(b) / 16 {
		i, j := r.IntN(len(b)), r.IntN(len(b))
		if d := j - i; d > 6 || d < -6 {
			continue
		}
		x := b[i]
		b = append(b[:i], b[i+1:]...)
		b = append(b[:j], append([]int32{x}, b[j:]...)...)
	}
	return b
}

// sharing returns two lists of n distinct items each where about frac of
// b's places hold an item of a (at a random place), the rest items of
// neither.
func sharing(r *rand.Rand, n int, frac float64) ([]int32, []int32) {
	codes := r.Perm(4 * n)
	a := make([]int32, n)
	for i := range a {
		a[i] = int32(codes[i])
	}
	b := make([]int32, n)
	fresh := n
	for j, i := range r.Perm(n) {
		if r.Float64() < frac {
			b[j] = a[i]
		} else {
			b[j] = int32(codes[fresh])
			fresh++
		}
	}
	return a, b
}

// TestDamerauLevenshteinBitsMatchReference checks the bit-vector
// computation against the full matrix on what it is built from: lengths
// around the 64-bit words (0, 1, 2, 63-65, 127-129) and very different
// lengths, lists with nothing in common (every row plain), long runs of
// plain rows between shared items, edited copies (nearly every row shared,
// many transpositions at all distances), and small alphabets (items
// repeated within each list). One scratch serves every case, across
// generation wraps.
func TestDamerauLevenshteinBitsMatchReference(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	var s pairScratch
	var old oldDLScratch
	s.reset(5000)
	old.reset(5000)
	lengths := []int{0, 1, 2, 3, 5, 63, 64, 65, 127, 128, 129, 200}
	length := func() int {
		if r.IntN(2) == 0 {
			return lengths[r.IntN(len(lengths))]
		}
		return r.IntN(260)
	}
	draw := func(n, lo, alphabet int) []int32 {
		out := make([]int32, n)
		for i := range out {
			out[i] = int32(lo + r.IntN(alphabet))
		}
		return out
	}
	kinds := []struct {
		name string
		make func() ([]int32, []int32)
	}{
		{"disjoint", func() ([]int32, []int32) { return draw(length(), 0, 100), draw(length(), 100, 100) }},
		{"small alphabet", func() ([]int32, []int32) {
			k := 1 + r.IntN(5)
			return draw(length(), 0, k), draw(length(), 0, k)
		}},
		{"repeats", func() ([]int32, []int32) {
			k := 5 + r.IntN(60)
			return draw(length(), 0, k), draw(length(), 0, k)
		}},
		{"long plain runs", func() ([]int32, []int32) {
			// a: items of b now and then among items b lacks.
			b := draw(length(), 0, 300)
			a := draw(length(), 1000, 2000)
			for i := range a {
				if len(b) > 0 && r.IntN(40) == 0 {
					a[i] = b[r.IntN(len(b))]
				}
			}
			return a, b
		}},
		{"edited copy", func() ([]int32, []int32) {
			a := draw(length(), 0, 1000+r.IntN(2)*30) // sometimes with repeats
			return a, editedCopy(r, a, 0.1*r.Float64(), 3000)
		}},
		{"low overlap", func() ([]int32, []int32) { return sharing(r, length(), 0.05+0.3*r.Float64()) }},
		{"very different lengths", func() ([]int32, []int32) {
			k := 3 + r.IntN(40)
			a, b := draw(r.IntN(6), 0, k), draw(100+r.IntN(200), 0, k)
			if r.IntN(2) == 0 {
				a, b = b, a
			}
			return a, b
		}},
	}
	for _, kind := range kinds {
		t.Run(kind.name, func(t *testing.T) {
			for c := range 700 {
				a, b := kind.make()
				if c%100 == 99 {
					s.gen = math.MaxUint32 - uint32(r.IntN(3)) // the stamps wrap soon
				}
				want := referenceDL(a, b)
				if got := s.damerauLevenshtein(a, b); got != want {
					t.Fatalf("damerauLevenshtein(%v, %v) = %d, want %d", a, b, got, want)
				}
				if got := oldDamerauLevenshtein(&old, a, b); got != want {
					t.Fatalf("oldDamerauLevenshtein(%v, %v) = %d, want %d", a, b, got, want)
				}
			}
		})
	}
}

// TestDamerauLevenshteinBitsExhaustive checks every pair of lists of up to
// 5 items over 3 items (132,496 pairs): every way transpositions, repeats
// and matches can meet in a short list.
func TestDamerauLevenshteinBitsExhaustive(t *testing.T) {
	var lists [][]int32
	var grow func(l []int32)
	grow = func(l []int32) {
		lists = append(lists, l)
		if len(l) == 5 {
			return
		}
		for x := range int32(3) {
			grow(append(append([]int32(nil), l...), x))
		}
	}
	grow(nil)
	var s pairScratch
	s.reset(3)
	for _, a := range lists {
		for _, b := range lists {
			if got, want := s.damerauLevenshtein(a, b), referenceDL(a, b); got != want {
				t.Fatalf("damerauLevenshtein(%v, %v) = %d, want %d", a, b, got, want)
			}
		}
	}
}

// TestDamerauLevenshteinBitsLongLists checks lists of up to 16 words, where
// the carries cross many words.
func TestDamerauLevenshteinBitsLongLists(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	var s pairScratch
	s.reset(5000)
	for range 12 {
		a := make([]int32, 600+r.IntN(420))
		for i := range a {
			a[i] = int32(r.IntN(900))
		}
		b := editedCopy(r, a, 0.3*r.Float64(), 1000)
		if r.IntN(2) == 0 {
			b = b[:r.IntN(len(b))]
		}
		if got, want := s.damerauLevenshtein(a, b), referenceDL(a, b); got != want {
			t.Fatalf("damerauLevenshtein(%d items, %d items) = %d, want %d", len(a), len(b), got, want)
		}
	}
}

// BenchmarkDamerauLevenshtein500 compares the audit's pair computation
// (new) with the row-by-row one it replaced (old), and the full-matrix
// reference once, on: two 500-item lists drawn from a 2,400-item catalogue
// with replacement, as the analysis benchmark's sessions are (catalogue);
// two lists of 500 distinct items sharing about 5 % (overlap5); a list and
// an edited, locally shuffled copy sharing about 90 % (overlap90); and
// 50-item lists sharing about half (list50).
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
	a5, b5 := sharing(r, 500, 0.05)
	a90 := make([]int32, 500)
	for i, c := range r.Perm(2400)[:500] {
		a90[i] = int32(c)
	}
	b90 := editedCopy(r, a90, 0.1, 2400)
	a50, b50 := sharing(r, 50, 0.5)
	b50 = editedCopy(r, b50, 0, 0)
	for _, tc := range []struct {
		name string
		a, b []int32
	}{{"catalogue", x, y}, {"overlap5", a5, b5}, {"overlap90", a90, b90}, {"list50", a50, b50}} {
		var s pairScratch
		var old oldDLScratch
		s.reset(3000)
		old.reset(3000)
		if got, want := s.damerauLevenshtein(tc.a, tc.b), oldDamerauLevenshtein(&old, tc.a, tc.b); got != want {
			b.Fatalf("%s: damerauLevenshtein = %d, old = %d", tc.name, got, want)
		}
		b.Run(tc.name+"/old", func(b *testing.B) {
			for b.Loop() {
				oldDamerauLevenshtein(&old, tc.a, tc.b)
			}
		})
		b.Run(tc.name+"/new", func(b *testing.B) {
			for b.Loop() {
				s.damerauLevenshtein(tc.a, tc.b)
			}
		})
	}
	b.Run("catalogue/reference", func(b *testing.B) {
		for b.Loop() {
			referenceDL(x, y)
		}
	})
}
