package analysis

import (
	"math"
	"testing"
)

// ratings repeats label pairs: n times (a, b).
func ratingPairs(counts map[[2]string]int) (a, b []string) {
	for _, k := range [][2]string{{"y", "y"}, {"y", "n"}, {"n", "y"}, {"n", "n"}} {
		for range counts[k] {
			a, b = append(a, k[0]), append(b, k[1])
		}
	}
	return a, b
}

func TestCohenKappa(t *testing.T) {
	// Wikipedia's worked example: 20 yes/yes, 5 yes/no, 10 no/yes, 15
	// no/no: po = 0.7, pe = 0.5*0.6 + 0.5*0.4 = 0.5, kappa = 0.4.
	wa, wb := ratingPairs(map[[2]string]int{{"y", "y"}: 20, {"y", "n"}: 5, {"n", "y"}: 10, {"n", "n"}: 15})
	tests := []struct {
		name          string
		a, b          []string
		kappa, po, pe float64
	}{
		{"worked example", wa, wb, 0.4, 0.7, 0.5},
		{"perfect", []string{"1", "0", "1", "0"}, []string{"1", "0", "1", "0"}, 1, 1, 0.5},
		{"opposite", []string{"1", "0", "1", "0"}, []string{"0", "1", "0", "1"}, -1, 0, 0.5},
		// po = 2/3; pa(1) = 2/3, pb(1) = 1/3: pe = 2/9 + 2/9 = 4/9;
		// kappa = (6/9 - 4/9) / (5/9) = 0.4.
		{"three items", []string{"1", "1", "0"}, []string{"1", "0", "0"}, 0.4, 2.0 / 3, 4.0 / 9},
		{"three labels", []string{"1", "0", "-1"}, []string{"1", "0", "-1"}, 1, 1, 1.0 / 3},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			k, po, pe := CohenKappa(tc.a, tc.b)
			if math.Abs(k-tc.kappa) > 1e-12 || math.Abs(po-tc.po) > 1e-12 || math.Abs(pe-tc.pe) > 1e-12 {
				t.Errorf("CohenKappa = %v, %v, %v, want %v, %v, %v", k, po, pe, tc.kappa, tc.po, tc.pe)
			}
		})
	}
	undefined := []struct {
		name string
		a, b []string
	}{
		{"empty", nil, nil},
		{"lengths differ", []string{"1"}, []string{"1", "0"}},
		{"one label throughout", []string{"1", "1"}, []string{"1", "1"}},
	}
	for _, tc := range undefined {
		t.Run(tc.name, func(t *testing.T) {
			if k, _, _ := CohenKappa(tc.a, tc.b); !math.IsNaN(k) {
				t.Errorf("CohenKappa(%v, %v) = %v, want NaN", tc.a, tc.b, k)
			}
		})
	}
}

func TestPairwiseAgreement(t *testing.T) {
	var rs []Rating
	add := func(rater, item, cat string, v float64) {
		rs = append(rs, Rating{Item: item, Category: cat, Rater: rater, Value: v})
	}
	// gambling: lexicon and alice agree on 3 of 4 shared items; bob rated
	// only item d. self_harm: only alice.
	for _, x := range []struct {
		item    string
		lex, al float64
	}{{"a", 1, 1}, {"b", 0, 0}, {"c", 1, 0}, {"d", 0, 0}} {
		add("lexicon", x.item, "gambling", x.lex)
		add("manual/alice", x.item, "gambling", x.al)
	}
	add("lexicon", "e", "gambling", 1) // alice did not rate e
	add("manual/bob", "d", "gambling", 1)
	add("manual/alice", "a", "self_harm", 1)

	got := PairwiseAgreement(rs)
	if len(got) != 3 {
		t.Fatalf("PairwiseAgreement gave %d rows, want 3: %+v", len(got), got)
	}
	first := got[0]
	if first.Category != "gambling" || first.RaterA != "lexicon" || first.RaterB != "manual/alice" {
		t.Fatalf("first row = %+v, want gambling lexicon vs manual/alice", first)
	}
	// a: 1/1, b: 0/0, c: 1/0, d: 0/0. po = 3/4; p(lex=1) = 1/2,
	// p(alice=1) = 1/4: pe = 1/8 + 3/8 = 1/2; kappa = 0.5.
	if first.N != 4 || first.Agree != 3 || math.Abs(first.Kappa-0.5) > 1e-12 {
		t.Errorf("lexicon vs alice = n %d, agree %d, kappa %v, want 4, 3, 0.5", first.N, first.Agree, first.Kappa)
	}
	for _, a := range got[1:] {
		if a.N != 1 {
			t.Errorf("%s %s vs %s: n = %d, want 1", a.Category, a.RaterA, a.RaterB, a.N)
		}
	}
}
