package main

import (
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/feedprobe/feedprobe/analysis"
	"github.com/feedprobe/feedprobe/storage"
)

//go:embed notice/rectification-notice.html
var noticeFS embed.FS

var noticeTemplate = template.Must(template.New("rectification-notice.html").Funcs(template.FuncMap{
	"when": func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.UTC().Format("2006-01-02 15:04:05 UTC")
	},
	"pct": func(v analysis.Num) string { return strconv.FormatFloat(100*float64(v), 'f', 1, 64) },
	"num": func(v analysis.Num) string { return strconv.FormatFloat(float64(v), 'g', 3, 64) },
}).ParseFS(noticeFS, "notice/rectification-notice.html"))

func cmdInspection(ctx context.Context, e *env, args []string) error {
	subs := map[string]func(context.Context, *env, []string) error{
		"new": inspectionNew, "list": inspectionList, "show": inspectionShow,
		"surface": inspectionSurface, "attach": inspectionAttach,
	}
	if len(args) == 0 || subs[args[0]] == nil {
		if len(args) > 0 && args[0] != "--help" && args[0] != "-h" && args[0] != "help" {
			inspectionUsage(e.stderr)
			return fmt.Errorf("inspection: unknown subcommand %q", args[0])
		}
		inspectionUsage(e.stderr)
		if len(args) == 0 {
			return errors.New("inspection needs a subcommand")
		}
		return nil
	}
	return subs[args[0]](ctx, e, args[1:])
}

func inspectionUsage(w io.Writer) {
	fmt.Fprint(w, `Usage: feedprobe inspection <subcommand> [flags]

An inspection is a case: a platform inspected by a body, as a
self-inspection, an on-site inspection or a re-inspection, grouping the
campaigns run for it. Findings of its campaigns become rectification orders
(feedprobe finding issue); feedprobe serve re-inspects each order at its
deadline.

Subcommands:
  new      open an inspection (case, platform, body, kind, dates, campaigns)
  list     list the inspections and their orders
  show     print an inspection's timeline: campaigns, findings, orders, verdicts
  surface  record a surface's algorithm filing number and public disclosure
  attach   attach a campaign to an inspection

Run "feedprobe inspection <subcommand> --help" for its flags.
`)
}

// parseDay parses a date (2026-03-01, the start of that day) or an RFC 3339
// time in loc.
func parseDay(s string, loc *time.Location) (time.Time, error) {
	if t, err := time.ParseInLocation("2006-01-02", s, loc); err == nil {
		return t, nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q: want a date (2026-12-31) or an RFC 3339 time (2026-12-31T18:00:00+08:00)", s)
	}
	return t, nil
}

// parseDeadline parses a deadline: a date means the end of that day (24:00)
// in loc, an RFC 3339 time is exact.
func parseDeadline(s string, loc *time.Location) (time.Time, error) {
	if t, err := time.ParseInLocation("2006-01-02", s, loc); err == nil {
		return t.AddDate(0, 0, 1), nil
	}
	return parseDay(s, loc)
}

// openInspection opens the database (read-only when ro) and finds the
// inspection ref; the caller closes the database.
func openInspection(ctx context.Context, path, ref string, ro bool) (*storage.DB, storage.Inspection, error) {
	open := storage.Open
	if ro {
		open = storage.OpenReadOnly
	}
	store, err := open(ctx, path)
	if err != nil {
		return nil, storage.Inspection{}, err
	}
	in, err := findInspection(ctx, store, ref)
	if err != nil {
		store.Close()
		return nil, storage.Inspection{}, err
	}
	return store, in, nil
}

func findInspection(ctx context.Context, db *storage.DB, ref string) (storage.Inspection, error) {
	if ref == "" {
		return storage.Inspection{}, errors.New("--inspection: give an inspection id or case name (feedprobe inspection list)")
	}
	if id, err := strconv.ParseInt(ref, 10, 64); err == nil {
		in, err := db.Inspection(ctx, id)
		if !errors.Is(err, storage.ErrNotFound) {
			return in, err
		}
	}
	in, err := db.InspectionByCase(ctx, ref)
	if errors.Is(err, storage.ErrNotFound) {
		return in, fmt.Errorf("no inspection %q in the database (feedprobe inspection list)", ref)
	}
	return in, err
}

