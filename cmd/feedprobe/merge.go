package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/feedprobe/feedprobe/cmd/feedprobe/help"
	"github.com/feedprobe/feedprobe/storage"
)

func cmdMerge(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "merge", "OUT.db SHARD.db... [flags]", help.Command("merge"))
	asJSON := fs.Bool("json", false, "print what was merged as JSON")
	wait := fs.Bool("wait", false, "when another process is writing the campaign in OUT.db, wait for it instead of exiting")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() < 2 {
		fs.Usage()
		return errors.New("merge needs the output database and at least one shard database")
	}
	release, err := storage.HoldMerge(ctx, fs.Arg(0), fs.Args()[1:], *wait)
	if errors.Is(err, storage.ErrLeaseHeld) {
		return fmt.Errorf("%s: %w; wait for it, or merge with --wait", fs.Arg(0), err)
	}
	if err != nil {
		return err
	}
	rep, err := storage.Merge(ctx, fs.Arg(0), fs.Args()[1:])
	release()
	if err != nil {
		return err
	}
	if *asJSON {
		return writeJSON(e.raw, rep)
	}
	for _, s := range rep.Shards {
		fmt.Fprintf(e.stdout, "%s: %d personas merged (%d sessions, %d impressions, %d actions, %d evidence rows), %d already there\n",
			s.Path, s.Personas, s.Sessions, s.Impressions, s.Actions, s.Evidence, s.Skipped)
		if s.Extractions > 0 {
			fmt.Fprintf(e.stdout, "%s: %d re-extractions not copied (each covers only this shard's personas): run feedprobe reextract on %s\n",
				s.Path, s.Extractions, fs.Arg(0))
		}
	}
	if !rep.Changed() {
		fmt.Fprintf(e.stdout, "%s already held everything: nothing changed\n", fs.Arg(0))
		return nil
	}
	fmt.Fprintf(e.stdout, "merged campaign %v into %s\n", rep.Campaigns, fs.Arg(0))
	return nil
}
