package inspection

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/feedprobe/feedprobe/analysis"
	"github.com/feedprobe/feedprobe/analysis/report"
	"github.com/feedprobe/feedprobe/storage"
)

// Case is everything about an inspection: `feedprobe inspection show`
// prints it (its JSON with --json), the rectification notice renders part
// of it.
type Case struct {
	Inspection    report.Inspection   `json:"inspection"`
	Surfaces      []report.Surface    `json:"surfaces"`
	Campaigns     []CampaignRun       `json:"campaigns"`
	Orders        []report.Order      `json:"orders"`
	Reinspections []report.Inspection `json:"reinspections"`
	Timeline      []Event             `json:"timeline"`
}

// CampaignRun summarizes a campaign attached to an inspection: its
// sessions and, once some are done, its findings.
type CampaignRun struct {
	ID        int64              `json:"id"`
	Name      string             `json:"name"`
	Platform  string             `json:"platform"`
	Attached  time.Time          `json:"attached_at"`
	Sessions  int                `json:"sessions"`
	Done      int                `json:"sessions_done"`
	Started   *time.Time         `json:"started_at,omitempty"`
	Finished  *time.Time         `json:"finished_at,omitempty"`
	Findings  []analysis.Finding `json:"findings"`
	FindError string             `json:"findings_error,omitempty"`
}

// Event is one line of an inspection's timeline.
type Event struct {
	At   time.Time `json:"at"`
	What string    `json:"what"`
}

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

// InspectionOf returns an inspection as the case file and the notice show
// it.
func InspectionOf(in storage.Inspection) report.Inspection {
	return report.Inspection{ID: in.ID, Case: in.Case, Platform: in.Platform, Body: in.Body, Kind: in.Kind, ParentID: in.ParentID,
		Start: timePtr(in.Start), End: timePtr(in.End), Note: in.Note, Created: in.Created,
		TimeZone: in.TimeZone, Locale: in.Locale}
}

// SurfaceOf returns a surface as the case file, the notice and the report
// show it.
func SurfaceOf(s storage.Surface) report.Surface {
	return report.Surface{Surface: s.Surface, FilingNumber: s.FilingNumber, Disclosure: s.Disclosure, DisclosureHash: s.DisclosureHash,
		DisclosureBytes: len(s.Disclosure), Source: s.Source, RetrievedAt: s.RetrievedAt}
}

// OrderOf returns an order with its campaigns' names and its findings
// decoded.
func OrderOf(ctx context.Context, db *storage.DB, o storage.Order) (report.Order, error) {
	j := report.Order{ID: o.ID, Inspection: o.InspectionID, CampaignID: o.CampaignID, Finding: o.Finding, Article: o.Article,
		Question: o.Question, Verdict: o.Verdict, IssuedAt: o.IssuedAt, Deadline: o.Deadline, Status: o.Status,
		Reinspection: o.ReinspectionID, RecheckCampaignID: o.RecheckCampaignID, StartedAt: timePtr(o.StartedAt),
		Comparison: o.Comparison, ClosedAt: timePtr(o.ClosedAt), Note: o.Note}
	c, err := db.Campaign(ctx, o.CampaignID)
	if err != nil {
		return j, err
	}
	j.Campaign = c.Name
	if o.RecheckCampaignID != 0 {
		rc, err := db.Campaign(ctx, o.RecheckCampaignID)
		if err != nil {
			return j, err
		}
		j.RecheckCampaign = rc.Name
	}
	var ev analysis.Finding
	if err := json.Unmarshal(o.Evidence, &ev); err != nil {
		return j, fmt.Errorf("order %d: decode evidence: %w", o.ID, err)
	}
	j.Evidence = &ev
	if o.Recheck != nil {
		var rc analysis.Finding
		if err := json.Unmarshal(o.Recheck, &rc); err != nil {
			return j, fmt.Errorf("order %d: decode re-inspection finding: %w", o.ID, err)
		}
		j.Recheck = &rc
	}
	return j, nil
}

