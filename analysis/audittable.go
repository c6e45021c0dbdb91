package analysis

import (
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
)

// WriteComparisonTable writes rows (CompareWithControls) for people to
// read; it writes nothing for no rows and returns the first error from w.
func WriteComparisonTable(w io.Writer, rows []ControlComparison) error {
	if len(rows) == 0 {
		return nil
	}
	ew := &errWriter{w: w}
	ew.printf("\ntrained personas vs controls, share of the persona's top interest\n  %-16s %-10s %7s %8s %8s %8s\n",
		"persona", "topic", "session", "persona", "controls", "diff")
	for _, c := range rows {
		ew.printf("  %-16s %-10s %7d %8.3f %8.3f %+8.3f\n", c.Persona, c.Topic, c.Session, c.PersonaShare, c.ControlShare, c.Difference)
	}
	return ew.err
}

// WriteTable writes a for people to read: the groups with intervals and n,
// the first harmful item, personalization against the noise floor, the
// tests and the phases, after a line on where the labels came from. It
// returns the first error from w.
func (a Audit) WriteTable(w io.Writer, labels LabelProvenance) error {
	ew := &errWriter{w: w}
	o := a.Options
	ew.printf("\naudit: %d personas (%d test, %d control), %d sessions, %d impressions; %.0f%% percentile bootstrap over personas (%d resamples), alpha %.2f, Holm across topics\n",
		a.N.Personas, a.N.TestPersonas, a.N.ControlPersonas, a.N.Sessions, a.N.Impressions, 100*o.Level, o.Resamples, o.Alpha)
	ew.printf("labels: %s (precedence %s); harmful = %s\n", fmtCounts(labels.Sources), strings.Join(labels.Precedence, " > "), strings.Join(labels.HarmCategories, ", "))
	ew.printf("\ngroups (all sessions; persona means [CI], n personas / impressions)\n")
	ew.printf("  %-18s %-24s %-24s %-24s %-24s %-24s\n", "group", "reference_share", "evenness", "harmful_per_100", "drift_first_jsd", "drift_control_jsd")
	for _, g := range a.Groups {
		if len(g.Rows) == 0 {
			continue
		}
		m := g.Rows[0].Metrics
		ew.printf("  %-18s %-24s %-24s %-24s %-24s %-24s\n", g.Dimension+"="+g.Value,
			fmtEst(m["reference_share"], 3), fmtEst(m["evenness"], 3), fmtEst(m["harmful_per_100"], 1),
			fmtEst(m["drift_first_jsd"], 3), fmtEst(m["drift_control_jsd"], 3))
	}
	ew.printf("\nfirst harmful item (Kaplan-Meier, censored sessions kept)\n")
	for _, g := range a.Groups {
		fe := g.FirstExposure
		ew.printf("  %-18s sessions %3d  exposed %3d  censored %3d  median rank %s  mean seconds (exposed) %s\n",
			g.Dimension+"="+g.Value, fe.Sessions, fe.Exposed, fe.Censored, fmtNum(fe.MedianRank, 0), fmtNum(fe.MeanSeconds, 1))
	}
	if len(a.Noise) > 0 {
		ew.printf("\npersonalization vs noise floor (all sessions; test-control; control-twin, n control groups; personalization [CI], n test personas)\n")
		all := a.Noise[0].Metrics
		for _, m := range []string{"jaccard", "rbo", "kendall_tau", "edit_distance"} {
			floor, pers := all[m+"_control_twin"], all[m]
			ew.printf("  %-14s %-10s %-10s n=%-3d %s n=%d\n", m, fmtNum(all[m+"_test_control"].Mean, 3), fmtNum(floor.Mean, 3), floor.N,
				fmtInterval(pers, 3), pers.N)
		}
	}
	p := a.Tests.Primary
	kind := "sampled"
	if p.Exact {
		kind = "exact"
	}
	ew.printf("\nprimary test: test personas' topic share vs their controls, stratified permutation (%s, %d assignments, %d strata): S = %s, p = %s, significant: %v\n",
		kind, p.Permutations, p.Strata, fmtNum(p.Statistic, 3), fmtNum(p.PValue, 4), p.Significant)
	if len(a.Tests.Topics) > 0 {
		ew.printf("  %-10s %5s %8s %8s %8s %-34s %8s %8s\n", "topic", "tests", "controls", "test", "control", "difference [CI]", "p", "p_holm")
		for _, t := range a.Tests.Topics {
			ew.printf("  %-10s %5d %8d %8s %8s %-34s %8s %8s\n", t.Topic, t.TestPersonas, t.Controls, fmtNum(t.TestMean, 3), fmtNum(t.ControlMean, 3),
				fmtInterval(Estimate{Mean: t.Difference, Lo: t.DifferenceLo, Hi: t.DifferenceHi, N: t.TestPersonas}, 3), fmtNum(t.PValue, 4), fmtNum(t.PHolm, 4))
		}
	}
	var phased bool
	for _, pa := range a.Personas {
		if len(pa.Phases) > 1 {
			phased = true
		}
	}
	if phased {
		ew.printf("\nphases (reference topic share at start and end, slope per session, DIFF-TO-LINEAR)\n")
		for _, pa := range a.Personas {
			if len(pa.Phases) < 2 {
				continue
			}
			for _, ph := range pa.Phases {
				ew.printf("  %-16s %-10s %2d-%-2d %-10s start %s end %s slope %s dtl %s\n", pa.Name, ph.Name, ph.From, ph.To, ph.Reference,
					fmtNum(ph.StartShare, 3), fmtNum(ph.EndShare, 3), fmtNum(ph.Slope, 4), fmtNum(ph.DiffToLinear, 3))
			}
		}
		for _, t := range a.Tests.Phases {
			ew.printf("  %-9s %-10s %-10s sessions %d->%d  n=%d  %s -> %s  U=%s p=%s p_bonferroni=%s\n", t.Kind, t.Phase, t.Topic, t.FromSession, t.ToSession,
				t.Personas, fmtNum(t.FromMean, 3), fmtNum(t.ToMean, 3), fmtNum(t.U, 1), fmtNum(t.PValue, 4), fmtNum(t.PBonferroni, 4))
		}
	}
	if len(a.Histories) > 0 {
		serp := SERPMSName(a.Options.SERPMSDepth)
		ew.printf("\nwatch histories (per surface; persona means over their lists [CI] n personas/impressions)\n")
		ew.printf("  %-16s %-10s %-24s %-24s %s\n", "history", "surface", serp, "mean_label_score", "lists")
		for _, h := range a.Histories {
			ew.printf("  %-16s %-10s %-24s %-24s %d\n", h.History, h.Surface, fmtEst(h.Metrics[serp], 3),
				fmtEst(h.Metrics["mean_label_score"], 3), h.Lists)
		}
	}
	return ew.err
}

func fmtNum(n Num, prec int) string {
	f := float64(n)
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return "-"
	}
	return strconv.FormatFloat(f, 'f', prec, 64)
}

func fmtEst(e Estimate, prec int) string {
	return fmt.Sprintf("%s [%s,%s] %d/%d", fmtNum(e.Mean, prec), fmtNum(e.Lo, prec), fmtNum(e.Hi, prec), e.N, e.Impressions)
}

// fmtInterval is an estimate with its interval, or with the reason it has
// none.
func fmtInterval(e Estimate, prec int) string {
	lo, hi := float64(e.Lo), float64(e.Hi)
	if math.IsNaN(lo) || math.IsNaN(hi) {
		if e.N == 1 {
			return fmtNum(e.Mean, prec) + " (one persona: no interval)"
		}
		return fmtNum(e.Mean, prec) + " (no interval)"
	}
	return fmtNum(e.Mean, prec) + " [" + fmtNum(e.Lo, prec) + ", " + fmtNum(e.Hi, prec) + "]"
}

func fmtCounts(m map[string]int) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%s %d", k, m[k]))
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ", ")
}
