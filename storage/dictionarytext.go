package storage

import (
	"fmt"
	"io"
	"strings"
)

func columnFlags(c ColumnInfo) string {
	var f []string
	if c.PrimaryKey {
		f = append(f, "key")
	}
	if c.Nullable {
		f = append(f, "null")
	}
	return strings.Join(f, ",")
}

// WriteDictionaryText prints tables as `feedprobe schema` does: each table
// with its meaning, then a line per column with its kind, flags (key,
// null) and meaning.
func WriteDictionaryText(w io.Writer, tables []TableInfo) error {
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

// WriteDictionaryMarkdown prints tables as markdown, a heading and a table
// of columns each, as `feedprobe help schema` ends.
func WriteDictionaryMarkdown(w io.Writer, tables []TableInfo) error {
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
