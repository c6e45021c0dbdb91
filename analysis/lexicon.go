package analysis

import (
	"slices"
	"strings"
)

// Lexicon labels item titles by keyword: it maps a category to the terms
// that put a title in it. A term matches anywhere in the title (substring
// matching, so Chinese titles need no word breaks), ignoring case and
// full-width/half-width differences. A Lexicon is a plain map: safe for
// concurrent Match calls as long as nobody modifies it.
type Lexicon map[string][]string

// Match returns the categories with at least one term in title, sorted, or
// nil when none matches. Title and terms are both folded first: full-width
// ASCII (U+FF01..U+FF5E) becomes ASCII, the ideographic space U+3000 a space,
// and letters lower case. Empty terms match nothing.
func (l Lexicon) Match(title string) []string {
	t := fold(title)
	var cats []string
	for cat, terms := range l {
		for _, term := range terms {
			if term != "" && strings.Contains(t, fold(term)) {
				cats = append(cats, cat)
				break
			}
		}
	}
	slices.Sort(cats)
	return cats
}

// fold maps full-width ASCII variants to ASCII and lower-cases s. The
// golang.org/x/text width package is not a dependency, so the fixed offset
// between U+FF01..U+FF5E and U+0021..U+007E is applied by hand.
func fold(s string) string {
	s = strings.Map(func(r rune) rune {
		switch {
		case r >= 0xFF01 && r <= 0xFF5E:
			return r - 0xFEE0
		case r == 0x3000:
			return ' '
		}
		return r
	}, s)
	return strings.ToLower(s)
}

// DefaultLexicon returns the lexicon of simfeed's harm categories: gambling,
// self_harm and misinformation, in English and Chinese. Each call returns a
// new map the caller may modify.
func DefaultLexicon() Lexicon {
	return Lexicon{
		"gambling":       {"casino", "betting", "jackpot", "slot machine", "赌博", "博彩", "老虎机"},
		"self_harm":      {"self-harm", "extreme fasting", "starve yourself", "自残", "极端节食"},
		"misinformation": {"miracle cure", "secret cure", "vaccine hoax", "神奇疗法", "包治百病"},
	}
}
