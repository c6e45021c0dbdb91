package main

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/feedprobe/feedprobe/analysis"
	"github.com/feedprobe/feedprobe/cmd/feedprobe/help"
	"github.com/feedprobe/feedprobe/storage"
)

// labelCommands are label's subcommands.
func labelCommands() subcommands {
	return subcommands{"apply": cmdLabelApply, "import": cmdLabelImport, "stats": cmdLabelStats, "truth": cmdLabelTruth}
}

func cmdLabel(ctx context.Context, e *env, args []string) error {
	sub := labelCommands()
	if len(args) > 0 {
		if f, ok := sub[args[0]]; ok {
			return f(ctx, e, args[1:])
		}
	}
	fmt.Fprintf(e.stderr, "Usage: feedprobe label <apply|import|stats|truth> [flags]\n\n%s\n\nRun \"feedprobe label <sub> --help\" for the flags.\n", help.Command("label"))
	if len(args) == 0 || args[0] == "--help" || args[0] == "-h" || args[0] == "help" {
		return nil
	}
	return flagError("label: unknown subcommand %q (want apply, import, stats or truth)", args[0])
}

// loadLexicon reads a lexicon file, or returns the built-in one for "".
func loadLexicon(path string) (*analysis.PatternLexicon, error) {
	if path == "" {
		return analysis.BuiltinLexicon(), nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("lexicon: %w", err)
	}
	return analysis.ParseLexicon(path, data)
}

func cmdLabelApply(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "label apply", "--db FILE [--lexicon FILE] [--platform NAME]", help.Command("label apply"))
	db := fs.String("db", "feedprobe.db", "SQLite database to label")
	lexPath := fs.String("lexicon", "", "lexicon YAML file (default: the built-in harm lexicon)")
	platform := fs.String("platform", "", "label only this platform's items (default: all)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 0 {
		fs.Usage()
		return fmt.Errorf("label apply takes no arguments (got %q)", fs.Args())
	}
	lex, err := loadLexicon(*lexPath)
	if err != nil {
		return err
	}
	store, err := storage.Open(ctx, *db)
	if err != nil {
		return err
	}
	defer store.Close()
	res, err := store.ApplyLexicon(ctx, lex, *platform)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "lexicon %s labelled %d items (%d labels)\n", res.Version, res.Items, res.Labels)
	for _, c := range lex.CategoryNames() {
		fmt.Fprintf(e.stdout, "  %-16s %6d matched\n", c, res.Matched[c])
	}
	return nil
}

func cmdLabelImport(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "label import", "FILE.csv --db FILE [--annotator NAME] [--round NAME]", help.Command("label import"))
	db := fs.String("db", "feedprobe.db", "SQLite database to write")
	annotator := fs.String("annotator", "", "annotator of rows without one")
	platform := fs.String("platform", "", "platform of rows without one")
	round := fs.String("round", "", "annotation round, stored as the labels' source_version")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return errors.New("label import needs exactly one CSV file")
	}
	file := fs.Arg(0)
	f, err := os.Open(file)
	if err != nil {
		return err
	}
	defer f.Close()
	labels, bad, err := storage.ParseLabelCSV(file, f, storage.Label{Platform: *platform, Source: "manual", SourceVersion: *round, Annotator: *annotator})
	if err != nil {
		return err
	}
	store, err := storage.Open(ctx, *db)
	if err != nil {
		return err
	}
	defer store.Close()
	warning, err := store.ImportLabels(ctx, file, labels)
	if err != nil {
		return err
	}
	if warning != "" {
		fmt.Fprintln(e.stderr, "warning:", warning)
	}
	for _, b := range bad {
		fmt.Fprintln(e.stderr, b)
	}
	fmt.Fprintf(e.stdout, "imported %d manual labels from %s\n", len(labels), file)
	if len(bad) > 0 {
		return fmt.Errorf("label import: %d problems in %s (listed above); those rows were skipped, the %d good rows are kept", len(bad), file, len(labels))
	}
	return nil
}

func cmdLabelStats(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "label stats", "--db FILE [--platform NAME] [--json]", help.Command("label stats"))
	db := fs.String("db", "feedprobe.db", "SQLite database to read")
	platform := fs.String("platform", "", "only this platform's labels")
	asJSON := fs.Bool("json", false, "print JSON")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := noArgs(fs); err != nil {
		return err
	}
	store, err := storage.OpenReadOnly(ctx, *db)
	if err != nil {
		return err
	}
	defer store.Close()
	st, err := store.LabelStats(ctx, *platform)
	if err != nil {
		return err
	}
	dis, err := store.LabelDisagreements(ctx, *platform)
	if err != nil {
		return err
	}
	if *asJSON {
		return writeJSON(e.raw, struct {
			analysis.LabelStats
			Disagreements []storage.LabelDisagreement `json:"disagreements"`
		}{st, dis})
	}
	if err := st.WriteTable(e.stdout); err != nil {
		return err
	}
	return storage.WriteDisagreements(e.stdout, dis)
}
