package storage

import (
	"context"
	"strings"
	"testing"
)

// TestTruthAndImportedLabels checks that ground truth labels only the
// items the database observed, and that imported labels must join some.
func TestTruthAndImportedLabels(t *testing.T) {
	ctx := context.Background()
	db := mustOpenDB(t)
	f := mustFixture(t, db, "c", 1)
	mustStart(t, db, f.sessions[0].ID)
	if err := db.SaveImpressions(ctx, f.sessions[0].ID, makeImpressions("feed", 2)); err != nil {
		t.Fatal(err)
	}
	truth := []TruthItem{
		{ID: "item-1", Labels: map[string]float64{"gambling": 1, "self_harm": 0, "synthetic": 0}},
		{ID: "item-2", Labels: map[string]float64{"gambling": 0, "self_harm": 0, "synthetic": 1, "misinformation": -1}},
		{ID: "never-seen", Labels: map[string]float64{"gambling": 1}},
	}
	n, items, err := db.SaveTruthLabels(ctx, "simfeed", "v1", truth)
	if err != nil || n != 7 || items != 2 {
		t.Fatalf("SaveTruthLabels = %d labels, %d items, %v; want 7 labels of the 2 items seen", n, items, err)
	}
	got := map[string]float64{}
	if err := db.EachLabel(ctx, "simfeed", func(l Label) error {
		got[l.ItemID+"/"+l.Category] = l.Value
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	for k, want := range map[string]float64{"item-1/gambling": 1, "item-1/self_harm": 0, "item-1/synthetic": 0, "item-2/gambling": 0, "item-2/synthetic": 1, "item-2/misinformation": -1} {
		if v, ok := got[k]; !ok || v != want {
			t.Errorf("truth label %s = %v (stored %v), want %v", k, v, ok, want)
		}
	}
	if _, ok := got["never-seen/gambling"]; ok {
		t.Error("an item never observed was labelled")
	}

	manual := func(ids ...string) []Label {
		var ls []Label
		for _, id := range ids {
			ls = append(ls, Label{Platform: "simfeed", ItemID: id, Category: "gambling", Value: 1, Source: "manual", Annotator: "a"})
		}
		return ls
	}
	if _, err := db.ImportLabels(ctx, "l.csv", manual("x", "y")); err == nil || !strings.Contains(err.Error(), "platforms held: simfeed") {
		t.Errorf("ImportLabels joining nothing = %v, want an error naming the platforms held", err)
	}
	w, err := db.ImportLabels(ctx, "l.csv", manual("item-1", "y"))
	if err != nil || !strings.Contains(w, "1 of 2 labels name no item") {
		t.Errorf("ImportLabels half joining = %q, %v, want a warning about 1 of 2", w, err)
	}
	if w, err := db.ImportLabels(ctx, "l.csv", manual("item-2")); err != nil || w != "" {
		t.Errorf("ImportLabels all joining = %q, %v", w, err)
	}
}
