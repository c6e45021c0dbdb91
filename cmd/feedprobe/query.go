package main

import (
	"context"
	"encoding/base64"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
	"unicode/utf8"

	"github.com/feedprobe/feedprobe/storage"
)

func cmdQuery(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "query", "--db FILE [--format table|csv|json] 'SELECT ...'", `
Run SQL on a feedprobe database and print the rows. The database is opened
read-only, and statements that would write (INSERT, UPDATE, DELETE, CREATE,
DROP, ATTACH, setting a PRAGMA...) are refused before they run, with an
error that says what was refused; nothing is changed.

The cookies in persona_state.identity read as NULL unless --include-secrets.
"feedprobe schema" lists the tables and columns. Times are INTEGER
milliseconds since the Unix epoch (UTC): datetime(seen_at / 1000,
'unixepoch') shows one.

Example:
  feedprobe query --db feedprobe.db 'SELECT p.name, s.seq, count(*) AS n
    FROM impressions i JOIN sessions s ON s.id = i.session_id
    JOIN personas p ON p.id = s.persona_id GROUP BY 1, 2'`)
	db := fs.String("db", "feedprobe.db", "SQLite database to read")
	format := fs.String("format", "table", "output: table (aligned), csv or json (an array of objects)")
	secrets := fs.Bool("include-secrets", false, "show persona_state.identity (cookies: secrets) instead of NULL")
	timeout := fs.Duration("timeout", time.Minute, "stop the query after this long (0: no limit)")
	maxMemory := fs.String("max-memory", "1GiB", "stop the query when SQLite needs more memory than this (KiB, MiB, GiB; 0: no limit)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return errors.New("query needs exactly one SQL argument (quote it)")
	}
	if *timeout < 0 {
		return flagError("--timeout %s: want 0 (no limit) or more", *timeout)
	}
	memCap, err := parseBytes(*maxMemory)
	if err != nil {
		return flagError("--max-memory: %w", err)
	}
	var out queryWriter
	switch *format {
	case "table":
		out = &tableOut{w: tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)}
	case "csv":
		out = &csvOut{w: csv.NewWriter(e.raw)}
	case "json":
		out = &jsonOut{w: e.raw}
	default:
		return flagError("--format %q: want table, csv or json", *format)
	}
	store, err := storage.OpenReadOnly(ctx, *db)
	if err != nil {
		return err
	}
	defer store.Close()
	opts := storage.QueryOptions{IncludeSecrets: *secrets, Timeout: *timeout, MaxMemory: memCap}
	err = store.Query(ctx, fs.Arg(0), opts, func(cols []string, row []any) error {
		if row == nil {
			return out.header(cols)
		}
		return out.row(row)
	})
	if err != nil {
		return err
	}
	return out.close()
}

// parseBytes reads a size: a number of bytes with an optional unit, KiB,
// MiB or GiB (also KB, MB, GB, K, M, G, taken as powers of 1024).
func parseBytes(s string) (int64, error) {
	t := strings.TrimSpace(s)
	i := strings.IndexFunc(t, func(r rune) bool { return (r < '0' || r > '9') && r != '.' })
	num, unit := t, ""
	if i >= 0 {
		num, unit = t[:i], strings.TrimSpace(t[i:])
	}
	shift := map[string]uint{"": 0, "b": 0, "k": 10, "kb": 10, "kib": 10, "m": 20, "mb": 20, "mib": 20, "g": 30, "gb": 30, "gib": 30}
	sh, ok := shift[strings.ToLower(unit)]
	f, err := strconv.ParseFloat(num, 64)
	if !ok || err != nil || f < 0 || f > 1<<50 {
		return 0, fmt.Errorf("%q: want a size such as 512MiB or 2GiB (0: no limit)", s)
	}
	return int64(f * float64(uint64(1)<<sh)), nil
}

type queryWriter interface {
	header(cols []string) error
	row(vals []any) error
	close() error
}

// cell formats a value for text output: NULL is empty in CSV and "NULL" in
// a table; blobs that are not UTF-8 are base64.
func cell(v any, null string) string {
	switch v := v.(type) {
	case nil:
		return null
	case int64:
		return strconv.FormatInt(v, 10)
	case float64:
		return strconv.FormatFloat(v, 'g', -1, 64)
	case string:
		return v
	case []byte:
		if utf8.Valid(v) {
			return string(v)
		}
		return base64.StdEncoding.EncodeToString(v)
	}
	return fmt.Sprint(v)
}

type tableOut struct {
	w *tabwriter.Writer
	n int
}

func (t *tableOut) header(cols []string) error {
	_, err := fmt.Fprintln(t.w, strings.Join(cols, "\t"))
	return err
}

func (t *tableOut) row(vals []any) error {
	cells := make([]string, len(vals))
	for i, v := range vals {
		// Tabs and newlines would break the alignment.
		cells[i] = strings.NewReplacer("\t", `\t`, "\n", `\n`, "\r", `\r`).Replace(cell(v, "NULL"))
	}
	t.n++
	_, err := fmt.Fprintln(t.w, strings.Join(cells, "\t"))
	return err
}

func (t *tableOut) close() error {
	if err := t.w.Flush(); err != nil {
		return err
	}
	return nil
}

type csvOut struct{ w *csv.Writer }

func (c *csvOut) header(cols []string) error { return c.w.Write(cols) }

func (c *csvOut) row(vals []any) error {
	rec := make([]string, len(vals))
	for i, v := range vals {
		rec[i] = cell(v, "")
	}
	return c.w.Write(rec)
}

func (c *csvOut) close() error {
	c.w.Flush()
	return c.w.Error()
}

type jsonOut struct {
	w    io.Writer
	cols []string
	n    int
}

func (j *jsonOut) header(cols []string) error {
	j.cols = cols
	_, err := io.WriteString(j.w, "[")
	return err
}

func (j *jsonOut) row(vals []any) error {
	var b strings.Builder
	if j.n > 0 {
		b.WriteString(",")
	}
	b.WriteString("\n  {")
	for i, v := range vals {
		if i > 0 {
			b.WriteString(", ")
		}
		k, _ := json.Marshal(j.cols[i])
		b.Write(k)
		b.WriteString(": ")
		if bs, ok := v.([]byte); ok {
			v = cell(bs, "")
		}
		enc, err := json.Marshal(v)
		if err != nil {
			return err
		}
		b.Write(enc)
	}
	b.WriteString("}")
	j.n++
	_, err := io.WriteString(j.w, b.String())
	return err
}

func (j *jsonOut) close() error {
	end := "]\n"
	if j.n > 0 {
		end = "\n]\n"
	}
	_, err := io.WriteString(j.w, end)
	return err
}
