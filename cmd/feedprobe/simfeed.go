package main

import (
	"context"
	"fmt"

	"github.com/feedprobe/feedprobe/cmd/feedprobe/help"
	"github.com/feedprobe/feedprobe/probe/daemon"
	"github.com/feedprobe/feedprobe/probe/simfeed"
)

func cmdSimfeed(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "simfeed", "[--listen 127.0.0.1:8080] [--scenario FILE] [flags]", help.Command("simfeed"))
	listen := fs.String("listen", "127.0.0.1:8080", "address to listen on (keep it on loopback)")
	scenario := fs.String("scenario", "", "scenario YAML with the recommender's knobs")
	def := simfeed.DefaultConfig()
	seed := fs.Int64("seed", def.Seed, "catalogue and recommender seed")
	items := fs.Int("items", def.Items, "catalogue size")
	pers := fs.Float64("personalization", def.Personalization, "weight of learned affinity against popularity, 0..1")
	explore := fs.Float64("exploration", def.Exploration, "share of random slots, 0..1")
	boost := fs.Float64("harmful-boost", def.HarmfulBoost, "extra harmful slots for users who engaged with a harm category, 0..1")
	price := fs.Float64("price-by-history", def.PriceByHistory, "price markup for users with a shopping history (0.2 = +20%)")
	ignore := fs.Bool("ignore-switch", false, "planted violation: personalize even when the user turned it off")
	leak := fs.Bool("minor-leak", false, "planted violation: let harmful items reach minor mode")
	truth := fs.Bool("truth", false, "serve the ground truth under /truth")
	allowRemote := fs.Bool("allow-non-loopback", false, "allow --listen on an address other than loopback")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := noArgs(fs); err != nil {
		return err
	}
	cfg := def
	if *scenario != "" {
		c, err := simfeed.LoadScenario(*scenario)
		if err != nil {
			return err
		}
		cfg = c
	}
	set := func(name string, apply func()) {
		if fs.Changed(name) {
			apply()
		}
	}
	set("seed", func() { cfg.Seed = *seed })
	set("items", func() { cfg.Items = *items })
	set("personalization", func() { cfg.Personalization = *pers })
	set("exploration", func() { cfg.Exploration = *explore })
	set("harmful-boost", func() { cfg.HarmfulBoost = *boost })
	set("price-by-history", func() { cfg.PriceByHistory = *price })
	set("ignore-switch", func() { cfg.Violations.IgnoreSwitch = *ignore })
	set("minor-leak", func() { cfg.Violations.MinorLeak = *leak })
	if *scenario == "" || fs.Changed("truth") {
		cfg.Truth = *truth
	}
	if err := cfg.Validate(); err != nil {
		return err
	}
	if err := daemon.CheckLoopback(*listen, *allowRemote); err != nil {
		return flagError("--listen: %w", err)
	}
	srv, err := simfeed.New(cfg, nil)
	if err != nil {
		return err
	}
	u, wait, err := simfeed.Listen(ctx, *listen, srv)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "simfeed serving %s (seed %d, %d items, personalization %.2f, truth %v)\n", u, cfg.Seed, cfg.Items, cfg.Personalization, cfg.Truth)
	return wait()
}