func inspectionNew(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "inspection new", "--case NAME --platform NAME --body NAME --kind KIND [flags]", `
Open an inspection: a case under which campaigns run, findings become
rectification orders and orders are re-inspected at their deadline. Prints
the new inspection's id.

Kinds: self-inspection (the platform inspects itself), on-site (the
regulator inspects), re-inspection (a check after a rectification deadline;
feedprobe serve opens these by itself).`)
	db := fs.String("db", "feedprobe.db", "SQLite database")
	caseName := fs.String("case", "", "the case's name or number, unique (required)")
	platform := fs.String("platform", "", "the platform inspected (required)")
	body := fs.String("body", "", "the inspecting body (required)")
	kind := fs.String("kind", storage.KindOnSite, "self-inspection, on-site or re-inspection")
	start := fs.String("start", "", "first day (2026-03-01 or an RFC 3339 time; default today)")
	end := fs.String("end", "", "last day (optional)")
	tz := fs.String("time-zone", "UTC", "IANA time zone of the dates")
	note := fs.String("note", "", "free text")
	camps := fs.StringArray("campaign", nil, "campaign id or name run under the inspection (repeatable)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	var problems []string
	for _, f := range []struct{ name, v string }{{"--case", *caseName}, {"--platform", *platform}, {"--body", *body}} {
		if strings.TrimSpace(f.v) == "" {
			problems = append(problems, f.name+" is required")
		}
	}
	if !slices.Contains(storage.InspectionKinds, *kind) {
		problems = append(problems, fmt.Sprintf("--kind %q: want %s", *kind, strings.Join(storage.InspectionKinds, ", ")))
	}
	loc, err := time.LoadLocation(*tz)
	if err != nil {
		problems = append(problems, fmt.Sprintf("--time-zone %q: %v", *tz, err))
		loc = time.UTC
	}
	in := storage.Inspection{Case: *caseName, Platform: *platform, Body: *body, Kind: *kind, Note: *note}
	if *start == "" {
		in.Start = time.Now().In(loc)
		in.Start = time.Date(in.Start.Year(), in.Start.Month(), in.Start.Day(), 0, 0, 0, 0, loc)
	} else if in.Start, err = parseDay(*start, loc); err != nil {
		problems = append(problems, "--start "+err.Error())
	}
	if *end != "" {
		if in.End, err = parseDay(*end, loc); err != nil {
			problems = append(problems, "--end "+err.Error())
		} else if in.End.Before(in.Start) {
			problems = append(problems, "--end is before --start")
		}
	}
	if len(problems) > 0 {
		fs.Usage()
		return errors.New(strings.Join(problems, "; "))
	}
	store, err := storage.Open(ctx, *db)
	if err != nil {
		return err
	}
	defer store.Close()
	var cids []int64
	for _, ref := range *camps {
		c, err := findCampaign(ctx, store, ref)
		if err != nil {
			return fmt.Errorf("--campaign: %w", err)
		}
		cids = append(cids, c.ID)
	}
	in, err = store.CreateInspection(ctx, in)
	if errors.Is(err, storage.ErrCaseExists) {
		return fmt.Errorf("--case %q: an inspection of that case exists already (feedprobe inspection list)", *caseName)
	}
	if err != nil {
		return err
	}
	for _, id := range cids {
		if err := store.AttachCampaign(ctx, in.ID, id, time.Time{}); err != nil {
			return err
		}
	}
	fmt.Fprintf(e.stdout, "inspection %d: %s (%s of %s by %s), %d campaigns\n", in.ID, in.Case, in.Kind, in.Platform, in.Body, len(cids))
	return nil
}

