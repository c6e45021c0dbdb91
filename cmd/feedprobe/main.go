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
		fmt.Fprintln(os.Stderr, "feedprobe:", sanitize(err.Error()))
		os.Exit(exitStatus(err))
	}
}

// Exit statuses; the exit-codes help topic documents them.
const (
	exitFailure    = 1 // the command could not do what it was asked
	exitUsage      = 2 // a bad flag, argument or command name
	exitIncomplete = 3 // run: some planned sessions failed or were blocked
	// An interrupted command exits 128 + the signal's number: 130 for
	// SIGINT (Ctrl-C), 143 for SIGTERM.
)

// statusError is an error with the exit status it calls for.
type statusError struct {
	status int
	err    error
}

func (e *statusError) Error() string { return e.err.Error() }
func (e *statusError) Unwrap() error { return e.err }

// withStatus marks err to exit with status.
func withStatus(status int, err error) error { return &statusError{status: status, err: err} }

// usageError marks err as a usage error (exit status 2).
func usageError(err error) error { return withStatus(exitUsage, err) }

// flagError is a usage error (exit status 2) about a flag's value or a
// command's arguments, formatted as fmt.Errorf does.
func flagError(format string, a ...any) error { return usageError(fmt.Errorf(format, a...)) }

// closedNetwork resolves --closed-network for base (probe.ClosedNetwork);
// a mode other than on, off or auto is a usage error.
func closedNetwork(mode, base string) (bool, error) {
	on, err := probe.ClosedNetwork(mode, base)
	if err != nil && mode != "auto" {
		return false, usageError(err)
	}
	return on, err
}

// exitStatus is the exit status err calls for: its statusError's, else 1.
func exitStatus(err error) int {
	var se *statusError
	if errors.As(err, &se) {
		return se.status
	}
	return exitFailure
}

// signalCause is the cause of a context cancelled by a signal.
type signalCause struct{ sig os.Signal }

func (s signalCause) Error() string { return "interrupted by " + signalName(s.sig) }

// status is 128 + the signal's number, as a shell reports it.
func (s signalCause) status() int {
	if n, ok := s.sig.(syscall.Signal); ok {
		return 128 + int(n)
	}
	return 128 + int(syscall.SIGINT)
}

func signalName(sig os.Signal) string {
	switch sig {
	case os.Interrupt:
		return "SIGINT"
	case syscall.SIGTERM:
		return "SIGTERM"
	}
	return sig.String()
}

// interrupted returns the signal that cancelled ctx, if one did.
func interrupted(ctx context.Context) (signalCause, bool) {
	var sc signalCause
	ok := errors.As(context.Cause(ctx), &sc)
	return sc, ok
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
		if err := storage.WriteDictionaryMarkdown(w, tables); err != nil {
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
		if len(args) < 2 {
			usage(stdout)
			return nil
		}
		if len(args) > 2 {
			return flagError("help takes one command or topic, not %d", len(args)-1)
		}
		if _, err := help.Text(args[1]); err == nil {
			return helpTopic(ctx, stdout, args[1])
		}
		if !isCommand(args[1]) {
			_, err := help.Text(args[1])
			if near := nearest(args[1], helpNames()); near != "" {
				return fmt.Errorf("no command or topic %q; did you mean %s?", args[1], near)
			}
			return fmt.Errorf("%w; or a command: feedprobe help lists them", err)
		}
		args = []string{args[1], "--help"}
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
	if near := nearest(args[0], names); near != "" {
		return usageError(fmt.Errorf("unknown command %q; did you mean %s? (feedprobe help lists the commands)", args[0], near))
	}
	return usageError(fmt.Errorf("unknown command %q (feedprobe help lists the commands)", args[0]))
}

// isFlagError reports whether err is pflag's: an unknown flag, a missing
// or bad value.
func isFlagError(err error) bool {
	var (
		notExist *pflag.NotExistError
		required *pflag.ValueRequiredError
		invalid  *pflag.InvalidValueError
		syntax   *pflag.InvalidSyntaxError
	)
	return errors.As(err, &notExist) || errors.As(err, &required) || errors.As(err, &invalid) || errors.As(err, &syntax)
}

// wantsHelp reports whether a command's arguments ask for its usage: -h or
// --help before "--", or "help" as a command group's first argument.
func wantsHelp(args []string) bool {
	if len(args) > 0 && args[0] == "help" {
		return true
	}
	for _, a := range args {
		switch a {
		case "--":
			return false
		case "-h", "--help":
			return true
		}
	}
	return false
}

// helpNames are what `feedprobe help` takes: commands and topics.
func helpNames() []string {
	var names []string
	for _, c := range commands() {
		names = append(names, c.name)
	}
	for _, t := range help.Topics() {
		names = append(names, t.Name)
	}
	return names
}

// nearest returns the name closest to the mistyped word, at an edit
// distance of at most a third of its length (rounded, at least 1), or a
// name it is a prefix of; "" when none is that close.
func nearest(word string, names []string) string {
	best, bestD := "", 0
	w := strings.ToLower(word)
	for _, n := range names {
		d := editDistance(w, n)
		if len(w) >= 3 && strings.HasPrefix(n, w) {
			d = min(d, 1)
		}
		if best == "" || d < bestD {
			best, bestD = n, d
		}
	}
	if best == "" || bestD > max(1, (len(w)+1)/3) {
		return ""
	}
	return best
}

// editDistance is the optimal string alignment distance of a and b, by
// bytes: insertions, deletions, substitutions and swaps of neighbours.
func editDistance(a, b string) int {
	d := make([][]int, len(a)+1)
	for i := range d {
		d[i] = make([]int, len(b)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(a); i++ {
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(a)][len(b)]
}

// newFlags makes a command's flag set with a usage text that explains it.
func newFlags(e *env, name, argsUsage, about string) *pflag.FlagSet {
	fs := pflag.NewFlagSet(name, pflag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.SortFlags = false
	fs.Usage = func() {
		e.usageShown = true
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
			return nil, flagError("--log-level %q: want debug, info, warn or error", *level)
		}
		opts := &slog.HandlerOptions{Level: lv}
		switch *format {
		case "text":
			return slog.New(slog.NewTextHandler(w, opts)), nil
		case "json":
			return slog.New(slog.NewJSONHandler(w, opts)), nil
		}
		return nil, flagError("--log-format %q: want text or json", *format)
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

// isCommand reports whether name is one of feedprobe's commands.
func isCommand(name string) bool {
	for _, c := range commands() {
		if c.name == name {
			return true
		}
	}
	return false
}
