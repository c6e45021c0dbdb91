package storage

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/parquet-go/parquet-go"
)

// Export formats.
const (
	FormatCSV     = "csv"
	FormatJSONL   = "jsonl"
	FormatParquet = "parquet"
)

// ExportTables are the research tables Export writes, in this order.
// persona_state (cookies: secrets) is never among them.
var ExportTables = []string{"campaigns", "personas", "sessions", "items", "impressions", "actions", "labels", "item_labels",
	"evidence", "extractions", "extraction_impressions"}

// rawColumns are the columns Export leaves out unless asked (ExportOptions.Raw):
// items' JSON as the platform sent it, large and platform text.
var rawColumns = map[string]bool{"raw": true}

// ExportedTable is one file an export wrote.
type ExportedTable struct {
	Table   string       `json:"table"`
	File    string       `json:"file"`
	Rows    int64        `json:"rows"`
	SHA256  string       `json:"sha256"`
	Columns []ColumnInfo `json:"columns"`
}

// ExportManifest describes an export; Export writes it as manifest.json
// beside the tables.
type ExportManifest struct {
	Format        string    `json:"format"`
	ExportedAt    time.Time `json:"exported_at"`
	SchemaVersion int       `json:"schema_version"`
	// CampaignID is the one campaign exported, 0 for the whole database.
	CampaignID int64 `json:"campaign_id,omitempty"`
	// Raw says whether the raw columns (items' JSON) were exported.
	Raw    bool            `json:"raw,omitempty"`
	Tables []ExportedTable `json:"tables"`
}

// ExportOptions choose what Export writes.
type ExportOptions struct {
	// CampaignID other than 0 keeps that campaign's rows (see campaignRows).
	CampaignID int64
	// Raw includes the raw columns: each item's JSON as the platform sent
	// it (impressions and extraction_impressions), for 4CAT-style analysis.
	Raw bool
}

// campaignRows keeps, per exported table, one campaign's rows (?1 is its
// id): its own row, personas, sessions, their impressions, actions and
// evidence, and the items and labels of the items its sessions saw or
// acted on, on its platform.
var campaignRows = map[string]string{
	"campaigns":              "id = ?1",
	"personas":               "campaign_id = ?1",
	"sessions":               "campaign_id = ?1",
	"impressions":            "session_id IN (SELECT id FROM sessions WHERE campaign_id = ?1)",
	"actions":                "session_id IN (SELECT id FROM sessions WHERE campaign_id = ?1)",
	"evidence":               "campaign_id = ?1",
	"extractions":            "campaign_id = ?1",
	"extraction_impressions": "extraction_id IN (SELECT id FROM extractions WHERE campaign_id = ?1)",
	"items":                  "platform = (SELECT platform FROM campaigns WHERE id = ?1) AND item_id IN " + campaignItems,
	"labels":                 "platform = (SELECT platform FROM campaigns WHERE id = ?1) AND item_id IN " + campaignItems,
	"item_labels":            "platform = (SELECT platform FROM campaigns WHERE id = ?1) AND item_id IN " + campaignItems,
}

const campaignItems = `(SELECT i.item_id FROM impressions i JOIN sessions s ON s.id = i.session_id WHERE s.campaign_id = ?1
	UNION SELECT a.item_id FROM actions a JOIN sessions s ON s.id = a.session_id WHERE s.campaign_id = ?1 AND a.item_id IS NOT NULL)`

// Export writes every research table (ExportTables) of db to dir, one file
// per table named TABLE.FORMAT, and manifest.json with row counts, column
// types and each file's SHA-256. It never exports persona_state.
//
// Times are timestamps in UTC with millisecond precision (CSV and JSONL:
// RFC 3339 text; Parquet: TIMESTAMP(MILLIS, UTC)); sponsored and synthetic
// are booleans; NULL is an empty CSV field, JSON null or a Parquet null
// (nullable columns are OPTIONAL). JSON replaces invalid UTF-8 with U+FFFD;
// CSV and Parquet keep the bytes as stored. All tables are read in one
// snapshot. A campaignID other than 0 exports that campaign's rows only
// (see campaignRows); an unknown one gives an error wrapping ErrNotFound.
// Cancelling ctx stops the export; files already written stay.
//
// The raw columns (each item's JSON as the platform sent it) are left out;
// ExportWith with Raw includes them.
func (db *DB) Export(ctx context.Context, dir, format string, campaignID int64) (ExportManifest, error) {
	return db.ExportWith(ctx, dir, format, ExportOptions{CampaignID: campaignID})
}

