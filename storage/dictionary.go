package storage

import (
	"bufio"
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
)

// Column kinds: what a column holds, beyond SQLite's storage class. Exports
// use them for their column types.
const (
	KindInt       = "int64"
	KindFloat     = "float64"
	KindString    = "string"
	KindBool      = "bool"      // INTEGER 0/1
	KindTimestamp = "timestamp" // INTEGER milliseconds since the Unix epoch, UTC
	KindBytes     = "bytes"
)

// ColumnInfo describes one column of the data set.
type ColumnInfo struct {
	Name       string `json:"name"`
	Type       string `json:"type"` // as declared: INTEGER, TEXT, REAL, BLOB
	Kind       string `json:"kind"` // KindInt ... KindBytes
	Nullable   bool   `json:"nullable"`
	PrimaryKey bool   `json:"primary_key,omitempty"`
	Meaning    string `json:"meaning"`
}

// TableInfo describes one table of the data set.
type TableInfo struct {
	Name    string       `json:"name"`
	Meaning string       `json:"meaning"`
	Secret  bool         `json:"secret,omitempty"` // never exported
	Columns []ColumnInfo `json:"columns"`
}

// boolColumns are INTEGER columns that hold 0 or 1.
var boolColumns = map[string]bool{"sponsored": true, "synthetic": true}

// secretTables are never exported.
var secretTables = map[string]bool{"persona_state": true}

// columnNotes give the meaning of columns whose migration line carries no
// comment. A comment in a migration wins over a note here.
var columnNotes = map[string]string{
	"campaigns.id":               "campaign id",
	"campaigns.name":             "unique campaign name; running the same name again resumes it",
	"campaigns.platform":         "the platform audited (the adapter's name)",
	"campaigns.base_url":         "where the platform was reached",
	"campaigns.spec_hash":        "hash of the campaign's design; a changed design needs a new name",
	"campaigns.created_at":       "when the campaign was first recorded",
	"personas.id":                "persona id",
	"personas.campaign_id":       "the campaign",
	"personas.name":              "persona name, unique in its campaign",
	"personas.role":              "test or control",
	"sessions.id":                "session id",
	"sessions.campaign_id":       "the campaign",
	"sessions.persona_id":        "the persona",
	"sessions.attempt":           "1, then 2.. when an interrupted or failed session is redone",
	"sessions.status":            "planned, running, done, failed, blocked or interrupted",
	"sessions.planned_at":        "when the session was planned",
	"sessions.started_at":        "when the session started",
	"sessions.finished_at":       "when the session ended",
	"sessions.error":             "why it failed, was blocked or interrupted",
	"sessions.items":             "impressions stored, set when the session finishes",
	"items.platform":             "the platform",
	"items.item_id":              "the platform's id of the item",
	"items.title":                "title as last seen",
	"items.author":               "author as last seen",
	"items.url":                  "link to the item",
	"items.topic":                "the platform's own topic hint, when it shows one",
	"items.first_seen_at":        "first impression of the item",
	"items.last_seen_at":         "latest impression of the item",
	"impressions.session_id":     "the session that was served the item",
	"impressions.rank":           "position in the session's feed, 1.. in order of first appearance",
	"impressions.platform":       "the platform",
	"impressions.item_id":        "the item (items.item_id)",
	"impressions.seen_at":        "when the item was first seen",
	"impressions.surface":        "where: feed, hot, search...",
	"impressions.topic":          "topic hint as seen",
	"impressions.sponsored":      "1 when visibly labelled as an advertisement",
	"impressions.synthetic":      "1 when visibly labelled as AI-generated",
	"impressions.price":          "price_text parsed as a number in the platform's currency",
	"impressions.price_text":     "price as shown",
	"impressions.source":         "where it was observed: network (captured traffic only), dom (the page only), both; empty without capture",
	"impressions.displayed_at":   "when the item was first in the viewport; NULL if never (or not tracked)",
	"impressions.served_rank":    "position in the platform's traffic, 1..; NULL if not in captured traffic",
	"impressions.displayed_rank": "position in the order items first reached the viewport, 1..; NULL if never displayed",
	"actions.id":                 "action id, in the order taken",
	"actions.session_id":         "the session",
	"actions.item_id":            "the item acted on, if any",
	"actions.kind":               "open, dwell, like, back, scroll, search, toggle, login, not_interested or watch",
	"actions.at":                 "when",
	"actions.value":              "seconds for a dwell, new items for a scroll, 1/0 for a toggle",
	"actions.detail":             "free text (the toggle's name, the search query...)",
	"actions.unconfirmed":        "1 when the platform did not confirm the action (it may never have arrived); training history counts only 0",
	"persona_state.persona_id":   "the persona",
	"persona_state.identity":     "cookies and local storage as JSON: secret",
	"persona_state.updated_at":   "when it was last saved",
	"labels.id":                  "label id",
	"labels.platform":            "the platform",
	"labels.item_id":             "the item",
	"labels.created_at":          "when the label was written",
	"evidence.id":                "evidence row id",
	"evidence.campaign_id":       "the campaign whose chain the row belongs to",
}

