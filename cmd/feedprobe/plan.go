package main

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"github.com/feedprobe/feedprobe/analysis"
	"github.com/feedprobe/feedprobe/personas"
	"github.com/feedprobe/feedprobe/probe/simfeed"
)

func cmdPlan(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "plan", "[CAMPAIGN.yaml] [flags]", `
Estimate the power of a campaign design before running it: simulate many
campaigns against simfeed's recommender (in-process, through its HTTP
interface, with browserless sock puppets that take the same decisions as
the browser personas), analyze each like feedprobe analyze does, and count
how often the primary test (test personas' share of their topic against
their matched controls, stratified permutation test) is significant at
--alpha. The effect size is simfeed's personalization strength; the same
design at strength 0 gives the false-positive rate.

Without a campaign file the design is --tests personas trained on one topic
each (sports, cooking, gaming, ...) plus --controls blank controls, or
--twins blank twins per test persona. With a file, its personas, sessions,
items per session and twins are used (its base_url is ignored).`)
	strength := fs.Float64("strength", 0.8, "planted personalization strength in [0,1] (simfeed's --personalization)")
	confidence := fs.Float64("confidence", simfeed.DefaultConfig().Confidence, "engagement at which personalization reaches half strength (simfeed's confidence)")
	alpha := fs.Float64("alpha", 0.05, "significance level")
	tests := fs.Int("tests", 3, "test personas (without a campaign file)")
	controls := fs.Int("controls", 2, "blank control personas (without a campaign file)")
	twins := fs.Int("twins", 0, "twin controls per test persona (without a campaign file)")
	sessions := fs.Int("sessions", 4, "sessions per persona (without a campaign file)")
	items := fs.Int("items", 60, "items per session (without a campaign file)")
	runs := fs.Int("campaigns", 40, "simulated campaigns per strength")
	seed := fs.Uint64("seed", 1, "seed of the simulations and resampling")
	resamples := fs.Int("resamples", 1000, "permutation resamples per test")
	if err := fs.Parse(args); err != nil {
		return err
	}
	switch {
	case !(*strength >= 0 && *strength <= 1):
		return fmt.Errorf("--strength %v: want a value in [0,1]", *strength)
	case !(*alpha > 0 && *alpha < 1):
		return fmt.Errorf("--alpha %v: want a value in (0,1)", *alpha)
	case *runs < 1:
		return fmt.Errorf("--campaigns %d: want at least 1", *runs)
	case fs.NArg() > 1:
		return errors.New("plan takes at most one campaign file")
	}
	var c *personas.Campaign
	var err error
	if fs.NArg() == 1 {
		if c, err = personas.LoadCampaign(fs.Arg(0)); err != nil {
			return err
		}
	} else {
		if *tests < 1 || *sessions < 1 || *items < 1 || *controls < 0 || *twins < 0 {
			return errors.New("--tests, --sessions and --items must be at least 1; --controls and --twins at least 0")
		}
		if *controls == 0 && *twins == 0 {
			return errors.New("the design needs controls: set --controls or --twins")
		}
		c = planDesign(*tests, *controls, *twins, *sessions, *items)
	}
	cfg := simfeed.DefaultConfig()
	cfg.Confidence = *confidence
	opt := analysis.AuditOptions{Alpha: *alpha, Resamples: *resamples}
	start := time.Now()
	fmt.Fprintf(e.stdout, "design: %d personas (%d test), %d sessions x %d items; %d simulated campaigns per strength; alpha %.3g\n",
		len(c.Personas), countRole(c, personas.RoleTest), c.Sessions, c.ItemsPerSession, *runs, *alpha)
	for _, s := range []float64{0, *strength} {
		cfg.Personalization = s
		res, err := estimatePower(ctx, cfg, c, *runs, *seed, opt)
		if err != nil {
			return err
		}
		what := "power"
		if s == 0 {
			what = "false-positive rate"
		}
		lo, hi := wilson(res.Significant, res.Runs)
		fmt.Fprintf(e.stdout, "strength %.2f: %s %.3f (%d of %d significant, 95%% CI [%.3f, %.3f]); mean effect %+.3f (test minus control share of the topic)\n",
			s, what, float64(res.Significant)/float64(res.Runs), res.Significant, res.Runs, lo, hi, res.MeanEffect)
		if s == *strength {
			break
		}
	}
	fmt.Fprintf(e.stdout, "simulated in %s\n", time.Since(start).Round(time.Millisecond))
	return nil
}

