package storage

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/feedprobe/feedprobe/probe/feed"
)

// TestZeeschuimerImport checks the shape of an imported export: a session
// per page view, ranks in the order collected, the raw JSON kept.
func TestZeeschuimerImport(t *testing.T) {
	at := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	item := func(id string) feed.ZeeschuimerItem {
		return feed.ZeeschuimerItem{RawItem: feed.RawItem{Item: feed.Item{ID: id, Title: "t " + id}, Raw: json.RawMessage(`{"id":"` + id + `"}`)}, CollectedAt: at}
	}
	ex := feed.ZeeschuimerExport{SourcePlatform: "douyin.com", Platform: "douyin", Views: []feed.ZeeschuimerView{
		{NavIndex: "1:1:0", Items: []feed.ZeeschuimerItem{item("a"), item("b")}},
		{NavIndex: "1:1:1", Items: []feed.ZeeschuimerItem{item("c")}},
	}}
	im, err := ZeeschuimerImport("dir/zs.ndjson", []byte("x"), ex, "zs", "")
	if err != nil {
		t.Fatal(err)
	}
	if im.Campaign.Platform != "douyin" || im.Campaign.BaseURL != "import:zs.ndjson" || len(im.Personas) != 1 {
		t.Errorf("campaign %+v with %d personas, want douyin from import:zs.ndjson with one persona", im.Campaign, len(im.Personas))
	}
	want := []struct {
		session, rank int
		id            string
	}{{1, 1, "a"}, {1, 2, "b"}, {2, 1, "c"}}
	if len(im.Impressions) != len(want) {
		t.Fatalf("%d impressions, want %d", len(im.Impressions), len(want))
	}
	for i, w := range want {
		got := im.Impressions[i]
		if got.Session != w.session || got.Rank != w.rank || got.ItemID != w.id || string(got.Raw) != `{"id":"`+w.id+`"}` {
			t.Errorf("impression %d = session %d rank %d item %s raw %s, want %+v", i, got.Session, got.Rank, got.ItemID, got.Raw, w)
		}
	}
	res, err := mustOpenDB(t).Import(context.Background(), im)
	if err != nil || res.Sessions != 2 || res.Impressions != 3 {
		t.Errorf("Import = %+v, %v, want 2 sessions and 3 impressions", res, err)
	}
	if _, err := ZeeschuimerImport("e.ndjson", nil, feed.ZeeschuimerExport{Platform: "tiktok"}, "e", ""); err == nil {
		t.Error("ZeeschuimerImport of an export without items = nil error")
	}
}
