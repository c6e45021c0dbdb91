package main

import (
	"context"

	"github.com/feedprobe/feedprobe/cmd/feedprobe/help"
	"github.com/feedprobe/feedprobe/storage"
)

func cmdSchema(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "schema", "[--db FILE] [--format text|markdown|json]", help.Command("schema"))
	db := fs.String("db", "", "describe this database instead of the built-in schema")
	format := fs.String("format", "text", "text, markdown (as in feedprobe help schema) or json")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := noArgs(fs); err != nil {
		return err
	}
	var (
		tables []storage.TableInfo
		err    error
	)
	if *db != "" {
		store, oerr := storage.OpenReadOnly(ctx, *db)
		if oerr != nil {
			return oerr
		}
		defer store.Close()
		tables, err = store.Tables(ctx)
	} else {
		tables, err = storage.Dictionary(ctx)
	}
	if err != nil {
		return err
	}
	switch *format {
	case "text":
		return storage.WriteDictionaryText(e.stdout, tables)
	case "markdown":
		return storage.WriteDictionaryMarkdown(e.stdout, tables)
	case "json":
		return writeJSON(e.raw, tables)
	}
	return flagError("--format %q: want text, markdown or json", *format)
}
