package storage

import (
	"context"
	"encoding/base64"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"unicode/utf8"
)

// Query output formats of QueryTo.
const (
	QueryTable = "table" // aligned columns, NULL as "NULL"; for people
	QueryCSV   = "csv"   // RFC 4180 with a header row, NULL as an empty field
	QueryJSON  = "json"  // an array of objects, one per row
)

// QueryFormats are the formats QueryTo writes.
var QueryFormats = []string{QueryTable, QueryCSV, QueryJSON}

// QueryTo runs query as Query does and writes its rows to w in format
// (QueryTable, QueryCSV or QueryJSON). Blobs that are not UTF-8 are
// written as base64. It returns Query's errors (ErrQueryTimeout,
// ErrQueryMemory, a refused write) and w's.
func (db *DB) QueryTo(ctx context.Context, w io.Writer, format, query string, opts QueryOptions) error {
	var out queryWriter
	switch format {
	case QueryTable:
		out = &tableOut{w: tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)}
	case QueryCSV:
		out = &csvOut{w: csv.NewWriter(w)}
	case QueryJSON:
		out = &jsonOut{w: w}
	default:
		return fmt.Errorf("query format %q: want %s", format, strings.Join(QueryFormats, ", "))
	}
	err := db.Query(ctx, query, opts, func(cols []string, row []any) error {
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

// IsQueryFormat reports whether QueryTo writes format.
func IsQueryFormat(format string) bool { return slices.Contains(QueryFormats, format) }

// ParseSize reads a size: a number of bytes with an optional unit, KiB,
// MiB or GiB (also KB, MB, GB, K, M, G, taken as powers of 1024), as
// QueryOptions.MaxMemory takes it.
func ParseSize(s string) (int64, error) {
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

func (t *tableOut) close() error { return t.w.Flush() }

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
