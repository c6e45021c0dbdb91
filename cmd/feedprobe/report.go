package main

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"time"

	auditreport "github.com/feedprobe/feedprobe/analysis/report"
	"github.com/feedprobe/feedprobe/storage"
	"github.com/feedprobe/feedprobe/storage/inspection"
)

func cmdReport(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "report", "--db FILE [--campaign ID|NAME] [--baseline ID|NAME] -o report.html", `
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

All platform text (titles, topics, persona names) is escaped.`)
	db := fs.String("db", "feedprobe.db", "SQLite database to read")
	campaign := fs.String("campaign", "", "campaign id or name (default: the latest)")
	baseline := fs.String("baseline", "", "campaign id or name of the earlier inspection to compare with")
	out := fs.StringP("output", "o", "report.html", "HTML file to write (- for stdout)")
	seed := fs.Uint64("seed", 1, "seed of the bootstrap and permutation resampling")
	if err := fs.Parse(args); err != nil {
		return err
	}
	store, camp, err := openCampaign(ctx, *db, *campaign)
	if err != nil {
		return err
	}
	defer store.Close()
	var base *storage.Campaign
	if *baseline != "" {
		b, err := findCampaign(ctx, store, *baseline)
		if err != nil {
			return fmt.Errorf("--baseline: %w", err)
		}
		if b.ID == camp.ID {
			return fmt.Errorf("--baseline %q is the campaign itself", *baseline)
		}
		base = &b
	}
	in, err := reportInput(ctx, store, camp, base, *seed)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := auditreport.Write(&buf, in); err != nil {
		return err
	}
	if *out == "-" {
		_, err := e.stdout.Write(buf.Bytes())
		return err
	}
	tmp := *out + ".tmp"
	if err := os.WriteFile(tmp, buf.Bytes(), 0o644); err != nil {
		return err
	}
	if err := os.Rename(tmp, *out); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "wrote %s (%d bytes)\n", filepath.Clean(*out), buf.Len())
	return nil
}

// reportInput reads what the report of camp shows (with base, a
// re-inspection against it) from the database.
func reportInput(ctx context.Context, db *storage.DB, camp storage.Campaign, base *storage.Campaign, seed uint64) (auditreport.Input, error) {
	fr, err := db.Findings(ctx, camp, rand.New(rand.NewPCG(seed, 0)))
	if err != nil {
		return auditreport.Input{}, err
	}
	rep, err := db.Analyze(ctx, camp, rand.New(rand.NewPCG(seed, 0)))
	if err != nil {
		return auditreport.Input{}, err
	}
	in := auditreport.Input{Generated: time.Now(), Campaign: reportFindings(fr), Compliance: fr.Input, Audit: rep.Audit, Egress: rep.Egress}
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
		bf, err := db.Findings(ctx, *base, rand.New(rand.NewPCG(seed, 0)))
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
