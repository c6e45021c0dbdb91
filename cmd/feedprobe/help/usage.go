package help

import (
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"
)

// Entry is one command of the CLI's command table, as help lists it: its
// name, its one-line summary and, for a command group, its subcommands.
type Entry struct {
	Name, Summary string
	Subcommands   []string
}

// ArgsError is a help request with words help does not take (more than a
// command and its subcommand, or a subcommand of a command without any):
// a usage error.
type ArgsError struct{ Args []string }

func (e *ArgsError) Error() string {
	return fmt.Sprintf("help takes a command, a command and its subcommand, or a topic; not %q", strings.Join(e.Args, " "))
}

// WriteUsage writes what `feedprobe help` prints: the commands of cmds,
// by name, and the reference topics.
func WriteUsage(w io.Writer, cmds []Entry) {
	fmt.Fprintf(w, `feedprobe audits recommendation feeds with scripted sock-puppet personas.

Usage:
  feedprobe <command> [flags]
  feedprobe help <command> [<subcommand>]
  feedprobe help <topic>

Commands (feedprobe help COMMAND describes one):
`)
	cmds = slices.Clone(cmds)
	sort.Slice(cmds, func(i, j int) bool { return cmds[i].Name < cmds[j].Name })
	for _, c := range cmds {
		fmt.Fprintf(w, "  %-10s %s\n", c.Name, c.Summary)
	}
	fmt.Fprintf(w, "\nReference topics (feedprobe help TOPIC):\n")
	for _, t := range Topics() {
		fmt.Fprintf(w, "  %-14s %s\n", t.Name, t.Summary)
	}
	fmt.Fprintf(w, `
Run "feedprobe <command> --help" for a command's flags.
Environment: FEEDPROBE_CHROME=/path/to/chromium picks the browser.
`)
}

// Show writes what `feedprobe help [COMMAND [SUBCOMMAND] | TOPIC]` prints:
// with no argument the usage (WriteUsage); with one a topic (a name that
// is both a topic and a command, schema or simfeed, is the topic, which
// names the command's --help), or a command's description; with two a
// subcommand's description. appendix, if not nil, writes what follows a
// topic's text (the schema topic's data dictionary). A mistyped name gets
// a "did you mean" error; wrong words an *ArgsError.
func Show(w io.Writer, cmds []Entry, args []string, appendix func(w io.Writer, topic string) error) error {
	if len(args) == 0 {
		WriteUsage(w, cmds)
		return nil
	}
	name := args[0]
	var cmd *Entry
	for i := range cmds {
		if cmds[i].Name == name {
			cmd = &cmds[i]
		}
	}
	switch {
	case len(args) > 2 || len(args) == 2 && (cmd == nil || cmd.Subcommands == nil):
		return &ArgsError{Args: args}
	case len(args) == 2:
		if slices.Contains(cmd.Subcommands, args[1]) {
			return writeCommand(w, name+" "+args[1], "", false)
		}
		names := slices.Sorted(slices.Values(cmd.Subcommands))
		if near := Nearest(args[1], names); near != "" {
			return fmt.Errorf("%s has no subcommand %q; did you mean %s %s?", name, args[1], name, near)
		}
		return fmt.Errorf("%s has no subcommand %q; its subcommands: %s", name, args[1], strings.Join(names, ", "))
	}
	if text, err := Text(name); err == nil {
		if _, err := io.WriteString(w, text); err != nil {
			return err
		}
		if appendix != nil {
			if err := appendix(w, name); err != nil {
				return err
			}
		}
		if cmd != nil {
			fmt.Fprintf(w, "\nThe command's flags: feedprobe %s --help\n", name)
		}
		return nil
	}
	if cmd != nil {
		return writeCommand(w, name, cmd.Summary, cmd.Subcommands != nil)
	}
	_, err := Text(name)
	var names []string
	for _, c := range cmds {
		names = append(names, c.Name)
	}
	for _, t := range Topics() {
		names = append(names, t.Name)
	}
	if near := Nearest(name, names); near != "" {
		return fmt.Errorf("no command or topic %q; did you mean %s?", name, near)
	}
	return fmt.Errorf("%w; or a command: feedprobe help lists them", err)
}

// writeCommand writes the description of the command or subcommand name
// (its --help without the flags) and where its flags, or its
// subcommands', are.
func writeCommand(w io.Writer, name, summary string, group bool) error {
	doc := Command(name)
	if doc == "" {
		return fmt.Errorf("command %q has no description (help/commands/%s.md)", name, strings.ReplaceAll(name, " ", "-"))
	}
	title := "feedprobe " + name
	if summary != "" {
		title += ": " + summary
	}
	fmt.Fprintf(w, "%s\n\n%s\n\n", title, doc)
	if group {
		fmt.Fprintf(w, "A subcommand's description: feedprobe help %s SUBCOMMAND\nA subcommand's flags: feedprobe %s SUBCOMMAND --help\n", name, name)
		return nil
	}
	fmt.Fprintf(w, "The command's flags: feedprobe %s --help\n", name)
	return nil
}
