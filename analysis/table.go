package analysis

import (
	"fmt"
	"io"
	"slices"
	"strings"
)

// WriteTable writes s for people to read: a header, then one block per
// persona with a row per session (impressions, top-interest share,
// normalised entropy, harmful items per 100), the slope and the drift, then
// one block per group with the persona-level means and their intervals. It
// returns the first error from w.
func (s Summary) WriteTable(w io.Writer) error {
	ew := &errWriter{w: w}
	named := slices.DeleteFunc(slices.Clone(s.Topics), func(t string) bool { return t == "" })
	switch {
	case len(named) == 0:
		ew.printf("campaign: %d personas, %d impressions, no topic field\n", len(s.Personas), s.Impressions)
	case len(named) < len(s.Topics):
		ew.printf("campaign: %d personas, %d impressions, %d topics (%s) and items without a topic\n",
			len(s.Personas), s.Impressions, len(named), strings.Join(named, ", "))
	default:
		ew.printf("campaign: %d personas, %d impressions, %d topics (%s)\n",
			len(s.Personas), s.Impressions, len(s.Topics), strings.Join(s.Topics, ", "))
	}
	if s.Resamples > 0 {
		ew.printf("intervals: %.0f%% percentile bootstrap over personas, %d resamples\n", 100*s.Level, s.Resamples)
	} else {
		ew.printf("intervals: none (no random source)\n")
	}
	ew.printf("top_share: share of the measured topic; evenness: entropy / ln %d; harm/100: harmful items per 100;\n", len(s.Topics))
	ew.printf("drift: Jensen-Shannon divergence (log2) of topic shares from the persona's first session\n")
	for _, p := range s.Personas {
		ew.printf("\npersona %s  role=%s  top_interest=%s  measured=%s\n",
			p.Name, orDash(p.Role), orDash(p.TopInterest), orDash(p.Reference))
		ew.printf("  %7s %7s %9s %8s %8s %6s\n", "session", "n", "top_share", "evenness", "harm/100", "drift")
		for i, ss := range p.Sessions {
			top := fmt.Sprintf("%.3f", ss.TopInterestShare)
			if p.Reference == "" {
				top = "-" // no topic to measure: a control of no one arm
			}
			ew.printf("  %7d %7d %9s %8.3f %8.1f %6.3f\n",
				ss.Session, ss.N, top, ss.Evenness, 100*ss.HarmfulShare, p.DriftJSD[i])
		}
		if p.Reference != "" {
			ew.printf("  top_share slope per session: %+.4f (%d sessions)\n", p.TopInterestSlope, len(p.Sessions))
		}
	}
	for _, g := range s.Groups {
		ew.printf("\ngroup %s  personas=%d  (persona means, intervals over personas)\n", orDash(g.Role), g.Personas)
		ew.printf("  %7s %8s %7s %9s %16s %8s %14s\n",
			"session", "personas", "n", "top_share", "top_share_ci", "harm/100", "harm/100_ci")
		for _, gs := range g.Sessions {
			top := fmt.Sprintf("%.3f", gs.TopInterestShare)
			topCI := fmt.Sprintf("[%.3f, %.3f]", gs.TopInterestShareLo, gs.TopInterestShareHi)
			harmCI := fmt.Sprintf("[%.1f, %.1f]", 100*gs.HarmfulShareLo, 100*gs.HarmfulShareHi)
			if gs.Note != "" {
				topCI, harmCI = "no interval", "(one persona)"
			}
			switch gs.TopInterestPersonas {
			case 0:
				top, topCI = "-", "no topic" // controls of no one arm
			case 1:
				topCI = "one persona"
			}
			ew.printf("  %7d %8d %7d %9s %16s %8.1f %14s\n",
				gs.Session, gs.Personas, gs.N, top, topCI, 100*gs.HarmfulShare, harmCI)
		}
	}
	return ew.err
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// errWriter keeps the first write error and skips every write after it.
type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) printf(format string, args ...any) {
	if e.err != nil {
		return
	}
	if _, err := fmt.Fprintf(e.w, format, args...); err != nil {
		e.err = fmt.Errorf("write summary table: %w", err)
	}
}
