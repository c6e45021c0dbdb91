package probe

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestParseZeeschuimer(t *testing.T) {
	type want struct {
		id, title, topic     string
		sponsored, synthetic bool
	}
	cases := []struct {
		file, platform string
		views          [][]want
	}{
		{"tiktok.ndjson", "tiktok", [][]want{
			{
				{"7400000000000000001", "Folding a paper crane in ten steps", "crafts, origami", false, false},
				{"7400000000000000002", "Spring running shoes, now half price", "sport", true, false},
				{"7400000000000000003", "A city that never existed, drawn by a model", "art", false, true},
				{"7400000000000000004", "", "", false, false},
			},
			{
				{"7400000000000000005", "Morning stretches for desk workers", "fitness", false, false},
				{"7400000000000000002", "Spring running shoes, now half price", "sport", true, false},
			},
		}},
		{"douyin.ndjson", "douyin", [][]want{
			{
				{"7300000000000000101", "Hand-pulled noodles at a night market", "food", false, false},
				{"7300000000000000102", "A tea brand's spring campaign", "food, drinks", true, false},
				{"7300000000000000103", "A lantern festival painted by software", "art", false, true},
			},
			{
				{"7300000000000000104", "", "", false, false},
				{"7300000000000000105", "Repairing an old bicycle wheel", "diy", false, false},
			},
		}},
		{"rednote.ndjson", "xiaohongshu", [][]want{
			{
				{"6650000000000000000a0001", "Three ways to pack a carry-on", "travel", false, false},
				{"6650000000000000000a0002", "Sunscreen sale this week", "beauty", true, false},
				{"6650000000000000000a0003", "A mountain village that is not real", "travel, art", false, true},
				{"6650000000000000000a0004", "", "", false, false},
			},
			{
				{"6650000000000000000a0005", "Dumplings from scratch", "food", false, false},
			},
		}},
	}
	for _, tc := range cases {
		t.Run(tc.file, func(t *testing.T) {
			f, err := os.Open(filepath.Join("testdata", "zeeschuimer", tc.file))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			ex, err := ParseZeeschuimer(tc.file, f)
			if err != nil {
				t.Fatalf("ParseZeeschuimer: %v", err)
			}
			if ex.Platform != tc.platform {
				t.Errorf("platform = %q, want %q", ex.Platform, tc.platform)
			}
			if len(ex.Views) != len(tc.views) {
				t.Fatalf("%d page views, want %d", len(ex.Views), len(tc.views))
			}
			for v, items := range tc.views {
				got := ex.Views[v].Items
				if len(got) != len(items) {
					t.Fatalf("view %d: %d items, want %d: %+v", v, len(got), len(items), got)
				}
				for i, w := range items {
					g := got[i]
					if g.ID != w.id || g.Title != w.title || g.Topic != w.topic || g.Sponsored != w.sponsored || g.Synthetic != w.synthetic {
						t.Errorf("view %d item %d = {%s %q %q ad=%v ai=%v}, want %+v", v, i, g.ID, g.Title, g.Topic, g.Sponsored, g.Synthetic, w)
					}
					var raw map[string]any
					if err := json.Unmarshal(g.Raw, &raw); err != nil || raw["id"] != w.id {
						t.Errorf("view %d item %d: raw %s does not hold the item (%v)", v, i, g.Raw, err)
					}
					if g.CollectedAt.IsZero() || g.Line < 1 {
						t.Errorf("view %d item %d: collected at %v, line %d", v, i, g.CollectedAt, g.Line)
					}
				}
			}
		})
	}
}

func TestParseZeeschuimerErrors(t *testing.T) {
	good := `{"item_id":"1","nav_index":"1:1:0","timestamp_collected":1767225600000,"source_platform":"tiktok.com","source_platform_url":"https://www.tiktok.com/foryou","source_url":"https://www.tiktok.com/api/recommend/item_list/","data":{"id":"1","desc":"a"}}`
	cases := []struct {
		name, input, want string
	}{
		{"unknown platform", good + "\n" + strings.Replace(good, "tiktok.com", "instagram.com", 1), `x.ndjson:2: source_platform "instagram.com" is not supported`},
		{"mixed platforms", good + "\n\n" + strings.Replace(good, `"tiktok.com"`, `"douyin.com"`, 1), `x.ndjson:3: source_platform "douyin.com", but the file began with "tiktok.com"`},
		{"not JSON", good + "\n{oops", "x.ndjson:2: not a Zeeschuimer item"},
		{"no id", strings.Replace(good, `"item_id":"1"`, `"item_id":null`, 1), "x.ndjson:1: item_id is missing"},
		{"data not an object", strings.Replace(good, `"data":{"id":"1","desc":"a"}`, `"data":"x"`, 1), "x.ndjson:1: data is not the item's JSON object"},
		{"bad time", strings.Replace(good, `1767225600000`, `"yesterday"`, 1), "x.ndjson:1: timestamp_collected"},
		{"empty", "\n\n", "x.ndjson: no items"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseZeeschuimer("x.ndjson", strings.NewReader(tc.input))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("ParseZeeschuimer = %v, want an error containing %q", err, tc.want)
			}
		})
	}
}

// FuzzParseZeeschuimer feeds arbitrary files to the Zeeschuimer reader: it
// never panics, and what it accepts has ids, one platform and no id twice
// in a page view.
func FuzzParseZeeschuimer(f *testing.F) {
	for _, name := range []string{"tiktok.ndjson", "douyin.ndjson", "rednote.ndjson"} {
		data, err := os.ReadFile(filepath.Join("testdata", "zeeschuimer", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte(`{"item_id":1,"nav_index":"1:1:0","timestamp_collected":"5","source_platform":"douyin.com","data":{"id":1,"desc":[1,{"a":null}]}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		ex, err := ParseZeeschuimer("f.ndjson", strings.NewReader(string(data)))
		if err != nil {
			return
		}
		if ex.Platform == "" || len(ex.Views) == 0 {
			t.Fatalf("accepted with platform %q and %d views", ex.Platform, len(ex.Views))
		}
		for _, v := range ex.Views {
			seen := map[string]bool{}
			for _, it := range v.Items {
				if it.ID == "" || seen[it.ID] || len(it.Raw) == 0 {
					t.Fatalf("view %q: item %+v (id seen before: %v)", v.NavIndex, it.Item, seen[it.ID])
				}
				seen[it.ID] = true
			}
		}
	})
}
