package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	auditreport "github.com/feedprobe/feedprobe/analysis/report"
	"github.com/feedprobe/feedprobe/cmd/feedprobe/help"
	"github.com/feedprobe/feedprobe/storage"
	"github.com/feedprobe/feedprobe/storage/inspection"
)

// orderCommands are order's subcommands.
func orderCommands() subcommands {
	return subcommands{"issue": orderIssue, "notice": orderNotice, "list": orderFindings}
}

func cmdOrder(ctx context.Context, e *env, args []string) error {
	return subcommand(ctx, e, "order", args, orderCommands(), orderUsage)
}

// cmdFinding is the old name of cmdOrder, kept for one release: it works
// but is not listed, and says so on stderr.
func cmdFinding(ctx context.Context, e *env, args []string) error {
	// On stderr even under --help, whose usage goes to stdout.
	fmt.Fprintln(e.rawStderr, `feedprobe: "feedprobe finding" is deprecated and will be removed; use "feedprobe order"`)
	return cmdOrder(ctx, e, args)
}

func orderUsage(w io.Writer) {
	fmt.Fprintf(w, "Usage: feedprobe order <subcommand> [flags]\n\n%s\n\nRun \"feedprobe order <subcommand> --help\" for its flags.\n", help.Command("order"))
}

func orderFindings(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "order list", "--inspection ID [--db FILE] [--json]", help.Command("order list"))
	db := fs.String("db", "feedprobe.db", "SQLite database to read")
	ref := fs.String("inspection", "", "inspection id or case name (required)")
	asJSON := fs.Bool("json", false, "print JSON")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := noArgs(fs); err != nil {
		return err
	}
	store, in, err := openInspection(ctx, *db, *ref, true)
	if err != nil {
		return err
	}
	defer store.Close()
	runs, err := inspection.Runs(ctx, store, in, findingsOf)
	if err != nil {
		return err
	}
	if *asJSON {
		return writeJSON(e.raw, runs)
	}
	return inspection.WriteRuns(e.stdout, runs)
}

func orderIssue(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "order issue", "--inspection ID --finding CHECK --deadline DATE [flags]", help.Command("order issue"))
	db := fs.String("db", "feedprobe.db", "SQLite database")
	ref := fs.String("inspection", "", "inspection id or case name (required)")
	check := fs.String("finding", "", "the finding's check, such as art17-off (feedprobe order list; required)")
	deadline := fs.String("deadline", "", "the rectification deadline (required)")
	campaign := fs.String("campaign", "", "the campaign whose finding it is (default: the latest attached campaign that has it)")
	tz := fs.String("time-zone", "", "IANA time zone of a date deadline (default: the case's, else UTC)")
	force := fs.Bool("force", false, "issue the order even when the finding's verdict is not \"violation evidence\"")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := noArgs(fs); err != nil {
		return err
	}
	if *ref == "" || *check == "" || *deadline == "" {
		fs.Usage()
		return errors.New("order issue needs --inspection, --finding and --deadline")
	}
	store, in, err := openInspection(ctx, *db, *ref, false)
	if err != nil {
		return err
	}
	defer store.Close()
	loc, _, err := in.Location()
	if *tz != "" {
		loc, err = time.LoadLocation(*tz)
	}
	if err != nil {
		return flagError("--time-zone %q: %w", *tz, err)
	}
	due, err := inspection.ParseDeadline(*deadline, loc)
	if err != nil {
		return flagError("--deadline %w", err)
	}
	now := time.Now()
	if !due.After(now) {
		return flagError("--deadline %s is not in the future", due.Format(time.RFC3339))
	}
	ics, err := inspection.Candidates(ctx, store, in, *campaign)
	if err != nil {
		return err
	}
	o, camp, err := inspection.Issue(ctx, store, in, ics, *check, due, now, *force, findingsOf)
	switch {
	case errors.Is(err, inspection.ErrNothingToRectify):
		return fmt.Errorf("--finding %w (--force issues it anyway)", err)
	case errors.Is(err, inspection.ErrNoFinding):
		return fmt.Errorf("--finding %w", err)
	case errors.Is(err, storage.ErrOrderExists):
		return fmt.Errorf("inspection %s already ordered %s of campaign %s (feedprobe inspection show %d)", in.Case, *check, camp.Name, in.ID)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "order %d: %s (%s) of campaign %s, deadline %s; feedprobe serve re-inspects it then\n",
		o.ID, o.Finding, o.Article, camp.Name, o.Deadline.Format(time.RFC3339))
	return nil
}

func orderNotice(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "order notice", "--inspection ID [-o FILE] [--lang en|zh-CN] [--format html|pdf] [--json] [--db FILE]", help.Command("order notice"))
	db := fs.String("db", "feedprobe.db", "SQLite database to read")
	ref := fs.String("inspection", "", "inspection id or case name (required)")
	doc := addDocFlags(fs, "-")
	asJSON := fs.Bool("json", false, "write JSON instead of HTML")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := noArgs(fs); err != nil {
		return err
	}
	if *asJSON && *doc.format == "pdf" {
		return flagError("--json and --format pdf exclude each other")
	}
	if err := doc.check(*db); err != nil {
		return err
	}
	store, in, err := openInspection(ctx, *db, *ref, true)
	if err != nil {
		return err
	}
	defer store.Close()
	cf, err := inspection.Load(ctx, store, in, nil)
	if err != nil {
		return err
	}
	loc, _, err := caseZone(&in)
	if err != nil {
		return err
	}
	lang, err := doc.language(&in)
	if err != nil {
		return err
	}
	n := auditreport.Notice{Inspection: cf.Inspection, Surfaces: cf.Surfaces, Orders: cf.Orders, Generated: time.Now().UTC(),
		Limits: auditreport.LimitsText(lang), Lang: lang, Location: loc, Signature: doc.signature(), Tool: toolInfo()}
	var buf bytes.Buffer
	if *asJSON {
		err = writeJSON(&buf, n)
	} else {
		err = auditreport.WriteNotice(&buf, n)
	}
	if err != nil {
		return fmt.Errorf("write notice: %w", err)
	}
	return doc.emit(ctx, e, *db, buf.Bytes(), fmt.Sprintf("notice with %d orders", len(n.Orders)))
}