// tableNotes give the meaning of tables whose migration has no comment
// right above CREATE TABLE.
var tableNotes = map[string]string{
	"campaigns": "One row per campaign: the platform, where it was reached, and the design as loaded.",
	"personas":  "The sock-puppet personas of each campaign, with their spec as JSON.",
	"sessions":  "Every attempt at a persona's n-th session, with its outcome.",
	"actions":   "What personas did during a session: open, dwell, like, back, scroll, search, toggle.",
}

// Dictionary returns the data dictionary of the schema this binary creates:
// every table and column, with the meaning written beside it in the
// migrations. It builds a scratch database in a temporary folder to read the
// columns from SQLite itself, and removes it.
func Dictionary(ctx context.Context) ([]TableInfo, error) {
	dir, err := os.MkdirTemp("", "feedprobe-schema-")
	if err != nil {
		return nil, fmt.Errorf("data dictionary: %w", err)
	}
	defer os.RemoveAll(dir)
	db, err := Open(ctx, filepath.Join(dir, "schema.db"))
	if err != nil {
		return nil, fmt.Errorf("data dictionary: %w", err)
	}
	defer db.Close()
	return db.Tables(ctx)
}

// Tables returns the data dictionary of db: its tables in the order the
// migrations create them, each with its columns in order.
func (db *DB) Tables(ctx context.Context) ([]TableInfo, error) {
	tableMeaning, colMeaning, order, err := migrationComments()
	if err != nil {
		return nil, err
	}
	rows, err := db.r.QueryContext(ctx, `SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`)
	if err != nil {
		return nil, fmt.Errorf("list tables: %w", err)
	}
	var names []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			rows.Close()
			return nil, fmt.Errorf("list tables: %w", err)
		}
		names = append(names, n)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list tables: %w", err)
	}
	pos := func(n string) int {
		if i, ok := order[n]; ok {
			return i
		}
		return len(order)
	}
	sort.SliceStable(names, func(i, j int) bool {
		if pi, pj := pos(names[i]), pos(names[j]); pi != pj {
			return pi < pj
		}
		return names[i] < names[j]
	})
	var out []TableInfo
	for _, n := range names {
		t := TableInfo{Name: n, Meaning: tableMeaning[n], Secret: secretTables[n]}
		if t.Meaning == "" {
			t.Meaning = tableNotes[n]
		}
		cols, err := db.columns(ctx, n)
		if err != nil {
			return nil, err
		}
		for _, c := range cols {
			key := n + "." + c.Name
			c.Meaning = colMeaning[key]
			if c.Meaning == "" {
				c.Meaning = columnNotes[key]
			}
			t.Columns = append(t.Columns, c)
		}
		out = append(out, t)
	}
	return out, nil
}

