package analysis

import (
	"slices"
	"strings"
)

// LabelVote is what one source says of one item in one category.
type LabelVote struct {
	ItemID   string  `json:"item_id"`
	Category string  `json:"category"`
	Source   string  `json:"source"`
	Value    float64 `json:"value"`
}

// Label sources, from the most to the least trusted.
const (
	// SourceManual is a human annotator's label (feedprobe label).
	SourceManual = "manual"
	// SourceImported stands for every label imported together with the
	// impressions it labels (`feedprobe import` names them "import:" and
	// the data set, SourceImportPrefix): a platform export or another
	// audit's coded data, coded by people with the items in view, so above
	// any automatic source, but below a label made for this audit.
	SourceImported = "imported"
	// SourceImportPrefix begins the source of an imported label.
	SourceImportPrefix = "import:"
	// SourceTruth is a simulated platform's ground truth (simfeed), which
	// real audits never have. It ranks below people's labels so a manual
	// correction of a simulated item still wins, as it would on a real
	// platform.
	SourceTruth = "truth"
	// SourceLexicon is the title lexicon's match.
	SourceLexicon = "lexicon"
	// SourceAdapter is what a platform adapter scraped (a content warning,
	// a category badge): the platform's own claim about its item.
	SourceAdapter = "adapter"
)

// SourcePrecedence lists label sources from the most to the least trusted:
// manual > imported (with impressions) > truth > lexicon > adapter. A
// source not listed ranks after all of them, and ties among such sources
// go to the lexically first name; every "import:…" source ranks as
// SourceImported, ties among them going to the lexically first name too. It is the one order every package uses
// (storage's label queries, the analyze and findings reports): call
// LabelPrecedence or ResolveLabels rather than repeating it. Treat it as
// read-only.
var SourcePrecedence = []string{SourceManual, SourceImported, SourceTruth, SourceLexicon, SourceAdapter}

// LabelPrecedence is the rank of a label source in SourcePrecedence, 0 the
// most trusted; an unknown source ranks len(SourcePrecedence).
func LabelPrecedence(source string) int { return sourceRank(source) }

func sourceRank(s string) int {
	if strings.HasPrefix(s, SourceImportPrefix) {
		s = SourceImported
	}
	if i := slices.Index(SourcePrecedence, s); i >= 0 {
		return i
	}
	return len(SourcePrecedence)
}

// ResolveLabels picks, per item and category, the value of the most trusted
// source that labelled it (SourcePrecedence: manual over imported over truth
// over lexicon over adapter over any other). Several votes of the same source (several
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
