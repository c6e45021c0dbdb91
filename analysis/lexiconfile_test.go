package analysis

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

const testLexicon = `name: harm-test
categories:
  gambling:
    - casino
    - 赌博
    - /slot\s*machines?/
  self_harm:
    - 自残
    - extreme fasting
  misinformation:
    - 神奇疗法
`

func TestParseLexiconMatch(t *testing.T) {
	lex, err := ParseLexicon("harm.yaml", []byte(testLexicon))
	if err != nil {
		t.Fatalf("ParseLexicon: %v", err)
	}
	if lex.Name != "harm-test" || len(lex.Version) != 12 {
		t.Errorf("name %q version %q, want harm-test and a 12-digit hash", lex.Name, lex.Version)
	}
	tests := []struct {
		title string
		want  []string
	}{
		{"今天去赌博了", []string{"gambling"}}, // Chinese substring, no word breaks
		{"他们说这是神奇疗法还有自残的内容", []string{"misinformation", "self_harm"}},
		{"ＣＡＳＩＮＯ　ｎｉｇｈｔ", []string{"gambling"}},                // full-width and upper case
		{"New SLOT   MACHINES in town", []string{"gambling"}}, // regex, case folded
		{"Ｓｌｏｔ　Ｍａｃｈｉｎｅ", []string{"gambling"}},                // regex against the width-folded title
		{"Extreme Fasting tips", []string{"self_harm"}},
		{"slots of fun", nil},
		{"赌", nil},
		{"", nil},
	}
	for _, tc := range tests {
		if got := lex.Match(tc.title); !slices.Equal(got, tc.want) {
			t.Errorf("Match(%q) = %v, want %v", tc.title, got, tc.want)
		}
	}
}

func TestParseLexiconVersion(t *testing.T) {
	a, err := ParseLexicon("a.yaml", []byte(testLexicon))
	if err != nil {
		t.Fatal(err)
	}
	b, err := ParseLexicon("b.yaml", []byte(strings.Replace(testLexicon, "casino", "casinos", 1)))
	if err != nil {
		t.Fatal(err)
	}
	if a.Version == b.Version {
		t.Errorf("changed lexicon kept version %s", a.Version)
	}
	c, err := ParseLexicon("c.yaml", []byte("version: round-2\n"+testLexicon))
	if err != nil {
		t.Fatal(err)
	}
	if c.Version != "round-2" {
		t.Errorf("Version = %q, want round-2 (given in the file)", c.Version)
	}
}

func TestParseLexiconErrors(t *testing.T) {
	tests := []struct {
		name, src string
		want      []string // each a substring of one error, in order
	}{
		{"bad regex and empty pattern", "categories:\n  gambling:\n    - /slot(/\n    - \"\"\n",
			[]string{"lex.yaml:3: categories.gambling[0]: bad regular expression", "lex.yaml:4: categories.gambling[1]: empty pattern"}},
		{"not a list", "categories:\n  gambling: casino\n", []string{"lex.yaml:2: categories.gambling: want a list"}},
		{"unknown field", "name: x\ncategory:\n  a: [b]\n", []string{"lex.yaml:2: category: unknown field", "lex.yaml:1: categories: missing"}},
		{"no patterns", "categories:\n  gambling: []\n", []string{"lex.yaml:2: categories.gambling: no patterns"}},
		{"syntax", "categories: [\n", []string{"lex.yaml: "}},
		{"empty", "", []string{"lex.yaml: empty file"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseLexicon("lex.yaml", []byte(tc.src))
			if err == nil {
				t.Fatal("ParseLexicon succeeded, want an error")
			}
			lines := strings.Split(err.Error(), "\n")
			if len(lines) != len(tc.want) {
				t.Fatalf("ParseLexicon error = %q, want %d problems", err, len(tc.want))
			}
			for i, w := range tc.want {
				if !strings.Contains(lines[i], w) {
					t.Errorf("problem %d = %q, want it to contain %q", i, lines[i], w)
				}
			}
			var le *LexiconError
			if !errors.As(err, &le) {
				t.Errorf("error %T is not a *LexiconError", err)
			}
		})
	}
}

func TestBuiltinLexiconMatchesDefault(t *testing.T) {
	b, d := BuiltinLexicon(), DefaultLexicon()
	for _, title := range []string{"Jackpot tonight", "这个神奇疗法包治百病", "自残", "cooking pasta"} {
		if got, want := b.Match(title), d.Match(title); !slices.Equal(got, want) {
			t.Errorf("BuiltinLexicon().Match(%q) = %v, want %v", title, got, want)
		}
	}
}

// FuzzParseLexicon checks that no input makes the lexicon parser panic and
// that a parsed lexicon can match any title.
func FuzzParseLexicon(f *testing.F) {
	f.Add([]byte(testLexicon), "今天去赌博了")
	f.Add([]byte("categories:\n  a: [/x(/]\n"), "x")
	f.Add([]byte("categories: {a: [b, /c+/]}\nname: [1]\n"), "ccc")
	f.Add([]byte("\x00\xff: ["), "")
	f.Fuzz(func(t *testing.T, data []byte, title string) {
		lex, err := ParseLexicon("fuzz.yaml", data)
		if err != nil {
			if lex != nil {
				t.Fatalf("ParseLexicon returned a lexicon and an error %v", err)
			}
			return
		}
		lex.Match(title)
	})
}