// columns reads a table's columns with PRAGMA table_info.
func (db *DB) columns(ctx context.Context, table string) ([]ColumnInfo, error) {
	rows, err := db.r.QueryContext(ctx, "SELECT name, type, \"notnull\", pk FROM pragma_table_info(?)", table)
	if err != nil {
		return nil, fmt.Errorf("columns of %s: %w", table, err)
	}
	defer rows.Close()
	var cols []ColumnInfo
	for rows.Next() {
		var c ColumnInfo
		var notNull, pk int
		if err := rows.Scan(&c.Name, &c.Type, &notNull, &pk); err != nil {
			return nil, fmt.Errorf("columns of %s: %w", table, err)
		}
		c.PrimaryKey = pk > 0
		c.Nullable = notNull == 0 && !c.PrimaryKey
		if c.Type == "" {
			c.Type = viewTypes[table+"."+c.Name] // a view's computed column
		}
		c.Kind = columnKind(c.Name, c.Type)
		cols = append(cols, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("columns of %s: %w", table, err)
	}
	return cols, nil
}

// viewTypes are the types of views' computed columns, which SQLite does
// not declare, so that exports (Parquet above all) type them.
var viewTypes = map[string]string{
	"item_labels.value":      "REAL",
	"item_labels.precedence": "INTEGER",
	"item_labels.votes":      "INTEGER",
	"item_labels.sources":    "INTEGER",
}

// columnKind maps a declared type to a kind: INTEGER columns named at or
// *_at are times, sponsored and synthetic are booleans.
func columnKind(name, typ string) string {
	switch t := strings.ToUpper(typ); {
	case strings.Contains(t, "INT"):
		switch {
		case name == "at" || strings.HasSuffix(name, "_at"):
			return KindTimestamp
		case boolColumns[name]:
			return KindBool
		}
		return KindInt
	case strings.Contains(t, "REAL"), strings.Contains(t, "FLOA"), strings.Contains(t, "DOUB"):
		return KindFloat
	case strings.Contains(t, "BLOB"):
		return KindBytes
	}
	return KindString
}

var (
	createTableRE     = regexp.MustCompile(`(?i)^\s*CREATE\s+TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?"?([A-Za-z_][A-Za-z0-9_]*)"?`)
	alterAddRE        = regexp.MustCompile(`(?i)^\s*ALTER\s+TABLE\s+"?([A-Za-z_][A-Za-z0-9_]*)"?\s+ADD\s+(?:COLUMN\s+)?"?([A-Za-z_][A-Za-z0-9_]*)"?[^-]*(?:--\s*(.*))?$`)
	columnLineRE      = regexp.MustCompile(`(?i)^\s*"?([A-Za-z_][A-Za-z0-9_]*)"?\s+(INTEGER|INT|TEXT|REAL|BLOB|NUMERIC|BOOLEAN)\b[^-]*(?:--\s*(.*))?$`)
	migrationPrefixRE = regexp.MustCompile(`^\d{4}_[a-z0-9_]+:\s*`)
	notColumn         = map[string]bool{"PRIMARY": true, "UNIQUE": true, "CHECK": true, "FOREIGN": true, "CONSTRAINT": true}
)

// migrationComments reads the comments of the embedded migrations: the
// comment lines right above a CREATE TABLE (the table's meaning) and the
// comment at the end of a column's line (the column's meaning). order gives
// each table's position of creation.
func migrationComments() (tables, columns map[string]string, order map[string]int, err error) {
	tables, columns, order = map[string]string{}, map[string]string{}, map[string]int{}
	entries, err := fs.ReadDir(migrationFiles, "migrations")
	if err != nil {
		return nil, nil, nil, fmt.Errorf("read migrations: %w", err)
	}
	for _, e := range entries {
		body, err := fs.ReadFile(migrationFiles, "migrations/"+e.Name())
		if err != nil {
			return nil, nil, nil, fmt.Errorf("read migration %s: %w", e.Name(), err)
		}
		var pending []string
		table := ""
		sc := bufio.NewScanner(strings.NewReader(string(body)))
		for sc.Scan() {
			line := sc.Text()
			trim := strings.TrimSpace(line)
			if table == "" {
				if m := createTableRE.FindStringSubmatch(line); m != nil {
					table = m[1]
					if _, ok := order[table]; !ok {
						order[table] = len(order)
					}
					if len(pending) > 0 {
						tables[table] = migrationPrefixRE.ReplaceAllString(strings.Join(pending, " "), "")
					}
					pending = nil
					continue
				}
				if m := alterAddRE.FindStringSubmatch(line); m != nil && m[3] != "" {
					columns[m[1]+"."+m[2]] = strings.TrimSpace(m[3])
				}
				if c, ok := strings.CutPrefix(trim, "--"); ok {
					pending = append(pending, strings.TrimSpace(c))
				} else {
					pending = nil
				}
				continue
			}
			if strings.HasPrefix(trim, ")") {
				table = ""
				continue
			}
			if m := columnLineRE.FindStringSubmatch(line); m != nil && !notColumn[strings.ToUpper(m[1])] && m[3] != "" {
				columns[table+"."+m[1]] = strings.TrimSpace(m[3])
			}
		}
	}
	return tables, columns, order, nil
}
