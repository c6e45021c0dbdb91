package inspection

import (
	"context"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/feedprobe/feedprobe/analysis/report"
	"github.com/feedprobe/feedprobe/storage"
)

// Listed is one inspection as `feedprobe inspection list` shows it: the
// case, its campaigns and its orders counted by status.
type Listed struct {
	report.Inspection
	Campaigns int            `json:"campaigns"`
	Orders    map[string]int `json:"orders"`
}

// List returns every inspection of the database with its counts.
func List(ctx context.Context, db *storage.DB) ([]Listed, error) {
	ins, err := db.Inspections(ctx)
	if err != nil {
		return nil, err
	}
	var rows []Listed
	for _, in := range ins {
		cs, err := db.InspectionCampaigns(ctx, in.ID)
		if err != nil {
			return nil, err
		}
		ords, err := db.Orders(ctx, in.ID)
		if err != nil {
			return nil, err
		}
		r := Listed{Inspection: InspectionOf(in), Campaigns: len(cs), Orders: map[string]int{}}
		for _, o := range ords {
			r.Orders[o.Status]++
		}
		rows = append(rows, r)
	}
	return rows, nil
}

// WriteList prints inspections as a table.
func WriteList(w io.Writer, rows []Listed) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tCASE\tKIND\tPLATFORM\tBODY\tSTART\tCAMPAIGNS\tORDERS")
	for _, r := range rows {
		var counts []string
		for _, st := range []string{storage.OrderOpen, storage.OrderReinspecting, storage.OrderRectified, storage.OrderNotRectified, storage.OrderInconclusive} {
			if n := r.Orders[st]; n > 0 {
				counts = append(counts, fmt.Sprintf("%d %s", n, st))
			}
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%d\t%s\n", r.ID, r.Case, r.Kind, r.Platform, r.Body, day(r.Start), r.Campaigns, strings.Join(counts, ", "))
	}
	return tw.Flush()
}

func day(t *time.Time) string {
	if t == nil {
		return "-"
	}
	return t.Format("2006-01-02")
}

// Runs summarizes every campaign attached to inspection in, with its
// findings (Summarize).
func Runs(ctx context.Context, db *storage.DB, in storage.Inspection, findings FindingsFunc) ([]CampaignRun, error) {
	ics, err := db.InspectionCampaigns(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	var runs []CampaignRun
	for _, ic := range ics {
		run, err := Summarize(ctx, db, ic, findings)
		if err != nil {
			return nil, err
		}
		runs = append(runs, run)
	}
	return runs, nil
}

// WriteRuns prints the campaigns' findings as `feedprobe order list`
// does: campaign, check, article, verdict, effect with its interval and
// reason, a line per finding (or per campaign whose findings failed).
func WriteRuns(w io.Writer, runs []CampaignRun) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "CAMPAIGN\tFINDING\tARTICLE\tVERDICT\tEFFECT\tREASON")
	for _, r := range runs {
		if r.FindError != "" {
			fmt.Fprintf(tw, "%s\t-\t-\terror\t\t%s\n", r.Name, r.FindError)
		}
		for _, f := range r.Findings {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%.3g [%.3g, %.3g]\t%s\n", r.Name, f.Check, f.Article, f.Verdict,
				float64(f.Effect.Value), float64(f.Effect.Lo), float64(f.Effect.Hi), f.Reason)
		}
	}
	return tw.Flush()
}

// WriteText prints the case file of inspection in as `feedprobe
// inspection show` does: the case, its surfaces, its orders and the
// timeline, its days in the case's time zone.
func (c Case) WriteText(w io.Writer, in storage.Inspection) error {
	loc, _, err := in.Location()
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "inspection %d: %s\n  %s of %s by %s", in.ID, in.Case, in.Kind, in.Platform, in.Body)
	if !in.Start.IsZero() {
		fmt.Fprintf(w, ", from %s", in.Start.In(loc).Format("2006-01-02"))
	}
	if !in.End.IsZero() {
		fmt.Fprintf(w, " to %s", in.End.In(loc).Format("2006-01-02"))
	}
	if in.TimeZone != "" {
		fmt.Fprintf(w, " (%s)", in.TimeZone)
	}
	fmt.Fprintln(w)
	if in.ParentID != 0 {
		fmt.Fprintf(w, "  re-inspection of inspection %d\n", in.ParentID)
	}
	if len(c.Surfaces) > 0 {
		fmt.Fprintln(w, "\nsurfaces:")
		for _, s := range c.Surfaces {
			fmt.Fprintf(w, "  %s: filing number %q; disclosure %d bytes, sha256 %s, from %s at %s\n", s.Surface, s.FilingNumber,
				s.DisclosureBytes, s.DisclosureHash, s.Source, s.RetrievedAt.Format(time.RFC3339))
		}
	}
	if len(c.Orders) > 0 {
		fmt.Fprintln(w, "\norders:")
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "  ID\tFINDING\tARTICLE\tCAMPAIGN\tDEADLINE\tSTATUS\tCOMPARISON")
		for _, o := range c.Orders {
			fmt.Fprintf(tw, "  %d\t%s\t%s\t%s\t%s\t%s\t%s\n", o.ID, o.Finding, o.Article, o.Campaign, o.Deadline.Format(time.RFC3339), o.Status, o.Comparison)
		}
		tw.Flush()
	}
	fmt.Fprintln(w, "\ntimeline:")
	for _, ev := range c.Timeline {
		_, err = fmt.Fprintf(w, "  %s  %s\n", ev.At.UTC().Format("2006-01-02 15:04:05Z"), ev.What)
	}
	return err
}
