package analysis

import (
	"math"
	"slices"
	"strconv"
)

// CohenKappa returns Cohen's κ for two raters who labelled the same n items
// (a[i] and b[i] are their labels of item i), with the observed agreement
// po and the agreement expected by chance pe from each rater's marginal
// shares: κ = (po − pe) / (1 − pe). κ is NaN when there are no items, the
// lengths differ, or pe = 1 (both raters used one and the same label
// throughout, so agreement beyond chance is undefined).
func CohenKappa(a, b []string) (kappa, po, pe float64) {
	n := len(a)
	if n == 0 || n != len(b) {
		return math.NaN(), math.NaN(), math.NaN()
	}
	ca, cb := map[string]int{}, map[string]int{}
	agree := 0
	for i := range a {
		ca[a[i]]++
		cb[b[i]]++
		if a[i] == b[i] {
			agree++
		}
	}
	po = float64(agree) / float64(n)
	for lab, x := range ca {
		pe += float64(x) / float64(n) * float64(cb[lab]) / float64(n)
	}
	if pe >= 1 {
		return math.NaN(), po, pe
	}
	return (po - pe) / (1 - pe), po, pe
}

// Rating is what one rater (a label source, an annotator) said of one item
// in one category.
type Rating struct {
	Item     string
	Category string
	Rater    string
	Value    float64
}

// Agreement is how two raters agree on one category, over the items both
// rated.
type Agreement struct {
	Category string  `json:"category"`
	RaterA   string  `json:"rater_a"`
	RaterB   string  `json:"rater_b"`
	N        int     `json:"n"`     // items both rated
	Agree    int     `json:"agree"` // items with the same value
	Observed float64 `json:"observed"`
	// Kappa is Cohen's κ; NaN when undefined (see CohenKappa).
	Kappa float64 `json:"kappa"`
}

// PairwiseAgreement compares every pair of raters, per category, over the
// items both rated. Values are compared as exact numbers (1, 0, −1 are
// three labels). A rater who rated an item twice in a category counts with
// the mean of its values. Rows come sorted by category, then rater pair;
// pairs with no item in common are left out.
func PairwiseAgreement(ratings []Rating) []Agreement {
	type key struct{ cat, item, rater string }
	sum := map[key]float64{}
	cnt := map[key]int{}
	raters := map[string]map[string]bool{} // category -> raters
	for _, r := range ratings {
		k := key{r.Category, r.Item, r.Rater}
		sum[k] += r.Value
		cnt[k]++
		if raters[r.Category] == nil {
			raters[r.Category] = map[string]bool{}
		}
		raters[r.Category][r.Rater] = true
	}
	// category -> rater -> item -> label
	labels := map[string]map[string]map[string]string{}
	for k, s := range sum {
		byRater := labels[k.cat]
		if byRater == nil {
			byRater = map[string]map[string]string{}
			labels[k.cat] = byRater
		}
		if byRater[k.rater] == nil {
			byRater[k.rater] = map[string]string{}
		}
		byRater[k.rater][k.item] = strconv.FormatFloat(s/float64(cnt[k]), 'g', -1, 64)
	}
	var cats []string
	for c := range raters {
		cats = append(cats, c)
	}
	slices.Sort(cats)
	var out []Agreement
	for _, c := range cats {
		var rs []string
		for r := range raters[c] {
			rs = append(rs, r)
		}
		slices.Sort(rs)
		for i := range rs {
			for j := i + 1; j < len(rs); j++ {
				la, lb := labels[c][rs[i]], labels[c][rs[j]]
				var items []string
				for it := range la {
					if _, ok := lb[it]; ok {
						items = append(items, it)
					}
				}
				if len(items) == 0 {
					continue
				}
				slices.Sort(items)
				a, b := make([]string, len(items)), make([]string, len(items))
				agree := 0
				for x, it := range items {
					a[x], b[x] = la[it], lb[it]
					if a[x] == b[x] {
						agree++
					}
				}
				k, po, _ := CohenKappa(a, b)
				out = append(out, Agreement{Category: c, RaterA: rs[i], RaterB: rs[j], N: len(items), Agree: agree, Observed: po, Kappa: k})
			}
		}
	}
	return out
}
