package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"time"

	auditreport "github.com/feedprobe/feedprobe/analysis/report"
	"github.com/feedprobe/feedprobe/probe"
	"github.com/feedprobe/feedprobe/storage"
	"github.com/feedprobe/feedprobe/storage/inspection"
)

func cmdReport(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "report", "--db FILE [--campaign ID|NAME] [--baseline ID|NAME] [--lang en|zh-CN] [--format html|pdf] -o FILE", `
Write the audit report of a campaign as one self-contained HTML file (no
scripts, no network fetches: charts are inline SVG drawn with gonum/plot):
the campaign design (rationale, sampling frame, period, personas), the
findings table of "feedprobe findings" with effects, intervals, p-values and
n, charts (reference-topic share per session with 95 % bands by role,
evenness, harmful items per 100 by group, personalization against the
noise floor), example items for each finding and the limitations statement.

With --baseline the report is a re-inspection: the earlier campaign's
findings are set beside this one's, and each check is "fixed", "not
fixed", "worse", "clean in both" or "not comparable".

The header names the case (the inspection the campaign is attached to,
with its surfaces and filing numbers), the campaign, feedprobe's version
and source revision, the SHA-256 of the campaign specification and the
head hash of the campaign's evidence chain (feedprobe verify checks it).
Times are in the case's time zone (feedprobe inspection new --time-zone;
UTC when none is set, and the header says so). Each finding shows the
screenshots where its example items were seen, from the evidence folder,
each with its SHA-256 and time. A signature block ends the report.

--lang zh-CN writes every fixed text in Chinese, with the Provisions'
articles by their Chinese names; the default is the case's locale, else
English. --format pdf prints the report on A4 through Chromium with its
fonts embedded. The report never overwrites the database it reads nor
any SQLite file, and another existing file only with --force.

All platform text (titles, topics, persona names) is escaped.`)
	db := fs.String("db", "feedprobe.db", "SQLite database to read")
	campaign := fs.String("campaign", "", "campaign id or name (default: the latest)")
	baseline := fs.String("baseline", "", "campaign id or name of the earlier inspection to compare with")
	ref := fs.String("inspection", "", "the case to head the report with (default: the first inspection the campaign is attached to)")
	doc := addDocFlags(fs, "report.html")
	seed := fs.Uint64("seed", 1, "seed of the bootstrap and permutation resampling")
	conv := conventionFlags(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := doc.check(*db); err != nil {
		return err
	}
	over, err := conv()
	if err != nil {
		return err
	}
	store, camp, err := openCampaign(ctx, *db, *campaign)
	if err != nil {
		return err
	}
	defer store.Close()
	var base *storage.Campaign
	if *baseline != "" {
		b, err := store.FindCampaign(ctx, *baseline)
		if err != nil {
			return fmt.Errorf("--baseline: %w", err)
		}
		if b.ID == camp.ID {
			return flagError("--baseline %q is the campaign itself", *baseline)
		}
		base = &b
	}
	in, err := reportInput(ctx, store, camp, base, over, *seed)
	if err != nil {
		return err
	}
	cs, err := campaignCase(ctx, store, camp, *ref)
	if err != nil {
		return err
	}
	if err := reportHeader(ctx, store, storage.NewEvidenceStore(store, storage.EvidenceDir(*db)), camp, cs, &in); err != nil {
		return err
	}
	if in.Lang, err = doc.language(cs); err != nil {
		return err
	}
	in.Signature = doc.signature()
	var buf bytes.Buffer
	if err := auditreport.Write(&buf, in); err != nil {
		return err
	}
	return doc.emit(ctx, e, *db, buf.Bytes(), "report")
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

// reportHeader fills in what heads the report: the case and its time
// zone, the tool, the specification's and the evidence chain's hashes,
// the closed-network mode and the evidence pictures of the findings'
// examples.
func reportHeader(ctx context.Context, db *storage.DB, ev *storage.EvidenceStore, camp storage.Campaign, cs *storage.Inspection, in *auditreport.Input) error {
	var err error
	if in.Location, in.ZoneSet, err = caseZone(cs); err != nil {
		return err
	}
	if cs != nil {
		c := inspection.InspectionOf(*cs)
		in.Case = &c
	}
	in.Tool = toolInfo()
	sum := sha256.Sum256(camp.Spec)
	in.SpecHash = hex.EncodeToString(sum[:])
	if in.ChainHead, in.ChainRows, err = ev.Head(ctx, camp.ID); err != nil {
		return err
	}
	if g, err := db.StartGap(ctx, camp.ID); err != nil {
		return err
	} else if g != nil {
		in.StartGap = &auditreport.StartGap{Seconds: g.Seconds, Persona: g.Persona, Other: g.Other, Session: g.Session, Pairs: g.Pairs}
	}
	if closed, err := probe.ClosedNetwork("auto", camp.BaseURL); err == nil {
		in.ClosedNetwork = closed
	}
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
			in.Pictures = append(in.Pictures, auditreport.Picture{Check: f.Check, Persona: ex.Persona, Session: ex.Session,
				Surface: ex.Surface, Rank: ex.Rank, MIME: "image/png", Data: data, SHA256: shot.ContentHash, RowHash: shot.Hash,
				At: shot.At, Reason: shot.Reason})
		}
	}
	return nil
}

// reportInput reads what the report of camp shows (with base, a
// re-inspection against it) from the database.
func reportInput(ctx context.Context, db *storage.DB, camp storage.Campaign, base *storage.Campaign, over storage.Conventions, seed uint64) (auditreport.Input, error) {
	fr, err := db.Findings(ctx, camp, over, rand.New(rand.NewPCG(seed, 0)))
	if err != nil {
		return auditreport.Input{}, err
	}
	rep, err := db.Analyze(ctx, camp, over, rand.New(rand.NewPCG(seed, 0)))
	if err != nil {
		return auditreport.Input{}, err
	}
	in := auditreport.Input{Generated: time.Now(), Campaign: reportFindings(fr), Compliance: fr.Input, Audit: rep.Audit, Options: fr.Options, Egress: rep.Egress}
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
	if in.Disclosures, err = inspection.Disclosures(ctx, db, camp.ID); err != nil {
		return in, err
	}
	if base != nil {
		bf, err := db.Findings(ctx, *base, over, rand.New(rand.NewPCG(seed, 0)))
		if err != nil {
			return in, fmt.Errorf("baseline: %w", err)
		}
		b := reportFindings(bf)
		in.Baseline = &b
	}
	return in, nil
}

// reportFindings is fr as the report shows it.
func reportFindings(fr storage.Findings) auditreport.CampaignFindings {
	return auditreport.CampaignFindings{Campaign: auditreport.Campaign(fr.Campaign), Spec: fr.Spec, Findings: fr.Findings}
}
