package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/feedprobe/feedprobe/personas"
	"github.com/feedprobe/feedprobe/probe"
	"github.com/feedprobe/feedprobe/probe/schedule"
)

func cmdValidate(_ context.Context, e *env, args []string) error {
	fs := newFlags(e, "validate", "FILE...", `
Check persona, campaign and adapter files without running anything. The kind
of each file is told by its top-level key: "campaign:" for a campaign,
"personas:" for a persona file, "item:" or "embedded:" for an adapter. Every problem is
printed as FILE:LINE: FIELD: MESSAGE; the exit status is 1 if any file has
one.`)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return errors.New("validate needs at least one file")
	}
	bad := 0
	for _, path := range fs.Args() {
		kind, err := validateFile(path)
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

func validateFile(path string) (string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	switch {
	case hasTopKey(data, "campaign"):
		_, sched, err := loadCampaignFile(path)
		if sched != nil && err == nil {
			return "scheduled campaign", nil
		}
		return "campaign", err
	case hasTopKey(data, "personas"):
		_, err := personas.Load(path)
		return "personas", err
	case hasTopKey(data, "item") || hasTopKey(data, "embedded"):
		_, err := probe.LoadAdapter(path)
		return "adapter", err
	}
	return "", fmt.Errorf("%s: not a campaign (campaign:), persona file (personas:) or adapter (item:)", path)
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
