package analysis

import (
	"maps"
	"math"
	"slices"
	"testing"
)

func TestShares(t *testing.T) {
	tests := []struct {
		name   string
		counts map[string]int
		want   map[string]float64
	}{
		// 1/4 and 3/4.
		{"two", map[string]int{"a": 1, "b": 3}, map[string]float64{"a": 0.25, "b": 0.75}},
		// a has no count and is left out: b = 2/2.
		{"zero left out", map[string]int{"a": 0, "b": 2}, map[string]float64{"b": 1}},
		{"negative left out", map[string]int{"a": -1}, map[string]float64{}},
		{"empty", map[string]int{}, map[string]float64{}},
		{"nil", nil, map[string]float64{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := Shares(tc.counts)
			if got == nil || !maps.EqualFunc(got, tc.want, approx) {
				t.Fatalf("Shares(%v) = %v, want %v", tc.counts, got, tc.want)
			}
		})
	}
}

func TestEntropyAndEvenness(t *testing.T) {
	tests := []struct {
		name        string
		p           map[string]float64
		k           int
		wantH, want float64 // entropy, evenness
	}{
		// H = −2·½·ln ½ = ln 2; evenness ln 2 / ln 4 = ½.
		{"two equal of four", map[string]float64{"a": 0.5, "b": 0.5}, 4, math.Ln2, 0.5},
		// Same H over K = 2: ln 2 / ln 2 = 1.
		{"two equal of two", map[string]float64{"a": 0.5, "b": 0.5}, 2, math.Ln2, 1},
		// One category: H = −1·ln 1 = 0.
		{"single", map[string]float64{"a": 1}, 3, 0, 0},
		// H = −(2·¼·ln ¼ + ½·ln ½) = ½ ln 4 + ½ ln 2 = 1.5 ln 2 ≈ 1.039721;
		// evenness 1.5 ln 2 / ln 3 ≈ 0.946395.
		{"quarter quarter half", map[string]float64{"a": 0.25, "b": 0.25, "c": 0.5}, 3, 1.5 * math.Ln2, 1.5 * math.Ln2 / math.Log(3)},
		// Raw counts 1 and 3 normalise to ¼, ¾: H = ¼ ln 4 + ¾ ln(4/3) ≈ 0.562335.
		{"counts normalised", map[string]float64{"a": 1, "b": 3}, 2, 0.25*math.Log(4) + 0.75*math.Log(4.0/3), (0.25*math.Log(4) + 0.75*math.Log(4.0/3)) / math.Ln2},
		// Zero shares are skipped: same as {"a": 1}.
		{"zero share skipped", map[string]float64{"a": 1, "b": 0}, 2, 0, 0},
		{"empty", map[string]float64{}, 3, nan, nan},
		{"all zero", map[string]float64{"a": 0}, 3, nan, nan},
		// K < 2: ln K ≤ 0, evenness undefined.
		{"taxonomy of one", map[string]float64{"a": 1}, 1, 0, nan},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := Entropy(tc.p); !approx(got, tc.wantH) {
				t.Fatalf("Entropy(%v) = %v, want %v", tc.p, got, tc.wantH)
			}
			if got := Evenness(tc.p, tc.k); !approx(got, tc.want) {
				t.Fatalf("Evenness(%v, %d) = %v, want %v", tc.p, tc.k, got, tc.want)
			}
		})
	}
}

func TestGiniSimpson(t *testing.T) {
	tests := []struct {
		name string
		p    map[string]float64
		want float64
	}{
		{"two equal", map[string]float64{"a": 0.5, "b": 0.5}, 0.5},                  // 1 − (¼ + ¼)
		{"quarter three quarters", map[string]float64{"a": 0.25, "b": 0.75}, 0.375}, // 1 − (1/16 + 9/16)
		{"counts normalised", map[string]float64{"a": 1, "b": 3}, 0.375},            // same as ¼, ¾
		{"single", map[string]float64{"a": 1}, 0},                                   // 1 − 1
		{"empty", nil, nan},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := GiniSimpson(tc.p); !approx(got, tc.want) {
				t.Fatalf("GiniSimpson(%v) = %v, want %v", tc.p, got, tc.want)
			}
		})
	}
}

