package storage

import (
	"fmt"
	"io"
	"slices"

	"github.com/feedprobe/feedprobe/analysis"
)

// WriteTables prints the analysis as `feedprobe analyze` does: the
// campaign, the summary per persona and session, trained personas against
// the controls, the time matching, and the audit.
func (a Analysis) WriteTables(w io.Writer) error {
	if _, err := fmt.Fprintf(w, "campaign %d %q on %s (%s)\n", a.Campaign.ID, a.Campaign.Name, a.Campaign.Platform, a.Campaign.BaseURL); err != nil {
		return err
	}
	if err := a.Summary.WriteTable(w); err != nil {
		return err
	}
	if err := analysis.WriteComparisonTable(w, a.Comparison); err != nil {
		return err
	}
	if err := WriteStartGap(w, a.MaxStartGap); err != nil {
		return err
	}
	return a.Audit.WriteTable(w, a.Labels)
}

// WriteTable prints the findings as `feedprobe findings` does: the
// campaign, the time matching, and one row per finding.
func (f Findings) WriteTable(w io.Writer) error {
	if _, err := fmt.Fprintf(w, "campaign %d %q on %s (%s)\n", f.Campaign.ID, f.Campaign.Name, f.Campaign.Platform, f.Campaign.BaseURL); err != nil {
		return err
	}
	if err := WriteStartGap(w, f.MaxStartGap); err != nil {
		return err
	}
	return analysis.WriteFindingsTable(w, f.Findings)
}

// Only keeps the findings of checks (all of them when checks is empty).
func (f *Findings) Only(checks []string) {
	if len(checks) == 0 {
		return
	}
	f.Findings = slices.DeleteFunc(f.Findings, func(x analysis.Finding) bool { return !slices.Contains(checks, x.Check) })
}

// WriteStartGap prints the largest start-time gap between matched
// personas, or that none was measured (g nil).
func WriteStartGap(w io.Writer, g *StartGap) error {
	if g == nil {
		_, err := fmt.Fprintln(w, "time matching: no matched personas with finished sessions of the same number")
		return err
	}
	_, err := fmt.Fprintf(w, "time matching: largest start-time gap between matched personas %.1f s (%s and %s, session %d; %d pairs)\n",
		g.Seconds, g.Persona, g.Other, g.Session, g.Pairs)
	return err
}
