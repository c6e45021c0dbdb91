package storage

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/feedprobe/feedprobe/probe/feed"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
)

// mustExportFixture is a database with a finished session of 3 impressions
// (one with a price, one with a hostile title), actions, a label and a
// persona identity holding a secret.
func mustExportFixture(t *testing.T) *DB {
	t.Helper()
	ctx := context.Background()
	db := mustOpenDB(t)
	f := mustFixture(t, db, "c", 1)
	sid := f.sessions[0].ID
	mustStart(t, db, sid)
	imps := makeImpressions("feed", 3)
	imps[1].PriceText, imps[1].Price = "¥19.99", 19.99
	imps[1].Sponsored = true
	imps[2].Title = "a \"quoted\", comma\nnewline 赌博 <script>"
	if err := db.SaveImpressions(ctx, sid, imps); err != nil {
		t.Fatal(err)
	}
	if err := db.SaveActions(ctx, sid, []feed.Action{{ItemID: "item-1", Kind: feed.ActionDwell, At: t0, Value: 1.5}, {Kind: feed.ActionScroll, At: t0, Value: 3}}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.SaveLabels(ctx, []Label{{Platform: "simfeed", ItemID: "item-3", Category: "gambling", Value: 1, Source: "manual", Annotator: "ann"}}); err != nil {
		t.Fatal(err)
	}
	if err := db.SaveIdentity(ctx, f.persona.ID, []byte("SECRET-COOKIE-VALUE")); err != nil {
		t.Fatal(err)
	}
	mustFinish(t, db, sid, StatusDone)
	return db
}

func TestExportNeverWritesSecrets(t *testing.T) {
	db := mustExportFixture(t)
	for _, format := range []string{FormatCSV, FormatJSONL, FormatParquet} {
		dir := filepath.Join(t.TempDir(), format)
		m, err := db.Export(context.Background(), dir, format, 0)
		if err != nil {
			t.Fatalf("Export(%s): %v", format, err)
		}
		var tables []string
		for _, et := range m.Tables {
			tables = append(tables, et.Table)
		}
		if got := strings.Join(tables, ","); got != "campaigns,personas,sessions,items,impressions,actions,labels,item_labels,evidence,extractions,extraction_impressions" {
			t.Errorf("Export(%s) tables = %s", format, got)
		}
		// The resolved labels go out with their source and a typed value.
		var want int64
		if err := db.r.QueryRowContext(context.Background(), "SELECT count(*) FROM item_labels").Scan(&want); err != nil {
			t.Fatal(err)
		}
		for _, et := range m.Tables {
			if et.Table != "item_labels" {
				continue
			}
			if et.Rows != want || want == 0 {
				t.Errorf("Export(%s) item_labels = %d rows, want %d (> 0)", format, et.Rows, want)
			}
			for _, c := range et.Columns {
				if c.Name == "value" && c.Kind != KindFloat {
					t.Errorf("Export(%s) item_labels.value kind = %q, want %q", format, c.Kind, KindFloat)
				}
			}
		}
		entries, _ := os.ReadDir(dir)
		for _, e := range entries {
			data, err := os.ReadFile(filepath.Join(dir, e.Name()))
			if err != nil {
				t.Fatal(err)
			}
			if strings.Contains(string(data), "SECRET-COOKIE") || strings.Contains(e.Name(), "persona_state") {
				t.Errorf("Export(%s): %s holds the persona identity", format, e.Name())
			}
		}
	}
}

func TestExportCSVAndJSONL(t *testing.T) {
	db := mustExportFixture(t)
	dir := t.TempDir()
	if _, err := db.Export(context.Background(), dir, FormatCSV, 0); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(filepath.Join(dir, "impressions.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatalf("impressions.csv does not parse: %v", err)
	}
	if len(recs) != 4 {
		t.Fatalf("impressions.csv has %d records, want a header and 3 rows", len(recs))
	}
	col := map[string]int{}
	for i, h := range recs[0] {
		col[h] = i
	}
	r1, r2 := recs[2], recs[3]
	if r1[col["seen_at"]] != t0.Add(time.Second).Format("2006-01-02T15:04:05.000Z") || r1[col["sponsored"]] != "true" ||
		r1[col["price"]] != "19.99" || recs[1][col["price"]] != "" || r2[col["title"]] != "a \"quoted\", comma\nnewline 赌博 <script>" {
		t.Errorf("impressions.csv rows = %q", recs[1:])
	}

	jdir := t.TempDir()
	if _, err := db.Export(context.Background(), jdir, FormatJSONL, 0); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(jdir, "impressions.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	if len(lines) != 3 {
		t.Fatalf("impressions.jsonl has %d lines, want 3", len(lines))
	}
	var row map[string]any
	if err := json.Unmarshal([]byte(lines[1]), &row); err != nil {
		t.Fatal(err)
	}
	if row["price"] != 19.99 || row["sponsored"] != true || row["rank"] != float64(2) || row["seen_at"] != "2026-03-01T12:00:01.123Z" {
		t.Errorf("impressions.jsonl row 2 = %v", row)
	}
	if err := json.Unmarshal([]byte(lines[0]), &row); err != nil || row["price"] != nil {
		t.Errorf("impressions.jsonl row 1 price = %v, want null", row["price"])
	}
}

// TestExportParquetIndependentReader reads the Parquet export with Apache
// Arrow's reader, a different implementation from the writer's.
func TestExportParquetIndependentReader(t *testing.T) {
	db := mustExportFixture(t)
	dir := t.TempDir()
	m, err := db.Export(context.Background(), dir, FormatParquet, 0)
	if err != nil {
		t.Fatal(err)
	}
	read := func(table string) arrow.Table {
		t.Helper()
		f, err := os.Open(filepath.Join(dir, table+".parquet"))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		tbl, err := pqarrow.ReadTable(context.Background(), f, parquet.NewReaderProperties(memory.DefaultAllocator), pqarrow.ArrowReadProperties{}, memory.DefaultAllocator)
		if err != nil {
			t.Fatalf("Arrow cannot read %s.parquet: %v", table, err)
		}
		t.Cleanup(tbl.Release)
		return tbl
	}
	imp := read("impressions")
	if imp.NumRows() != 3 {
		t.Fatalf("impressions.parquet rows = %d, want 3", imp.NumRows())
	}
	want := map[string]struct {
		typ      string
		nullable bool
	}{
		"session_id": {"int64", false}, "rank": {"int64", false}, "seen_at": {"timestamp[ms, tz=UTC]", true},
		"title": {"utf8", false}, "sponsored": {"bool", false}, "price": {"float64", true}, "price_text": {"utf8", true},
	}
	col := map[string]int{}
	for i, fld := range imp.Schema().Fields() {
		col[fld.Name] = i
		if w, ok := want[fld.Name]; ok && (fld.Type.String() != w.typ || fld.Nullable != w.nullable) {
			t.Errorf("impressions.%s: type %s nullable %v, want %s nullable %v", fld.Name, fld.Type, fld.Nullable, w.typ, w.nullable)
		}
	}
	chunk := func(name string) arrow.Array {
		c := imp.Column(col[name]).Data()
		if len(c.Chunks()) != 1 {
			t.Fatalf("column %s: %d chunks", name, len(c.Chunks()))
		}
		return c.Chunk(0)
	}
	ranks := chunk("rank").(*array.Int64)
	seen := chunk("seen_at").(*array.Timestamp)
	titles := chunk("title").(*array.String)
	price := chunk("price").(*array.Float64)
	spons := chunk("sponsored").(*array.Boolean)
	for i := range 3 {
		if ranks.Value(i) != int64(i+1) {
			t.Errorf("rank[%d] = %d, want %d", i, ranks.Value(i), i+1)
		}
		if got := seen.Value(i).ToTime(arrow.Millisecond); !got.Equal(t0.Add(time.Duration(i) * time.Second)) {
			t.Errorf("seen_at[%d] = %v, want %v", i, got, t0.Add(time.Duration(i)*time.Second))
		}
	}
	if titles.Value(2) != "a \"quoted\", comma\nnewline 赌博 <script>" {
		t.Errorf("title[2] = %q", titles.Value(2))
	}
	if !price.IsNull(0) || price.IsNull(1) || price.Value(1) != 19.99 || !spons.Value(1) || spons.Value(0) {
		t.Errorf("price/sponsored = %v / %v, want null, 19.99, null and false, true, false", price, spons)
	}
	// Every exported table reads back with its row count.
	for _, et := range m.Tables {
		if got := read(et.Table).NumRows(); got != et.Rows {
			t.Errorf("%s.parquet: Arrow reads %d rows, manifest says %d", et.Table, got, et.Rows)
		}
	}
	lab := read("labels")
	if lab.NumRows() != 1 {
		t.Errorf("labels.parquet rows = %d, want 1", lab.NumRows())
	}
}

// TestExportOneCampaign exports one of two campaigns and checks every file
// holds that campaign's rows only, items and labels included, while the
// whole export holds both.
func TestExportOneCampaign(t *testing.T) {
	ctx := context.Background()
	db := mustOpenDB(t)
	a, b := mustFixture(t, db, "a", 1), mustFixture(t, db, "b", 2)
	save := func(sid int64, ids ...string) {
		mustStart(t, db, sid)
		imps := makeImpressions("feed", len(ids))
		for i, id := range ids {
			imps[i].ID = id
		}
		if err := db.SaveImpressions(ctx, sid, imps); err != nil {
			t.Fatal(err)
		}
		if err := db.SaveActions(ctx, sid, []feed.Action{{ItemID: ids[0], Kind: feed.ActionDwell, At: t0, Value: 1}}); err != nil {
			t.Fatal(err)
		}
		mustFinish(t, db, sid, StatusDone)
	}
	save(a.sessions[0].ID, "shared", "only-a")
	save(b.sessions[0].ID, "shared", "only-b", "only-b2")
	save(b.sessions[1].ID, "only-b3")
	if _, err := db.SaveLabels(ctx, []Label{
		{Platform: "simfeed", ItemID: "only-a", Category: "gambling", Value: 1, Source: "manual"},
		{Platform: "simfeed", ItemID: "only-b", Category: "gambling", Value: 1, Source: "manual"},
		{Platform: "simfeed", ItemID: "shared", Category: "gambling", Value: -1, Source: "manual"},
	}); err != nil {
		t.Fatal(err)
	}
	rows := func(dir, table string) [][]string {
		f, err := os.Open(filepath.Join(dir, table+".csv"))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		recs, err := csv.NewReader(f).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		return recs[1:] // without the header
	}
	column := func(dir, table string, col int) []string {
		var out []string
		for _, r := range rows(dir, table) {
			out = append(out, r[col])
		}
		slices.Sort(out)
		return out
	}
	dir := t.TempDir()
	m, err := db.Export(ctx, dir, FormatCSV, a.campaign.ID)
	if err != nil {
		t.Fatal(err)
	}
	if m.CampaignID != a.campaign.ID {
		t.Errorf("manifest campaign_id = %d, want %d", m.CampaignID, a.campaign.ID)
	}
	counts := map[string]int64{}
	for _, et := range m.Tables {
		counts[et.Table] = et.Rows
	}
	var seals int64 // storage seals the campaign as it goes; no files
	if err := db.r.QueryRow("SELECT count(*) FROM evidence WHERE campaign_id = ?", a.campaign.ID).Scan(&seals); err != nil {
		t.Fatal(err)
	}
	want := map[string]int64{"campaigns": 1, "personas": 1, "sessions": 1, "impressions": 2, "actions": 1, "items": 2, "labels": 2, "evidence": seals}
	for table, n := range want {
		if counts[table] != n {
			t.Errorf("campaign a: %s has %d rows, want %d", table, counts[table], n)
		}
	}
	itemCol := slices.IndexFunc(m.Tables[slices.IndexFunc(m.Tables, func(et ExportedTable) bool { return et.Table == "items" })].Columns,
		func(c ColumnInfo) bool { return c.Name == "item_id" })
	if got := column(dir, "items", itemCol); !slices.Equal(got, []string{"only-a", "shared"}) {
		t.Errorf("campaign a: items %v, want [only-a shared]", got)
	}
	all := t.TempDir()
	m, err = db.Export(ctx, all, FormatCSV, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, et := range m.Tables {
		counts[et.Table] = et.Rows
	}
	want = map[string]int64{"campaigns": 2, "personas": 2, "sessions": 3, "impressions": 6, "actions": 3, "items": 5, "labels": 3}
	for table, n := range want {
		if counts[table] != n {
			t.Errorf("whole database: %s has %d rows, want %d", table, counts[table], n)
		}
	}
	if _, err := db.Export(ctx, t.TempDir(), FormatCSV, 999); !errors.Is(err, ErrNotFound) {
		t.Errorf("export of campaign 999: %v, want ErrNotFound", err)
	}
	for _, table := range ExportTables {
		if !secretTables[table] && campaignRows[table] == "" {
			t.Errorf("table %s has no rule for a one-campaign export", table)
		}
	}
}
