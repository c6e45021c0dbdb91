package storage

import (
	"context"
	"testing"
)

func TestLabelsRoundTrip(t *testing.T) {
	db := mustOpenDB(t)
	ctx := context.Background()
	in := []Label{
		{Platform: "simfeed", ItemID: "it-2", Category: "gambling", Value: 1, Source: "lexicon", SourceVersion: "v1"},
		{Platform: "simfeed", ItemID: "it-1", Category: "gambling", Value: 0, Source: "manual", Annotator: "ann"},
		{Platform: "other", ItemID: "it-1", Category: "gambling", Value: 1, Source: "manual", Annotator: "ann"},
	}
	if n, err := db.SaveLabels(ctx, in); err != nil || n != 3 {
		t.Fatalf("SaveLabels = %d, %v", n, err)
	}
	// The same key again replaces the value.
	if _, err := db.SaveLabels(ctx, []Label{{Platform: "simfeed", ItemID: "it-1", Category: "gambling", Value: -1, Source: "manual", Annotator: "ann"}}); err != nil {
		t.Fatal(err)
	}
	var got []Label
	if err := db.EachLabel(ctx, "simfeed", func(l Label) error { got = append(got, l); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].ItemID != "it-1" || got[0].Value != -1 || got[1].SourceVersion != "v1" || got[0].CreatedAt.IsZero() {
		t.Errorf("EachLabel(simfeed) = %+v, want it-1 (value -1) then it-2", got)
	}
	// A bad label keeps nothing of its batch.
	if _, err := db.SaveLabels(ctx, []Label{{Platform: "simfeed", ItemID: "it-9", Category: "x", Source: "manual"}, {Platform: "simfeed", ItemID: "it-9"}}); err == nil {
		t.Fatal("SaveLabels accepted a label without category and source")
	}
	n := 0
	if err := db.EachLabel(ctx, "", func(Label) error { n++; return nil }); err != nil {
		t.Fatal(err)
	}
	if n != 3 {
		t.Errorf("EachLabel(all) saw %d labels after a failed batch, want 3", n)
	}
}
