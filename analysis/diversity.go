package analysis

import (
	"math"
	"slices"
)

// Shares turns category counts into shares of their total: p_k = n_k / N.
// Categories with a count of zero or less are left out. It returns an empty
// map when the total is not positive.
func Shares(counts map[string]int) map[string]float64 {
	total := 0
	for _, n := range counts {
		if n > 0 {
			total += n
		}
	}
	p := make(map[string]float64, len(counts))
	if total == 0 {
		return p
	}
	for k, n := range counts {
		if n > 0 {
			p[k] = float64(n) / float64(total)
		}
	}
	return p
}

// positive returns the keys of the positive entries of p in sorted order and
// their sum, or false when there are none. Every function that takes a
// distribution goes through it and divides by the sum, so shares and raw
// counts give the same result, and sums run in key order, so the result does
// not depend on map iteration order to the last bit.
func positive(p map[string]float64) (keys []string, sum float64, ok bool) {
	keys = make([]string, 0, len(p))
	for k, v := range p {
		if v > 0 {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	for _, k := range keys {
		sum += p[k]
	}
	if len(keys) == 0 || math.IsInf(sum, 0) {
		return nil, 0, false
	}
	return keys, sum, true
}

// Entropy is the Shannon entropy H = −Σ p_k ln p_k of the distribution p, in
// nats (natural logarithm). Entries ≤ 0 are skipped and p is normalised to
// sum to 1 first. It returns NaN when p has no positive entry.
func Entropy(p map[string]float64) float64 {
	keys, sum, ok := positive(p)
	if !ok {
		return math.NaN()
	}
	h := 0.0
	for _, k := range keys {
		v := p[k] / sum
		h -= v * math.Log(v)
	}
	return h
}

// Evenness is Pielou's evenness H / ln K, where H is Entropy(p) and K is the
// size of the taxonomy (all categories that could have been served, not only
// those seen). It lies in [0, 1] when p has at most K categories. It returns
// NaN when p has no positive entry or K < 2.
func Evenness(p map[string]float64, k int) float64 {
	if k < 2 {
		return math.NaN()
	}
	return Entropy(p) / math.Log(float64(k))
}

// GiniSimpson is the Gini–Simpson index 1 − Σ p_k², the chance that two
// items drawn with replacement differ in category. p is normalised first. It
// returns NaN when p has no positive entry.
func GiniSimpson(p map[string]float64) float64 {
	keys, sum, ok := positive(p)
	if !ok {
		return math.NaN()
	}
	s := 0.0
	for _, k := range keys {
		v := p[k] / sum
		s += v * v
	}
	return 1 - s
}

// GiniSimpsonUnbiased is the unbiased Gini–Simpson index
// 1 − Σ n_k(n_k − 1) / (N(N − 1)) of category counts, the chance that two
// items drawn without replacement differ in category. Counts ≤ 0 are
// skipped. It returns NaN when N < 2.
func GiniSimpsonUnbiased(counts map[string]int) float64 {
	n, same := 0.0, 0.0
	for _, c := range counts {
		if c > 0 {
			f := float64(c)
			n += f
			same += f * (f - 1)
		}
	}
	if n < 2 {
		return math.NaN()
	}
	return 1 - same/(n*(n-1))
}

// Gini is the Gini coefficient of exposure counts x:
// G = Σ_i (2i − n − 1)·x_(i) / (n·Σ x_i) with x sorted ascending and i from 1.
// 0 means equal exposure, (n − 1)/n that one entry got everything. Include
// entries with zero exposure when the catalogue is known. x is not modified.
// It returns NaN when x is empty or sums to 0.
func Gini(x []float64) float64 {
	n := len(x)
	if n == 0 {
		return math.NaN()
	}
	s := slices.Clone(x)
	slices.Sort(s)
	num, sum := 0.0, 0.0
	for i, v := range s {
		num += float64(2*(i+1)-n-1) * v
		sum += v
	}
	if sum == 0 {
		return math.NaN()
	}
	return num / (float64(n) * sum)
}

// IntraListDiversity is ILD(L) = 2 / (|L|(|L|−1)) · Σ_{i<j} (1 − sim(i, j))
// with sim = 1 when items i and j have the same category and 0 otherwise:
// the share of pairs in the list that differ in category. cats holds the
// category of each item in the list. It returns NaN when |L| < 2.
func IntraListDiversity[T comparable](cats []T) float64 {
	n := len(cats)
	if n < 2 {
		return math.NaN()
	}
	counts := make(map[T]int)
	for _, c := range cats {
		counts[c]++
	}
	same := 0
	for _, c := range counts {
		same += c * (c - 1) / 2
	}
	pairs := n * (n - 1) / 2
	return float64(pairs-same) / float64(pairs)
}

// intraListDiversity is IntraListDiversity of a list of n items with
// these counts per category.
func intraListDiversity(counts map[string]int, n int) float64 {
	if n < 2 {
		return math.NaN()
	}
	same := 0
	for _, c := range counts {
		same += c * (c - 1) / 2
	}
	pairs := n * (n - 1) / 2
	return float64(pairs-same) / float64(pairs)
}

// Coverage is the number of distinct values in seen (item ids, authors or
// categories, concatenated over every list of interest) divided by the size
// of the catalogue, |∪ L_u| / |catalogue|, when catalogue > 0. When the
// catalogue is unknown (catalogue ≤ 0) it is distinct values per impression,
// |∪ L_u| / len(seen). It returns NaN when seen is empty and the catalogue is
// unknown.
func Coverage[T comparable](seen []T, catalogue int) float64 {
	distinct := make(map[T]struct{}, len(seen))
	for _, s := range seen {
		distinct[s] = struct{}{}
	}
	d := float64(len(distinct))
	if catalogue > 0 {
		return d / float64(catalogue)
	}
	if len(seen) == 0 {
		return math.NaN()
	}
	return d / float64(len(seen))
}
