package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	auditreport "github.com/feedprobe/feedprobe/analysis/report"
	"github.com/feedprobe/feedprobe/storage"
	"github.com/feedprobe/feedprobe/storage/inspection"
)

func inspectionList(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "inspection list", "[--db FILE] [--json]", `
List the inspections: case, kind, platform, body, dates, campaigns and
orders by status.`)
	db := fs.String("db", "feedprobe.db", "SQLite database to read")
	asJSON := fs.Bool("json", false, "print JSON")
	if err := fs.Parse(args); err != nil {
		return err
	}
	store, err := storage.OpenReadOnly(ctx, *db)
	if err != nil {
		return err
	}
	defer store.Close()
	ins, err := store.Inspections(ctx)
	if err != nil {
		return err
	}
	type row struct {
		auditreport.Inspection
		Campaigns int            `json:"campaigns"`
		Orders    map[string]int `json:"orders"`
	}
	var rows []row
	for _, in := range ins {
		cs, err := store.InspectionCampaigns(ctx, in.ID)
		if err != nil {
			return err
		}
		ords, err := store.Orders(ctx, in.ID)
		if err != nil {
			return err
		}
		r := row{Inspection: inspection.InspectionOf(in), Campaigns: len(cs), Orders: map[string]int{}}
		for _, o := range ords {
			r.Orders[o.Status]++
		}
		rows = append(rows, r)
	}
	if *asJSON {
		return writeJSON(e.raw, rows)
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
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

func inspectionShow(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "inspection show", "INSPECTION [--db FILE] [--json]", `
Print an inspection's case file and timeline: surfaces and disclosures,
campaigns run (its own and its re-inspections'), their findings, the
rectification orders with their deadlines, and each order's verdict
(rectified, not rectified, inconclusive) with the re-inspection comparison.`)
	db := fs.String("db", "feedprobe.db", "SQLite database to read")
	asJSON := fs.Bool("json", false, "print JSON")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return errors.New("inspection show needs one inspection (id or case name)")
	}
	store, in, err := openInspection(ctx, *db, fs.Arg(0), true)
	if err != nil {
		return err
	}
	defer store.Close()
	cf, err := inspection.Load(ctx, store, in, findingsOf)
	if err != nil {
		return err
	}
	if *asJSON {
		return writeJSON(e.raw, cf)
	}
	w := e.stdout
	// The case's days are days in its time zone.
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
	if len(cf.Surfaces) > 0 {
		fmt.Fprintln(w, "\nsurfaces:")
		for _, s := range cf.Surfaces {
			fmt.Fprintf(w, "  %s: filing number %q; disclosure %d bytes, sha256 %s, from %s at %s\n", s.Surface, s.FilingNumber,
				s.DisclosureBytes, s.DisclosureHash, s.Source, s.RetrievedAt.Format(time.RFC3339))
		}
	}
	if len(cf.Orders) > 0 {
		fmt.Fprintln(w, "\norders:")
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "  ID\tFINDING\tARTICLE\tCAMPAIGN\tDEADLINE\tSTATUS\tCOMPARISON")
		for _, o := range cf.Orders {
			fmt.Fprintf(tw, "  %d\t%s\t%s\t%s\t%s\t%s\t%s\n", o.ID, o.Finding, o.Article, o.Campaign, o.Deadline.Format(time.RFC3339), o.Status, o.Comparison)
		}
		tw.Flush()
	}
	fmt.Fprintln(w, "\ntimeline:")
	for _, ev := range cf.Timeline {
		fmt.Fprintf(w, "  %s  %s\n", ev.At.UTC().Format("2006-01-02 15:04:05Z"), ev.What)
	}
	return nil
}
