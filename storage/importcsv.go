package storage

import (
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/feedprobe/feedprobe/personas"
)

// CSVImport says how ParseImportCSV reads another tool's CSV file.
type CSVImport struct {
	// Campaign and Platform name the new campaign and where the data comes
	// from.
	Campaign, Platform string
	// Map holds FIELD=COLUMN pairs (`feedprobe import --map`): the column
	// that holds a field; label.CATEGORY=COLUMN makes a column a label.
	Map []string
}

// ParseImportCSV checks and converts every row of data, a CSV file with a
// header row of impressions another tool collected, into an Import of a
// new campaign: personas (role and top interest from their rows), sessions,
// impressions (rank from the row order where none is mapped) and labels
// with source "import:CAMPAIGN". Any problem fails the whole file, with
// every problem listed (RowError: file, line, column).
func ParseImportCSV(file string, data []byte, opt CSVImport) (Import, error) {
	mapping, labelCols, err := parseImportMap(opt.Map)
	if err != nil {
		return Import{}, err
	}
	im, err := readImportCSV(file, data, mapping, labelCols)
	if err != nil {
		return im, err
	}
	sum := sha256.Sum256(data)
	spec, err := json.Marshal(map[string]any{"imported_from": filepath.Base(file), "format": "csv", "map": opt.Map, "sha256": hex.EncodeToString(sum[:])})
	if err != nil {
		return im, err
	}
	im.Campaign = Campaign{Name: opt.Campaign, Platform: opt.Platform, BaseURL: "import:" + filepath.Base(file), Spec: spec, SpecHash: hex.EncodeToString(sum[:])}
	for i := range im.Labels {
		im.Labels[i].Platform, im.Labels[i].Source = opt.Platform, "import:"+opt.Campaign
	}
	return im, nil
}

// importFields are the fields an imported impression can have, with whether
// each is required.
var importFields = []struct {
	name     string
	required bool
	about    string
}{
	{"persona", true, "who was served the item (a persona, account or user id)"},
	{"session", true, "the persona's session or step: an integer 1, 2, ... (alias: step)"},
	{"rank", false, "position in the session's feed, 1..; default: the order of the rows"},
	{"item_id", true, "the platform's id of the item"},
	{"title", false, "the item's title as seen"},
	{"topic", false, "the item's topic"},
	{"surface", false, "where it was shown (feed, hot, search...); default feed"},
	{"seen_at", false, "when: RFC 3339, or Unix seconds or milliseconds"},
	{"role", false, "the persona's role: test or control; default test"},
	{"interest", false, "the topic the persona was trained on (its top interest)"},
}

// parseImportMap reads --map FIELD=COLUMN flags.
func parseImportMap(maps []string) (map[string]string, map[string]string, error) {
	known := map[string]bool{}
	for _, f := range importFields {
		known[f.name] = true
	}
	fields, labels := map[string]string{}, map[string]string{}
	for _, m := range maps {
		f, col, ok := strings.Cut(m, "=")
		f, col = strings.TrimSpace(f), strings.TrimSpace(col)
		if !ok || f == "" || col == "" {
			return nil, nil, fmt.Errorf("--map %q: want FIELD=COLUMN", m)
		}
		if f == "step" {
			f = "session"
		}
		if cat, ok := strings.CutPrefix(f, "label."); ok {
			if cat == "" {
				return nil, nil, fmt.Errorf("--map %q: want label.CATEGORY=COLUMN", m)
			}
			labels[cat] = col
			continue
		}
		if !known[f] {
			var names []string
			for _, x := range importFields {
				names = append(names, x.name)
			}
			return nil, nil, fmt.Errorf("--map %q: unknown field %q (want %s, or label.CATEGORY)", m, f, strings.Join(names, ", "))
		}
		fields[f] = col
	}
	return fields, labels, nil
}