func countRole(c *personas.Campaign, role string) int {
	n := 0
	for _, p := range c.Personas {
		if p.Role == role {
			n++
		}
	}
	return n
}

// planTopics are the topics plan's default test personas train on.
var planTopics = []string{"sports", "cooking", "gaming", "music", "travel", "tech", "pets", "fitness", "fashion", "finance", "news", "shopping"}

// planDesign builds plan's default campaign: the demo's behaviours.
func planDesign(tests, controls, twins, sessions, items int) *personas.Campaign {
	c := &personas.Campaign{Name: "plan", Platform: "simfeed", Sessions: sessions, ItemsPerSession: items, Twins: twins}
	trained := personas.Behaviour{
		Dwell:    personas.Dwell{Median: 700 * time.Millisecond, Sigma: 0.4, Min: 300 * time.Millisecond, Max: 2 * time.Second},
		Open:     personas.Prob{Base: 0, Match: 0.9},
		Like:     personas.Prob{Base: 0, Match: 0.6},
		MaxOpens: 12,
	}
	traits := personas.Traits{AgeGroup: personas.AgeAdult, Locale: "en-US", Device: personas.DeviceDesktop}
	for i := range tests {
		t := planTopics[i%len(planTopics)]
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

// powerResult counts significant primary tests over simulated campaigns.
type powerResult struct {
	Runs, Significant int
	MeanEffect        float64
}

// estimatePower simulates runs campaigns of design c on simfeed with cfg
// (the catalogue and the personas' seeds vary with the run) and counts how
// often the primary test is significant.
func estimatePower(ctx context.Context, cfg simfeed.Config, c *personas.Campaign, runs int, seed uint64, opt analysis.AuditOptions) (powerResult, error) {
	res := powerResult{Runs: runs}
	effect := 0.0
	for i := range runs {
		cfg.Seed = int64(seed)*1000 + int64(i)
		sim, err := simulateCampaign(ctx, cfg, c, int64(i))
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
	Server *simfeed.Server
	// Users maps a persona to its simfeed user id.
	Users map[string]string
}

// simulateCampaign plays campaign c with HTTP sock puppets against a new
// in-process simfeed: session by session, every persona's session seq in
// the campaign's order (lock-step). Puppet seeds are offset by shift, so
// repeated simulations differ. Items are labelled with the harm lexicon,
// as analyze does without a labels table.
func simulateCampaign(ctx context.Context, cfg simfeed.Config, c *personas.Campaign, shift int64) (simulation, error) {
	srv, err := simfeed.New(cfg, nil)
	if err != nil {
		return simulation{}, err
	}
	sim := simulation{Server: srv, Users: map[string]string{}}
	rt := simfeed.HandlerTransport{Handler: srv}
	puppets := make([]*simfeed.Puppet, len(c.Personas))
	for i, p := range c.Personas {
		p.Seed += shift * 7919
		if puppets[i], err = simfeed.NewPuppet(p, "http://simfeed.test", rt); err != nil {
			return sim, err
		}
		sim.Input.Personas = append(sim.Input.Personas, auditPersona(c.Personas[i]))
	}
	lex := analysis.DefaultLexicon()
	harm := harmCategories(lex)
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
		score[item] = labelScore(cats, harm)
	}
	for i := range imps {
		imps[i].Score = score[imps[i].ItemID]
	}
}

// wilson is the 95 % Wilson score interval of k successes in n trials.
func wilson(k, n int) (lo, hi float64) {
	if n == 0 {
		return math.NaN(), math.NaN()
	}
	const z = 1.959963984540054
	p, fn := float64(k)/float64(n), float64(n)
	den := 1 + z*z/fn
	mid := (p + z*z/(2*fn)) / den
	half := z * math.Sqrt(p*(1-p)/fn+z*z/(4*fn*fn)) / den
	return max(0, mid-half), min(1, mid+half)
}
