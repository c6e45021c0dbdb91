package analysis

import (
	"fmt"
	"io"
	"math"
	"text/tabwriter"
)

// FormatFinding formats a finding's number with three significant digits,
// or "-" when it is undefined.
func FormatFinding(v Num) string {
	f := float64(v)
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return "-"
	}
	return fmt.Sprintf("%.3g", f)
}

// FormatEffect formats a finding's effect with its interval: "v [lo, hi]".
func FormatEffect(f Finding) string {
	return fmt.Sprintf("%s [%s, %s]", FormatFinding(f.Effect.Value), FormatFinding(f.Effect.Lo), FormatFinding(f.Effect.Hi))
}

// WriteFindingsTable writes findings for people to read: one row per check,
// then each finding's question, verdict, effect, test, details and example
// impressions. It returns the first error from w.
func WriteFindingsTable(w io.Writer, findings []Finding) error {
	if len(findings) == 0 {
		_, err := fmt.Fprintln(w, "no compliance experiment in this campaign: see feedprobe init --list")
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "check\tarticle\tverdict\teffect [95% CI]\tmargin\tp\tn (personas/sessions/units)")
	for _, f := range findings {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%g\t%s\t%d/%d/%d\n", f.Check, f.Article, f.Verdict, FormatEffect(f), f.Effect.Margin,
			FormatFinding(f.PValue), f.N.Personas, f.N.Sessions, f.N.Units)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	ew := &errWriter{w: w}
	for _, f := range findings {
		ew.printf("\n%s (%s): %s\n  %s: %s\n  effect: %s, %s\n  test: %s\n", f.Check, f.Article, f.Question, f.Verdict, f.Reason,
			f.Effect.Name, f.Effect.Unit, f.Test)
		for _, d := range f.Details {
			note := ""
			if d.Note != "" {
				note = " (" + d.Note + ")"
			}
			ew.printf("  %s: %s%s\n", d.Name, FormatFinding(d.Value), note)
		}
		for _, x := range f.Examples {
			ew.printf("  e.g. %s session %d %s #%d %s %q [%s] %s\n", x.Persona, x.Session, x.Surface, x.Rank, x.ItemID,
				x.Title, x.Topic, x.Note)
		}
	}
	return ew.err
}
