package main

import (
	"fmt"
	"io"
	"log/slog"
	"strings"

	"github.com/spf13/pflag"
)

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

// noArgs refuses positional arguments to a command that takes none (a
// usage error, exit status 2), instead of ignoring them.
func noArgs(fs *pflag.FlagSet) error {
	if fs.NArg() > 0 {
		fs.Usage()
		return flagError("%s takes no arguments (got %q)", fs.Name(), fs.Args())
	}
	return nil
}