func TestGiniSimpsonUnbiased(t *testing.T) {
	tests := []struct {
		name   string
		counts map[string]int
		want   float64
	}{
		{"two two", map[string]int{"a": 2, "b": 2}, 2.0 / 3},        // 1 − (2·1 + 2·1)/(4·3) = 1 − 4/12
		{"one three", map[string]int{"a": 1, "b": 3}, 0.5},          // 1 − (0 + 3·2)/(4·3) = 1 − 6/12
		{"all same", map[string]int{"a": 5}, 0},                     // 1 − 5·4/(5·4)
		{"zero skipped", map[string]int{"a": 1, "b": 1, "c": 0}, 1}, // 1 − 0/(2·1)
		{"one item", map[string]int{"a": 1}, nan},                   // N(N − 1) = 0
		{"empty", nil, nan},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := GiniSimpsonUnbiased(tc.counts); !approx(got, tc.want) {
				t.Fatalf("GiniSimpsonUnbiased(%v) = %v, want %v", tc.counts, got, tc.want)
			}
		})
	}
}

func TestGini(t *testing.T) {
	tests := []struct {
		name string
		x    []float64
		want float64
	}{
		{"equal", []float64{1, 1, 1, 1}, 0}, // coefficients −3, −1, 1, 3 sum to 0
		// Sorted 0,0,0,4; coefficients 2i − 5 = −3, −1, 1, 3: 3·4 / (4·4) = 0.75 = (n − 1)/n.
		{"one takes all", []float64{0, 0, 0, 4}, 0.75},
		// Coefficients −2, 0, 2: (−2·1 + 2·3) / (3·6) = 4/18.
		{"one two three", []float64{1, 2, 3}, 4.0 / 18},
		{"unsorted", []float64{3, 1, 2}, 4.0 / 18},
		{"single", []float64{5}, 0}, // coefficient 2 − 1 − 1 = 0
		{"all zero", []float64{0, 0}, nan},
		{"empty", nil, nan},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := slices.Clone(tc.x)
			if got := Gini(tc.x); !approx(got, tc.want) {
				t.Fatalf("Gini(%v) = %v, want %v", tc.x, got, tc.want)
			}
			if !slices.Equal(tc.x, in) {
				t.Fatalf("Gini modified its input: %v, want %v", tc.x, in)
			}
		})
	}
}

func TestIntraListDiversity(t *testing.T) {
	tests := []struct {
		name string
		cats []string
		want float64
	}{
		// 6 pairs, 2 of them same-category (a-a, b-b): 4/6.
		{"two pairs", []string{"a", "a", "b", "b"}, 4.0 / 6},
		{"all different", []string{"a", "b", "c"}, 1},
		{"all same", []string{"a", "a", "a"}, 0},
		// 3 pairs, 1 same: 2/3.
		{"interleaved", []string{"a", "b", "a"}, 2.0 / 3},
		{"one item", []string{"a"}, nan},
		{"empty", nil, nan},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := IntraListDiversity(tc.cats)
			if !approx(got, tc.want) {
				t.Fatalf("IntraListDiversity(%v) = %v, want %v", tc.cats, got, tc.want)
			}
			// With same-category similarity, ILD is the unbiased
			// Gini–Simpson index of the category counts.
			counts := make(map[string]int)
			for _, c := range tc.cats {
				counts[c]++
			}
			if gs := GiniSimpsonUnbiased(counts); !approx(got, gs) {
				t.Fatalf("IntraListDiversity(%v) = %v, want GiniSimpsonUnbiased = %v", tc.cats, got, gs)
			}
		})
	}
}

func TestCoverage(t *testing.T) {
	tests := []struct {
		name      string
		seen      []string
		catalogue int
		want      float64
	}{
		{"per impression", []string{"x", "y", "x"}, 0, 2.0 / 3}, // 2 distinct / 3 impressions
		{"of catalogue", []string{"x", "y", "x"}, 10, 0.2},      // 2 distinct / 10
		{"nothing seen of catalogue", nil, 5, 0},                // 0 / 5
		{"nothing seen, no catalogue", nil, 0, nan},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := Coverage(tc.seen, tc.catalogue); !approx(got, tc.want) {
				t.Fatalf("Coverage(%v, %d) = %v, want %v", tc.seen, tc.catalogue, got, tc.want)
			}
		})
	}
}
