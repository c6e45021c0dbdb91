package storage

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/feedprobe/feedprobe/analysis"
)

// RowError is a problem with one row of an input file: FILE:LINE: column:
// problem (the column is left out when the problem is the row's).
type RowError struct {
	File   string
	Line   int
	Column string
	Msg    string
}

func (r RowError) Error() string {
	if r.Column == "" {
		return fmt.Sprintf("%s:%d: %s", r.File, r.Line, r.Msg)
	}
	return fmt.Sprintf("%s:%d: %s: %s", r.File, r.Line, r.Column, r.Msg)
}

// ParseLabelCSV parses manual labels from a CSV file with a header row
// naming the columns platform, item_id, category, value and annotator, in
// any order. Each label starts as defaults (source, version, and the
// platform and annotator of rows without one). A row with a problem is
// returned as a RowError in bad and left out; the good rows are kept. err
// is for a file that cannot be read as labels at all (no header, a missing
// column).
func ParseLabelCSV(file string, r io.Reader, defaults Label) (labels []Label, bad []error, err error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	if err != nil {
		return nil, nil, fmt.Errorf("%s:1: header: %w", file, err)
	}
	col := map[string]int{}
	for i, h := range header {
		col[strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))] = i
	}
	for _, need := range []string{"item_id", "category", "value"} {
		if _, ok := col[need]; !ok {
			return nil, nil, fmt.Errorf("%s:1: header: no %q column (want platform,item_id,category,value,annotator)", file, need)
		}
	}
	if _, ok := col["platform"]; !ok && defaults.Platform == "" {
		return nil, nil, fmt.Errorf("%s:1: header: no \"platform\" column and no --platform", file)
	}
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		line, _ := cr.FieldPos(0)
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				bad = append(bad, RowError{file, pe.StartLine, "", pe.Err.Error()})
				continue
			}
			return labels, bad, fmt.Errorf("%s: %w", file, err)
		}
		get := func(name string) string {
			if i, ok := col[name]; ok && i < len(rec) {
				return strings.TrimSpace(rec[i])
			}
			return ""
		}
		if len(rec) != len(header) {
			bad = append(bad, RowError{file, line, "", fmt.Sprintf("%d fields, the header has %d", len(rec), len(header))})
			continue
		}
		l := defaults
		if p := get("platform"); p != "" {
			l.Platform = p
		}
		if a := get("annotator"); a != "" {
			l.Annotator = a
		}
		l.ItemID, l.Category = get("item_id"), get("category")
		var problems []error
		if l.Platform == "" {
			problems = append(problems, RowError{file, line, "platform", "empty"})
		}
		if l.ItemID == "" {
			problems = append(problems, RowError{file, line, "item_id", "empty"})
		}
		if l.Category == "" {
			problems = append(problems, RowError{file, line, "category", "empty"})
		}
		v, err := strconv.ParseFloat(get("value"), 64)
		switch {
		case err != nil:
			problems = append(problems, RowError{file, line, "value", fmt.Sprintf("%q is not a number (want 1, 0, -1 or a score)", get("value"))})
		case math.IsNaN(v) || math.IsInf(v, 0):
			problems = append(problems, RowError{file, line, "value", "must be finite"})
		}
		if len(problems) > 0 {
			bad = append(bad, problems...)
			continue
		}
		l.Value = v
		labels = append(labels, l)
	}
	return labels, bad, nil
}

// Rater names a label's source for agreement statistics: the source, then
// "/annotator" and "@version" when set.
func (l Label) Rater() string {
	r := l.Source
	if l.Annotator != "" {
		r += "/" + l.Annotator
	}
	if l.SourceVersion != "" {
		r += "@" + l.SourceVersion
	}
	return r
}

// LexiconLabels is what ApplyLexicon did.
type LexiconLabels struct {
	// Version is the labels' source_version: NAME@VERSION of the lexicon.
	Version string
	// Items and Labels count the items labelled and the labels written.
	Items, Labels int
	// Matched counts the items matched, per category.
	Matched map[string]int
}

// ApplyLexicon labels the title of every catalogue item of platform ("" for
// all) with lex: for each category, value 1 when one of its patterns
// matches and 0 when none does, stored with source "lexicon" and version
// NAME@VERSION, replacing the labels of the same version.
func (db *DB) ApplyLexicon(ctx context.Context, lex *analysis.PatternLexicon, platform string) (LexiconLabels, error) {
	cats := lex.CategoryNames()
	res := LexiconLabels{Version: lex.Name + "@" + lex.Version, Matched: map[string]int{}}
	var labels []Label
	err := db.EachItem(ctx, platform, func(it CatalogueItem) error {
		res.Items++
		matched := map[string]bool{}
		for _, c := range lex.Match(it.Title) {
			matched[c] = true
			res.Matched[c]++
		}
		for _, c := range cats {
			v := 0.0
			if matched[c] {
				v = 1
			}
			labels = append(labels, Label{Platform: it.Platform, ItemID: it.ItemID, Category: c, Value: v, Source: "lexicon", SourceVersion: res.Version})
		}
		return nil
	})
	if err != nil {
		return res, err
	}
	res.Labels = len(labels)
	if _, err := db.SaveLabels(ctx, labels); err != nil {
		return res, err
	}
	return res, nil
}

// LabelStats reads the labels of platform ("" for all) and returns the
// counts per rater and category, the agreement between raters and the
// counts after resolution (analysis.SummarizeLabels). Items are told apart
// by platform and id.
func (db *DB) LabelStats(ctx context.Context, platform string) (analysis.LabelStats, error) {
	var (
		ratings []analysis.Rating
		votes   []analysis.LabelVote
	)
	err := db.EachLabel(ctx, platform, func(l Label) error {
		item := l.Platform + "/" + l.ItemID
		ratings = append(ratings, analysis.Rating{Item: item, Category: l.Category, Rater: l.Rater(), Value: l.Value})
		votes = append(votes, analysis.LabelVote{ItemID: item, Category: l.Category, Source: l.Source, Value: l.Value})
		return nil
	})
	if err != nil {
		return analysis.LabelStats{}, err
	}
	return analysis.SummarizeLabels(ratings, votes), nil
}
