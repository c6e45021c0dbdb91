// Command feedprobe is a black-box audit probe for recommendation feeds:
// scripted sock-puppet personas browse a feed in headless Chromium, every
// recommended item is stored in SQLite, and the analysis measures filter
// bubbles, harmful exposure and personalization.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/pflag"

	"github.com/feedprobe/feedprobe/cmd/feedprobe/help"
	"github.com/feedprobe/feedprobe/probe"
	"github.com/feedprobe/feedprobe/storage"
)

// storage satisfies the interfaces probe declares without importing probe;
// this is where the two meet.
var (
	_ probe.Sink           = (*storage.DB)(nil)
	_ probe.IdentityStore  = (*storage.DB)(nil)
	_ probe.SessionTracker = (*storage.DB)(nil)
	_ probe.Store          = (*storage.DB)(nil)
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

func main() {
	if err := run(context.Background(), os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "feedprobe:", sanitize(err.Error()))
		os.Exit(exitStatus(err))
	}
}

// command is one subcommand.
type command struct {
	name    string
	summary string
	run     func(ctx context.Context, env *env, args []string) error
}

// env is what every command gets: its output streams. stdout and stderr
// escape control characters (sanitize), for people; raw is stdout byte for
// byte, for machine formats (CSV, JSON, HTML), and rawStderr is stderr, for
// the progress bar.
type env struct {
	stdout, stderr io.Writer
	raw, rawStderr io.Writer
	// usageShown is set when a command printed its usage: its error is
	// then a usage error (exit status 2).
	usageShown bool
}

func commands() []command {
	return []command{
		{"demo", "start simfeed and run the built-in demo campaign, then analyze it", cmdDemo},
		{"run", "run a campaign (resumes an interrupted one)", cmdRun},
		{"serve", "run scheduled campaigns unattended; serve /metrics, /healthz, /readyz", cmdServe},
		{"analyze", "per-persona, per-session diversity, interest share and harmful share", cmdAnalyze},
		{"init", "write a compliance-experiment campaign from a template (art17-off, art21-prices, ...)", cmdInit},
		{"findings", "compliance findings per article: verdict, effect with CI, p-value, n, examples", cmdFindings},
		{"report", "write the audit report (one self-contained HTML file), with --baseline a re-inspection", cmdReport},
		{"plan", "estimate a campaign design's power by simulating it against simfeed", cmdPlan},
		{"validate", "check persona, campaign and adapter files without running them", cmdValidate},
		{"adapter", "check an adapter on a live page; list adapters and real-platform templates", cmdAdapter},
		{"persona", "log a persona in by hand (or import cookies) and save its identity", cmdPersona},
		{"simfeed", "serve the simulated personalizing feed platform", cmdSimfeed},
		{"query", "run a read-only SQL query on a database; table, CSV or JSON", cmdQuery},
		{"export", "export every research table as CSV, JSON lines or Parquet", cmdExport},
		{"schema", "print the data dictionary: tables, columns and what they mean", cmdSchema},
		{"label", "label items: apply a lexicon, import manual labels, agreement stats", cmdLabel},
		{"import", "import impressions collected by another audit tool (CSV, Zeeschuimer)", cmdImport},
		{"reextract", "extract a campaign's items again from its stored bodies with a fixed adapter", cmdReextract},
		{"verify", "re-hash the evidence chain; name every file or row changed", cmdVerify},
		{"merge", "merge the databases of a campaign's shards (run --shard I/N) into one", cmdMerge},
		{"inspection", "inspection cases: new, list, show (timeline), surface filings and disclosures", cmdInspection},
		{"order", "turn findings into rectification orders with deadlines; write the notice", cmdOrder},
		{"version", "print the version", cmdVersion},
	}
}

// subcommands are a command group's subcommands, by name.
type subcommands map[string]func(ctx context.Context, e *env, args []string) error

// groups are the commands that take a subcommand, with their subcommands
// (a hidden command's are its new name's).
func groups() map[string]subcommands {
	return map[string]subcommands{
		"adapter": adapterCommands(), "inspection": inspectionCommands(), "label": labelCommands(),
		"order": orderCommands(), "persona": personaCommands(),
	}
}

// hiddenCommands work but usage does not list them: old names, kept for
// one release.
func hiddenCommands() []command {
	return []command{{"finding", "old name of order", cmdFinding}}
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sigs)
	go func() {
		select {
		case sig := <-sigs:
			// A second Ctrl-C kills at once.
			signal.Stop(sigs)
			cancel(signalCause{sig})
		case <-ctx.Done():
		}
	}()
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		if len(args) > 0 {
			args = args[1:]
		}
		return helpCmd(ctx, stdout, args)
	}
	e := &env{stdout: termWriter{stdout}, stderr: termWriter{stderr}, raw: stdout, rawStderr: stderr}
	if wantsHelp(args[1:]) {
		// Asked for, usage is the output: stdout (so `| less` shows it),
		// and exit 0.
		e.stderr = e.stdout
	}
	for _, c := range append(commands(), hiddenCommands()...) {
		if c.name == args[0] {
			err := c.run(ctx, e, args[1:])
			switch {
			case err == nil || errors.Is(err, pflag.ErrHelp):
				return nil
			case exitStatus(err) != exitFailure:
				return err
			}
			if sc, ok := interrupted(ctx); ok {
				return withStatus(sc.status(), fmt.Errorf("%s: %w", sc, err))
			}
			if e.usageShown || isFlagError(err) {
				return usageError(err)
			}
			return err
		}
	}
	var names []string
	for _, c := range commands() {
		names = append(names, c.name)
	}
	if near := help.Nearest(args[0], names); near != "" {
		return usageError(fmt.Errorf("unknown command %q; did you mean %s? (feedprobe help lists the commands)", args[0], near))
	}
	return usageError(fmt.Errorf("unknown command %q (feedprobe help lists the commands)", args[0]))
}

func cmdVersion(_ context.Context, e *env, args []string) error {
	fs := newFlags(e, "version", "", help.Command("version"))
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := noArgs(fs); err != nil {
		return err
	}
	fmt.Fprintln(e.stdout, "feedprobe", version)
	return nil
}
