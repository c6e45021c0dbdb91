package inspection

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/feedprobe/feedprobe/analysis/report"
	"github.com/feedprobe/feedprobe/storage"
)

// ReportRequest says what ReportInput reads for the audit report of a
// campaign.
type ReportRequest struct {
	Campaign storage.Campaign
	// Baseline, when set, makes the report a re-inspection against it.
	Baseline *storage.Campaign
	// Case is the inspection (id or case name) that heads the report; ""
	// for the first inspection the campaign is attached to, if any.
	Case string
	// Conventions override the campaign's metric settings; Seed seeds the
	// resampling of the findings and the analysis.
	Conventions storage.Conventions
	Seed        uint64
	// Evidence is the campaign's evidence: the chain's head and the
	// pictures of the findings' examples come from it.
	Evidence *storage.EvidenceStore
	// Tool is the feedprobe build that makes the report.
	Tool report.Tool
	// ClosedNetwork says whether the campaign ran in closed-network mode.
	ClosedNetwork bool
}

// ReportInput reads from the database what the audit report of
// req.Campaign shows: its findings and analysis (and the baseline's
// findings), the sessions' counts and times, the disclosures, and what
// heads the report (the case and its time zone, the tool, the
// specification's and the evidence chain's hashes, the evidence pictures
// of the findings' examples). It returns the case too (nil when the
// campaign is attached to none); the language and the signature are the
// caller's to set.
func ReportInput(ctx context.Context, db *storage.DB, req ReportRequest) (report.Input, *storage.Inspection, error) {
	in, err := reportBody(ctx, db, req)
	if err != nil {
		return in, nil, err
	}
	cs, err := campaignCase(ctx, db, req.Campaign, req.Case)
	if err != nil {
		return in, nil, err
	}
	if err := reportHeader(ctx, db, req, cs, &in); err != nil {
		return in, nil, err
	}
	return in, cs, nil
}

// campaignCase returns the inspection ref (when given) or the first
// inspection camp is attached to; nil when it is attached to none.
func campaignCase(ctx context.Context, db *storage.DB, camp storage.Campaign, ref string) (*storage.Inspection, error) {
	if ref != "" {
		in, err := db.FindInspection(ctx, ref)
		if err != nil {
			return nil, err
		}
		return &in, nil
	}
	ins, err := db.Inspections(ctx)
	if err != nil {
		return nil, err
	}
	for _, in := range ins {
		ics, err := db.InspectionCampaigns(ctx, in.ID)
		if err != nil {
			return nil, err
		}
		for _, ic := range ics {
			if ic.Campaign.ID == camp.ID {
				return &in, nil
			}
		}
	}
	return nil, nil
}

// reportHeader fills in what heads the report.
func reportHeader(ctx context.Context, db *storage.DB, req ReportRequest, cs *storage.Inspection, in *report.Input) error {
	camp, ev := req.Campaign, req.Evidence
	in.Location, in.ZoneSet = time.UTC, false
	if cs != nil {
		var err error
		if in.Location, in.ZoneSet, err = cs.Location(); err != nil {
			return err
		}
		c := InspectionOf(*cs)
		in.Case = &c
	}
	in.Tool = req.Tool
	sum := sha256.Sum256(camp.Spec)
	in.SpecHash = hex.EncodeToString(sum[:])
	var err error
	if in.ChainHead, in.ChainRows, err = ev.Head(ctx, camp.ID); err != nil {
		return err
	}
	if g, err := db.StartGap(ctx, camp.ID); err != nil {
		return err
	} else if g != nil {
		in.StartGap = &report.StartGap{Seconds: g.Seconds, Persona: g.Persona, Other: g.Other, Session: g.Session, Pairs: g.Pairs}
	}
	in.ClosedNetwork = req.ClosedNetwork
	for _, f := range in.Campaign.Findings {
		for _, ex := range f.Examples {
			shot, ok, err := ev.Screenshot(ctx, camp.ID, ex.Persona, ex.Session, ex.Surface, ex.Rank)
			if err != nil {
				return err
			}
			if !ok {
				continue
			}
			data, err := ev.ReadFile(shot)
			if err != nil {
				return fmt.Errorf("picture of finding %s: %w", f.Check, err)
			}
			in.Pictures = append(in.Pictures, report.Picture{Check: f.Check, Persona: ex.Persona, Session: ex.Session,
				Surface: ex.Surface, Rank: ex.Rank, MIME: "image/png", Data: data, SHA256: shot.ContentHash, RowHash: shot.Hash,
				At: shot.At, Reason: shot.Reason})
		}
	}
	return nil
}

// reportBody reads the findings, analysis, sessions and disclosures of the
// report (with a baseline, the re-inspection's comparison).
func reportBody(ctx context.Context, db *storage.DB, req ReportRequest) (report.Input, error) {
	camp, over, seed := req.Campaign, req.Conventions, req.Seed
	fr, err := db.Findings(ctx, camp, over, rand.New(rand.NewPCG(seed, 0)))
	if err != nil {
		return report.Input{}, err
	}
	rep, err := db.Analyze(ctx, camp, over, rand.New(rand.NewPCG(seed, 0)))
	if err != nil {
		return report.Input{}, err
	}
	in := report.Input{Generated: time.Now(), Campaign: reportFindings(fr), Compliance: fr.Input, Audit: rep.Audit, Options: fr.Options, Egress: rep.Egress}
	for c := range rep.Lexicon {
		in.Lexicon = append(in.Lexicon, c)
	}
	sessions, err := db.Sessions(ctx, camp.ID)
	if err != nil {
		return in, err
	}
	s := &in.Sessions
	for _, x := range sessions {
		switch x.Status {
		case storage.StatusDone:
			s.Done++
		case storage.StatusBlocked:
			s.Blocked++
		case storage.StatusFailed:
			s.Failed++
		}
		if !x.StartedAt.IsZero() && (s.First.IsZero() || x.StartedAt.Before(s.First)) {
			s.First = x.StartedAt
		}
		if x.FinishedAt.After(s.Last) {
			s.Last = x.FinishedAt
		}
	}
	if in.Disclosures, err = Disclosures(ctx, db, camp.ID); err != nil {
		return in, err
	}
	if req.Baseline != nil {
		bf, err := db.Findings(ctx, *req.Baseline, over, rand.New(rand.NewPCG(seed, 0)))
		if err != nil {
			return in, fmt.Errorf("baseline: %w", err)
		}
		b := reportFindings(bf)
		in.Baseline = &b
	}
	return in, nil
}

// reportFindings is fr as the report shows it.
func reportFindings(fr storage.Findings) report.CampaignFindings {
	return report.CampaignFindings{Campaign: report.Campaign(fr.Campaign), Spec: fr.Spec, Findings: fr.Findings}
}
