package analysis

import (
	"math"
	"testing"
)

func TestJSD(t *testing.T) {
	tests := []struct {
		name string
		p, q map[string]float64
		want float64
	}{
		{"equal", map[string]float64{"a": 0.3, "b": 0.7}, map[string]float64{"a": 0.3, "b": 0.7}, 0},
		// M = {a: ½, b: ½}; KL(P‖M) = log2 2 = 1, KL(Q‖M) = 1: JSD = 1.
		{"disjoint", map[string]float64{"a": 1}, map[string]float64{"b": 1}, 1},
		// M = {a: ¾, b: ¼}. KL(P‖M) = ½ log2(⅔) + ½ log2 2 ≈ 0.207519;
		// KL(Q‖M) = log2(4/3) ≈ 0.415037; JSD = ½ (0.207519 + 0.415037) ≈ 0.311278.
		{"half vs all", map[string]float64{"a": 0.5, "b": 0.5}, map[string]float64{"a": 1},
			0.5 * (0.5*math.Log2(2.0/3) + 0.5 + math.Log2(4.0/3))},
		{"swapped", map[string]float64{"a": 1}, map[string]float64{"a": 0.5, "b": 0.5},
			0.5 * (0.5*math.Log2(2.0/3) + 0.5 + math.Log2(4.0/3))},
		// Counts normalise to the same distributions as "half vs all".
		{"counts", map[string]float64{"a": 2, "b": 2}, map[string]float64{"a": 5},
			0.5 * (0.5*math.Log2(2.0/3) + 0.5 + math.Log2(4.0/3))},
		// P = {c: ¾, s: ¼}, Q = {c: ¼, s: ¼, n: ½}, M = {c: ½, s: ¼, n: ¼}.
		// KL(P‖M) = ¾ log2 1.5 ≈ 0.438722; KL(Q‖M) = ¼ log2 ½ + ½ log2 2 = 0.25;
		// JSD ≈ 0.344361.
		{"three categories", map[string]float64{"c": 0.75, "s": 0.25}, map[string]float64{"c": 0.25, "s": 0.25, "n": 0.5},
			0.5 * (0.75*math.Log2(1.5) + 0.25)},
		{"empty p", map[string]float64{}, map[string]float64{"a": 1}, nan},
		{"zero q", map[string]float64{"a": 1}, map[string]float64{"a": 0}, nan},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := JSD(tc.p, tc.q); !approx(got, tc.want) {
				t.Fatalf("JSD(%v, %v) = %v, want %v", tc.p, tc.q, got, tc.want)
			}
		})
	}
}

func TestSlope(t *testing.T) {
	tests := []struct {
		name   string
		xs, ys []float64
		want   float64
	}{
		{"line", []float64{1, 2, 3}, []float64{2, 4, 6}, 2},
		// x̄ = 2, ȳ = 2: Σdx·dy = (−1)(−1) + 0 + (1)(0) = 1, Σdx² = 2: ½.
		{"noisy", []float64{1, 2, 3}, []float64{1, 3, 2}, 0.5},
		{"falling", []float64{0, 10}, []float64{1, 0}, -0.1},
		{"one point", []float64{1}, []float64{1}, nan},
		{"length mismatch", []float64{1, 2}, []float64{1}, nan},
		{"equal xs", []float64{2, 2}, []float64{1, 3}, nan},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := Slope(tc.xs, tc.ys); !approx(got, tc.want) {
				t.Fatalf("Slope(%v, %v) = %v, want %v", tc.xs, tc.ys, got, tc.want)
			}
		})
	}
}

func TestDiffToLinear(t *testing.T) {
	tests := []struct {
		name   string
		scores []float64
		want   float64
	}{
		{"linear", []float64{1, 2, 3}, 0},
		// Line 3, 2, 1, 0: differences 0, −2, −1, 0.
		{"early drop", []float64{3, 0, 0, 0}, -3},
		// Line 0, 1, 2, 3: differences 0, 2, 1, 0.
		{"early rise", []float64{0, 3, 3, 3}, 3},
		// Line 1, 1, 1, 1: differences 0, −1, −1, 0.
		{"dip", []float64{1, 0, 0, 1}, -2},
		{"one step", []float64{5}, 0},
		{"empty", nil, nan},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := DiffToLinear(tc.scores); !approx(got, tc.want) {
				t.Fatalf("DiffToLinear(%v) = %v, want %v", tc.scores, got, tc.want)
			}
		})
	}
}
