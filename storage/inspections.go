package storage

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Inspection kinds.
const (
	KindSelfInspection = "self-inspection"
	KindOnSite         = "on-site"
	KindReinspection   = "re-inspection"
)

// InspectionKinds are the kinds an inspection may have.
var InspectionKinds = []string{KindSelfInspection, KindOnSite, KindReinspection}

// Rectification order statuses. An order is open until its deadline, then
// reinspecting while the re-inspection runs, then closed with one of the
// three verdicts.
const (
	OrderOpen         = "open"
	OrderReinspecting = "reinspecting"
	OrderRectified    = "rectified"
	OrderNotRectified = "not rectified"
	OrderInconclusive = "inconclusive"
)

var (
	// ErrOrderExists means an order for that finding of that campaign was
	// already issued by the inspection.
	ErrOrderExists = errors.New("order already issued for this finding")
	// ErrOrderState means the order is not in a state that allows the
	// operation (closing a closed order, re-inspecting a closed one).
	ErrOrderState = errors.New("order in wrong state")
	// ErrCaseExists means an inspection of that case name exists already.
	ErrCaseExists = errors.New("inspection case already exists")
)

// Inspection is a case: a platform inspected by a body, grouping the
// campaigns run for it.
type Inspection struct {
	ID       int64
	Case     string // the case's name or number; unique
	Platform string
	Body     string
	Kind     string    // KindSelfInspection, KindOnSite or KindReinspection
	ParentID int64     // a re-inspection's original inspection; 0 otherwise
	Start    time.Time // first day; zero when unset
	End      time.Time // last day; zero when unset
	Note     string
	Created  time.Time
	// TimeZone is the case's IANA time zone (Asia/Shanghai): reports and
	// notices print times in it. Empty means UTC.
	TimeZone string
	// Locale is the language of the case's documents (zh-CN or en).
	// Empty means en.
	Locale string
}

// Location returns the case's time zone, UTC when none is set, and
// whether one was set. An unknown zone is an error.
func (in Inspection) Location() (*time.Location, bool, error) {
	if in.TimeZone == "" {
		return time.UTC, false, nil
	}
	loc, err := time.LoadLocation(in.TimeZone)
	if err != nil {
		return time.UTC, true, fmt.Errorf("inspection %s: time zone %q: %w", in.Case, in.TimeZone, err)
	}
	return loc, true, nil
}

// Surface is what the platform publishes about the algorithm of one
// surface: its filing number and its public disclosure text.
type Surface struct {
	InspectionID   int64
	Surface        string
	FilingNumber   string
	Disclosure     string
	DisclosureHash string // SHA-256 (hex) of Disclosure; set by SetSurface
	Source         string // URL or file the disclosure came from
	RetrievedAt    time.Time
}

// InspectionCampaign is a campaign attached to an inspection.
type InspectionCampaign struct {
	InspectionID int64
	Campaign     Campaign
	AddedAt      time.Time
}

// Order is a rectification order: a finding of a campaign that the
// platform must fix by Deadline, and the outcome of its re-inspection.
type Order struct {
	ID                int64
	InspectionID      int64
	CampaignID        int64
	Finding           string
	Article           string
	Question          string
	Verdict           string // the finding's verdict when issued
	Evidence          []byte // JSON of the finding as issued
	Deadline          time.Time
	IssuedAt          time.Time
	Status            string
	ReinspectionID    int64 // 0 until the re-inspection starts
	RecheckCampaignID int64 // 0 until the re-inspection starts
	StartedAt         time.Time
	Comparison        string // fixed, not fixed, worse or not comparable
	Recheck           []byte // JSON of the finding at the re-inspection; nil until closed
	ClosedAt          time.Time
	Note              string
}

// Closed reports whether the order has its verdict.
func (o Order) Closed() bool {
	return o.Status == OrderRectified || o.Status == OrderNotRectified || o.Status == OrderInconclusive
}

