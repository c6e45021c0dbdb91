package analysis

import "math"

// Jaccard is the Jaccard index |A ∩ B| / |A ∪ B| of the item ids in a and b,
// taken as sets (order and repeats are ignored). It returns NaN when both
// are empty.
func Jaccard[T comparable](a, b []T) float64 {
	as := make(map[T]struct{}, len(a))
	for _, x := range a {
		as[x] = struct{}{}
	}
	bs := make(map[T]struct{}, len(b))
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

// DamerauLevenshtein is the edit distance between two ranked lists with
// insertion, deletion, substitution and transposition of adjacent items,
// each costing 1. It is the true (unrestricted) Damerau–Levenshtein
// distance of Lowrance and Wagner, which may edit between the two items of a
// transposition: DamerauLevenshtein([C A], [A B C]) is 2 (CA → AC → ABC),
// where optimal string alignment would give 3. Unlike optimal string
// alignment it satisfies the triangle inequality. It takes O(len(a)·len(b))
// time and O((r+2)·len(b)) memory, r being the number of items of a that
// are also in b (see pairScratch.damerauLevenshtein).
func DamerauLevenshtein[T comparable](a, b []T) int {
	// Code the items as small integers once, so the O(n·m) loop indexes
	// slices instead of hashing.
	code := make(map[T]int32, len(a)+len(b))
	coded := func(xs []T) []int32 {
		out := make([]int32, len(xs))
		for i, x := range xs {
			c, ok := code[x]
			if !ok {
				c = int32(len(code))
				code[x] = c
			}
			out[i] = c
		}
		return out
	}
	ai, bi := coded(a), coded(b)
	var s pairScratch
	s.reset(len(code))
	return s.damerauLevenshtein(ai, bi)
}

// KendallTau is Kendall's τ between the orders of the items the two lists
// share: (n_c − n_d) / (n(n − 1)/2) over the n shared items, where n_c and
// n_d count the pairs the lists put in the same and in the opposite order.
// Items in only one list are ignored; a repeated item counts at its first
// rank. It returns NaN when fewer than 2 items are shared. It takes O(n²)
// time.
func KendallTau[T comparable](a, b []T) float64 {
	posB := make(map[T]int, len(b))
	for i, x := range b {
		if _, dup := posB[x]; !dup {
			posB[x] = i
		}
	}
	seen := make(map[T]struct{}, len(a))
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

// DefaultRBOP is the persistence p that METRICS.md uses for RBO by default.
const DefaultRBOP = 0.9

// RBO is the extrapolated rank-biased overlap of Webber, Moffat and Zobel
// (2010) with persistence p, 0 < p < 1. With X_d = |S_{:d} ∩ T_{:d}| and
// both lists of length k it is
//
//	RBO_ext = (X_k / k)·p^k + ((1 − p) / p)·Σ_{d=1..k} (X_d / d)·p^d,
//
// 1 for identical lists and 0 for disjoint ones. For lists of uneven length
// it follows the paper's equation 32: with s the shorter length and l the
// longer, the sum runs to l, X_d for d > s counts the whole shorter list,
// the overlap is assumed to keep its agreement rate beyond s, and the last
// term is ((X_l − X_s)/l + X_s/s)·p^l. Repeated items count at their first
// rank. It returns 0 when exactly one list is empty, and NaN when both are
// or p is outside (0, 1).
func RBO[T comparable](a, b []T, p float64) float64 {
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
	inS := make(map[T]struct{}, s)
	inL := make(map[T]struct{}, l)
	x, xs := 0, 0 // X_d at the current depth, and X_s
	sum := 0.0
	pd := 1.0 // p^d
	for d := 1; d <= l; d++ {
		pd *= p
		if d <= s {
			if it := short[d-1]; !has(inS, it) {
				inS[it] = struct{}{}
				if has(inL, it) {
					x++
				}
			}
		}
		if it := long[d-1]; !has(inL, it) {
			inL[it] = struct{}{}
			if has(inS, it) {
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

func has[T comparable](set map[T]struct{}, k T) bool {
	_, ok := set[k]
	return ok
}
