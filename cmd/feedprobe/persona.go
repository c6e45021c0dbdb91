package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/chromedp/cdproto/network"

	"github.com/feedprobe/feedprobe/cmd/feedprobe/help"
	"github.com/feedprobe/feedprobe/probe"
	"github.com/feedprobe/feedprobe/storage"
)

// loginInput is where "persona login" reads the person's Enter; tests
// replace it.
var loginInput io.Reader = os.Stdin

// personaCommands are persona's subcommands.
func personaCommands() subcommands {
	return subcommands{"login": cmdPersonaLogin}
}

func cmdPersona(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprintf(e.stderr, "Usage: feedprobe persona login [flags]\n\n%s\n\nRun \"feedprobe persona login --help\" for its flags.\n", help.Command("persona"))
		if len(args) == 0 {
			return flagError("persona needs a command: login")
		}
		return nil
	}
	f, ok := personaCommands()[args[0]]
	if !ok {
		return flagError("unknown persona command %q (want login)", args[0])
	}
	return f(ctx, e, args[1:])
}

func cmdPersonaLogin(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "persona login", "--persona NAME --db FILE [--url URL] [flags]", help.Command("persona login"))
	personaName := fs.String("persona", "", "persona name (required)")
	db := fs.String("db", "feedprobe.db", "SQLite database holding the persona")
	campaign := fs.String("campaign", "", "the persona's campaign: its name, or its YAML file")
	pageURL := fs.String("url", "", "page to open (default: the campaign's base_url and feed page)")
	cookies := fs.String("cookies", "", "import cookies from this file (JSON export or Netscape cookies.txt)")
	headless := fs.Bool("headless", false, "no window: import --cookies and/or wait for --wait-for")
	waitFor := fs.String("wait-for", "", "CSS selector that shows the login succeeded; done when it appears")
	timeout := fs.Duration("timeout", 10*time.Minute, "how long to wait for the login")
	chrome := fs.String("chrome", "", "browser binary (default: $FEEDPROBE_CHROME, then chromium on PATH)")
	closed := fs.String("closed-network", "auto", "block every DNS lookup but 127.0.0.1, and WebRTC's UDP (STUN, mDNS): on, off, or auto (on for a loopback URL)")
	newLogger := logFlags(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *personaName == "" || fs.NArg() > 0 {
		fs.Usage()
		return errors.New("persona login needs --persona (and no arguments)")
	}
	logger, err := newLogger(e.stderr)
	if err != nil {
		return err
	}
	if !*headless && !probe.HasDisplay() {
		return errors.New("no display for a visible browser: log in elsewhere and use --headless --cookies FILE, or set DISPLAY")
	}
	var imported []*network.Cookie
	if *cookies != "" {
		data, err := os.ReadFile(*cookies)
		if err != nil {
			return fmt.Errorf("read cookies: %w", err)
		}
		if imported, err = probe.ParseCookieFile(*cookies, data); err != nil {
			return err
		}
	}
	store, err := storage.Open(ctx, *db)
	if err != nil {
		return err
	}
	defer store.Close()
	p, camp, err := store.LookupPersona(ctx, *campaign, *personaName)
	if err != nil {
		return err
	}
	u := *pageURL
	if u == "" {
		if u, err = probe.CampaignFeedURL(camp.Platform, camp.BaseURL); err != nil {
			return err
		}
	}
	ident, err := store.LoadIdentity(ctx, p.ID)
	if err != nil {
		return err
	}
	closedNet, err := closedNetwork(*closed, u)
	if err != nil {
		return err
	}
	b, err := probe.Launch(ctx, probe.BrowserOptions{ExecPath: *chrome, ClosedNetwork: closedNet, Visible: !*headless, Logger: logger})
	if err != nil {
		return err
	}
	defer b.Close()
	cfg := probe.LoginConfig{URL: u, Identity: ident, Cookies: imported, Logger: logger}
	switch {
	case *waitFor != "":
		sel := *waitFor
		cfg.Ready = func(tab context.Context) error { return probe.WaitSelector(tab, e.stderr, sel, *timeout) }
	case !*headless:
		cfg.Ready = func(tab context.Context) error {
			fmt.Fprintf(e.stderr, "Log persona %s in in the browser window, then press Enter here.\n", p.Name)
			return probe.WaitEnter(tab, loginInput, *timeout)
		}
	}
	id, err := b.Login(ctx, cfg)
	if err != nil {
		return err
	}
	if err := store.SaveIdentity(ctx, p.ID, id); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "saved the identity of persona %s (campaign %s): %s\n", p.Name, camp.Name, probe.DescribeIdentity(id))
	return nil
}