// Load reads inspection in's case file: its surfaces, its campaigns and
// its re-inspections' (with their findings unless findings is nil), its
// orders, and the timeline of all of them in time order.
func Load(ctx context.Context, db *storage.DB, in storage.Inspection, findings FindingsFunc) (Case, error) {
	cf := Case{Inspection: InspectionOf(in), Surfaces: []report.Surface{}, Campaigns: []CampaignRun{}, Orders: []report.Order{},
		Reinspections: []report.Inspection{}}
	add := func(at time.Time, format string, a ...any) {
		cf.Timeline = append(cf.Timeline, Event{At: at, What: fmt.Sprintf(format, a...)})
	}
	add(in.Created, "inspection %s opened: %s of %s by %s", in.Case, in.Kind, in.Platform, in.Body)
	ss, err := db.Surfaces(ctx, in.ID)
	if err != nil {
		return cf, err
	}
	for _, s := range ss {
		cf.Surfaces = append(cf.Surfaces, SurfaceOf(s))
		add(s.RetrievedAt, "surface %s: filing number %q; disclosure of %d bytes (sha256 %.12s…) retrieved from %s", s.Surface, s.FilingNumber, len(s.Disclosure), s.DisclosureHash, s.Source)
	}
	all, err := db.Inspections(ctx)
	if err != nil {
		return cf, err
	}
	ids := []int64{in.ID}
	for _, x := range all {
		if x.ParentID == in.ID {
			cf.Reinspections = append(cf.Reinspections, InspectionOf(x))
			ids = append(ids, x.ID)
		}
	}
	for _, id := range ids {
		ics, err := db.InspectionCampaigns(ctx, id)
		if err != nil {
			return cf, err
		}
		for _, ic := range ics {
			run, err := Summarize(ctx, db, ic, findings)
			if err != nil {
				return cf, err
			}
			cf.Campaigns = append(cf.Campaigns, run)
			where := ""
			if id != in.ID {
				where = " (re-inspection)"
			}
			add(ic.AddedAt, "campaign %s attached%s", run.Name, where)
			if run.Started != nil {
				add(*run.Started, "campaign %s started", run.Name)
			}
			if run.Finished != nil && run.Done == run.Sessions {
				var fs []string
				for _, f := range run.Findings {
					fs = append(fs, f.Check+": "+f.Verdict)
				}
				msg := fmt.Sprintf("campaign %s finished: %d of %d sessions done", run.Name, run.Done, run.Sessions)
				if len(fs) > 0 {
					msg += "; findings: " + strings.Join(fs, "; ")
				}
				add(*run.Finished, "%s", msg)
			}
		}
	}
	ords, err := db.Orders(ctx, in.ID)
	if err != nil {
		return cf, err
	}
	for _, o := range ords {
		j, err := OrderOf(ctx, db, o)
		if err != nil {
			return cf, err
		}
		cf.Orders = append(cf.Orders, j)
		add(o.IssuedAt, "order %d issued: %s (%s) of campaign %s, deadline %s", o.ID, o.Finding, o.Article, j.Campaign, o.Deadline.Format(time.RFC3339))
		if o.StartedAt.IsZero() && !o.Closed() {
			add(o.Deadline, "order %d: deadline; re-inspection due (feedprobe serve runs it)", o.ID)
		} else {
			add(o.Deadline, "order %d: deadline", o.ID)
		}
		if !o.StartedAt.IsZero() {
			add(o.StartedAt, "order %d: re-inspection started (campaign %s)", o.ID, j.RecheckCampaign)
		}
		attempts, err := db.Attempts(ctx, o.ID)
		if err != nil {
			return cf, err
		}
		for i, a := range attempts {
			add(a.StartedAt, "order %d: re-inspection attempt %d started", o.ID, i+1)
			if a.Outcome == storage.AttemptRunning {
				continue
			}
			msg := fmt.Sprintf("order %d: re-inspection attempt %d %s: %d sessions done, %d failed", o.ID, i+1, a.Outcome, a.SessionsDone, a.SessionsFailed)
			if a.Error != "" {
				msg += ": " + a.Error
			}
			add(a.FinishedAt, "%s", msg)
		}
		if o.Closed() {
			add(o.ClosedAt, "order %d closed: %s (%s): %s", o.ID, strings.ToUpper(o.Status), o.Comparison, o.Note)
		}
	}
	slices.SortStableFunc(cf.Timeline, func(a, b Event) int { return a.At.Compare(b.At) })
	return cf, nil
}

// Summarize counts an attached campaign's sessions (planned and done) and,
// when findings is not nil and some are done, runs its checks; an error of
// the checks is kept in FindError, not returned.
func Summarize(ctx context.Context, db *storage.DB, ic storage.InspectionCampaign, findings FindingsFunc) (CampaignRun, error) {
	run := CampaignRun{ID: ic.Campaign.ID, Name: ic.Campaign.Name, Platform: ic.Campaign.Platform, Attached: ic.AddedAt, Findings: []analysis.Finding{}}
	ss, err := db.Sessions(ctx, ic.Campaign.ID)
	if err != nil {
		return run, err
	}
	seqs := map[[2]int64]bool{}
	var first, last time.Time
	for _, s := range ss {
		seqs[[2]int64{s.PersonaID, int64(s.Seq)}] = true
		if s.Status == storage.StatusDone {
			run.Done++
		}
		if !s.StartedAt.IsZero() && (first.IsZero() || s.StartedAt.Before(first)) {
			first = s.StartedAt
		}
		if s.FinishedAt.After(last) {
			last = s.FinishedAt
		}
	}
	run.Sessions = len(seqs)
	run.Started, run.Finished = timePtr(first), timePtr(last)
	if findings != nil && run.Done > 0 {
		fs, err := findings(ctx, db, ic.Campaign)
		if err != nil {
			run.FindError = err.Error()
		} else {
			run.Findings = fs
		}
	}
	return run, nil
}

// Disclosures returns the surfaces of every inspection campaign campaignID
// is attached to, by inspection and surface.
func Disclosures(ctx context.Context, db *storage.DB, campaignID int64) ([]report.Disclosure, error) {
	ins, err := db.Inspections(ctx)
	if err != nil {
		return nil, err
	}
	var out []report.Disclosure
	for _, in := range ins {
		cs, err := db.InspectionCampaigns(ctx, in.ID)
		if err != nil {
			return nil, err
		}
		if !slices.ContainsFunc(cs, func(c storage.InspectionCampaign) bool { return c.Campaign.ID == campaignID }) {
			continue
		}
		ss, err := db.Surfaces(ctx, in.ID)
		if err != nil {
			return nil, err
		}
		for _, s := range ss {
			out = append(out, report.Disclosure{Case: in.Case, Surface: SurfaceOf(s)})
		}
	}
	return out, nil
}
