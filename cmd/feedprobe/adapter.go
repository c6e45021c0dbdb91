package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/feedprobe/feedprobe/cmd/feedprobe/help"
	"github.com/feedprobe/feedprobe/personas"
	"github.com/feedprobe/feedprobe/probe"
	"github.com/feedprobe/feedprobe/storage"
)

// adapterCommands are adapter's subcommands.
func adapterCommands() subcommands {
	return subcommands{"check": cmdAdapterCheck, "list": cmdAdapterList, "template": cmdAdapterTemplate}
}

func cmdAdapter(ctx context.Context, e *env, args []string) error {
	sub := adapterCommands()
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprintf(e.stderr, "Usage: feedprobe adapter <check|list|template> [flags]\n\n%s\n\nRun \"feedprobe adapter <command> --help\" for its flags.\n", help.Command("adapter"))
		if len(args) == 0 {
			return usageError(errors.New("adapter needs a command: check, list or template"))
		}
		return nil
	}
	f, ok := sub[args[0]]
	if !ok {
		return usageError(fmt.Errorf("unknown adapter command %q (want check, list or template)", args[0]))
	}
	return f(ctx, e, args[1:])
}

func cmdAdapterList(_ context.Context, e *env, args []string) error {
	fs := newFlags(e, "adapter list", "", help.Command("adapter list"))
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := noArgs(fs); err != nil {
		return err
	}
	return probe.WriteAdapterList(e.stdout)
}

func cmdAdapterTemplate(_ context.Context, e *env, args []string) error {
	fs := newFlags(e, "adapter template", "NAME", help.Command("adapter template"))
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return errors.New("adapter template needs one template name")
	}
	src, err := probe.TemplateSource(fs.Arg(0))
	if err != nil {
		return err
	}
	_, err = e.stdout.Write(src)
	return err
}

func cmdAdapterCheck(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "adapter check", "--adapter FILE|NAME --url URL [flags]", help.Command("adapter check"))
	adapterArg := fs.String("adapter", "", "adapter file, built-in adapter or template name (required)")
	pageURL := fs.String("url", "", "page to open (default: the adapter's feed_url when it is absolute)")
	personaName := fs.String("persona", "", "use this persona's saved identity")
	campaign := fs.String("campaign", "", "the persona's campaign (name or YAML file) when the name is not unique")
	db := fs.String("db", "feedprobe.db", "database holding the persona")
	out := fs.String("out", "", "directory for screenshot.png and page.html (default adapter-check-NAME)")
	steps := fs.Int("steps", 3, "scrolls, clicks or key presses to try")
	items := fs.Int("items", 30, "stop after this many items")
	rows := fs.Int("rows", 10, "items to print")
	timeout := fs.Duration("timeout", 2*time.Minute, "deadline for the whole check")
	chrome := fs.String("chrome", "", "browser binary (default: $FEEDPROBE_CHROME, then chromium on PATH)")
	closed := fs.String("closed-network", "auto", "block every DNS lookup but 127.0.0.1, and WebRTC's UDP (STUN, mDNS): on, off, or auto (on for a loopback URL)")
	newLogger := logFlags(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *adapterArg == "" || fs.NArg() > 0 {
		fs.Usage()
		return errors.New("adapter check needs --adapter (and no arguments)")
	}
	logger, err := newLogger(e.stderr)
	if err != nil {
		return err
	}
	ad, err := probe.ResolveAdapter(*adapterArg)
	if err != nil {
		return err
	}
	u := *pageURL
	if u == "" {
		u = ad.FeedURL
	}
	if !strings.HasPrefix(u, "http://") && !strings.HasPrefix(u, "https://") {
		return flagError("--url %q: give the page's full http(s) URL", u)
	}
	cfg := probe.CheckConfig{Adapter: ad, URL: u, Steps: *steps, Items: *items, Timeout: *timeout, Logger: logger}
	if *personaName != "" {
		store, err := storage.Open(ctx, *db)
		if err != nil {
			return err
		}
		defer store.Close()
		p, _, err := store.LookupPersona(ctx, *campaign, *personaName)
		if err != nil {
			return err
		}
		if cfg.Identity, err = store.LoadIdentity(ctx, p.ID); err != nil {
			return err
		}
		// The stored spec gives the viewport, device and user agent.
		var spec personas.Spec
		if err := json.Unmarshal(p.Spec, &spec); err == nil {
			cfg.Persona = spec
		}
		if cfg.Identity == nil {
			fmt.Fprintf(e.stderr, "note: persona %s has no saved identity yet\n", p.Name)
		}
	}
	closedNet, err := closedNetwork(*closed, u)
	if err != nil {
		return err
	}
	b, err := probe.Launch(ctx, probe.BrowserOptions{ExecPath: *chrome, ClosedNetwork: closedNet, Logger: logger})
	if err != nil {
		return err
	}
	defer b.Close()
	rep, err := b.CheckAdapter(ctx, cfg)
	if err != nil {
		return err
	}
	dir := *out
	if dir == "" {
		dir = "adapter-check-" + ad.Name
	}
	saved, serr := rep.Save(dir)
	if err := probe.WriteCheck(e.stdout, ad, rep, *rows, saved); err != nil {
		return err
	}
	if serr != nil {
		return serr
	}
	switch {
	case errors.Is(rep.Err, probe.ErrBlocked):
		return fmt.Errorf("page is blocked: %w", rep.Err)
	case len(rep.Items) == 0:
		if rep.Err != nil {
			return fmt.Errorf("the adapter found no items: %w", rep.Err)
		}
		return errors.New("the adapter found no items")
	}
	return nil
}
