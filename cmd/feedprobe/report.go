package main

import (
	"bytes"
	"context"
	"fmt"

	auditreport "github.com/feedprobe/feedprobe/analysis/report"
	"github.com/feedprobe/feedprobe/cmd/feedprobe/help"
	"github.com/feedprobe/feedprobe/probe"
	"github.com/feedprobe/feedprobe/storage"
	"github.com/feedprobe/feedprobe/storage/inspection"
)

func cmdReport(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "report", "--db FILE [--campaign ID|NAME] [--baseline ID|NAME] [--lang en|zh-CN] [--format html|pdf] -o FILE", help.Command("report"))
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
