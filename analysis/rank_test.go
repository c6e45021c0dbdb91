package analysis

import (
	"strings"
	"testing"
)

// list splits "a b c" into a ranked list.
func list(s string) []string { return strings.Fields(s) }

func TestJaccard(t *testing.T) {
	tests := []struct {
		name string
		a, b string
		want float64
	}{
		{"half", "a b c", "b c d", 0.5},    // {b, c} / {a, b, c, d}
		{"same set", "a b", "b a", 1},      // order ignored
		{"repeats", "a a", "a", 1},         // sets
		{"disjoint", "a", "b", 0},          // 0 / 2
		{"one empty", "a", "", 0},          // 0 / 1
		{"both empty", "", "", nan},        // 0 / 0
		{"third", "a b", "b c d", 1.0 / 4}, // {b} / {a, b, c, d}
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := Jaccard(list(tc.a), list(tc.b)); !approx(got, tc.want) {
				t.Fatalf("Jaccard(%q, %q) = %v, want %v", tc.a, tc.b, got, tc.want)
			}
		})
	}
}

func TestDamerauLevenshtein(t *testing.T) {
	tests := []struct {
		name string
		a, b string
		want int
	}{
		{"equal", "a b c", "a b c", 0},
		{"empty a", "", "a b", 2},   // two insertions
		{"empty b", "a b c", "", 3}, // three deletions
		{"both empty", "", "", 0},
		{"swap", "a b", "b a", 1}, // one transposition
		{"inner swap", "a b c d", "a c b d", 1},
		{"delete first", "a b c", "b c", 1},
		{"all substituted", "a b c", "x y z", 3},
		// True DL: CA → AC (swap) → ABC (insert B between) = 2. Optimal
		// string alignment may not edit inside a swap and gives 3.
		{"edit inside swap", "C A", "A B C", 2},
		// kitten → sitten (sub) → sittin (sub) → sitting (insert) = 3.
		{"kitten sitting", "k i t t e n", "s i t t i n g", 3},
		// Two separate swaps.
		{"two swaps", "a b c d", "b a d c", 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a, b := list(tc.a), list(tc.b)
			if got := DamerauLevenshtein(a, b); got != tc.want {
				t.Fatalf("DamerauLevenshtein(%q, %q) = %d, want %d", tc.a, tc.b, got, tc.want)
			}
			if got := DamerauLevenshtein(b, a); got != tc.want {
				t.Fatalf("DamerauLevenshtein(%q, %q) = %d, want %d (symmetry)", tc.b, tc.a, got, tc.want)
			}
		})
	}
}

func TestKendallTau(t *testing.T) {
	tests := []struct {
		name string
		a, b string
		want float64
	}{
		{"same order", "a b c", "a b c", 1},     // 3 concordant of 3
		{"reversed", "a b c", "c b a", -1},      // 3 discordant of 3
		{"one swap", "a b c", "a c b", 1.0 / 3}, // (a,b) c, (a,c) c, (b,c) d: (2 − 1)/3
		// Shared a, b, c; in b at ranks a=3, b=4, c=1: (a,b) c, (a,c) d,
		// (b,c) d: (1 − 2)/3.
		{"shared only", "a x b c", "c y a b", -1.0 / 3},
		{"one shared", "a b", "a c", nan},
		{"none shared", "a", "b", nan},
		{"empty", "", "", nan},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := KendallTau(list(tc.a), list(tc.b)); !approx(got, tc.want) {
				t.Fatalf("KendallTau(%q, %q) = %v, want %v", tc.a, tc.b, got, tc.want)
			}
		})
	}
}

func TestRBO(t *testing.T) {
	tests := []struct {
		name string
		a, b string
		p    float64
		want float64
	}{
		// X_d = d: (1−p)/p · Σ p^d + p^k = (1 − p^k) + p^k = 1.
		{"identical", "a b c", "a b c", 0.9, 1},
		{"disjoint", "a b c", "x y z", 0.9, 0},
		// X_1 = 0, X_2 = 2, X_3 = 2, (1−p)/p = 1:
		// (0 + 2/2·¼ + 2/3·⅛) + 2/3·⅛ = ¼ + 1/12 + 1/12 = 5/12.
		{"swap at top", "a b c", "b a d", 0.5, 5.0 / 12},
		// Only the first item shared, k = 2, p = 0.9:
		// (1/2)·0.81 + (0.1/0.9)·(1·0.9 + ½·0.81) = 0.405 + 0.145 = 0.55.
		{"top shared", "a b", "a c", 0.9, 0.55},
		// Uneven (Webber eq. 32), s = 2, l = 3, S = [a b], L = [a c b], p = ½:
		// X_1 = 1, X_2 = 1, X_3 = 2, X_s = 1.
		// Σ_{d=1..3} X_d/d p^d = ½ + ⅛ + 1/12 = 17/24;
		// Σ_{d=3} X_s(d−s)/(s·d) p^d = 1·1/6·⅛ = 1/48;
		// tail ((X_l − X_s)/l + X_s/s) p^l = (⅓ + ½)·⅛ = 5/48;
		// total 17/24 + 1/48 + 5/48 = 40/48 = 5/6.
		{"uneven", "a b", "a c b", 0.5, 5.0 / 6},
		{"uneven swapped", "a c b", "a b", 0.5, 5.0 / 6},
		// Shorter list contained at the top of the longer: X_d = 1 for
		// d ≥ 1, s = 1, l = 2, p = ½: Σ X_d/d p^d = ½ + ½·¼ = ⅝;
		// Σ_{d=2} 1·1/(1·2)·¼ = ⅛; tail (0/2 + 1)·¼ = ¼; total 1.
		{"prefix", "a", "a b", 0.5, 1},
		// Repeats count at their first rank, so X_d is over sets:
		// X_1 = |{a} ∩ {a}| = 1, X_2 = |{a} ∩ {a, b}| = 1,
		// X_3 = |{a, b} ∩ {a, b, c}| = 2; (1−p)/p = 1:
		// (½ + ½·¼ + ⅔·⅛) + ⅔·⅛ = ½ + ⅛ + 1/12 + 1/12 = 19/24.
		{"repeats", "a a b", "a b c", 0.5, 19.0 / 24},
		{"one empty", "", "a", 0.9, 0},
		{"both empty", "", "", 0.9, nan},
		{"p one", "a", "a", 1, nan},
		{"p zero", "a", "a", 0, nan},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := RBO(list(tc.a), list(tc.b), tc.p); !approx(got, tc.want) {
				t.Fatalf("RBO(%q, %q, %v) = %v, want %v", tc.a, tc.b, tc.p, got, tc.want)
			}
		})
	}
}