// ExportWith is Export with options: opt.Raw adds the raw columns.
func (db *DB) ExportWith(ctx context.Context, dir, format string, opt ExportOptions) (ExportManifest, error) {
	campaignID := opt.CampaignID
	m := ExportManifest{Format: format, ExportedAt: db.now().UTC().Truncate(time.Millisecond), CampaignID: campaignID, Raw: opt.Raw}
	switch format {
	case FormatCSV, FormatJSONL, FormatParquet:
	default:
		return m, fmt.Errorf("export: format %q: want csv, jsonl or parquet", format)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return m, fmt.Errorf("export: %w", err)
	}
	// One read transaction: every table from the same snapshot.
	tx, err := db.r.BeginTx(ctx, nil)
	if err != nil {
		return m, fmt.Errorf("export: %w", err)
	}
	defer tx.Rollback()
	if m.SchemaVersion, err = schemaVersion(ctx, tx); err != nil {
		return m, fmt.Errorf("export: %w", err)
	}
	if campaignID != 0 {
		var n int
		if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM campaigns WHERE id = ?", campaignID).Scan(&n); err != nil {
			return m, fmt.Errorf("export: %w", err)
		}
		if n == 0 {
			return m, fmt.Errorf("export: campaign %d: %w", campaignID, ErrNotFound)
		}
	}
	for _, table := range ExportTables {
		if secretTables[table] {
			continue
		}
		cols, err := db.columns(ctx, table)
		if err != nil {
			return m, fmt.Errorf("export: %w", err)
		}
		if len(cols) == 0 {
			continue // a table this database does not have
		}
		if !opt.Raw {
			kept := cols[:0:0]
			for _, c := range cols {
				if !rawColumns[c.Name] {
					kept = append(kept, c)
				}
			}
			cols = kept
		}
		where, args := "", []any(nil)
		if campaignID != 0 {
			where, args = campaignRows[table], []any{campaignID}
			if where == "" {
				return m, fmt.Errorf("export %s: no rule keeps one campaign's rows", table)
			}
		}
		et, err := exportTable(ctx, tx, dir, format, table, cols, where, args)
		if err != nil {
			return m, fmt.Errorf("export %s: %w", table, err)
		}
		m.Tables = append(m.Tables, et)
	}
	f, err := os.Create(filepath.Join(dir, "manifest.json"))
	if err != nil {
		return m, fmt.Errorf("export: %w", err)
	}
	enc := json.NewEncoder(f)
	enc.SetIndent("", "  ")
	if err := enc.Encode(m); err != nil {
		f.Close()
		return m, fmt.Errorf("export: manifest: %w", err)
	}
	if err := f.Close(); err != nil {
		return m, fmt.Errorf("export: manifest: %w", err)
	}
	return m, nil
}

// rowWriter writes one table's rows in a format.
type rowWriter interface {
	write(vals []any) error
	close() error
}

func exportTable(ctx context.Context, q queryer, dir, format, table string, cols []ColumnInfo, where string, args []any) (ExportedTable, error) {
	et := ExportedTable{Table: table, File: table + "." + format, Columns: cols}
	f, err := os.Create(filepath.Join(dir, et.File))
	if err != nil {
		return et, err
	}
	defer f.Close()
	h := sha256.New()
	out := io.MultiWriter(f, h)
	var w rowWriter
	switch format {
	case FormatCSV:
		w, err = newCSVWriter(out, cols)
	case FormatJSONL:
		w = newJSONLWriter(out, cols)
	case FormatParquet:
		w, err = newParquetWriter(out, table, cols)
	}
	if err != nil {
		return et, err
	}
	names := make([]string, len(cols))
	var order []string
	for i, c := range cols {
		names[i] = `"` + c.Name + `"`
		if c.PrimaryKey {
			order = append(order, names[i])
		}
	}
	query := "SELECT " + strings.Join(names, ", ") + " FROM " + table
	if where != "" {
		query += " WHERE " + where
	}
	if len(order) > 0 {
		query += " ORDER BY " + strings.Join(order, ", ")
	}
	err = eachRawRow(ctx, q, query, args, func(vals []any) error {
		et.Rows++
		return w.write(vals)
	})
	if err != nil {
		return et, err
	}
	if err := w.close(); err != nil {
		return et, err
	}
	if err := f.Close(); err != nil {
		return et, err
	}
	et.SHA256 = hex.EncodeToString(h.Sum(nil))
	return et, nil
}

// exportValue converts a raw SQLite value to the column's kind: int64,
// float64, string, bool, time.Time, []byte or nil.
func exportValue(c ColumnInfo, v any) any {
	if v == nil {
		return nil
	}
	switch c.Kind {
	case KindTimestamp:
		if n, ok := v.(int64); ok {
			return time.UnixMilli(n).UTC()
		}
	case KindBool:
		if n, ok := v.(int64); ok {
			return n != 0
		}
	case KindFloat:
		if n, ok := v.(int64); ok {
			return float64(n)
		}
	case KindString:
		if b, ok := v.([]byte); ok {
			return string(b)
		}
	}
	return v
}

const timeLayout = "2006-01-02T15:04:05.000Z07:00"

type csvWriter struct {
	w    *csv.Writer
	cols []ColumnInfo
	rec  []string
}

