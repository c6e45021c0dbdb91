package simfeed

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/feedprobe/feedprobe/analysis"
	"github.com/feedprobe/feedprobe/personas"
)

// designTopics are the topics plan's default test personas train on.
var designTopics = []string{"sports", "cooking", "gaming", "music", "travel", "tech", "pets", "fitness", "fashion", "finance", "news", "shopping"}

// Design builds `feedprobe plan`'s default campaign: tests personas
// trained on one topic each (sports, cooking, gaming, ...) with the demo's
// behaviours, twins twin controls per test persona and controls blank
// controls, sessions sessions of items items each.
func Design(tests, controls, twins, sessions, items int) *personas.Campaign {
	c := &personas.Campaign{Name: "plan", Platform: "simfeed", Sessions: sessions, ItemsPerSession: items, Twins: twins}
	trained := personas.Behaviour{
		Dwell:    personas.Dwell{Median: 700 * time.Millisecond, Sigma: 0.4, Min: 300 * time.Millisecond, Max: 2 * time.Second},
		Open:     personas.Prob{Base: 0, Match: 0.9},
		Like:     personas.Prob{Base: 0, Match: 0.6},
		MaxOpens: 12,
	}
	traits := personas.Traits{AgeGroup: personas.AgeAdult, Locale: "en-US", Device: personas.DeviceDesktop}
	for i := range tests {
		t := designTopics[i%len(designTopics)]
		p := personas.Spec{Name: fmt.Sprintf("%s-fan-%d", t, i+1), Role: personas.RoleTest, Seed: int64(101 + i),
			Interests: map[string]float64{t: 1}, Keywords: map[string][]string{}, Traits: traits, Behaviour: trained}
		c.Personas = append(c.Personas, p)
		for k := 1; k <= twins; k++ {
			c.Personas = append(c.Personas, p.Twin(k))
		}
	}
	for i := range controls {
		c.Personas = append(c.Personas, personas.Spec{Name: fmt.Sprintf("control-%d", i+1), Role: personas.RoleControl, Seed: int64(201 + i),
			Interests: map[string]float64{}, Keywords: map[string][]string{}, Traits: traits,
			Behaviour: personas.Behaviour{Dwell: trained.Dwell, MaxOpens: 10}})
	}
	return c
}

// Power counts significant primary tests over simulated campaigns.
type Power struct {
	Runs, Significant int
	MeanEffect        float64
}

// EstimatePower simulates runs campaigns of design c against a new
// in-process simfeed with cfg each (the catalogue and the personas' seeds
// vary with the run), analyzes each as `feedprobe analyze` does, and counts
// how often the audit's primary test is significant. MeanEffect is the mean
// over runs of the per-topic test-minus-control share difference.
// ctx goes with the puppets' requests to the in-process server.
func EstimatePower(ctx context.Context, cfg Config, c *personas.Campaign, runs int, seed uint64, opt analysis.AuditOptions) (Power, error) {
	res := Power{Runs: runs}
	effect := 0.0
	for i := range runs {
		cfg.Seed = int64(seed)*1000 + int64(i)
		sim, err := simulate(ctx, cfg, c, int64(i))
		if err != nil {
			return res, err
		}
		a := analysis.Analyze(sim.Input, opt, rand.New(rand.NewPCG(seed, uint64(i))))
		if a.Tests.Primary.Significant {
			res.Significant++
		}
		e := 0.0
		for _, t := range a.Tests.Topics {
			e += float64(t.Difference)
		}
		if len(a.Tests.Topics) > 0 {
			effect += e / float64(len(a.Tests.Topics))
		}
	}
	res.MeanEffect = effect / float64(runs)
	return res, nil
}

// simulation is a simulated campaign: the audit's input and the platform.
type simulation struct {
	Input  analysis.AuditInput
	Server *Server
	// Users maps a persona to its simfeed user id.
	Users map[string]string
}

// simulate plays campaign c with HTTP sock puppets against a new
// in-process simfeed: session by session, every persona's session seq in
// the campaign's order (lock-step). Puppet seeds are offset by shift, so
// repeated simulations differ. Items are labelled with the harm lexicon,
// as analyze does without a labels table.
func simulate(ctx context.Context, cfg Config, c *personas.Campaign, shift int64) (simulation, error) {
	srv, err := New(cfg, nil)
	if err != nil {
		return simulation{}, err
	}
	sim := simulation{Server: srv, Users: map[string]string{}}
	rt := HandlerTransport{Handler: srv}
	puppets := make([]*Puppet, len(c.Personas))
	for i, p := range c.Personas {
		p.Seed += shift * 7919
		if puppets[i], err = NewPuppet(p, "http://simfeed.test", rt); err != nil {
			return sim, err
		}
		sim.Input.Personas = append(sim.Input.Personas, c.Personas[i].AuditPersona())
	}
	lex := analysis.DefaultLexicon()
	harm := analysis.HarmCategories(lex)
	var votes []analysis.LabelVote
	for seq := 1; seq <= c.Sessions; seq++ {
		for i, pp := range puppets {
			items, err := pp.Session(ctx, seq, c.ItemsPerSession)
			if err != nil {
				return sim, fmt.Errorf("simulate %s session %d: %w", c.Personas[i].Name, seq, err)
			}
			for _, it := range items {
				sim.Input.Impressions = append(sim.Input.Impressions, analysis.AuditImpression{
					Persona: c.Personas[i].Name, Session: seq, Rank: it.Rank, ItemID: it.ID, Topic: it.Topic,
				})
				for _, cat := range lex.Match(it.Title) {
					votes = append(votes, analysis.LabelVote{ItemID: it.ID, Category: cat, Source: "lexicon", Value: 1})
				}
			}
		}
	}
	for i, pp := range puppets {
		sim.Users[c.Personas[i].Name] = pp.UserID()
	}
	scoreImpressions(sim.Input.Impressions, analysis.ResolveLabels(votes), harm)
	return sim, nil
}

// scoreImpressions sets each impression's label score from the resolved
// labels: +1 when a harm category is positive, else -1 when one is negative,
// else 0.
func scoreImpressions(imps []analysis.AuditImpression, labels map[string]map[string]float64, harm []string) {
	score := map[string]int{}
	for item, cats := range labels {
		score[item] = analysis.LabelScore(cats, harm)
	}
	for i := range imps {
		imps[i].Score = score[imps[i].ItemID]
	}
}
