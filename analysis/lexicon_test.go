package analysis

import (
	"slices"
	"testing"
)

func TestLexiconMatch(t *testing.T) {
	def := DefaultLexicon()
	tests := []struct {
		name  string
		lex   Lexicon
		title string
		want  []string
	}{
		{"upper case", def, "Best CASINO bonuses", []string{"gambling"}},
		{"full-width", def, "ｃａｓｉｎｏ night", []string{"gambling"}},
		{"full-width capitals and ideographic space", def, "Ｓｌｏｔ　Ｍａｃｈｉｎｅ tips", []string{"gambling"}},
		{"chinese without spaces", def, "今天去赌博了", []string{"gambling"}},
		{"chinese misinformation", def, "这个神奇疗法包治百病", []string{"misinformation"}},
		{"hyphen", def, "Self-Harm stories", []string{"self_harm"}},
		{"two categories sorted", def, "Casino owner sells miracle cure", []string{"gambling", "misinformation"}},
		{"no match", def, "Cooking with pasta", nil},
		{"partial term does not match", def, "slot times for machines", nil},
		{"empty title", def, "", nil},
		{"empty term matches nothing", Lexicon{"x": {""}}, "anything", nil},
		{"full-width term", Lexicon{"x": {"ＡＢＣ"}}, "xabcx", []string{"x"}},
		{"nil lexicon", nil, "casino", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.lex.Match(tc.title); !slices.Equal(got, tc.want) {
				t.Fatalf("Match(%q) = %q, want %q", tc.title, got, tc.want)
			}
		})
	}
}

func TestDefaultLexiconIsFresh(t *testing.T) {
	a := DefaultLexicon()
	a["gambling"] = nil
	if got := DefaultLexicon().Match("casino"); !slices.Equal(got, []string{"gambling"}) {
		t.Errorf("DefaultLexicon().Match(%q) after changing another copy = %q, want [gambling]", "casino", got)
	}
}
