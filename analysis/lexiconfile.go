package analysis

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
)

// LexiconError is one problem in a lexicon file, at a line and field.
type LexiconError struct {
	File  string
	Line  int
	Field string
	Msg   string
}

// Error formats e as "file:line: field: msg".
func (e *LexiconError) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Line)
	}
	b.WriteString(": ")
	if e.Field != "" {
		b.WriteString(e.Field + ": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// Pattern is one term of a PatternLexicon: a substring, or a regular
// expression when Regexp is set.
type Pattern struct {
	Text   string         `json:"pattern"`
	Regexp *regexp.Regexp `json:"-"`
}

// PatternLexicon is a named lexicon of substrings and regular expressions
// per category, as loaded from a YAML file. Version identifies its content
// (the file's own version, or a hash of the categories and patterns), so
// that labels record which lexicon produced them. A PatternLexicon is safe
// for concurrent Match calls.
type PatternLexicon struct {
	Name       string               `json:"name"`
	Version    string               `json:"version"`
	Categories map[string][]Pattern `json:"categories"`
}

// ParseLexicon parses a lexicon file:
//
//	name: harm                 # optional; default: the file name
//	version: "2026-03"         # optional; default: a hash of the categories
//	categories:
//	  gambling:
//	    - casino               # a substring, matched anywhere
//	    - 赌博                  # Chinese needs no word breaks
//	    - /slot\s*machines?/   # between slashes: a regular expression
//
// Titles and substrings are folded before matching (full-width ASCII to
// ASCII, the ideographic space to a space, lower case); regular expressions
// run case-insensitively against the folded title. Every problem is reported
// as a *LexiconError naming file, line and field, joined with errors.Join.
func ParseLexicon(file string, data []byte) (*PatternLexicon, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, &LexiconError{File: file, Msg: strings.TrimPrefix(err.Error(), "yaml: ")}
	}
	lex := &PatternLexicon{Categories: map[string][]Pattern{}}
	var errs []error
	bad := func(n *yaml.Node, field, format string, args ...any) {
		errs = append(errs, &LexiconError{File: file, Line: n.Line, Field: field, Msg: fmt.Sprintf(format, args...)})
	}
	if len(doc.Content) == 0 {
		return nil, &LexiconError{File: file, Msg: "empty file: want name, version and categories"}
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		return nil, &LexiconError{File: file, Line: root.Line, Msg: "want a mapping with categories"}
	}
	var cats *yaml.Node
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		switch k.Value {
		case "name", "version":
			if v.Kind != yaml.ScalarNode {
				bad(v, k.Value, "want a string")
				continue
			}
			if k.Value == "name" {
				lex.Name = v.Value
			} else {
				lex.Version = v.Value
			}
		case "categories":
			cats = v
		default:
			bad(k, k.Value, "unknown field (want name, version or categories)")
		}
	}
	switch {
	case cats == nil:
		bad(root, "categories", "missing: map each category to its patterns")
	case cats.Kind != yaml.MappingNode:
		bad(cats, "categories", "want a mapping of category to a list of patterns")
	default:
		for i := 0; i+1 < len(cats.Content); i += 2 {
			k, v := cats.Content[i], cats.Content[i+1]
			field := "categories." + k.Value
			if strings.TrimSpace(k.Value) == "" {
				bad(k, "categories", "empty category name")
				continue
			}
			if _, dup := lex.Categories[k.Value]; dup {
				bad(k, field, "category listed twice")
				continue
			}
			if v.Kind != yaml.SequenceNode {
				bad(v, field, "want a list of patterns")
				continue
			}
			pats := []Pattern{}
			for j, p := range v.Content {
				pf := fmt.Sprintf("%s[%d]", field, j)
				if p.Kind != yaml.ScalarNode {
					bad(p, pf, "want a string")
					continue
				}
				pat, err := parsePattern(p.Value)
				if err != nil {
					bad(p, pf, "%v", err)
					continue
				}
				pats = append(pats, pat)
			}
			if len(v.Content) == 0 {
				bad(v, field, "no patterns")
			}
			lex.Categories[k.Value] = pats
		}
	}
	if len(errs) > 0 {
		return nil, joinLexiconErrors(errs)
	}
	if lex.Name == "" {
		lex.Name = file
	}
	if lex.Version == "" {
		lex.Version = lex.hash()
	}
	return lex, nil
}

// joinLexiconErrors returns one error for several, each on its line.
func joinLexiconErrors(errs []error) error {
	if len(errs) == 1 {
		return errs[0]
	}
	return lexiconErrors(errs)
}

type lexiconErrors []error

func (e lexiconErrors) Error() string {
	s := make([]string, len(e))
	for i, err := range e {
		s[i] = err.Error()
	}
	return strings.Join(s, "\n")
}

func (e lexiconErrors) Unwrap() []error { return e }

func parsePattern(s string) (Pattern, error) {
	if strings.TrimSpace(s) == "" {
		return Pattern{}, fmt.Errorf("empty pattern")
	}
	if len(s) >= 2 && strings.HasPrefix(s, "/") && strings.HasSuffix(s, "/") {
		re, err := regexp.Compile("(?i)" + s[1:len(s)-1])
		if err != nil {
			return Pattern{}, fmt.Errorf("bad regular expression %s: %v", s, err)
		}
		return Pattern{Text: s, Regexp: re}, nil
	}
	return Pattern{Text: s}, nil
}

// hash is a short hash of the categories and patterns, in a fixed order.
func (l *PatternLexicon) hash() string {
	h := sha256.New()
	for _, c := range l.CategoryNames() {
		fmt.Fprintf(h, "%d:%s;", len(c), c)
		for _, p := range l.Categories[c] {
			fmt.Fprintf(h, "%d:%s;", len(p.Text), p.Text)
		}
		h.Write([]byte{'\n'})
	}
	return hex.EncodeToString(h.Sum(nil))[:12]
}

// CategoryNames returns the categories, sorted.
func (l *PatternLexicon) CategoryNames() []string {
	names := make([]string, 0, len(l.Categories))
	for c := range l.Categories {
		names = append(names, c)
	}
	slices.Sort(names)
	return names
}

// Match returns the categories with a pattern that matches title, sorted,
// or nil.
func (l *PatternLexicon) Match(title string) []string {
	t := fold(title)
	var cats []string
	for cat, pats := range l.Categories {
		for _, p := range pats {
			if p.Regexp != nil && p.Regexp.MatchString(t) || p.Regexp == nil && strings.Contains(t, fold(p.Text)) {
				cats = append(cats, cat)
				break
			}
		}
	}
	slices.Sort(cats)
	return cats
}

// BuiltinLexicon returns DefaultLexicon (simfeed's harm categories) as a
// PatternLexicon named "builtin-harm".
func BuiltinLexicon() *PatternLexicon {
	l := &PatternLexicon{Name: "builtin-harm", Categories: map[string][]Pattern{}}
	for cat, terms := range DefaultLexicon() {
		for _, t := range terms {
			l.Categories[cat] = append(l.Categories[cat], Pattern{Text: t})
		}
	}
	l.Version = l.hash()
	return l
}
