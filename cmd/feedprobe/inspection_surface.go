package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/feedprobe/feedprobe/cmd/feedprobe/help"
	"github.com/feedprobe/feedprobe/storage"
	"github.com/feedprobe/feedprobe/storage/inspection"
)

func inspectionSurface(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "inspection surface", "INSPECTION --surface NAME [--filing-number N] [--disclosure-file F | --disclosure-url URL]", help.Command("inspection surface"))
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
		return flagError("give --disclosure-file or --disclosure-url, not both")
	}
	s := storage.Surface{Surface: *surface, FilingNumber: *filing}
	switch {
	case *file != "":
		text, err := inspection.ReadDisclosure(*file)
		if err != nil {
			return fmt.Errorf("--disclosure-file: %w", err)
		}
		s.Disclosure, s.Source = text, *file
	case *u != "":
		text, err := inspection.FetchDisclosure(ctx, *u)
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
