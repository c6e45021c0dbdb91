package main

import (
	"context"
	"encoding/json"
	"math"
	"math/rand/v2"
	"path/filepath"
	"testing"
	"time"

	"github.com/feedprobe/feedprobe/probe/feed"

	"github.com/feedprobe/feedprobe/analysis"
	"github.com/feedprobe/feedprobe/personas"
	"github.com/feedprobe/feedprobe/probe/daemon"
	"github.com/feedprobe/feedprobe/probe/simfeed"
	"github.com/feedprobe/feedprobe/storage"
)

// demoDesign is the demo campaign's size and personas.
func demoDesign(t *testing.T) *personas.Campaign {
	t.Helper()
	c, err := personas.DemoCampaign()
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// Science tests simulate whole campaigns with browserless puppets through
// simfeed's HTTP interface; testing.Short skips them.
func skipShort(t *testing.T) {
	t.Helper()
	if testing.Short() {
		t.Skip("statistical simulation skipped with -short")
	}
}

// binomialLimit is the largest count of false positives in n campaigns at
// rate alpha that is not suspicious: P(X > limit) < 0.01 for X ~ Bin(n, alpha).
func binomialLimit(n int, alpha float64) int {
	p := math.Pow(1-alpha, float64(n)) // P(X = 0)
	cdf := p
	for k := 0; k < n; k++ {
		if 1-cdf < 0.01 {
			return k
		}
		p *= float64(n-k) / float64(k+1) * alpha / (1 - alpha)
		cdf += p
	}
	return n
}

// TestFalsePositiveRate: with personalization strength 0 the primary
// test-vs-control test is significant at α = 0.05 in at most 5 % of seeded
// campaigns plus a binomial tolerance, for the demo's design and for a twin
// design.
func TestFalsePositiveRate(t *testing.T) {
	skipShort(t)
	const runs, alpha = 24, 0.05
	limit := binomialLimit(runs, alpha)
	twins := simfeed.Design(3, 0, 2, 4, 60)
	for _, tc := range []struct {
		name string
		c    *personas.Campaign
	}{{"demo", demoDesign(t)}, {"twins", twins}} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := simfeed.DefaultConfig()
			cfg.Personalization = 0
			res, err := simfeed.EstimatePower(context.Background(), cfg, tc.c, runs, 11, analysis.AuditOptions{Alpha: alpha, Resamples: 1000})
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("%s: %d of %d campaigns significant at strength 0 (limit %d), mean effect %+.4f", tc.name, res.Significant, runs, limit, res.MeanEffect)
			if res.Significant > limit {
				t.Errorf("false positives = %d of %d, want at most %d (5%% plus binomial tolerance)", res.Significant, runs, limit)
			}
			if math.Abs(res.MeanEffect) > 0.02 {
				t.Errorf("mean effect at strength 0 = %+.4f, want about 0", res.MeanEffect)
			}
		})
	}
}

// TestPower: a planted strength of 0.3 (below simfeed's default 0.8, with
// its default confidence ramp) is detected in at least 90 % of seeded
// campaigns of the demo's size (3 trained personas, 2 blank controls,
// 4 sessions of 60 items).
func TestPower(t *testing.T) {
	skipShort(t)
	const runs = 20
	cfg := simfeed.DefaultConfig()
	cfg.Personalization = 0.3
	res, err := simfeed.EstimatePower(context.Background(), cfg, demoDesign(t), runs, 23, analysis.AuditOptions{Alpha: 0.05, Resamples: 1000})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("power at strength 0.3: %d of %d, mean effect %+.3f", res.Significant, runs, res.MeanEffect)
	if float64(res.Significant) < 0.9*runs {
		t.Errorf("detected in %d of %d campaigns, want at least 90%%", res.Significant, runs)
	}
}