// HashDisclosure returns the SHA-256 (hex) of a disclosure text, as stored
// in inspection_surfaces.disclosure_hash.
func HashDisclosure(text string) string {
	h := sha256.Sum256([]byte(text))
	return hex.EncodeToString(h[:])
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

func isUnique(err error) bool {
	return err != nil && strings.Contains(err.Error(), "UNIQUE constraint failed")
}

// CreateInspection records a new inspection and returns it with its ID. A
// zero Created means now. It returns an error wrapping ErrCaseExists when
// the case name is taken.
func (db *DB) CreateInspection(ctx context.Context, in Inspection) (Inspection, error) {
	if err := db.writable("create inspection"); err != nil {
		return Inspection{}, err
	}
	if in.Created.IsZero() {
		in.Created = db.now()
	}
	in.Created = in.Created.UTC()
	res, err := db.w.ExecContext(ctx, `INSERT INTO inspections (case_name, platform, body, kind, parent_id, start_at, end_at, note, created_at, time_zone, locale)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		in.Case, in.Platform, in.Body, in.Kind, nullID(in.ParentID), millis(in.Start), millis(in.End), in.Note, in.Created.UnixMilli(),
		in.TimeZone, in.Locale)
	if isUnique(err) {
		return Inspection{}, fmt.Errorf("create inspection %q: %w", in.Case, ErrCaseExists)
	}
	if err != nil {
		return Inspection{}, fmt.Errorf("create inspection %q: %w", in.Case, err)
	}
	if in.ID, err = res.LastInsertId(); err != nil {
		return Inspection{}, fmt.Errorf("create inspection %q: %w", in.Case, err)
	}
	return in, nil
}

const inspectionColumns = "id, case_name, platform, body, kind, parent_id, start_at, end_at, note, created_at, time_zone, locale"

func scanInspection(r rowScanner) (Inspection, error) {
	var (
		in                 Inspection
		parent, start, end sql.NullInt64
		created            int64
	)
	if err := r.Scan(&in.ID, &in.Case, &in.Platform, &in.Body, &in.Kind, &parent, &start, &end, &in.Note, &created, &in.TimeZone, &in.Locale); err != nil {
		return Inspection{}, err
	}
	in.ParentID = parent.Int64
	in.Start, in.End = fromMillis(start), fromMillis(end)
	in.Created = time.UnixMilli(created).UTC()
	return in, nil
}

// Inspection returns the inspection with that id, or an error wrapping
// ErrNotFound.
func (db *DB) Inspection(ctx context.Context, id int64) (Inspection, error) {
	in, err := scanInspection(db.r.QueryRowContext(ctx, "SELECT "+inspectionColumns+" FROM inspections WHERE id = ?", id))
	if errors.Is(err, sql.ErrNoRows) {
		return Inspection{}, fmt.Errorf("inspection %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return Inspection{}, fmt.Errorf("inspection %d: %w", id, err)
	}
	return in, nil
}

// InspectionByCase returns the inspection of that case name, or an error
// wrapping ErrNotFound.
func (db *DB) InspectionByCase(ctx context.Context, name string) (Inspection, error) {
	in, err := scanInspection(db.r.QueryRowContext(ctx, "SELECT "+inspectionColumns+" FROM inspections WHERE case_name = ?", name))
	if errors.Is(err, sql.ErrNoRows) {
		return Inspection{}, fmt.Errorf("inspection %q: %w", name, ErrNotFound)
	}
	if err != nil {
		return Inspection{}, fmt.Errorf("inspection %q: %w", name, err)
	}
	return in, nil
}

// Inspections returns every inspection in id order.
func (db *DB) Inspections(ctx context.Context) ([]Inspection, error) {
	rows, err := db.r.QueryContext(ctx, "SELECT "+inspectionColumns+" FROM inspections ORDER BY id")
	if err != nil {
		return nil, fmt.Errorf("inspections: %w", err)
	}
	defer rows.Close()
	var out []Inspection
	for rows.Next() {
		in, err := scanInspection(rows)
		if err != nil {
			return nil, fmt.Errorf("inspections: %w", err)
		}
		out = append(out, in)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("inspections: %w", err)
	}
	return out, nil
}

// SetSurface records (or replaces) a surface's filing number and
// disclosure for an inspection, hashing the disclosure. A zero RetrievedAt
// means now.
func (db *DB) SetSurface(ctx context.Context, s Surface) (Surface, error) {
	if err := db.writable("set surface"); err != nil {
		return Surface{}, err
	}
	if s.RetrievedAt.IsZero() {
		s.RetrievedAt = db.now()
	}
	s.RetrievedAt = s.RetrievedAt.UTC()
	s.DisclosureHash = ""
	if s.Disclosure != "" {
		s.DisclosureHash = HashDisclosure(s.Disclosure)
	}
	_, err := db.w.ExecContext(ctx, `INSERT INTO inspection_surfaces (inspection_id, surface, filing_number, disclosure, disclosure_hash, source, retrieved_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (inspection_id, surface) DO UPDATE SET filing_number = excluded.filing_number,
			disclosure = excluded.disclosure, disclosure_hash = excluded.disclosure_hash,
			source = excluded.source, retrieved_at = excluded.retrieved_at`,
		s.InspectionID, s.Surface, s.FilingNumber, s.Disclosure, s.DisclosureHash, s.Source, s.RetrievedAt.UnixMilli())
	if err != nil {
		return Surface{}, fmt.Errorf("set surface %s of inspection %d: %w", s.Surface, s.InspectionID, err)
	}
	return s, nil
}

// Surfaces returns an inspection's surfaces by name.
func (db *DB) Surfaces(ctx context.Context, inspectionID int64) ([]Surface, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT inspection_id, surface, filing_number, disclosure, disclosure_hash, source, retrieved_at
		FROM inspection_surfaces WHERE inspection_id = ? ORDER BY surface`, inspectionID)
	if err != nil {
		return nil, fmt.Errorf("surfaces of inspection %d: %w", inspectionID, err)
	}
	defer rows.Close()
	var out []Surface
	for rows.Next() {
		var s Surface
		var at sql.NullInt64
		if err := rows.Scan(&s.InspectionID, &s.Surface, &s.FilingNumber, &s.Disclosure, &s.DisclosureHash, &s.Source, &at); err != nil {
			return nil, fmt.Errorf("surfaces of inspection %d: %w", inspectionID, err)
		}
		s.RetrievedAt = fromMillis(at)
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("surfaces of inspection %d: %w", inspectionID, err)
	}
	return out, nil
}

// AttachCampaign records that a campaign ran under an inspection. Attaching
// it again changes nothing. A zero at means now.
func (db *DB) AttachCampaign(ctx context.Context, inspectionID, campaignID int64, at time.Time) error {
	if err := db.writable("attach campaign"); err != nil {
		return err
	}
	if at.IsZero() {
		at = db.now()
	}
	_, err := db.w.ExecContext(ctx, `INSERT INTO inspection_campaigns (inspection_id, campaign_id, added_at) VALUES (?, ?, ?)
		ON CONFLICT DO NOTHING`, inspectionID, campaignID, at.UnixMilli())
	if err != nil {
		return fmt.Errorf("attach campaign %d to inspection %d: %w", campaignID, inspectionID, err)
	}
	return nil
}

// InspectionCampaigns returns the campaigns attached to an inspection, in
// the order they were attached.
func (db *DB) InspectionCampaigns(ctx context.Context, inspectionID int64) ([]InspectionCampaign, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT ic.added_at, c.id, c.name, c.platform, c.base_url, c.spec, c.spec_hash, c.created_at
		FROM inspection_campaigns ic JOIN campaigns c ON c.id = ic.campaign_id
		WHERE ic.inspection_id = ? ORDER BY ic.added_at, c.id`, inspectionID)
	if err != nil {
		return nil, fmt.Errorf("campaigns of inspection %d: %w", inspectionID, err)
	}
	defer rows.Close()
	var out []InspectionCampaign
	for rows.Next() {
		var (
			ic      InspectionCampaign
			added   int64
			c       Campaign
			spec    string
			created sql.NullInt64
		)
		if err := rows.Scan(&added, &c.ID, &c.Name, &c.Platform, &c.BaseURL, &spec, &c.SpecHash, &created); err != nil {
			return nil, fmt.Errorf("campaigns of inspection %d: %w", inspectionID, err)
		}
		c.Spec, c.CreatedAt = []byte(spec), fromMillis(created)
		ic.InspectionID, ic.Campaign, ic.AddedAt = inspectionID, c, time.UnixMilli(added).UTC()
		out = append(out, ic)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("campaigns of inspection %d: %w", inspectionID, err)
	}
	return out, nil
}

// IssueOrder records an open rectification order and returns it with its
// ID. A zero IssuedAt means now. It returns an error wrapping
// ErrOrderExists when the inspection already ordered that finding of that
// campaign.
func (db *DB) IssueOrder(ctx context.Context, o Order) (Order, error) {
	if err := db.writable("issue order"); err != nil {
		return Order{}, err
	}
	if o.IssuedAt.IsZero() {
		o.IssuedAt = db.now()
	}
	if o.Deadline.IsZero() {
		return Order{}, errors.New("issue order: no deadline")
	}
	if len(o.Evidence) == 0 {
		o.Evidence = []byte("{}")
	}
	o.IssuedAt, o.Deadline, o.Status = o.IssuedAt.UTC(), o.Deadline.UTC(), OrderOpen
	res, err := db.w.ExecContext(ctx, `INSERT INTO rectification_orders
		(inspection_id, campaign_id, finding, article, question, verdict, evidence, deadline_at, issued_at, status)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		o.InspectionID, o.CampaignID, o.Finding, o.Article, o.Question, o.Verdict, string(o.Evidence),
		o.Deadline.UnixMilli(), o.IssuedAt.UnixMilli(), o.Status)
	if isUnique(err) {
		return Order{}, fmt.Errorf("issue order for %s: %w", o.Finding, ErrOrderExists)
	}
	if err != nil {
		return Order{}, fmt.Errorf("issue order for %s: %w", o.Finding, err)
	}
	if o.ID, err = res.LastInsertId(); err != nil {
		return Order{}, fmt.Errorf("issue order for %s: %w", o.Finding, err)
	}
	return o, nil
}

const orderColumns = `id, inspection_id, campaign_id, finding, article, question, verdict, evidence, deadline_at, issued_at,
	status, reinspection_id, recheck_campaign_id, started_at, comparison, recheck, closed_at, note`

func scanOrder(r rowScanner) (Order, error) {
	var (
		o                   Order
		evidence            string
		recheck             sql.NullString
		deadline, issued    int64
		reinsp, recheckCamp sql.NullInt64
		started, closed     sql.NullInt64
	)
	if err := r.Scan(&o.ID, &o.InspectionID, &o.CampaignID, &o.Finding, &o.Article, &o.Question, &o.Verdict, &evidence,
		&deadline, &issued, &o.Status, &reinsp, &recheckCamp, &started, &o.Comparison, &recheck, &closed, &o.Note); err != nil {
		return Order{}, err
	}
	o.Evidence = []byte(evidence)
	if recheck.Valid {
		o.Recheck = []byte(recheck.String)
	}
	o.Deadline, o.IssuedAt = time.UnixMilli(deadline).UTC(), time.UnixMilli(issued).UTC()
	o.ReinspectionID, o.RecheckCampaignID = reinsp.Int64, recheckCamp.Int64
	o.StartedAt, o.ClosedAt = fromMillis(started), fromMillis(closed)
	return o, nil
}

func (db *DB) orders(ctx context.Context, what, where string, args ...any) ([]Order, error) {
	rows, err := db.r.QueryContext(ctx, "SELECT "+orderColumns+" FROM rectification_orders "+where, args...)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	defer rows.Close()
	var out []Order
	for rows.Next() {
		o, err := scanOrder(rows)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", what, err)
		}
		out = append(out, o)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	return out, nil
}

// Order returns the order with that id, or an error wrapping ErrNotFound.
func (db *DB) Order(ctx context.Context, id int64) (Order, error) {
	o, err := scanOrder(db.w.QueryRowContext(ctx, "SELECT "+orderColumns+" FROM rectification_orders WHERE id = ?", id))
	if errors.Is(err, sql.ErrNoRows) {
		return Order{}, fmt.Errorf("order %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return Order{}, fmt.Errorf("order %d: %w", id, err)
	}
	return o, nil
}

// Orders returns the orders an inspection issued, in id order; with
// inspectionID 0, every order.
func (db *DB) Orders(ctx context.Context, inspectionID int64) ([]Order, error) {
	if inspectionID == 0 {
		return db.orders(ctx, "orders", "ORDER BY id")
	}
	return db.orders(ctx, fmt.Sprintf("orders of inspection %d", inspectionID), "WHERE inspection_id = ? ORDER BY id", inspectionID)
}

// DueOrders returns the orders whose deadline has come by now and that are
// still open or being re-inspected, earliest deadline first.
func (db *DB) DueOrders(ctx context.Context, now time.Time) ([]Order, error) {
	return db.orders(ctx, "due orders", "WHERE status IN ('open', 'reinspecting') AND deadline_at <= ? ORDER BY deadline_at, id", now.UnixMilli())
}

// NextDeadline returns the earliest deadline of an open order, and false
// when no order is open.
func (db *DB) NextDeadline(ctx context.Context) (time.Time, bool, error) {
	var at sql.NullInt64
	if err := db.r.QueryRowContext(ctx, "SELECT min(deadline_at) FROM rectification_orders WHERE status IN ('open', 'reinspecting')").Scan(&at); err != nil {
		return time.Time{}, false, fmt.Errorf("next deadline: %w", err)
	}
	return fromMillis(at), at.Valid, nil
}

// StartReinspection marks an open order as being re-inspected by the
// re-inspection and campaign given. Starting an order that is already
// reinspecting with the same re-inspection and campaign changes nothing (a
// restarted daemon resumes it); any other state gives an error wrapping
// ErrOrderState.
func (db *DB) StartReinspection(ctx context.Context, orderID, reinspectionID, campaignID int64, at time.Time) error {
	if err := db.writable("start re-inspection"); err != nil {
		return err
	}
	res, err := db.w.ExecContext(ctx, `UPDATE rectification_orders SET status = 'reinspecting', reinspection_id = ?,
		recheck_campaign_id = ?, started_at = coalesce(started_at, ?)
		WHERE id = ? AND (status = 'open' OR (status = 'reinspecting' AND reinspection_id = ? AND recheck_campaign_id = ?))`,
		reinspectionID, campaignID, at.UnixMilli(), orderID, reinspectionID, campaignID)
	if err != nil {
		return fmt.Errorf("start re-inspection of order %d: %w", orderID, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("start re-inspection of order %d: %w", orderID, ErrOrderState)
	}
	return nil
}

// CloseOrder closes an order that is open or being re-inspected with its
// verdict (OrderRectified, OrderNotRectified or OrderInconclusive), the
// comparison, the finding as re-inspected (JSON; may be nil) and a note.
// A closed order gives an error wrapping ErrOrderState.
func (db *DB) CloseOrder(ctx context.Context, orderID int64, status, comparison string, recheck []byte, note string, at time.Time) error {
	if err := db.writable("close order"); err != nil {
		return err
	}
	switch status {
	case OrderRectified, OrderNotRectified, OrderInconclusive:
	default:
		return fmt.Errorf("close order %d: status %q: want rectified, not rectified or inconclusive", orderID, status)
	}
	var rc any
	if recheck != nil {
		rc = string(recheck)
	}
	res, err := db.w.ExecContext(ctx, `UPDATE rectification_orders SET status = ?, comparison = ?, recheck = ?, note = ?, closed_at = ?
		WHERE id = ? AND status IN ('open', 'reinspecting')`, status, comparison, rc, note, at.UnixMilli(), orderID)
	if err != nil {
		return fmt.Errorf("close order %d: %w", orderID, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("close order %d: %w", orderID, ErrOrderState)
	}
	return nil
}
