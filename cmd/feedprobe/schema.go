package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/feedprobe/feedprobe/storage"
)

func cmdSchema(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "schema", "[--db FILE] [--format text|markdown|json]", `
Print the data dictionary: every table and column of a feedprobe database,
its type (as exported: int64, float64, string, bool, timestamp) and what it
means, taken from the comments in the schema migrations. Without --db it
describes the schema this binary creates; with --db, that database's.`)
	db := fs.String("db", "", "describe this database instead of the built-in schema")
	format := fs.String("format", "text", "text, markdown (as in feedprobe help schema) or json")
	if err := fs.Parse(args); err != nil {
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
		return writeSchemaText(e.stdout, tables)
	case "markdown":
		return writeSchemaMarkdown(e.stdout, tables)
	case "json":
		enc := json.NewEncoder(e.raw)
		enc.SetIndent("", "  ")
		return enc.Encode(tables)
	}
	return flagError("--format %q: want text, markdown or json", *format)
}

func columnFlags(c storage.ColumnInfo) string {
	var f []string
	if c.PrimaryKey {
		f = append(f, "key")
	}
	if c.Nullable {
		f = append(f, "null")
	}
	return strings.Join(f, ",")
}

func writeSchemaText(w io.Writer, tables []storage.TableInfo) error {
	for i, t := range tables {
		if i > 0 {
			fmt.Fprintln(w)
		}
		secret := ""
		if t.Secret {
			secret = " (secret: never exported)"
		}
		fmt.Fprintf(w, "%s%s\n", t.Name, secret)
		if t.Meaning != "" {
			fmt.Fprintf(w, "  %s\n", t.Meaning)
		}
		for _, c := range t.Columns {
			if _, err := fmt.Fprintf(w, "  %-15s %-9s %-8s %s\n", c.Name, c.Kind, columnFlags(c), c.Meaning); err != nil {
				return err
			}
		}
	}
	return nil
}

func writeSchemaMarkdown(w io.Writer, tables []storage.TableInfo) error {
	esc := strings.NewReplacer("|", `\|`, "\n", " ")
	for i, t := range tables {
		if i > 0 {
			fmt.Fprintln(w)
		}
		fmt.Fprintf(w, "### `%s`\n\n", t.Name)
		if t.Meaning != "" {
			fmt.Fprintf(w, "%s\n\n", t.Meaning)
		}
		if t.Secret {
			fmt.Fprintf(w, "Secret: never exported; `feedprobe query` shows it only with `--include-secrets`.\n\n")
		}
		fmt.Fprintln(w, "| column | type | null | meaning |")
		fmt.Fprintln(w, "|---|---|---|---|")
		for _, c := range t.Columns {
			null := ""
			if c.Nullable {
				null = "yes"
			}
			if c.PrimaryKey {
				null = "key"
			}
			if _, err := fmt.Fprintf(w, "| `%s` | %s | %s | %s |\n", c.Name, c.Kind, null, esc.Replace(c.Meaning)); err != nil {
				return err
			}
		}
	}
	return nil
}
