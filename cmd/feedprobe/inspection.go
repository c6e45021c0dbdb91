package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	auditreport "github.com/feedprobe/feedprobe/analysis/report"
	"github.com/feedprobe/feedprobe/cmd/feedprobe/help"
	"github.com/feedprobe/feedprobe/storage"
	"github.com/feedprobe/feedprobe/storage/inspection"
)

// inspectionCommands are inspection's subcommands.
func inspectionCommands() subcommands {
	return subcommands{
		"new": inspectionNew, "list": inspectionList, "show": inspectionShow,
		"surface": inspectionSurface, "attach": inspectionAttach,
	}
}

func cmdInspection(ctx context.Context, e *env, args []string) error {
	return subcommand(ctx, e, "inspection", args, inspectionCommands(), inspectionUsage)
}

func inspectionUsage(w io.Writer) {
	fmt.Fprintf(w, "Usage: feedprobe inspection <subcommand> [flags]\n\n%s\n\nRun \"feedprobe inspection <subcommand> --help\" for its flags.\n", help.Command("inspection"))
}

// subcommand runs the subcommand of command name that args[0] names. With
// no subcommand or an unknown one it prints usage and fails; with --help,
// -h or help it prints usage.
func subcommand(ctx context.Context, e *env, name string, args []string, subs subcommands, usage func(io.Writer)) error {
	if len(args) == 0 || subs[args[0]] == nil {
		usage(e.stderr)
		if len(args) > 0 && args[0] != "--help" && args[0] != "-h" && args[0] != "help" {
			return flagError("%s: unknown subcommand %q", name, args[0])
		}
		if len(args) == 0 {
			return flagError("%s needs a subcommand", name)
		}
		return nil
	}
	return subs[args[0]](ctx, e, args[1:])
}

// openInspection opens the database (read-only when ro) and finds the
// inspection ref; the caller closes the database.
func openInspection(ctx context.Context, path, ref string, ro bool) (*storage.DB, storage.Inspection, error) {
	if ref == "" {
		return nil, storage.Inspection{}, flagError("--inspection: give an inspection id or case name (feedprobe inspection list)")
	}
	open := storage.Open
	if ro {
		open = storage.OpenReadOnly
	}
	store, err := open(ctx, path)
	if err != nil {
		return nil, storage.Inspection{}, err
	}
	in, err := store.FindInspection(ctx, ref)
	if err != nil {
		store.Close()
		return nil, storage.Inspection{}, err
	}
	return store, in, nil
}

func inspectionNew(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "inspection new", "--case NAME --platform NAME --body NAME --kind KIND [flags]", help.Command("inspection new"))
	db := fs.String("db", "feedprobe.db", "SQLite database")
	caseName := fs.String("case", "", "the case's name or number, unique (required)")
	platform := fs.String("platform", "", "the platform inspected (required)")
	body := fs.String("body", "", "the inspecting body (required)")
	kind := fs.String("kind", storage.KindOnSite, "self-inspection, on-site or re-inspection")
	start := fs.String("start", "", "first day (2026-03-01 or an RFC 3339 time; default today)")
	end := fs.String("end", "", "last day (optional)")
	tz := fs.String("time-zone", "UTC", "IANA time zone of the case: of the dates given here, and of every time its report and notice print")
	locale := fs.String("locale", "en", "language of the case's report and notice: en or zh-CN")
	note := fs.String("note", "", "free text")
	camps := fs.StringArray("campaign", nil, "campaign id or name run under the inspection (repeatable)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := noArgs(fs); err != nil {
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
	if _, err := auditreport.ParseLang(*locale); err != nil {
		problems = append(problems, "--locale "+err.Error())
	}
	in := storage.Inspection{Case: *caseName, Platform: *platform, Body: *body, Kind: *kind, Note: *note, TimeZone: loc.String(), Locale: *locale}
	if *start == "" {
		in.Start = time.Now().In(loc)
		in.Start = time.Date(in.Start.Year(), in.Start.Month(), in.Start.Day(), 0, 0, 0, 0, loc)
	} else if in.Start, err = inspection.ParseDay(*start, loc); err != nil {
		problems = append(problems, "--start "+err.Error())
	}
	if *end != "" {
		if in.End, err = inspection.ParseDay(*end, loc); err != nil {
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
	in, err = inspection.Open(ctx, store, in, *camps)
	if errors.Is(err, storage.ErrCaseExists) {
		return fmt.Errorf("--case %q: an inspection of that case exists already (feedprobe inspection list)", *caseName)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "inspection %d: %s (%s of %s by %s), %d campaigns\n", in.ID, in.Case, in.Kind, in.Platform, in.Body, len(*camps))
	return nil
}

func inspectionAttach(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "inspection attach", "INSPECTION CAMPAIGN... [--db FILE]", help.Command("inspection attach"))
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
		c, err := store.FindCampaign(ctx, ref)
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
