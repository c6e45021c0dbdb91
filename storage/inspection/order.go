package inspection

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/feedprobe/feedprobe/analysis"
	"github.com/feedprobe/feedprobe/storage"
)

// FindingsFunc returns a campaign's compliance findings (the checks of
// `feedprobe findings`).
type FindingsFunc func(ctx context.Context, db *storage.DB, camp storage.Campaign) ([]analysis.Finding, error)

var (
	// ErrNoFinding means no campaign of the inspection has a finding of
	// that check.
	ErrNoFinding = errors.New("no such finding in the inspection's campaigns")
	// ErrNothingToRectify means the finding's verdict is not violation
	// evidence.
	ErrNothingToRectify = errors.New("nothing to rectify")
)

// Issue turns the finding check of one of the campaigns ics (the latest
// that has it) into an open rectification order of inspection in, due at
// deadline and issued at now, and stores it with the finding as it stands
// as its evidence. A finding whose verdict is not violation evidence gives
// an error wrapping ErrNothingToRectify unless force is set; a check no
// campaign has, ErrNoFinding (with the checks they have); an order issued
// already, storage.ErrOrderExists.
func Issue(ctx context.Context, db *storage.DB, in storage.Inspection, ics []storage.InspectionCampaign, check string,
	deadline, now time.Time, force bool, findings FindingsFunc) (storage.Order, storage.Campaign, error) {
	var (
		found *analysis.Finding
		camp  storage.Campaign
		seen  []string
	)
	for i := len(ics) - 1; i >= 0 && found == nil; i-- {
		fs, err := findings(ctx, db, ics[i].Campaign)
		if err != nil {
			return storage.Order{}, camp, err
		}
		for _, f := range fs {
			seen = append(seen, f.Check)
			if f.Check == check {
				found, camp = &f, ics[i].Campaign
				break
			}
		}
	}
	if found == nil {
		slices.Sort(seen)
		return storage.Order{}, camp, fmt.Errorf("%q: %w (have: %s)", check, ErrNoFinding, strings.Join(slices.Compact(seen), ", "))
	}
	if found.Verdict != analysis.VerdictViolation && !force {
		return storage.Order{}, camp, fmt.Errorf("%s of campaign %s has verdict %q, not %q: %w",
			check, camp.Name, found.Verdict, analysis.VerdictViolation, ErrNothingToRectify)
	}
	ev, err := json.Marshal(found)
	if err != nil {
		return storage.Order{}, camp, err
	}
	o, err := db.IssueOrder(ctx, storage.Order{InspectionID: in.ID, CampaignID: camp.ID, Finding: found.Check, Article: found.Article,
		Question: found.Question, Verdict: found.Verdict, Evidence: ev, Deadline: deadline, IssuedAt: now})
	return o, camp, err
}

// Compare is the re-inspection comparison of the audit report (feedprobe
// report --baseline) for one order: the finding it was issued for beside
// the same check at the re-inspection. It returns analysis.StatusFixed,
// StatusNotFixed, StatusWorse, StatusClean or StatusNotComparable, and why.
func Compare(before, after analysis.Finding) (status, reason string) {
	for _, r := range analysis.CompareFindings([]analysis.Finding{before}, []analysis.Finding{after}) {
		if r.Check == before.Check {
			return r.Status, r.Reason
		}
	}
	return analysis.StatusNotComparable, analysis.Text{Key: "compare.unknown", Args: []any{before.Check}}.String()
}

// Outcome turns a re-inspection's findings into the verdict that closes
// order o: fixed is rectified, not fixed and worse are not rectified, and
// anything else (not comparable, no such finding, evidence that does not
// decode) is inconclusive. It returns the arguments of storage's
// CloseOrder: status, comparison, note and the re-inspected finding as
// JSON (nil when there is none).
func Outcome(o storage.Order, findings []analysis.Finding) (status, comparison, note string, after []byte) {
	var before analysis.Finding
	if err := json.Unmarshal(o.Evidence, &before); err != nil {
		return storage.OrderInconclusive, analysis.StatusNotComparable, analysis.Text{Key: "compare.undecodable", Args: []any{err.Error()}}.String(), nil
	}
	for _, f := range findings {
		if f.Check != o.Finding {
			continue
		}
		after, _ = json.Marshal(f)
		cmp, why := Compare(before, f)
		switch cmp {
		case analysis.StatusFixed:
			return storage.OrderRectified, cmp, why, after
		case analysis.StatusNotFixed, analysis.StatusWorse:
			return storage.OrderNotRectified, cmp, why, after
		}
		return storage.OrderInconclusive, cmp, why, after
	}
	return storage.OrderInconclusive, analysis.StatusNotComparable, analysis.Text{Key: "compare.nofinding", Args: []any{o.Finding}}.String(), nil
}
