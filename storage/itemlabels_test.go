package storage

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/feedprobe/feedprobe/analysis"
)

// TestItemLabelsView: the item_labels view resolves random votes exactly
// as analysis.ResolveLabels does (one precedence), and a hand-made case:
// manual beats import:x beats truth, two annotators of manual averaged.
func TestItemLabelsView(t *testing.T) {
	ctx := context.Background()
	db := mustOpenDB(t)
	labels := []Label{
		{Platform: "p", ItemID: "a", Category: "gambling", Value: 0, Source: "truth"},
		{Platform: "p", ItemID: "a", Category: "gambling", Value: 1, Source: "import:x"},
		{Platform: "p", ItemID: "a", Category: "gambling", Value: 1, Source: "manual", Annotator: "ann"},
		{Platform: "p", ItemID: "a", Category: "gambling", Value: 0, Source: "manual", Annotator: "bob"},
		{Platform: "p", ItemID: "b", Category: "gambling", Value: 1, Source: "lexicon"},
		{Platform: "p", ItemID: "b", Category: "gambling", Value: 0, Source: "truth"},
	}
	r := rand.New(rand.NewPCG(3, 4))
	sources := []string{"manual", "import:a", "import:b", "imported", "truth", "lexicon", "adapter", "zeta", "alpha"}
	for i := range 300 {
		labels = append(labels, Label{Platform: "q", ItemID: fmt.Sprint("i", r.IntN(40)), Category: []string{"g", "h"}[r.IntN(2)],
			Value: float64(r.IntN(3) - 1), Source: sources[r.IntN(len(sources))], Annotator: fmt.Sprint(i)})
	}
	if _, err := db.SaveLabels(ctx, labels); err != nil {
		t.Fatal(err)
	}
	var votes []analysis.LabelVote
	for _, l := range labels {
		votes = append(votes, analysis.LabelVote{ItemID: l.Platform + "/" + l.ItemID, Category: l.Category, Source: l.Source, Value: l.Value})
	}
	want := analysis.ResolveLabels(votes)
	n := 0
	err := db.EachItemLabel(ctx, "", func(l ItemLabel) error {
		n++
		if w := want[l.Platform+"/"+l.ItemID][l.Category]; math.Abs(w-l.Value) > 1e-12 {
			t.Errorf("item_labels %s/%s %s = %v from %s, ResolveLabels = %v", l.Platform, l.ItemID, l.Category, l.Value, l.Source, w)
		}
		if l.Precedence != analysis.LabelPrecedence(l.Source) {
			t.Errorf("item_labels precedence of %s = %d, analysis.LabelPrecedence = %d", l.Source, l.Precedence, analysis.LabelPrecedence(l.Source))
		}
		if l.Platform == "p" && l.ItemID == "a" && (l.Source != "manual" || l.Value != 0.5 || l.Votes != 2 || l.Sources != 3) {
			t.Errorf("item a = %+v, want manual 0.5 from 2 votes of 3 sources", l)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	wantN := 0
	for _, cats := range want {
		wantN += len(cats)
	}
	if n != wantN {
		t.Errorf("item_labels has %d rows, want %d", n, wantN)
	}
	dis, err := db.LabelDisagreements(ctx, "p")
	if err != nil {
		t.Fatal(err)
	}
	// a: manual 0.5 and import:x 1 positive, truth 0 not; b: lexicon 1 vs truth 0.
	if len(dis) != 2 || dis[0].ItemID != "a" || dis[0].Resolved.Source != "manual" || dis[1].Resolved.Source != "truth" || dis[1].Values["lexicon"] != 1 {
		t.Errorf("disagreements = %+v, want a (manual wins) and b (truth wins over lexicon)", dis)
	}
}
