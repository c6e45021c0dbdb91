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
	"log/slog"
	"os"
	"os/signal"
	"sort"
	"strings"
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
		if !errors.Is(err, pflag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "feedprobe:", err)
		}
		var ee exitError
		if errors.As(err, &ee) {
			os.Exit(int(ee))
		}
		os.Exit(1)
	}
}

// exitError carries a specific exit status with an error already reported.
type exitError int

func (e exitError) Error() string { return fmt.Sprintf("exit status %d", int(e)) }

// command is one subcommand.
type command struct {
	name    string
	summary string
	run     func(ctx context.Context, env *env, args []string) error
}

// env is what every command gets: its output streams.
type env struct {
	stdout, stderr io.Writer
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

// hiddenCommands work but usage does not list them: old names, kept for
// one release.
func hiddenCommands() []command {
	return []command{{"finding", "old name of order", cmdFinding}}
}

func usage(w io.Writer) {
	fmt.Fprintf(w, `feedprobe audits recommendation feeds with scripted sock-puppet personas.

Usage:
  feedprobe <command> [flags]
  feedprobe help <command>|<topic>

Commands:
`)
	cmds := commands()
	sort.Slice(cmds, func(i, j int) bool { return cmds[i].name < cmds[j].name })
	for _, c := range cmds {
		fmt.Fprintf(w, "  %-10s %s\n", c.name, c.summary)
	}
	fmt.Fprintf(w, "\nReference topics (feedprobe help TOPIC):\n")
	for _, t := range help.Topics() {
		fmt.Fprintf(w, "  %-14s %s\n", t.Name, t.Summary)
	}
	fmt.Fprintf(w, `
Run "feedprobe <command> --help" for a command's flags.
Environment: FEEDPROBE_CHROME=/path/to/chromium picks the browser.
`)
}

// helpTopic prints the reference topic name. A name that is both a topic
// and a command (schema, simfeed) is the topic, which names the command's
// --help. The schema topic ends with the data dictionary from storage.
func helpTopic(ctx context.Context, w io.Writer, name string) error {
	text, err := help.Text(name)
	if err != nil {
		return err
	}
	if _, err := io.WriteString(w, text); err != nil {
		return err
	}
	if name == "schema" {
		tables, err := storage.Dictionary(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintln(w)
		if err := writeSchemaMarkdown(w, tables); err != nil {
			return err
		}
	}
	for _, c := range commands() {
		if c.name == name {
			fmt.Fprintf(w, "\nThe command's flags: feedprobe %s --help\n", name)
		}
	}
	return nil
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		if len(args) < 2 {
			usage(stdout)
			return nil
		}
		if len(args) > 2 {
			return fmt.Errorf("help takes one command or topic, not %d", len(args)-1)
		}
		if _, err := help.Text(args[1]); err == nil {
			return helpTopic(ctx, stdout, args[1])
		}
		if !isCommand(args[1]) {
			_, err := help.Text(args[1])
			return fmt.Errorf("%w; or a command: feedprobe help lists them", err)
		}
		args = []string{args[1], "--help"}
	}
	e := &env{stdout: stdout, stderr: stderr}
	for _, c := range append(commands(), hiddenCommands()...) {
		if c.name == args[0] {
			return c.run(ctx, e, args[1:])
		}
	}
	usage(stderr)
	return fmt.Errorf("unknown command %q", args[0])
}

// isCommand reports whether name is one of feedprobe's commands.
func isCommand(name string) bool {
	for _, c := range commands() {
		if c.name == name {
			return true
		}
	}
	return false
}

// newFlags makes a command's flag set with a usage text that explains it.
func newFlags(e *env, name, argsUsage, about string) *pflag.FlagSet {
	fs := pflag.NewFlagSet(name, pflag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.SortFlags = false
	fs.Usage = func() {
		fmt.Fprintf(e.stderr, "Usage: feedprobe %s %s\n\n%s\n\nFlags:\n%s", name, argsUsage, strings.TrimSpace(about), fs.FlagUsages())
	}
	return fs
}

// logFlags adds --log-format and --log-level and returns a constructor.
func logFlags(fs *pflag.FlagSet) func(w io.Writer) (*slog.Logger, error) {
	format := fs.String("log-format", "text", "log format: text or json")
	level := fs.String("log-level", "info", "log level: debug, info, warn or error")
	return func(w io.Writer) (*slog.Logger, error) {
		var lv slog.Level
		if err := lv.UnmarshalText([]byte(*level)); err != nil {
			return nil, fmt.Errorf("--log-level %q: want debug, info, warn or error", *level)
		}
		opts := &slog.HandlerOptions{Level: lv}
		switch *format {
		case "text":
			return slog.New(slog.NewTextHandler(w, opts)), nil
		case "json":
			return slog.New(slog.NewJSONHandler(w, opts)), nil
		}
		return nil, fmt.Errorf("--log-format %q: want text or json", *format)
	}
}

func cmdVersion(_ context.Context, e *env, args []string) error {
	fs := newFlags(e, "version", "", "Print feedprobe's version.")
	if err := fs.Parse(args); err != nil {
		return err
	}
	fmt.Fprintln(e.stdout, "feedprobe", version)
	return nil
}
