package schedule

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/feedprobe/feedprobe/personas"
)

// Key is the top-level key of a campaign file that holds its schedule.
const Key = "schedule"

// fields of a schedule block.
var fields = []string{"cron", "every", "time_zone", "jitter", "start", "end", "missed", "tolerance"}

// SplitCampaign takes a campaign file that has a top-level schedule: block
// and returns the block's Schedule and the file with the block blanked out
// (lines kept, so the campaign parser's line numbers stay right). name is
// the file name used in errors. Problems are *personas.Error values
// ("file:line: schedule.field: message"), joined with errors.Join.
func SplitCampaign(name string, data []byte) (*Schedule, []byte, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		// The campaign parser words YAML syntax errors best.
		return nil, data, nil
	}
	if len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
		return nil, data, nil
	}
	root := doc.Content[0]
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		if k.Value != Key {
			continue
		}
		s, err := Parse(name, v)
		if err != nil {
			return nil, nil, err
		}
		endLine := 0 // last line of the block; 0 = to the end of the file
		if i+2 < len(root.Content) {
			next := root.Content[i+2]
			if next.Line == k.Line {
				return nil, nil, &personas.Error{File: name, Line: k.Line, Field: Key, Msg: "write the schedule as a block mapping on its own lines"}
			}
			endLine = next.Line - 1
		}
		return s, blankLines(data, k.Line, endLine), nil
	}
	return nil, nil, &personas.Error{File: name, Line: root.Line, Field: Key,
		Msg: `required field is missing: feedprobe serve runs only campaigns with a schedule (schedule: {cron: "0 9 * * *", time_zone: Asia/Shanghai} or schedule: {every: 6h})`}
}

// blankLines empties lines from..to (1-based, inclusive; to 0 = last line).
func blankLines(data []byte, from, to int) []byte {
	lines := bytes.SplitAfter(data, []byte("\n"))
	var out bytes.Buffer
	for i, l := range lines {
		n := i + 1
		if n >= from && (to == 0 || n <= to) {
			if bytes.HasSuffix(l, []byte("\n")) {
				out.WriteByte('\n')
			}
			continue
		}
		out.Write(l)
	}
	return out.Bytes()
}

// Parse reads a schedule block. Problems are *personas.Error values joined
// with errors.Join.
func Parse(file string, n *yaml.Node) (*Schedule, error) {
	var errs []error
	add := func(line int, field, format string, args ...any) {
		errs = append(errs, &personas.Error{File: file, Line: line, Field: Key + "." + field, Msg: fmt.Sprintf(format, args...)})
	}
	if n.Kind != yaml.MappingNode {
		return nil, &personas.Error{File: file, Line: n.Line, Field: Key, Msg: "expected a mapping (cron:, time_zone:, jitter:, ...)"}
	}
	vals := map[string]*yaml.Node{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		known := false
		for _, f := range fields {
			known = known || f == k.Value
		}
		if !known {
			add(k.Line, k.Value, "unknown field; known fields: %s", strings.Join(fields, ", "))
			continue
		}
		if v.Kind != yaml.ScalarNode {
			add(v.Line, k.Value, "expected a single value")
			continue
		}
		vals[k.Value] = v
	}
	var spec Spec
	line := func(f string) int {
		if v, ok := vals[f]; ok {
			return v.Line
		}
		return n.Line
	}
	if v, ok := vals["time_zone"]; ok {
		spec.TimeZone = v.Value
		if _, err := time.LoadLocation(v.Value); err != nil || v.Value == "" || v.Value == "Local" {
			add(v.Line, "time_zone", "unknown time zone %q; use an IANA name such as Asia/Shanghai or UTC", v.Value)
			spec.TimeZone = ""
		}
	}
	loc := time.UTC
	if spec.TimeZone != "" {
		loc, _ = time.LoadLocation(spec.TimeZone)
	}
	dur := func(f string, dst *time.Duration) {
		v, ok := vals[f]
		if !ok {
			return
		}
		d, err := parseDuration(v.Value)
		if err != nil || d < 0 {
			add(v.Line, f, "%q is not a duration such as 90s, 10m, 6h or 1d", v.Value)
			return
		}
		*dst = d
	}
	dur("every", &spec.Every)
	dur("jitter", &spec.Jitter)
	dur("tolerance", &spec.Tolerance)
	if v, ok := vals["cron"]; ok {
		spec.Cron = v.Value
		if _, err := parseCron(v.Value); err != nil {
			add(v.Line, "cron", "%v", err)
		}
	}
	switch {
	case spec.Cron != "" && vals["every"] != nil:
		add(line("every"), "every", "give cron or every, not both")
	case spec.Cron == "" && vals["every"] == nil:
		add(n.Line, "cron", `required: give cron ("0 9 * * *") or every (6h)`)
	case vals["every"] != nil && spec.Every < time.Second && spec.Every >= 0:
		add(line("every"), "every", "must be at least 1s")
	}
	date := func(f string, end bool, dst *time.Time) {
		v, ok := vals[f]
		if !ok {
			return
		}
		t, err := parseDate(v.Value, loc, end)
		if err != nil {
			add(v.Line, f, "%q is not a date (2026-03-01) or a time (2026-03-01T09:00:00+08:00)", v.Value)
			return
		}
		*dst = t
	}
	date("start", false, &spec.Start)
	date("end", true, &spec.End)
	if !spec.Start.IsZero() && !spec.End.IsZero() && spec.End.Before(spec.Start) {
		add(line("end"), "end", "is before start")
	}
	if v, ok := vals["missed"]; ok {
		spec.Missed = Policy(v.Value)
		if spec.Missed != RunOnce && spec.Missed != Skip {
			add(v.Line, "missed", "%q: want run-once (run one catch-up slot) or skip", v.Value)
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	s, err := New(spec)
	if err != nil {
		return nil, &personas.Error{File: file, Line: n.Line, Field: Key, Msg: err.Error()}
	}
	return s, nil
}

// parseDuration is time.ParseDuration plus a whole number of days ("7d").
func parseDuration(s string) (time.Duration, error) {
	if d, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.Atoi(d)
		if err != nil {
			return 0, err
		}
		return time.Duration(n) * 24 * time.Hour, nil
	}
	return time.ParseDuration(s)
}

// parseDate reads a date (midnight in loc; for an end, the last instant of
// that day) or an RFC 3339 time.
func parseDate(s string, loc *time.Location, end bool) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.UTC(), nil
	}
	t, err := time.ParseInLocation(time.DateOnly, s, loc)
	if err != nil {
		return time.Time{}, err
	}
	if end {
		t = t.AddDate(0, 0, 1).Add(-time.Nanosecond)
	}
	return t.UTC(), nil
}