// TestHarmfulExposureAgainstTruth stores a puppet campaign through storage,
// runs analyze on the database, and compares the harmful share per 100
// impressions of each role with the rate computed from simfeed's own
// record of what it served and which items are harmful: within 2
// percentage points. A manual label in the labels table must override the
// lexicon.
func TestHarmfulExposureAgainstTruth(t *testing.T) {
	skipShort(t)
	ctx := context.Background()
	cfg := simfeed.DefaultConfig()
	cfg.HarmfulBoost = 0.15 // a planted push of harmful items after engagement
	srv, err := simfeed.New(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	c := demoDesign(t)
	c.Name, c.Twins = "harm", 0
	// A persona that engages with gambling-heavy topics, so the boost bites.
	c.Personas[0].Interests = map[string]float64{"sports": 1, "finance": 1}
	db, err := storage.Open(ctx, filepath.Join(t.TempDir(), "harm.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	plans, camp, _, err := daemon.PlanCampaign(ctx, db, c)
	if err != nil {
		t.Fatal(err)
	}
	rt := simfeed.HandlerTransport{Handler: srv}
	users := map[string]string{}
	catalogue := map[string]simfeed.Item{}
	for _, it := range srv.Catalogue() {
		catalogue[it.ID] = it
	}
	for _, p := range plans {
		pp, err := simfeed.NewPuppet(p.Persona, "http://simfeed.test", rt)
		if err != nil {
			t.Fatal(err)
		}
		for _, job := range p.Jobs {
			now := time.Now().UTC()
			if err := db.StartSession(ctx, job.SessionID, now); err != nil {
				t.Fatal(err)
			}
			items, err := pp.Session(ctx, job.Seq, c.ItemsPerSession)
			if err != nil {
				t.Fatal(err)
			}
			imps := make([]feed.Impression, len(items))
			for i, it := range items {
				imps[i] = feed.Impression{Item: feed.Item{ID: it.ID, Title: it.Title, Topic: it.Topic, Sponsored: it.Sponsored},
					Rank: it.Rank, SeenAt: now.Add(time.Duration(i) * time.Second), Surface: "feed"}
			}
			if err := db.SaveImpressions(ctx, job.SessionID, imps); err != nil {
				t.Fatal(err)
			}
			if err := db.FinishSession(ctx, job.SessionID, storage.StatusDone, "", now.Add(time.Minute)); err != nil {
				t.Fatal(err)
			}
		}
		users[p.Persona.Name] = pp.UserID()
	}
	// A manual label marks one item the lexicon calls harmless as harmful.
	var manual string
	for _, it := range srv.Catalogue() {
		if it.Harm == "" {
			manual = it.ID
			break
		}
	}
	if _, err := db.SaveLabels(ctx, []storage.Label{{Platform: "simfeed", ItemID: manual, Category: "harmful", Value: 1, Source: "manual"}}); err != nil {
		t.Fatal(err)
	}

	rep, err := db.Analyze(ctx, camp, storage.Conventions{}, rand.New(rand.NewPCG(1, 0)))
	if err != nil {
		t.Fatal(err)
	}
	// Truth: per role, persona-level mean of harmful items per 100 over
	// the first items_per_session items of each visit, from simfeed's
	// record and catalogue.
	truthUsers := map[string]simfeed.TruthUser{}
	for _, u := range srv.Truth().Users {
		truthUsers[u.ID] = u
	}
	perRole := map[string][]float64{}
	for _, p := range c.Personas {
		u := truthUsers[users[p.Name]]
		if len(u.Visits) != c.Sessions {
			t.Fatalf("persona %s: %d visits in simfeed's truth, want %d", p.Name, len(u.Visits), c.Sessions)
		}
		sum := 0.0
		for _, v := range u.Visits {
			h := 0
			for _, s := range v.Served[:c.ItemsPerSession] {
				if catalogue[s.Item].Harm != "" || s.Item == manual {
					h++
				}
			}
			sum += 100 * float64(h) / float64(c.ItemsPerSession)
		}
		perRole[p.Role] = append(perRole[p.Role], sum/float64(len(u.Visits)))
	}
	checked := 0
	for _, g := range rep.Audit.Groups {
		if g.Dimension != "role" {
			continue
		}
		est := g.Rows[0].Metrics["harmful_per_100"]
		want := analysis.Mean(perRole[g.Value])
		t.Logf("role %s: harmful per 100 %.2f [%.2f, %.2f] (n=%d personas, %d impressions); truth %.2f",
			g.Value, float64(est.Mean), float64(est.Lo), float64(est.Hi), est.N, est.Impressions, want)
		if math.Abs(float64(est.Mean)-want) > 2 {
			t.Errorf("role %s: harmful per 100 = %.2f, truth %.2f: want within 2 points", g.Value, float64(est.Mean), want)
		}
		if est.N != len(perRole[g.Value]) || est.Impressions != len(perRole[g.Value])*c.Sessions*c.ItemsPerSession {
			t.Errorf("role %s: n = %d personas, %d impressions; want %d, %d", g.Value, est.N, est.Impressions,
				len(perRole[g.Value]), len(perRole[g.Value])*c.Sessions*c.ItemsPerSession)
		}
		checked++
	}
	if checked != 2 {
		t.Fatalf("checked %d role groups, want 2 (test, control)", checked)
	}
	if rep.Labels.Sources["manual"] != 1 || rep.Labels.Sources["lexicon"] == 0 {
		t.Errorf("label sources = %v, want 1 manual and some lexicon votes", rep.Labels.Sources)
	}
	// The report encodes (no NaN) and keeps its documented top-level names.
	b, err := json.Marshal(rep)
	if err != nil {
		t.Fatalf("report does not encode: %v", err)
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(b, &top); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"campaign", "summary", "comparison", "harm_lexicon", "labels", "audit"} {
		if _, ok := top[k]; !ok {
			t.Errorf("analyze JSON lacks %q", k)
		}
	}
}
