package main

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/pflag"

	auditreport "github.com/feedprobe/feedprobe/analysis/report"
	"github.com/feedprobe/feedprobe/probe"
	"github.com/feedprobe/feedprobe/storage"
)

// docFlags are the flags of a document command (report, order notice):
// where it goes, in which language and format, and who signs it.
type docFlags struct {
	out        *string
	force      *bool
	lang       *string
	format     *string
	chrome     *string
	inspectors *[]string
	place      *string
	date       *string
}

func addDocFlags(fs *pflag.FlagSet, defaultOut string) docFlags {
	return docFlags{
		out:        fs.StringP("output", "o", defaultOut, "file to write (- for stdout); an existing file only with --force, never a database"),
		force:      fs.Bool("force", false, "overwrite an existing output file (never the database read, nor any SQLite file)"),
		lang:       fs.String("lang", "", "language: en or zh-CN (default: the case's locale, else en)"),
		format:     fs.String("format", "html", "html, or pdf (printed on A4 by Chromium, fonts embedded)"),
		chrome:     fs.String("chrome", "", "browser binary for --format pdf (default: $FEEDPROBE_CHROME, then chromium on PATH)"),
		inspectors: fs.StringArray("inspector", nil, "an inspector's name for the signature block (repeatable; default: blank lines)"),
		place:      fs.String("place", "", "place of signing for the signature block (default: a blank line)"),
		date:       fs.String("date", "", "date of signing for the signature block (default: a blank line)"),
	}
}

// check validates the flags before anything is read: the format, the
// language and the output file (so a refused target fails fast).
func (d docFlags) check(dbPath string) error {
	if *d.format != "html" && *d.format != "pdf" {
		return flagError("--format %q: want html or pdf", *d.format)
	}
	if *d.lang != "" {
		if _, err := auditreport.ParseLang(*d.lang); err != nil {
			return flagError("--lang %w", err)
		}
	}
	if *d.out != "-" {
		return storage.CheckOutput(*d.out, dbPath, *d.force)
	}
	return nil
}

func (d docFlags) signature() auditreport.Signature {
	return auditreport.Signature{Inspectors: *d.inspectors, Place: *d.place, Date: *d.date}
}

// language is --lang, else the case's locale, else English.
func (d docFlags) language(in *storage.Inspection) (auditreport.Lang, error) {
	if *d.lang != "" {
		return auditreport.ParseLang(*d.lang)
	}
	if in != nil && in.Locale != "" {
		if l, err := auditreport.ParseLang(in.Locale); err == nil {
			return l, nil
		}
	}
	return auditreport.English, nil
}

// emit writes the rendered HTML, or its PDF, where --output says.
func (d docFlags) emit(ctx context.Context, e *env, dbPath string, html []byte, what string) error {
	data := html
	if *d.format == "pdf" {
		var err error
		if data, err = probe.PrintPDF(ctx, probe.BrowserOptions{ExecPath: *d.chrome}, html); err != nil {
			return fmt.Errorf("--format pdf: %w", err)
		}
	}
	if *d.out == "-" {
		_, err := e.raw.Write(data) // HTML or PDF, byte for byte
		return err
	}
	if err := storage.WriteOutput(*d.out, dbPath, *d.force, data); err != nil {
		return err
	}
	fmt.Fprintf(e.stderr, "%s written to %s (%d bytes)\n", what, *d.out, len(data))
	return nil
}

// caseZone returns the time zone of in (UTC for none) and whether the
// case set it.
func caseZone(in *storage.Inspection) (*time.Location, bool, error) {
	if in == nil {
		return time.UTC, false, nil
	}
	return in.Location()
}
