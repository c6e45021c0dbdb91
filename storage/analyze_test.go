package storage

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/feedprobe/feedprobe/probe/feed"

	"github.com/feedprobe/feedprobe/analysis"
)

// TestAnalyzeMergesSurfacesByRank stores one session served on two
// surfaces and checks that the audit sees its items by rank across them:
// the harmful item, rank 2 on the second surface, is the first exposure at
// rank 2, one second after the session's first impression.
func TestAnalyzeMergesSurfacesByRank(t *testing.T) {
	ctx := context.Background()
	db := mustOpenDB(t)
	c, _, err := db.EnsureCampaign(ctx, Campaign{Name: "c", Platform: "simfeed", BaseURL: "http://127.0.0.1:1", Spec: []byte(`{}`), SpecHash: "h"})
	if err != nil {
		t.Fatal(err)
	}
	p, err := db.EnsurePersona(ctx, Persona{CampaignID: c.ID, Name: "p1", Role: "control", Spec: []byte(`{"name":"p1"}`)})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.PlanSessions(ctx, p.ID, 1); err != nil {
		t.Fatal(err)
	}
	s0 := mustSessionsOf(t, db, c.ID, p.ID)[0]
	if err := db.StartSession(ctx, s0.ID, t0); err != nil {
		t.Fatal(err)
	}
	var term string
	for _, terms := range analysis.DefaultLexicon() {
		term = terms[0]
		break
	}
	imp := func(rank int, surface, title string) feed.Impression {
		return feed.Impression{Item: feed.Item{ID: fmt.Sprintf("it-%d", rank), Title: title, Topic: "news"},
			Rank: rank, SeenAt: t0.Add(time.Duration(rank) * time.Second), Surface: surface}
	}
	imps := []feed.Impression{imp(1, "feed", "calm"), imp(3, "feed", "calm too"), imp(2, "hot", "a story of "+term)}
	if err := db.SaveImpressions(ctx, s0.ID, imps); err != nil {
		t.Fatal(err)
	}
	if err := db.FinishSession(ctx, s0.ID, StatusDone, "", t0.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	rep, err := db.Analyze(ctx, c, Conventions{}, rand.New(rand.NewPCG(1, 1)))
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Audit.Personas) != 1 || len(rep.Audit.Personas[0].Sessions) != 1 {
		t.Fatalf("audit personas %+v, want one persona with one session", rep.Audit.Personas)
	}
	s := rep.Audit.Personas[0].Sessions[0]
	if s.N != 3 || s.Harmful != 1 {
		t.Fatalf("session n = %d, harmful = %d, want 3 and 1", s.N, s.Harmful)
	}
	if s.FirstHarmRank != 2 || s.FirstHarmCensored || float64(s.FirstHarmSeconds) != 1 {
		t.Errorf("first harm at rank %d (censored %v) after %v s, want rank 2 after 1 s", s.FirstHarmRank, s.FirstHarmCensored, s.FirstHarmSeconds)
	}
	if got := rep.Labels.Sources["lexicon"]; got != 1 {
		t.Errorf("lexicon votes = %d, want 1", got)
	}
}
