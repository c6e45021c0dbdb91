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
	"slices"
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
// new campaign: personas (their design from their rows: role, twin_of,
// arm or persona_group, interests, age_group, locale, device), sessions,
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
	{"role", false, "the persona's role: test, control, or twin (a control that copies twin_of); default test"},
	{"interest", false, "the topic the persona was trained on (its top interest)"},
	{"interests", false, "every topic the persona was trained on with its weight: sports:1;cooking:0.5"},
	{"twin_of", false, "on a twin control, the test persona it copies"},
	{"arm", false, "on a control, the test persona it is matched to"},
	{"persona_group", false, "the matched group: a control is matched to the one test persona of its group"},
	{"age_group", false, "the persona's age trait: minor or adult (art18-minors and groups by age)"},
	{"locale", false, "the persona's locale trait (groups by locale)"},
	{"device", false, "the persona's device trait: desktop or mobile (groups by device)"},
}

// personaFields are the import fields that describe the persona, not the
// row: every row of a persona must agree on them.
var personaFields = []string{"role", "interest", "interests", "twin_of", "arm", "persona_group", "age_group", "locale", "device"}

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
	var dups []string
	for i, h := range header {
		h = strings.TrimSpace(h)
		if _, dup := idx[h]; dup {
			if !slices.Contains(dups, h) {
				dups = append(dups, h)
			}
			continue
		}
		idx[h] = i
	}
	if len(dups) > 0 {
		return im, fmt.Errorf("%s:1: header: duplicate column(s) %s: rename or drop them", file, quoteAll(dups))
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
	used := map[int]bool{}
	for _, i := range fieldCol {
		used[i] = true
	}
	for _, i := range labelIdx {
		used[i] = true
	}
	var ignored []string
	for i, h := range header {
		if !used[i] {
			ignored = append(ignored, strings.TrimSpace(h))
		}
	}
	if len(ignored) > 0 {
		im.Warnings = append(im.Warnings, fmt.Sprintf("%s: column(s) %s ignored: not a field (map one with --map FIELD=COLUMN or --map label.CATEGORY=COLUMN)", file, quoteAll(ignored)))
	}
	type personaInfo struct {
		attrs map[string]string
		line  int
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
		switch role := get("role"); role {
		case "", personas.RoleTest, personas.RoleControl, "twin":
		default:
			bad("role", "%q: want test, control or twin", role)
		}
		if v := get("interests"); v != "" {
			if _, err := parseInterests(v); err != nil {
				bad("interests", "%v", err)
			}
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
		attrs := map[string]string{}
		for _, f := range personaFields {
			attrs[f] = get(f)
		}
		p := pers[imp.Persona]
		if p == nil {
			p = &personaInfo{attrs: attrs, line: line}
			pers[imp.Persona] = p
			order = append(order, imp.Persona)
		} else {
			clash := false
			for _, f := range personaFields {
				if attrs[f] != p.attrs[f] && !(f == "interest" && attrs[f] == "") {
					problems = append(problems, RowError{file, line, colName(f), fmt.Sprintf("persona %q has %s %q here but %q at line %d", imp.Persona, f, attrs[f], p.attrs[f], p.line)})
					clash = true
				}
			}
			if clash {
				continue
			}
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
	specs, err := importDesign(file, order, func(name string) (map[string]string, int) { return pers[name].attrs, pers[name].line })
	if err != nil {
		return im, err
	}
	for _, spec := range specs {
		js, err := json.Marshal(spec)
		if err != nil {
			return im, err
		}
		im.Personas = append(im.Personas, Persona{Name: spec.Name, Role: spec.Role, Spec: js})
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

// importDesign turns each persona's design columns into its spec: role
// (twin: a control with twin_of), interests (interests, else interest),
// twin_of, arm (persona_group: the one test persona of the control's
// group), traits. A twin_of or arm that names no test persona, a twin
// without twin_of, or a group with no or several test personas is a
// problem at the persona's first line.
func importDesign(file string, order []string, attrsOf func(string) (map[string]string, int)) ([]personas.Spec, error) {
	var problems []error
	tests := map[string]bool{}
	groupTests := map[string][]string{}
	for _, name := range order {
		a, _ := attrsOf(name)
		if role := a["role"]; role == "" || role == personas.RoleTest {
			tests[name] = true
			if g := a["persona_group"]; g != "" {
				groupTests[g] = append(groupTests[g], name)
			}
		}
	}
	var out []personas.Spec
	for _, name := range order {
		a, line := attrsOf(name)
		bad := func(col, format string, args ...any) {
			problems = append(problems, RowError{file, line, col, fmt.Sprintf("persona %q: ", name) + fmt.Sprintf(format, args...)})
		}
		spec := personas.Spec{Name: name, Role: personas.RoleTest, Interests: map[string]float64{}, Keywords: map[string][]string{},
			Traits: personas.Traits{AgeGroup: a["age_group"], Locale: a["locale"], Device: a["device"]}}
		if a["role"] == personas.RoleControl || a["role"] == "twin" {
			spec.Role = personas.RoleControl
		}
		if a["interests"] != "" {
			spec.Interests, _ = parseInterests(a["interests"])
		} else if a["interest"] != "" {
			spec.Interests[a["interest"]] = 1
		}
		spec.TwinOf, spec.Arm = a["twin_of"], a["arm"]
		switch {
		case a["role"] == "twin" && spec.TwinOf == "":
			bad("twin_of", "a twin names the test persona it copies in twin_of")
		case spec.Role == personas.RoleTest && (spec.TwinOf != "" || spec.Arm != ""):
			bad("role", "a test persona has no twin_of or arm (role %q)", a["role"])
		case spec.TwinOf != "" && !tests[spec.TwinOf]:
			bad("twin_of", "%q is not a test persona of the file", spec.TwinOf)
		case spec.Arm != "" && !tests[spec.Arm]:
			bad("arm", "%q is not a test persona of the file", spec.Arm)
		}
		if g := a["persona_group"]; g != "" && spec.Role == personas.RoleControl && spec.TwinOf == "" && spec.Arm == "" {
			switch ts := groupTests[g]; len(ts) {
			case 1:
				spec.Arm = ts[0]
			case 0:
				bad("persona_group", "group %q has no test persona to match this control to", g)
			default:
				bad("persona_group", "group %q has %d test personas (%s); name this control's in an arm column", g, len(ts), strings.Join(ts, ", "))
			}
		}
		out = append(out, spec)
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("%d problems, nothing imported:\n%w", len(problems), errors.Join(problems...))
	}
	return out, nil
}

// parseInterests reads "sports:1;cooking:0.5" (a weight defaults to 1).
func parseInterests(s string) (map[string]float64, error) {
	out := map[string]float64{}
	for _, part := range strings.FieldsFunc(s, func(r rune) bool { return r == ';' || r == ',' || r == ' ' }) {
		topic, w, ok := strings.Cut(part, ":")
		x := 1.0
		if ok {
			var err error
			if x, err = strconv.ParseFloat(w, 64); err != nil || !(x >= 0 && x <= 1) {
				return nil, fmt.Errorf("%q: weight %q of %q must be a number between 0 and 1", s, w, topic)
			}
		}
		if topic == "" {
			return nil, fmt.Errorf("%q: want topic:weight;topic:weight", s)
		}
		out[topic] = x
	}
	return out, nil
}

// quoteAll quotes and joins names for a message.
func quoteAll(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = strconv.Quote(n)
	}
	return strings.Join(q, ", ")
}

// Import times must fall between the Unix epoch and the year 9999.
var (
	minImportTime = time.Unix(0, 0).UTC()
	maxImportTime = time.Date(9999, 12, 31, 23, 59, 59, 999e6, time.UTC)
)

// parseImportTime reads RFC 3339 or Unix seconds / milliseconds, from
// 1970 to the year 9999.
func parseImportTime(s string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err == nil {
		t = t.UTC()
	} else if n, err2 := strconv.ParseInt(s, 10, 64); err2 == nil {
		if n > 1e11 || n < -1e11 { // milliseconds from 1973 on
			t = time.UnixMilli(n).UTC()
		} else {
			t = time.Unix(n, 0).UTC()
		}
	} else {
		return time.Time{}, fmt.Errorf("%q: want RFC 3339 (2026-03-01T12:00:00Z) or Unix seconds or milliseconds", s)
	}
	if t.Before(minImportTime) || t.After(maxImportTime) {
		return time.Time{}, fmt.Errorf("%q is %s: want a time from 1970 to the year 9999", s, t.Format(time.RFC3339))
	}
	return t, nil
}
