package analysis

import (
	"fmt"
	"io"
	"math"
	"sort"
	"strings"
)

// LabelStats is what `feedprobe label stats` prints.
type LabelStats struct {
	Raters    []RaterStats     `json:"raters"`
	Agreement []AgreementRow   `json:"agreement"`
	Resolved  []ResolvedCounts `json:"resolved"`
}

// RaterStats counts one rater's labels of one category.
type RaterStats struct {
	Rater    string `json:"rater"`
	Category string `json:"category"`
	Items    int    `json:"items"`
	Positive int    `json:"positive"` // value > 0
}

// AgreementRow is an Agreement with a kappa that JSON can hold.
type AgreementRow struct {
	Agreement
	Kappa *float64 `json:"kappa"` // null when undefined
}

// ResolvedCounts counts the items of a category after resolution, and how
// many of them are positive.
type ResolvedCounts struct {
	Category string `json:"category"`
	Items    int    `json:"items"`
	Positive int    `json:"positive"`
}

// SummarizeLabels counts, per rater and category, the distinct items rated
// and the ratings above 0; compares every pair of raters (PairwiseAgreement); and
// counts the items per category after ResolveLabels of votes. Rows are
// sorted by category, then rater.
func SummarizeLabels(ratings []Rating, votes []LabelVote) LabelStats {
	type rk struct{ rater, cat string }
	type rc struct {
		items map[string]bool
		pos   int
	}
	per := map[rk]*rc{}
	for _, r := range ratings {
		k := rk{r.Rater, r.Category}
		if per[k] == nil {
			per[k] = &rc{items: map[string]bool{}}
		}
		per[k].items[r.Item] = true
		if r.Value > 0 {
			per[k].pos++
		}
	}
	var st LabelStats
	for k, c := range per {
		st.Raters = append(st.Raters, RaterStats{Rater: k.rater, Category: k.cat, Items: len(c.items), Positive: c.pos})
	}
	sort.Slice(st.Raters, func(i, j int) bool {
		a, b := st.Raters[i], st.Raters[j]
		if a.Category != b.Category {
			return a.Category < b.Category
		}
		return a.Rater < b.Rater
	})
	for _, a := range PairwiseAgreement(ratings) {
		row := AgreementRow{Agreement: a}
		if !math.IsNaN(a.Kappa) {
			k := a.Kappa
			row.Kappa = &k
		}
		st.Agreement = append(st.Agreement, row)
	}
	res := map[string]*ResolvedCounts{}
	for _, cats := range ResolveLabels(votes) {
		for c, v := range cats {
			if res[c] == nil {
				res[c] = &ResolvedCounts{Category: c}
			}
			res[c].Items++
			if v > 0 {
				res[c].Positive++
			}
		}
	}
	for _, r := range res {
		st.Resolved = append(st.Resolved, *r)
	}
	sort.Slice(st.Resolved, func(i, j int) bool { return st.Resolved[i].Category < st.Resolved[j].Category })
	return st
}

// WriteTable writes st for people to read: labels by source, agreement
// between sources, counts after resolution. It returns the first error
// from w.
func (st LabelStats) WriteTable(w io.Writer) error {
	ew := &errWriter{w: w}
	if len(st.Raters) == 0 {
		ew.printf("no labels yet (feedprobe label apply, feedprobe label import)\n")
		return ew.err
	}
	ew.printf("labels by source\n  %-16s %-36s %7s %8s\n", "category", "source", "items", "positive")
	for _, r := range st.Raters {
		ew.printf("  %-16s %-36s %7d %8d\n", r.Category, r.Rater, r.Items, r.Positive)
	}
	if len(st.Agreement) > 0 {
		ew.printf("\nagreement between sources (items both labelled)\n  %-16s %-30s %-30s %6s %6s %8s %7s\n", "category", "source A", "source B", "n", "agree", "observed", "kappa")
		for _, a := range st.Agreement {
			k := "NaN"
			if a.Kappa != nil {
				k = fmt.Sprintf("%.3f", *a.Kappa)
			}
			ew.printf("  %-16s %-30s %-30s %6d %6d %8.3f %7s\n", a.Category, a.RaterA, a.RaterB, a.N, a.Agree, a.Observed, k)
		}
	}
	ew.printf("\nafter resolution (%s, then others)\n", strings.Join(SourcePrecedence, " > "))
	for _, r := range st.Resolved {
		ew.printf("  %-16s %6d items %6d positive\n", r.Category, r.Items, r.Positive)
	}
	return ew.err
}
