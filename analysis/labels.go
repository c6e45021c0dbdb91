package analysis

import "slices"

// LabelVote is what one source says of one item in one category.
type LabelVote struct {
	ItemID   string  `json:"item_id"`
	Category string  `json:"category"`
	Source   string  `json:"source"`
	Value    float64 `json:"value"`
}

// SourcePrecedence lists label sources from the most to the least trusted.
// A source not listed ranks after all of them, and ties among such
// sources go to the lexically first name. "truth" is a simulated
// platform's ground truth (simfeed), which real audits never have.
var SourcePrecedence = []string{"manual", "truth", "lexicon", "adapter"}

func sourceRank(s string) int {
	if i := slices.Index(SourcePrecedence, s); i >= 0 {
		return i
	}
	return len(SourcePrecedence)
}

// ResolveLabels picks, per item and category, the value of the most trusted
// source that labelled it (SourcePrecedence: manual over truth over lexicon
// over adapter over any other). Several votes of the same source (several
// annotators) are averaged. The result maps item -> category -> value.
func ResolveLabels(votes []LabelVote) map[string]map[string]float64 {
	type key struct{ item, cat string }
	type best struct {
		rank   int
		source string
		sum    float64
		n      int
	}
	picked := map[key]*best{}
	for _, v := range votes {
		k := key{v.ItemID, v.Category}
		r := sourceRank(v.Source)
		b := picked[k]
		switch {
		case b == nil || r < b.rank || r == b.rank && v.Source < b.source:
			picked[k] = &best{rank: r, source: v.Source, sum: v.Value, n: 1}
		case r == b.rank && v.Source == b.source:
			b.sum += v.Value
			b.n++
		}
	}
	out := map[string]map[string]float64{}
	for k, b := range picked {
		m := out[k.item]
		if m == nil {
			m = map[string]float64{}
			out[k.item] = m
		}
		m[k.cat] = b.sum / float64(b.n)
	}
	return out
}
