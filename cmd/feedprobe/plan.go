package main

import (
	"context"
	"fmt"
	"time"

	"github.com/feedprobe/feedprobe/analysis"
	"github.com/feedprobe/feedprobe/cmd/feedprobe/help"
	"github.com/feedprobe/feedprobe/personas"
	"github.com/feedprobe/feedprobe/probe/simfeed"
)

func cmdPlan(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "plan", "[CAMPAIGN.yaml] [flags]", help.Command("plan"))
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
		return flagError("--strength %v: want a value in [0,1]", *strength)
	case !(*alpha > 0 && *alpha < 1):
		return flagError("--alpha %v: want a value in (0,1)", *alpha)
	case *runs < 1:
		return flagError("--campaigns %d: want at least 1", *runs)
	case fs.NArg() > 1:
		return flagError("plan takes at most one campaign file")
	}
	var c *personas.Campaign
	var err error
	if fs.NArg() == 1 {
		if c, err = personas.LoadCampaign(fs.Arg(0)); err != nil {
			return err
		}
	} else {
		if *tests < 1 || *sessions < 1 || *items < 1 || *controls < 0 || *twins < 0 {
			return flagError("--tests, --sessions and --items must be at least 1; --controls and --twins at least 0")
		}
		if *controls == 0 && *twins == 0 {
			return flagError("the design needs controls: set --controls or --twins")
		}
		c = simfeed.Design(*tests, *controls, *twins, *sessions, *items)
	}
	warning, err := simfeed.CheckTopics(c)
	if err != nil {
		return err
	}
	if warning != "" {
		fmt.Fprintf(e.stdout, "warning: %s; personas trained only on those have nothing to find\n", warning)
	}
	cfg := simfeed.DefaultConfig()
	cfg.Confidence = *confidence
	opt := analysis.AuditOptions{Alpha: *alpha, Resamples: *resamples}
	start := time.Now()
	fmt.Fprintf(e.stdout, "design: %d personas (%d test), %d sessions x %d items; %d simulated campaigns per strength; alpha %.3g\n",
		len(c.Personas), c.CountRole(personas.RoleTest), c.Sessions, c.ItemsPerSession, *runs, *alpha)
	sizes := simfeed.StrataSizes(c)
	smallest := analysis.SmallestStratifiedP(sizes)
	fmt.Fprintf(e.stdout, "unit: the persona; %d strata (test personas with matched controls), smallest attainable p %.3g", len(sizes), smallest)
	if smallest >= *alpha {
		fmt.Fprintf(e.stdout, ": not below alpha %.3g, so no strength can be significant; add test personas or controls", *alpha)
	}
	fmt.Fprintln(e.stdout)
	for _, s := range []float64{0, *strength} {
		cfg.Personalization = s
		res, err := simfeed.EstimatePower(ctx, cfg, c, *runs, *seed, opt)
		if err != nil {
			return err
		}
		what := "power"
		if s == 0 {
			what = "false-positive rate"
		}
		lo, hi := analysis.Wilson(res.Significant, res.Runs)
		fmt.Fprintf(e.stdout, "strength %.2f: %s %.3f (%d of %d significant, 95%% CI [%.3f, %.3f]); mean effect %+.3f (test minus control share of the topic)\n",
			s, what, float64(res.Significant)/float64(res.Runs), res.Significant, res.Runs, lo, hi, res.MeanEffect)
		if s == *strength {
			break
		}
	}
	fmt.Fprintf(e.stdout, "simulated in %s\n", time.Since(start).Round(time.Millisecond))
	return nil
}
