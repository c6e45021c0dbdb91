package main

import (
	"context"
	"fmt"
	"io"
	"sort"

	"github.com/feedprobe/feedprobe/cmd/feedprobe/help"
	"github.com/feedprobe/feedprobe/storage"
)

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