func inspectionAttach(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "inspection attach", "INSPECTION CAMPAIGN... [--db FILE]", `
Attach campaigns (id or name) to an inspection (id or case name): their
findings can then become the inspection's rectification orders.`)
	db := fs.String("db", "feedprobe.db", "SQLite database")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() < 2 {
		fs.Usage()
		return errors.New("inspection attach needs an inspection and at least one campaign")
	}
	store, in, err := openInspection(ctx, *db, fs.Arg(0), false)
	if err != nil {
		return err
	}
	defer store.Close()
	for _, ref := range fs.Args()[1:] {
		c, err := findCampaign(ctx, store, ref)
		if err != nil {
			return err
		}
		if err := store.AttachCampaign(ctx, in.ID, c.ID, time.Time{}); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "campaign %s (id %d) attached to inspection %d (%s)\n", c.Name, c.ID, in.ID, in.Case)
	}
	return nil
}

// maxDisclosure bounds a disclosure text.
const maxDisclosure = 4 << 20

func inspectionSurface(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "inspection surface", "INSPECTION --surface NAME [--filing-number N] [--disclosure-file F | --disclosure-url URL]", `
Record, for one surface of the inspected platform (feed, hot, search...),
its algorithm filing number and its public algorithm disclosure text. The
text is stored byte for byte with its SHA-256 and the time it was retrieved,
so a report can set what the platform says beside what the probe saw.
Recording a surface again replaces it.`)
	db := fs.String("db", "feedprobe.db", "SQLite database")
	surface := fs.String("surface", "feed", "the surface")
	filing := fs.String("filing-number", "", "the algorithm filing number the platform shows")
	file := fs.String("disclosure-file", "", "read the disclosure text from this file")
	u := fs.String("disclosure-url", "", "fetch the disclosure text from this http(s) URL")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 || *surface == "" {
		fs.Usage()
		return errors.New("inspection surface needs one inspection and --surface")
	}
	if *file != "" && *u != "" {
		return errors.New("give --disclosure-file or --disclosure-url, not both")
	}
	s := storage.Surface{Surface: *surface, FilingNumber: *filing}
	switch {
	case *file != "":
		data, err := os.ReadFile(*file)
		if err != nil {
			return fmt.Errorf("--disclosure-file: %w", err)
		}
		if len(data) > maxDisclosure {
			return fmt.Errorf("--disclosure-file %s: %d bytes, at most %d", *file, len(data), maxDisclosure)
		}
		s.Disclosure, s.Source = string(data), *file
	case *u != "":
		text, err := fetchDisclosure(ctx, *u)
		if err != nil {
			return fmt.Errorf("--disclosure-url: %w", err)
		}
		s.Disclosure, s.Source = text, *u
	}
	s.RetrievedAt = time.Now()
	store, in, err := openInspection(ctx, *db, fs.Arg(0), false)
	if err != nil {
		return err
	}
	defer store.Close()
	s.InspectionID = in.ID
	if s, err = store.SetSurface(ctx, s); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "inspection %d surface %s: filing number %q, disclosure %d bytes sha256 %s\n",
		in.ID, s.Surface, s.FilingNumber, len(s.Disclosure), s.DisclosureHash)
	return nil
}

