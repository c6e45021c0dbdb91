package personas

import (
	"fmt"
	"slices"
	"strings"
)

// Error is one problem in a spec file. Load, Parse, LoadCampaign and
// ParseCampaign return every problem they find as an *Error, joined with
// errors.Join; walk them with errors.As or by unwrapping the join.
type Error struct {
	// File is the file name as given to the loader.
	File string
	// Line is the 1-based line of the offending YAML node.
	Line int
	// Field is the path of the offending field, such as
	// "personas[0].interests.sports"; empty for file-level problems.
	Field string
	// Msg says what is wrong and, where it can, how to fix it.
	Msg string
}

// Error formats e as "file:line: field: msg", leaving out the field when
// there is none.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Line)
	}
	b.WriteString(": ")
	if e.Field != "" {
		b.WriteString(e.Field)
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// Errors flattens err (as returned by this package's loaders) into its
// *Error values, in order. Errors of other types are skipped.
func Errors(err error) []*Error {
	var out []*Error
	var walk func(error)
	walk = func(err error) {
		if err == nil {
			return
		}
		if e, ok := err.(*Error); ok {
			out = append(out, e)
			return
		}
		switch u := err.(type) {
		case interface{ Unwrap() []error }:
			for _, e := range u.Unwrap() {
				walk(e)
			}
		case interface{ Unwrap() error }:
			walk(u.Unwrap())
		}
	}
	walk(err)
	return out
}

// errorList collects the problems of one file.
type errorList struct {
	file string
	errs []*Error
}

// add records a problem at line for field.
func (l *errorList) add(line int, field, format string, args ...any) {
	if line < 1 {
		line = 1
	}
	l.errs = append(l.errs, &Error{File: l.file, Line: line, Field: field, Msg: fmt.Sprintf(format, args...)})
}

// sorted returns the problems ordered by line, keeping the walk order for
// problems on the same line.
func (l *errorList) sorted() []error {
	slices.SortStableFunc(l.errs, func(a, b *Error) int { return a.Line - b.Line })
	out := make([]error, len(l.errs))
	for i, e := range l.errs {
		out[i] = e
	}
	return out
}

// suggest returns the candidate closest to word by edit distance, or "" when
// none is close enough to be a likely typo.
func suggest(word string, candidates []string) string {
	best, bestDist := "", -1
	for _, c := range candidates {
		d := editDistance(strings.ToLower(word), c)
		if bestDist < 0 || d < bestDist {
			best, bestDist = c, d
		}
	}
	limit := max(2, len([]rune(word))/3)
	if bestDist < 0 || bestDist > limit || bestDist >= len([]rune(word)) {
		return ""
	}
	return best
}

// editDistance is the Levenshtein distance between a and b, counted in
// runes.
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}

// oneOf formats the allowed values of an enumeration: "a, b or c".
func oneOf(values []string) string {
	switch len(values) {
	case 0:
		return ""
	case 1:
		return values[0]
	}
	return strings.Join(values[:len(values)-1], ", ") + " or " + values[len(values)-1]
}
