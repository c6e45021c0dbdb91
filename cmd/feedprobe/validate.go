package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/feedprobe/feedprobe/analysis"
	"github.com/feedprobe/feedprobe/personas"
	"github.com/feedprobe/feedprobe/probe"
	"github.com/feedprobe/feedprobe/probe/schedule"
	"github.com/feedprobe/feedprobe/storage"
)

func cmdValidate(_ context.Context, e *env, args []string) error {
	fs := newFlags(e, "validate", "FILE...", `
Check persona, campaign and adapter files without running anything. The kind
of each file is told by its top-level key: "campaign:" for a campaign,
"personas:" for a persona file, "item:" or "embedded:" for an adapter. Every problem is
printed as FILE:LINE: FIELD: MESSAGE, every problem of a file at once (a
bad schedule does not hide the personas' problems); a template placeholder
left unedited ("period: edit me" from feedprobe init) is a problem too. The
exit status is 1 if any file has one.

A campaign whose design is too small for a compliance check it runs (the
checks its analysis: block declares, else those its phases and settings
show: art17-off, art17-tags, art18-minors) gets a warning naming the
check, its units and the minimum its test needs to reach α = 0.05; that
check will say "underpowered" instead of a verdict. Warnings do not change
the exit status.`)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return errors.New("validate needs at least one file")
	}
	bad := 0
	for _, path := range fs.Args() {
		kind, err := validateFile(path, func(w string) { fmt.Fprintf(e.stderr, "%s: warning: %s\n", path, w) })
		if err != nil {
			bad++
			for _, line := range splitErrors(err) {
				fmt.Fprintln(e.stderr, line)
			}
			continue
		}
		fmt.Fprintf(e.stdout, "%s: ok (%s)\n", path, kind)
	}
	if bad > 0 {
		return fmt.Errorf("%d of %d files have problems", bad, fs.NArg())
	}
	return nil
}

func validateFile(path string, warn func(string)) (string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	switch {
	case hasTopKey(data, "campaign"):
		kind, err := validateCampaign(path, data)
		if err == nil {
			if c, _, lerr := loadCampaignFile(path); lerr == nil {
				for _, w := range designWarnings(c) {
					warn(w.Message)
				}
			}
		}
		return kind, err
	case hasTopKey(data, "personas"):
		_, err := personas.Load(path)
		return "personas", err
	case hasTopKey(data, "item") || hasTopKey(data, "embedded"):
		_, err := probe.LoadAdapter(path)
		return "adapter", err
	}
	return "", fmt.Errorf("%s: not a campaign (campaign:), persona file (personas:) or adapter (item:)", path)
}

// designWarnings are the checks campaign c runs whose design has fewer
// units than their test needs (analysis.DesignWarnings): the checks its
// analysis: block declares (a declared check with no unit at all
// included), else the interventions its plan shows.
func designWarnings(c *personas.Campaign) []analysis.DesignWarning {
	var ps []analysis.CompliancePersona
	for _, p := range c.Personas {
		ps = append(ps, storage.CompliancePersona(p, c.Sessions))
	}
	planned := analysis.PlannedUnits(ps)
	runs := map[string]int{}
	if len(c.Analysis.Checks) > 0 {
		for _, check := range c.Analysis.Checks {
			runs[check] = planned[check]
		}
	} else {
		for _, check := range []string{analysis.CheckArt17Off, analysis.CheckArt17Tags, analysis.CheckArt18Minors} {
			if n, ok := planned[check]; ok {
				runs[check] = n
			}
		}
	}
	return analysis.DesignWarnings(runs, analysis.DefaultComplianceOptions().Alpha)
}

