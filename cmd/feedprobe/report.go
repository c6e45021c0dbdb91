package main

import (
	"bytes"
	"context"
	"fmt"

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

--lang zh-CN writes every fixed text in Chinese, the findings' questions,
reasons and notes too, with the Provisions' articles by their Chinese
names; the default is the case's locale, else
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
	if err := noArgs(fs); err != nil {
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
	closed, _ := probe.ClosedNetwork("auto", camp.BaseURL)
	in, cs, err := inspection.ReportInput(ctx, store, inspection.ReportRequest{Campaign: camp, Baseline: base, Case: *ref,
		Conventions: over, Seed: *seed, Evidence: storage.NewEvidenceStore(store, storage.EvidenceDir(*db)), Tool: toolInfo(), ClosedNetwork: closed})
	if err != nil {
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
