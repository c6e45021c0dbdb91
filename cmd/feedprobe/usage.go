package main

import (
	"context"
	"fmt"
	"io"
	"maps"
	"slices"
	"sort"
	"strings"

	"github.com/feedprobe/feedprobe/cmd/feedprobe/help"
	"github.com/feedprobe/feedprobe/storage"
)

func usage(w io.Writer) {
	fmt.Fprintf(w, `feedprobe audits recommendation feeds with scripted sock-puppet personas.

Usage:
  feedprobe <command> [flags]
  feedprobe help <command> [<subcommand>]
  feedprobe help <topic>

Commands (feedprobe help COMMAND describes one):
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

// helpCmd is `feedprobe help [COMMAND [SUBCOMMAND] | TOPIC]`: with no
// argument the list of commands and topics; with one a topic, or a
// command's description; with two a subcommand's description.
func helpCmd(ctx context.Context, w io.Writer, args []string) error {
	if len(args) == 0 {
		usage(w)
		return nil
	}
	name := args[0]
	subs := groups()[name]
	switch {
	case len(args) > 2 || len(args) == 2 && subs == nil:
		return flagError("help takes a command, a command and its subcommand, or a topic; not %q", strings.Join(args, " "))
	case len(args) == 2:
		if subs[args[1]] != nil {
			return helpCommand(w, name+" "+args[1], "")
		}
		names := slices.Sorted(maps.Keys(subs))
		if near := help.Nearest(args[1], names); near != "" {
			return fmt.Errorf("%s has no subcommand %q; did you mean %s %s?", name, args[1], name, near)
		}
		return fmt.Errorf("%s has no subcommand %q; its subcommands: %s", name, args[1], strings.Join(names, ", "))
	}
	if _, err := help.Text(name); err == nil {
		return helpTopic(ctx, w, name)
	}
	for _, c := range commands() {
		if c.name == name {
			return helpCommand(w, name, c.summary)
		}
	}
	_, err := help.Text(name)
	if near := help.Nearest(name, helpNames()); near != "" {
		return fmt.Errorf("no command or topic %q; did you mean %s?", name, near)
	}
	return fmt.Errorf("%w; or a command: feedprobe help lists them", err)
}

// helpCommand prints the description of the command or subcommand name
// (its --help without the flags) and where its flags, or its subcommands',
// are.
func helpCommand(w io.Writer, name, summary string) error {
	doc := help.Command(name)
	if doc == "" {
		return fmt.Errorf("command %q has no description (help/commands/%s.md)", name, strings.ReplaceAll(name, " ", "-"))
	}
	title := "feedprobe " + name
	if summary != "" {
		title += ": " + summary
	}
	fmt.Fprintf(w, "%s\n\n%s\n\n", title, doc)
	if groups()[name] != nil {
		fmt.Fprintf(w, "A subcommand's description: feedprobe help %s SUBCOMMAND\nA subcommand's flags: feedprobe %s SUBCOMMAND --help\n", name, name)
		return nil
	}
	fmt.Fprintf(w, "The command's flags: feedprobe %s --help\n", name)
	return nil
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

// isCommand reports whether name is one of feedprobe's commands.
func isCommand(name string) bool {
	for _, c := range commands() {
		if c.name == name {
			return true
		}
	}
	return false
}