// validateCampaign checks a campaign file and reports every problem at
// once: the schedule's, the campaign's and its personas' (a bad schedule
// does not hide the rest), and template placeholders left unedited.
func validateCampaign(path string, data []byte) (string, error) {
	kind := "campaign"
	var errs []error
	rest := data
	if hasTopKey(data, schedule.Key) {
		kind = "scheduled campaign"
		_, r, err := schedule.SplitCampaign(path, data)
		if err != nil {
			errs = append(errs, err)
			r = blankTopBlock(data, schedule.Key)
		}
		rest = r
	}
	if _, err := personas.ParseCampaign(path, rest, filepath.Dir(path)); err != nil {
		errs = append(errs, err)
	}
	errs = append(errs, placeholders(path, data)...)
	return kind, errors.Join(errs...)
}

// placeholderText marks what the init templates leave for the user to
// write (design: period: edit me).
const placeholderText = "edit me"

// placeholders returns an error for every line whose value still holds a
// template placeholder, naming the file, line and field.
func placeholders(path string, data []byte) []error {
	var errs []error
	lines := strings.Split(string(data), "\n")
	for i, line := range lines {
		key, value, ok := strings.Cut(line, ":")
		if !ok || strings.HasPrefix(strings.TrimSpace(line), "#") {
			continue
		}
		if v, _, _ := strings.Cut(value, " #"); !strings.Contains(strings.ToLower(v), placeholderText) {
			continue
		}
		field := strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(key), "- "))
		// The parent key: the nearest line above with less indentation.
		indent := len(key) - len(strings.TrimLeft(key, " "))
		for j := i - 1; j >= 0 && indent > 0; j-- {
			t := strings.TrimLeft(lines[j], " ")
			if t == "" || strings.HasPrefix(t, "#") {
				continue
			}
			if in := len(lines[j]) - len(t); in < indent {
				if k, _, ok := strings.Cut(t, ":"); ok {
					field = strings.TrimSpace(strings.TrimPrefix(k, "- ")) + "." + field
				}
				indent = in
			}
		}
		errs = append(errs, &personas.Error{File: path, Line: i + 1, Field: field,
			Msg: fmt.Sprintf("template placeholder %q left unedited: write the real value", strings.TrimSpace(value))})
	}
	return errs
}

// blankTopBlock empties the lines of the top-level key's block (its line
// and the indented or blank lines after it), keeping line numbers.
func blankTopBlock(data []byte, key string) []byte {
	lines := bytes.SplitAfter(data, []byte("\n"))
	in := false
	for i, l := range lines {
		switch {
		case bytes.HasPrefix(l, []byte(key+":")):
			in = true
		case in && len(bytes.TrimSpace(l)) > 0 && l[0] != ' ' && l[0] != '\t' && l[0] != '#':
			in = false
		}
		if in {
			lines[i] = bytes.Repeat([]byte("\n"), bytes.Count(l, []byte("\n")))
		}
	}
	return bytes.Join(lines, nil)
}

// loadCampaignFile reads a campaign file, which may carry a schedule:
// block for feedprobe serve (nil when it has none). Errors name the file,
// line and field.
func loadCampaignFile(path string) (*personas.Campaign, *schedule.Schedule, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, err
	}
	var sched *schedule.Schedule
	rest := data
	if hasTopKey(data, schedule.Key) {
		if sched, rest, err = schedule.SplitCampaign(path, data); err != nil {
			return nil, nil, err
		}
	}
	c, err := personas.ParseCampaign(path, rest, filepath.Dir(path))
	if err != nil {
		return nil, nil, err
	}
	return c, sched, nil
}

// hasTopKey reports whether a line starts with "key:" at column 0.
func hasTopKey(data []byte, key string) bool {
	for _, line := range bytes.Split(data, []byte("\n")) {
		if bytes.HasPrefix(line, []byte(key+":")) {
			return true
		}
	}
	return false
}

// splitErrors flattens errors.Join trees into one message per line.
func splitErrors(err error) []string {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		var out []string
		for _, e := range j.Unwrap() {
			out = append(out, splitErrors(e)...)
		}
		return out
	}
	return []string{err.Error()}
}