func newCSVWriter(out io.Writer, cols []ColumnInfo) (*csvWriter, error) {
	w := &csvWriter{w: csv.NewWriter(out), cols: cols, rec: make([]string, len(cols))}
	for i, c := range cols {
		w.rec[i] = c.Name
	}
	return w, w.w.Write(w.rec)
}

func (w *csvWriter) write(vals []any) error {
	for i, c := range w.cols {
		w.rec[i] = textValue(exportValue(c, vals[i]))
	}
	return w.w.Write(w.rec)
}

func (w *csvWriter) close() error {
	w.w.Flush()
	return w.w.Error()
}

// textValue formats a value for CSV: NULL is empty.
func textValue(v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case int64:
		return strconv.FormatInt(v, 10)
	case float64:
		return strconv.FormatFloat(v, 'g', -1, 64)
	case bool:
		return strconv.FormatBool(v)
	case time.Time:
		return v.Format(timeLayout)
	case string:
		return v
	case []byte:
		return base64.StdEncoding.EncodeToString(v)
	}
	return fmt.Sprint(v)
}

type jsonlWriter struct {
	w    *bufio.Writer
	cols []ColumnInfo
	buf  []byte
}

func newJSONLWriter(out io.Writer, cols []ColumnInfo) *jsonlWriter {
	return &jsonlWriter{w: bufio.NewWriter(out), cols: cols}
}

func (w *jsonlWriter) write(vals []any) error {
	b := append(w.buf[:0], '{')
	for i, c := range w.cols {
		if i > 0 {
			b = append(b, ',')
		}
		name, _ := json.Marshal(c.Name)
		b = append(b, name...)
		b = append(b, ':')
		v := exportValue(c, vals[i])
		switch x := v.(type) {
		case time.Time:
			v = x.Format(timeLayout)
		case float64:
			if math.IsInf(x, 0) || math.IsNaN(x) {
				v = strconv.FormatFloat(x, 'g', -1, 64)
			}
		}
		enc, err := json.Marshal(v)
		if err != nil {
			return err
		}
		b = append(b, enc...)
	}
	b = append(b, '}', '\n')
	w.buf = b
	_, err := w.w.Write(b)
	return err
}

func (w *jsonlWriter) close() error { return w.w.Flush() }

type parquetWriter struct {
	w     *parquet.Writer
	b     *parquet.RowBuilder
	cols  []ColumnInfo
	index []int // column of the table -> leaf column of the schema
	rows  []parquet.Row
}

// parquetNode is the Parquet type of a column kind.
func parquetNode(c ColumnInfo) parquet.Node {
	var n parquet.Node
	switch c.Kind {
	case KindInt:
		n = parquet.Int(64)
	case KindFloat:
		n = parquet.Leaf(parquet.DoubleType)
	case KindBool:
		n = parquet.Leaf(parquet.BooleanType)
	case KindTimestamp:
		n = parquet.Timestamp(parquet.Millisecond)
	case KindBytes:
		n = parquet.Leaf(parquet.ByteArrayType)
	default:
		n = parquet.String()
	}
	if c.Nullable {
		n = parquet.Optional(n)
	}
	return n
}

func newParquetWriter(out io.Writer, table string, cols []ColumnInfo) (*parquetWriter, error) {
	g := parquet.Group{}
	for _, c := range cols {
		g[c.Name] = parquetNode(c)
	}
	schema := parquet.NewSchema(table, g)
	leaf := map[string]int{}
	for i, path := range schema.Columns() {
		leaf[path[0]] = i
	}
	w := &parquetWriter{
		w:    parquet.NewWriter(out, schema, parquet.Compression(&parquet.Zstd)),
		b:    parquet.NewRowBuilder(schema),
		cols: cols,
	}
	for _, c := range cols {
		w.index = append(w.index, leaf[c.Name])
	}
	return w, nil
}

func (w *parquetWriter) write(vals []any) error {
	w.b.Reset()
	for i, c := range w.cols {
		var pv parquet.Value
		switch v := exportValue(c, vals[i]).(type) {
		case nil:
			continue
		case int64:
			pv = parquet.Int64Value(v)
		case float64:
			pv = parquet.DoubleValue(v)
		case bool:
			pv = parquet.BooleanValue(v)
		case time.Time:
			pv = parquet.Int64Value(v.UnixMilli())
		case string:
			pv = parquet.ByteArrayValue([]byte(v))
		case []byte:
			pv = parquet.ByteArrayValue(v)
		default:
			return fmt.Errorf("column %s: unexpected value %T", c.Name, v)
		}
		w.b.Add(w.index[i], pv)
	}
	w.rows = append(w.rows, w.b.AppendRow(nil))
	if len(w.rows) >= 1024 {
		return w.flush()
	}
	return nil
}

func (w *parquetWriter) flush() error {
	if len(w.rows) == 0 {
		return nil
	}
	_, err := w.w.WriteRows(w.rows)
	w.rows = w.rows[:0]
	return err
}

func (w *parquetWriter) close() error {
	if err := w.flush(); err != nil {
		return err
	}
	return w.w.Close()
}