func fetchDisclosure(ctx context.Context, u string) (string, error) {
	if !strings.HasPrefix(u, "http://") && !strings.HasPrefix(u, "https://") {
		return "", fmt.Errorf("%q: want an http or https URL", u)
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return "", err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("GET %s: %s", u, resp.Status)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxDisclosure+1))
	if err != nil {
		return "", fmt.Errorf("GET %s: %w", u, err)
	}
	if len(data) > maxDisclosure {
		return "", fmt.Errorf("GET %s: more than %d bytes", u, maxDisclosure)
	}
	return string(data), nil
}

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
		inspectionJSON
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
		r := row{inspectionJSON: toInspectionJSON(in), Campaigns: len(cs), Orders: map[string]int{}}
		for _, o := range ords {
			r.Orders[o.Status]++
		}
		rows = append(rows, r)
	}
	if *asJSON {
		return writeJSON(e.stdout, rows)
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

// inspectionJSON is an inspection as show and list print it.
type inspectionJSON struct {
	ID       int64      `json:"id"`
	Case     string     `json:"case"`
	Platform string     `json:"platform"`
	Body     string     `json:"body"`
	Kind     string     `json:"kind"`
	ParentID int64      `json:"parent_id,omitempty"`
	Start    *time.Time `json:"start,omitempty"`
	End      *time.Time `json:"end,omitempty"`
	Note     string     `json:"note,omitempty"`
	Created  time.Time  `json:"created"`
}

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

func toInspectionJSON(in storage.Inspection) inspectionJSON {
	return inspectionJSON{ID: in.ID, Case: in.Case, Platform: in.Platform, Body: in.Body, Kind: in.Kind, ParentID: in.ParentID,
		Start: timePtr(in.Start), End: timePtr(in.End), Note: in.Note, Created: in.Created}
}

// surfaceJSON is a surface; the disclosure text itself is in the notice
// and in the database, its hash here.
type surfaceJSON struct {
	Surface         string    `json:"surface"`
	FilingNumber    string    `json:"filing_number"`
	Disclosure      string    `json:"disclosure"`
	DisclosureHash  string    `json:"disclosure_sha256"`
	DisclosureBytes int       `json:"disclosure_bytes"`
	Source          string    `json:"source"`
	RetrievedAt     time.Time `json:"retrieved_at"`
}

func toSurfaceJSON(s storage.Surface) surfaceJSON {
	return surfaceJSON{Surface: s.Surface, FilingNumber: s.FilingNumber, Disclosure: s.Disclosure, DisclosureHash: s.DisclosureHash,
		DisclosureBytes: len(s.Disclosure), Source: s.Source, RetrievedAt: s.RetrievedAt}
}

// orderJSON is a rectification order with the finding it was issued for
// and, once closed, the finding at the re-inspection.
type orderJSON struct {
	ID                int64             `json:"id"`
	Inspection        int64             `json:"inspection"`
	Campaign          string            `json:"campaign"`
	CampaignID        int64             `json:"campaign_id"`
	Finding           string            `json:"finding"`
	Article           string            `json:"article"`
	Question          string            `json:"question"`
	Verdict           string            `json:"verdict"`
	IssuedAt          time.Time         `json:"issued_at"`
	Deadline          time.Time         `json:"deadline"`
	Status            string            `json:"status"`
	Evidence          *analysis.Finding `json:"evidence"`
	Reinspection      int64             `json:"reinspection,omitempty"`
	RecheckCampaign   string            `json:"recheck_campaign,omitempty"`
	RecheckCampaignID int64             `json:"recheck_campaign_id,omitempty"`
	StartedAt         *time.Time        `json:"reinspection_started_at,omitempty"`
	Comparison        string            `json:"comparison,omitempty"`
	Recheck           *analysis.Finding `json:"recheck,omitempty"`
	ClosedAt          *time.Time        `json:"closed_at,omitempty"`
	Note              string            `json:"note,omitempty"`
}

func toOrderJSON(ctx context.Context, db *storage.DB, o storage.Order) (orderJSON, error) {
	j := orderJSON{ID: o.ID, Inspection: o.InspectionID, CampaignID: o.CampaignID, Finding: o.Finding, Article: o.Article,
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

// campaignRun summarizes a campaign's sessions for the timeline.
type campaignRun struct {
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

// event is one line of an inspection's timeline.
type event struct {
	At   time.Time `json:"at"`
	What string    `json:"what"`
}

// caseFile is everything about an inspection: show prints it, the notice
// renders part of it.
type caseFile struct {
	Inspection    inspectionJSON   `json:"inspection"`
	Surfaces      []surfaceJSON    `json:"surfaces"`
	Campaigns     []campaignRun    `json:"campaigns"`
	Orders        []orderJSON      `json:"orders"`
	Reinspections []inspectionJSON `json:"reinspections"`
	Timeline      []event          `json:"timeline"`
}

func loadCase(ctx context.Context, db *storage.DB, in storage.Inspection, withFindings bool) (caseFile, error) {
	cf := caseFile{Inspection: toInspectionJSON(in), Surfaces: []surfaceJSON{}, Campaigns: []campaignRun{}, Orders: []orderJSON{}, Reinspections: []inspectionJSON{}}
	add := func(at time.Time, format string, a ...any) {
		cf.Timeline = append(cf.Timeline, event{At: at, What: fmt.Sprintf(format, a...)})
	}
	add(in.Created, "inspection %s opened: %s of %s by %s", in.Case, in.Kind, in.Platform, in.Body)
	ss, err := db.Surfaces(ctx, in.ID)
	if err != nil {
		return cf, err
	}
	for _, s := range ss {
		cf.Surfaces = append(cf.Surfaces, toSurfaceJSON(s))
		add(s.RetrievedAt, "surface %s: filing number %q; disclosure of %d bytes (sha256 %.12s…) retrieved from %s", s.Surface, s.FilingNumber, len(s.Disclosure), s.DisclosureHash, s.Source)
	}
	all, err := db.Inspections(ctx)
	if err != nil {
		return cf, err
	}
	ids := []int64{in.ID}
	for _, x := range all {
		if x.ParentID == in.ID {
			cf.Reinspections = append(cf.Reinspections, toInspectionJSON(x))
			ids = append(ids, x.ID)
		}
	}
	for _, id := range ids {
		ics, err := db.InspectionCampaigns(ctx, id)
		if err != nil {
			return cf, err
		}
		for _, ic := range ics {
			run, err := summarizeRun(ctx, db, ic, withFindings)
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
		j, err := toOrderJSON(ctx, db, o)
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
	slices.SortStableFunc(cf.Timeline, func(a, b event) int { return a.At.Compare(b.At) })
	return cf, nil
}

func summarizeRun(ctx context.Context, db *storage.DB, ic storage.InspectionCampaign, withFindings bool) (campaignRun, error) {
	run := campaignRun{ID: ic.Campaign.ID, Name: ic.Campaign.Name, Platform: ic.Campaign.Platform, Attached: ic.AddedAt, Findings: []analysis.Finding{}}
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
	if withFindings && run.Done > 0 {
		fs, err := findingsOf(ctx, db, ic.Campaign)
		if err != nil {
			run.FindError = err.Error()
		} else {
			run.Findings = fs
		}
	}
	return run, nil
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
	cf, err := loadCase(ctx, store, in, true)
	if err != nil {
		return err
	}
	if *asJSON {
		return writeJSON(e.stdout, cf)
	}
	w := e.stdout
	fmt.Fprintf(w, "inspection %d: %s\n  %s of %s by %s", in.ID, in.Case, in.Kind, in.Platform, in.Body)
	if !in.Start.IsZero() {
		fmt.Fprintf(w, ", from %s", in.Start.Format("2006-01-02"))
	}
	if !in.End.IsZero() {
		fmt.Fprintf(w, " to %s", in.End.Format("2006-01-02"))
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

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func cmdFinding(ctx context.Context, e *env, args []string) error {
	subs := map[string]func(context.Context, *env, []string) error{
		"issue": findingIssue, "notice": findingNotice, "list": findingList,
	}
	if len(args) == 0 || subs[args[0]] == nil {
		findingUsage(e.stderr)
		if len(args) > 0 && args[0] != "--help" && args[0] != "-h" && args[0] != "help" {
			return fmt.Errorf("finding: unknown subcommand %q", args[0])
		}
		if len(args) == 0 {
			return errors.New("finding needs a subcommand")
		}
		return nil
	}
	return subs[args[0]](ctx, e, args[1:])
}

func findingUsage(w io.Writer) {
	fmt.Fprint(w, `Usage: feedprobe finding <subcommand> [flags]

Turn an inspection's findings into rectification orders with deadlines, and
write the rectification notice. feedprobe serve re-inspects each order at
its deadline and closes it as rectified, not rectified or inconclusive.

Subcommands:
  list     the findings of an inspection's campaigns, with their verdicts
  issue    turn a finding into a rectification order with a deadline
  notice   write the rectification notice (HTML, or JSON with --json)

Run "feedprobe finding <subcommand> --help" for its flags.
`)
}

func findingList(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "finding list", "--inspection ID [--db FILE] [--json]", `
List the compliance findings of every campaign attached to an inspection:
check, article, verdict, effect and reason. A finding with verdict
"violation evidence" can become an order with feedprobe finding issue.`)
	db := fs.String("db", "feedprobe.db", "SQLite database to read")
	ref := fs.String("inspection", "", "inspection id or case name (required)")
	asJSON := fs.Bool("json", false, "print JSON")
	if err := fs.Parse(args); err != nil {
		return err
	}
	store, in, err := openInspection(ctx, *db, *ref, true)
	if err != nil {
		return err
	}
	defer store.Close()
	ics, err := store.InspectionCampaigns(ctx, in.ID)
	if err != nil {
		return err
	}
	var runs []campaignRun
	for _, ic := range ics {
		run, err := summarizeRun(ctx, store, ic, true)
		if err != nil {
			return err
		}
		runs = append(runs, run)
	}
	if *asJSON {
		return writeJSON(e.stdout, runs)
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
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

func findingIssue(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "finding issue", "--inspection ID --finding CHECK --deadline DATE [flags]", `
Turn a finding of one of the inspection's campaigns into a rectification
order: the platform must fix it by the deadline. The finding as it stands
(verdict, effect, examples) is stored with the order as its evidence.
feedprobe serve re-inspects the order at the deadline with the same
campaign design and fresh personas and twins, and closes it.

A deadline that is a date (2026-12-31) means the end of that day in
--time-zone; an RFC 3339 time (2026-12-31T18:00:00+08:00) is exact.`)
	db := fs.String("db", "feedprobe.db", "SQLite database")
	ref := fs.String("inspection", "", "inspection id or case name (required)")
	check := fs.String("finding", "", "the finding's check, such as art17-off (feedprobe finding list; required)")
	deadline := fs.String("deadline", "", "the rectification deadline (required)")
	campaign := fs.String("campaign", "", "the campaign whose finding it is (default: the latest attached campaign that has it)")
	tz := fs.String("time-zone", "UTC", "IANA time zone of a date deadline")
	force := fs.Bool("force", false, "issue the order even when the finding's verdict is not \"violation evidence\"")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *ref == "" || *check == "" || *deadline == "" {
		fs.Usage()
		return errors.New("finding issue needs --inspection, --finding and --deadline")
	}
	loc, err := time.LoadLocation(*tz)
	if err != nil {
		return fmt.Errorf("--time-zone %q: %w", *tz, err)
	}
	due, err := parseDeadline(*deadline, loc)
	if err != nil {
		return fmt.Errorf("--deadline %w", err)
	}
	now := time.Now()
	if !due.After(now) {
		return fmt.Errorf("--deadline %s is not in the future", due.Format(time.RFC3339))
	}
	store, in, err := openInspection(ctx, *db, *ref, false)
	if err != nil {
		return err
	}
	defer store.Close()
	ics, err := store.InspectionCampaigns(ctx, in.ID)
	if err != nil {
		return err
	}
	if *campaign != "" {
		c, err := findCampaign(ctx, store, *campaign)
		if err != nil {
			return fmt.Errorf("--campaign: %w", err)
		}
		ics = slices.DeleteFunc(ics, func(ic storage.InspectionCampaign) bool { return ic.Campaign.ID != c.ID })
		if len(ics) == 0 {
			return fmt.Errorf("--campaign %s is not attached to inspection %s (feedprobe inspection attach)", c.Name, in.Case)
		}
	}
	if len(ics) == 0 {
		return fmt.Errorf("inspection %s has no campaign; attach one with feedprobe inspection attach", in.Case)
	}
	var (
		found *analysis.Finding
		camp  storage.Campaign
		seen  []string
	)
	for i := len(ics) - 1; i >= 0 && found == nil; i-- {
		fsx, err := findingsOf(ctx, store, ics[i].Campaign)
		if err != nil {
			return err
		}
		for _, f := range fsx {
			seen = append(seen, f.Check)
			if f.Check == *check {
				found, camp = &f, ics[i].Campaign
				break
			}
		}
	}
	if found == nil {
		slices.Sort(seen)
		return fmt.Errorf("--finding %q: no such finding in the inspection's campaigns (have: %s)", *check, strings.Join(slices.Compact(seen), ", "))
	}
	if found.Verdict != analysis.VerdictViolation && !*force {
		return fmt.Errorf("--finding %s of campaign %s has verdict %q, not %q: nothing to rectify (--force issues it anyway)",
			*check, camp.Name, found.Verdict, analysis.VerdictViolation)
	}
	ev, err := json.Marshal(found)
	if err != nil {
		return err
	}
	o, err := store.IssueOrder(ctx, storage.Order{InspectionID: in.ID, CampaignID: camp.ID, Finding: found.Check, Article: found.Article,
		Question: found.Question, Verdict: found.Verdict, Evidence: ev, Deadline: due, IssuedAt: now})
	if errors.Is(err, storage.ErrOrderExists) {
		return fmt.Errorf("inspection %s already ordered %s of campaign %s (feedprobe inspection show %d)", in.Case, *check, camp.Name, in.ID)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "order %d: %s (%s) of campaign %s, deadline %s; feedprobe serve re-inspects it then\n",
		o.ID, o.Finding, o.Article, camp.Name, o.Deadline.Format(time.RFC3339))
	return nil
}

// notice is the rectification notice's content.
type notice struct {
	Inspection inspectionJSON `json:"inspection"`
	Surfaces   []surfaceJSON  `json:"surfaces"`
	Orders     []orderJSON    `json:"orders"`
	Generated  time.Time      `json:"generated_at"`
	Limits     string         `json:"limitations"`
}

const noticeLimits = "The evidence is what scripted sock-puppet personas were served by the platform during the campaigns named: observable outcomes for those personas, not the platform's intent, internal data or what its users at large see. Personas are scripted accounts, not a population sample; confounders are controlled only by time-matched controls and twins on the same network."

func findingNotice(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "finding notice", "--inspection ID [-o FILE] [--json] [--db FILE]", `
Write the rectification notice of an inspection: every order with the
finding it rests on (article, question, verdict, effect with its interval,
p-value, n and example impressions), its deadline and, once re-inspected,
its verdict. One self-contained HTML file (no network fetches; all platform
text escaped), or JSON with --json.`)
	db := fs.String("db", "feedprobe.db", "SQLite database to read")
	ref := fs.String("inspection", "", "inspection id or case name (required)")
	out := fs.StringP("output", "o", "", "write to this file (default: stdout)")
	asJSON := fs.Bool("json", false, "write JSON instead of HTML")
	if err := fs.Parse(args); err != nil {
		return err
	}
	store, in, err := openInspection(ctx, *db, *ref, true)
	if err != nil {
		return err
	}
	defer store.Close()
	cf, err := loadCase(ctx, store, in, false)
	if err != nil {
		return err
	}
	n := notice{Inspection: cf.Inspection, Surfaces: cf.Surfaces, Orders: cf.Orders, Generated: time.Now().UTC(), Limits: noticeLimits}
	var f *os.File
	w := e.stdout
	if *out != "" {
		if f, err = os.Create(*out); err != nil {
			return err
		}
		defer f.Close()
		w = f
	}
	if *asJSON {
		err = writeJSON(w, n)
	} else {
		err = noticeTemplate.Execute(w, n)
	}
	if err != nil {
		return fmt.Errorf("write notice: %w", err)
	}
	if f != nil {
		if err := f.Close(); err != nil {
			return fmt.Errorf("write notice: %w", err)
		}
		fmt.Fprintf(e.stderr, "notice with %d orders written to %s\n", len(n.Orders), *out)
	}
	return nil
}