// readImportCSV checks and converts every row; any problem fails the whole
// file, with every problem listed.
func readImportCSV(file string, data []byte, mapping, labelCols map[string]string) (Import, error) {
	var im Import
	cr := csv.NewReader(strings.NewReader(strings.TrimPrefix(string(data), "\ufeff")))
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	if err != nil {
		return im, fmt.Errorf("%s:1: header: %w", file, err)
	}
	idx := map[string]int{}
	for i, h := range header {
		idx[strings.TrimSpace(h)] = i
	}
	fieldCol := map[string]int{}
	var problems []error
	for _, f := range importFields {
		col := f.name
		if c, ok := mapping[f.name]; ok {
			col = c
		} else if f.name == "session" {
			if _, ok := idx["session"]; !ok {
				col = "step"
			}
		}
		i, ok := idx[col]
		switch {
		case ok:
			fieldCol[f.name] = i
		case f.required || mapping[f.name] != "":
			problems = append(problems, fmt.Errorf("%s:1: header: no column %q for %s (map one with --map %s=COLUMN)", file, col, f.name, f.name))
		}
	}
	labelIdx := map[string]int{}
	for cat, col := range labelCols {
		i, ok := idx[col]
		if !ok {
			problems = append(problems, fmt.Errorf("%s:1: header: no column %q for label.%s", file, col, cat))
			continue
		}
		labelIdx[cat] = i
	}
	if len(problems) > 0 {
		return im, errors.Join(problems...)
	}
	type personaInfo struct {
		role, interest string
		line           int
	}
	pers := map[string]*personaInfo{}
	var order []string
	type slot struct {
		persona, surface string
		session, rank    int
	}
	seen := map[slot]int{}
	nextRank := map[slot]int{}
	type labelKey struct{ item, cat string }
	labels := map[labelKey]float64{}
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				problems = append(problems, RowError{file, pe.StartLine, "", pe.Err.Error()})
				continue
			}
			return im, err
		}
		line, _ := cr.FieldPos(0)
		if len(rec) != len(header) {
			problems = append(problems, RowError{file, line, "", fmt.Sprintf("%d fields, the header has %d", len(rec), len(header))})
			continue
		}
		get := func(f string) string {
			if i, ok := fieldCol[f]; ok {
				return strings.TrimSpace(rec[i])
			}
			return ""
		}
		colName := func(f string) string { return header[fieldCol[f]] }
		bad := func(f, format string, args ...any) {
			problems = append(problems, RowError{file, line, colName(f), fmt.Sprintf(format, args...)})
		}
		imp := ImportedImpression{Persona: get("persona"), ItemID: get("item_id"), Title: get("title"), Topic: get("topic"), Surface: get("surface")}
		n0 := len(problems)
		if imp.Persona == "" {
			bad("persona", "empty")
		}
		if imp.ItemID == "" {
			bad("item_id", "empty")
		}
		if imp.Surface == "" {
			imp.Surface = "feed"
		}
		s, err := strconv.Atoi(get("session"))
		if err != nil || s < 1 {
			bad("session", "%q: want an integer 1, 2, ...", get("session"))
		}
		imp.Session = s
		if _, ok := fieldCol["rank"]; ok {
			r, err := strconv.Atoi(get("rank"))
			if err != nil || r < 1 {
				bad("rank", "%q: want an integer 1, 2, ...", get("rank"))
			}
			imp.Rank = r
		}
		if v := get("seen_at"); v != "" {
			t, err := parseImportTime(v)
			if err != nil {
				bad("seen_at", "%v", err)
			}
			imp.SeenAt = t
		}
		role := get("role")
		switch role {
		case "":
			role = personas.RoleTest
		case personas.RoleTest, personas.RoleControl:
		default:
			bad("role", "%q: want test or control", role)
		}
		for cat, i := range labelIdx {
			v := strings.TrimSpace(rec[i])
			if v == "" {
				continue
			}
			x, err := strconv.ParseFloat(v, 64)
			if err != nil {
				problems = append(problems, RowError{file, line, header[i], fmt.Sprintf("%q is not a number", v)})
				continue
			}
			labels[labelKey{imp.ItemID, cat}] = x
		}
		if len(problems) > n0 {
			continue
		}
		p := pers[imp.Persona]
		if p == nil {
			p = &personaInfo{role: role, interest: get("interest"), line: line}
			pers[imp.Persona] = p
			order = append(order, imp.Persona)
		} else if p.role != role || get("interest") != "" && p.interest != get("interest") {
			problems = append(problems, RowError{file, line, "", fmt.Sprintf("persona %q has role %q and interest %q at line %d", imp.Persona, p.role, p.interest, p.line)})
			continue
		}
		sk := slot{imp.Persona, imp.Surface, imp.Session, 0}
		if imp.Rank == 0 {
			nextRank[sk]++
			imp.Rank = nextRank[sk]
		}
		k := slot{imp.Persona, imp.Surface, imp.Session, imp.Rank}
		if l, dup := seen[k]; dup {
			problems = append(problems, RowError{file, line, "", fmt.Sprintf("persona %q session %d rank %d on %s is also at line %d", imp.Persona, imp.Session, imp.Rank, imp.Surface, l)})
			continue
		}
		seen[k] = line
		im.Impressions = append(im.Impressions, imp)
	}
	if len(problems) > 0 {
		return im, fmt.Errorf("%d problems, nothing imported:\n%w", len(problems), errors.Join(problems...))
	}
	if len(im.Impressions) == 0 {
		return im, fmt.Errorf("%s: no impressions", file)
	}
	for _, name := range order {
		p := pers[name]
		spec := personas.Spec{Name: name, Role: p.role, Interests: map[string]float64{}, Keywords: map[string][]string{}}
		if p.interest != "" {
			spec.Interests[p.interest] = 1
		}
		js, err := json.Marshal(spec)
		if err != nil {
			return im, err
		}
		im.Personas = append(im.Personas, Persona{Name: name, Role: p.role, Spec: js})
	}
	var lks []labelKey
	for k := range labels {
		lks = append(lks, k)
	}
	sort.Slice(lks, func(i, j int) bool {
		if lks[i].item != lks[j].item {
			return lks[i].item < lks[j].item
		}
		return lks[i].cat < lks[j].cat
	})
	for _, k := range lks {
		im.Labels = append(im.Labels, Label{ItemID: k.item, Category: k.cat, Value: labels[k]})
	}
	return im, nil
}

// parseImportTime reads RFC 3339 or Unix seconds / milliseconds.
func parseImportTime(s string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t.UTC(), nil
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		if n > 1e11 { // milliseconds from 1973 on
			return time.UnixMilli(n).UTC(), nil
		}
		return time.Unix(n, 0).UTC(), nil
	}
	return time.Time{}, fmt.Errorf("%q: want RFC 3339 (2026-03-01T12:00:00Z) or Unix seconds or milliseconds", s)
}
