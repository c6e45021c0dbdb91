package storage

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/feedprobe/feedprobe/analysis"
)

func TestParseLabelCSV(t *testing.T) {
	in := "platform,item_id,category,value,annotator\n" +
		"simfeed,it-1,gambling,1,alice\n" +
		"simfeed,,gambling,x,alice\n" +
		",it-2,gambling,0,\n" +
		"simfeed,it-3,gambling,Inf,bob\n"
	labels, bad, err := ParseLabelCSV("l.csv", strings.NewReader(in), Label{Source: "manual", Annotator: "dflt"})
	if err != nil {
		t.Fatal(err)
	}
	if len(labels) != 1 || labels[0].ItemID != "it-1" || labels[0].Value != 1 || labels[0].Annotator != "alice" || labels[0].Source != "manual" {
		t.Errorf("labels = %+v, want it-1 gambling 1 by alice", labels)
	}
	var got []string
	for _, b := range bad {
		var re RowError
		if !errors.As(b, &re) {
			t.Fatalf("problem %v is not a RowError", b)
		}
		got = append(got, b.Error())
	}
	want := []string{"l.csv:3: item_id: empty", `l.csv:3: value: "x" is not a number (want 1, 0, -1 or a score)`,
		"l.csv:4: platform: empty", "l.csv:5: value: must be finite"}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("problems =\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if _, _, err := ParseLabelCSV("h.csv", strings.NewReader("item_id,value\n"), Label{}); err == nil || !strings.Contains(err.Error(), `h.csv:1: header: no "category" column`) {
		t.Errorf("missing column: err = %v", err)
	}
}

func TestApplyLexiconAndLabelStats(t *testing.T) {
	ctx := context.Background()
	db := mustOpenDB(t)
	f := mustFixture(t, db, "c", 1)
	if err := db.StartSession(ctx, f.sessions[0].ID, t0); err != nil {
		t.Fatal(err)
	}
	imps := makeImpressions("feed", 2)
	imps[0].Item.Title = "Casino night"
	if err := db.SaveImpressions(ctx, f.sessions[0].ID, imps); err != nil {
		t.Fatal(err)
	}
	lex, err := analysis.ParseLexicon("lex.yaml", []byte("name: t\nversion: \"1\"\ncategories:\n  gambling: [casino]\n"))
	if err != nil {
		t.Fatal(err)
	}
	res, err := db.ApplyLexicon(ctx, lex, "")
	if err != nil {
		t.Fatal(err)
	}
	if res.Version != "t@1" || res.Items != 2 || res.Labels != 2 || res.Matched["gambling"] != 1 {
		t.Errorf("ApplyLexicon = %+v, want t@1, 2 items, 2 labels, 1 gambling match", res)
	}
	if _, err := db.SaveLabels(ctx, []Label{{Platform: "simfeed", ItemID: "item-1", Category: "gambling", Value: 0, Source: "manual", Annotator: "alice"}}); err != nil {
		t.Fatal(err)
	}
	st, err := db.LabelStats(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(st.Agreement) != 1 || st.Agreement[0].N != 1 || st.Agreement[0].Agree != 0 {
		t.Errorf("agreement = %+v, want lexicon vs alice on 1 item, disagreeing", st.Agreement)
	}
	// Resolution: manual (0) beats the lexicon (1) on item-1.
	if len(st.Resolved) != 1 || st.Resolved[0].Items != 2 || st.Resolved[0].Positive != 0 {
		t.Errorf("resolved = %+v, want gambling on 2 items, 0 positive", st.Resolved)
	}
}
