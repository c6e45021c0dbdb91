package analysis

// Jaccard is the Jaccard index |A ∩ B| / |A ∪ B| of the item ids in a and b,
// taken as sets (order and repeats are ignored). It returns NaN when both
// are empty.
func Jaccard[T comparable](a, b []T) float64 {
	x, y, s := codePair(a, b)
	return s.jaccard(x, y)
}

// DamerauLevenshtein is the edit distance between two ranked lists with
// insertion, deletion, substitution and transposition of adjacent items,
// each costing 1. It is the true (unrestricted) Damerau–Levenshtein
// distance of Lowrance and Wagner, which may edit between the two items of a
// transposition: DamerauLevenshtein([C A], [A B C]) is 2 (CA → AC → ABC),
// where optimal string alignment would give 3. Unlike optimal string
// alignment it satisfies the triangle inequality. It computes 64 cells of
// the dynamic programme per machine word: O(len(a)·len(b)/64) time, plus
// O(1) for each pair of an item of a and an equal item of b, and
// O(d·len(b)/64) memory for the d distinct items of a that are also in b
// (see pairScratch.damerauLevenshtein).
func DamerauLevenshtein[T comparable](a, b []T) int {
	x, y, s := codePair(a, b)
	return s.damerauLevenshtein(x, y)
}

// codePair codes the items of a and b as small integers, the same item the
// same code, and returns a pairScratch sized for them: the list metrics
// then index slices instead of hashing.
func codePair[T comparable](a, b []T) ([]int32, []int32, *pairScratch) {
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
	x, y := coded(a), coded(b)
	s := &pairScratch{}
	s.reset(len(code))
	return x, y, s
}

// KendallTau is Kendall's τ between the orders of the items the two lists
// share: (n_c − n_d) / (n(n − 1)/2) over the n shared items, where n_c and
// n_d count the pairs the lists put in the same and in the opposite order.
// Items in only one list are ignored; a repeated item counts at its first
// rank. It returns NaN when fewer than 2 items are shared. It takes O(n²)
// time.
func KendallTau[T comparable](a, b []T) float64 {
	x, y, s := codePair(a, b)
	return s.kendallTau(x, y)
}

// DefaultRBOP is the persistence p that the metrics reference uses for RBO by default.
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
	x, y, s := codePair(a, b)
	return s.rbo(x, y, p)
}

func has[T comparable](set map[T]struct{}, k T) bool {
	_, ok := set[k]
	return ok
}
