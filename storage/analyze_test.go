package storage

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
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

// TestAnalyzeDesign: through the database, the campaign's analysis:
// block sets the audit's options and the caller's conventions override
// them; controls whose arm names a test persona are its matched controls
// (the free control is not); Kendall τ over lists sharing one item is
// null, not 1; the largest start gap between matched personas is
// hand-computed (2.5 s).
func TestAnalyzeDesign(t *testing.T) {
	ctx := context.Background()
	db := mustOpenDB(t)
	c, _, err := db.EnsureCampaign(ctx, Campaign{Name: "c", Platform: "simfeed", BaseURL: "http://127.0.0.1:1",
		Spec: []byte(`{"name":"c","sessions":1,"analysis":{"serp_ms_depth":3,"taxonomy_size":12}}`), SpecHash: "h"})
	if err != nil {
		t.Fatal(err)
	}
	add := func(name, role, spec string, start time.Duration, items ...string) {
		t.Helper()
		p, err := db.EnsurePersona(ctx, Persona{CampaignID: c.ID, Name: name, Role: role, Spec: []byte(spec)})
		if err != nil {
			t.Fatal(err)
		}
		if err := db.PlanSessions(ctx, p.ID, 1); err != nil {
			t.Fatal(err)
		}
		s := mustSessionsOf(t, db, c.ID, p.ID)[0]
		if err := db.StartSession(ctx, s.ID, t0.Add(start)); err != nil {
			t.Fatal(err)
		}
		var imps []feed.Impression
		for i, id := range items {
			imps = append(imps, feed.Impression{Item: feed.Item{ID: id, Title: id, Topic: "sports"}, Rank: i + 1, SeenAt: t0.Add(start), Surface: "feed"})
		}
		if err := db.SaveImpressions(ctx, s.ID, imps); err != nil {
			t.Fatal(err)
		}
		if err := db.FinishSession(ctx, s.ID, StatusDone, "", t0.Add(time.Minute)); err != nil {
			t.Fatal(err)
		}
	}
	add("fan", "test", `{"name":"fan","interests":{"sports":1}}`, 0, "a", "b", "c")
	add("c1", "control", `{"name":"c1","arm":"fan"}`, time.Second, "a", "x", "y")
	add("c2", "control", `{"name":"c2","arm":"fan"}`, 2500*time.Millisecond, "p", "q", "r")
	add("free", "control", `{"name":"free"}`, 9*time.Second, "a", "b", "c")

	rep, err := db.Analyze(ctx, c, Conventions{}, rand.New(rand.NewPCG(1, 1)))
	if err != nil {
		t.Fatal(err)
	}
	if o := rep.Audit.Options; o.SERPMSDepth != 3 || o.Taxonomy != 12 || o.RBOP != analysis.DefaultRBOP {
		t.Errorf("options = %+v, want serp depth 3 and K 12 from the analysis: block, RBO p the default", o)
	}
	if g := rep.MaxStartGap; g == nil || g.Seconds != 2.5 || g.Other != "c2" || g.Pairs != 2 {
		t.Errorf("max start gap = %+v, want 2.5 s to c2 over 2 pairs (free is not fan's)", g)
	}
	var fan *analysis.PersonaAudit
	for i := range rep.Audit.Personas {
		if rep.Audit.Personas[i].Name == "fan" {
			fan = &rep.Audit.Personas[i]
		}
	}
	if fan == nil || strings.Join(fan.Controls, ",") != "c1,c2" {
		t.Fatalf("fan's controls = %+v, want c1,c2 (its arm)", fan)
	}
	if len(rep.Audit.Personalization) != 1 {
		t.Fatalf("personalization rows = %+v, want one", rep.Audit.Personalization)
	}
	m := rep.Audit.Personalization[0].Metrics
	// Jaccard fan-c1 = |{a}| / |{a,b,c,x,y}| = 0.2, fan-c2 = 0: mean 0.1.
	if j := float64(m["jaccard"].TestControl); math.Abs(j-0.1) > 1e-12 {
		t.Errorf("jaccard test-control = %v, want 0.1", j)
	}
	if k := m["kendall_tau"].TestControl; !math.IsNaN(float64(k)) || m["kendall_tau"].N != 0 {
		t.Errorf("kendall tau over lists sharing at most one item = %v (n %d), want null", k, m["kendall_tau"].N)
	}
	js, err := json.Marshal(m["kendall_tau"])
	if err != nil || !strings.Contains(string(js), `"test_control":null`) {
		t.Errorf("kendall tau JSON = %s (%v), want test_control null", js, err)
	}

	over, err := db.Analyze(ctx, c, Conventions{SERPMSDepth: 5, RBOP: 0.8}, rand.New(rand.NewPCG(1, 1)))
	if err != nil {
		t.Fatal(err)
	}
	if o := over.Audit.Options; o.SERPMSDepth != 5 || o.RBOP != 0.8 || o.Taxonomy != 12 {
		t.Errorf("options with overrides = %+v, want serp depth 5 and p 0.8 from the caller, K 12 from the block", o)
	}
}
