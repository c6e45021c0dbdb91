package analysis

import "math"

// HarmfulPer100 is the harmful share as the metrics reference reports it: harmful
// impressions per 100 impressions, 100·harmful/n. It returns NaN when
// n ≤ 0.
func HarmfulPer100(harmful, n int) float64 {
	if n <= 0 {
		return math.NaN()
	}
	return 100 * float64(harmful) / float64(n)
}

// FirstExposure is the rank (from 1) of the first harmful item in a session,
// where harmful[i] says whether the item at rank i+1 was harmful. A session
// without a harmful item is censored, not dropped: it returns
// censored = true and rank = len(harmful), the depth the session was
// observed to without an exposure, which is what a survival estimate
// (Kaplan–Meier) needs. An empty session returns (0, true).
func FirstExposure(harmful []bool) (rank int, censored bool) {
	for i, h := range harmful {
		if h {
			return i + 1, false
		}
	}
	return len(harmful), true
}

// SERPMS is the rank-weighted score of Hussein et al. (CSCW 2020):
// Σ_{r=1..n} x_r (n − r + 1) / (n(n + 1)/2), where scores[r-1] = x_r is +1
// for a harmful or promoting item, 0 for a neutral one and −1 for a debunking
// one. Higher ranks weigh more. With scores in {−1, 0, +1} it lies in
// [−1, 1]; other values are used as given. It returns NaN for an empty list.
func SERPMS(scores []int) float64 { return serpms(scores) }

func serpms[T int | int8](scores []T) float64 {
	n := len(scores)
	if n == 0 {
		return math.NaN()
	}
	sum := 0.0
	for i, x := range scores {
		sum += float64(x) * float64(n-i)
	}
	return sum / (float64(n) * float64(n+1) / 2)
}
