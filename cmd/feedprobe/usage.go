package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"

	"github.com/feedprobe/feedprobe/cmd/feedprobe/help"
	"github.com/feedprobe/feedprobe/storage"
)

// helpCmd is `feedprobe help [COMMAND [SUBCOMMAND] | TOPIC]` (help.Show,
// with the command table and, after the schema topic, the data dictionary
// from storage); wrong words are a usage error.
func helpCmd(ctx context.Context, w io.Writer, args []string) error {
	var entries []help.Entry
	for _, c := range commands() {
		var subs []string
		if g := groups()[c.name]; g != nil {
			subs = slices.Sorted(maps.Keys(g))
		}
		entries = append(entries, help.Entry{Name: c.name, Summary: c.summary, Subcommands: subs})
	}
	err := help.Show(w, entries, args, func(w io.Writer, topic string) error {
		if topic != "schema" {
			return nil
		}
		tables, err := storage.Dictionary(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintln(w)
		return storage.WriteDictionaryMarkdown(w, tables)
	})
	if _, ok := errors.AsType[*help.ArgsError](err); ok {
		return usageError(err)
	}
	return err
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
