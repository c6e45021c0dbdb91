package help

import (
	"io/fs"
	"sort"
	"strings"
)

// Command returns the description of a command or subcommand ("run",
// "inspection new"): the text its --help prints above its flags, and
// `feedprobe help COMMAND` prints. It is the file commands/NAME.md, a
// subcommand's name joined to its command's by "-"
// (commands/inspection-new.md), without its leading and trailing blank
// lines. A command without a file gets "": the command's tests check that
// every command has one.
func Command(name string) string {
	if name == "" || strings.ContainsAny(name, "/.\\-") {
		return ""
	}
	b, err := commandFiles.ReadFile("commands/" + strings.ReplaceAll(name, " ", "-") + ".md")
	if err != nil {
		return ""
	}
	return strings.Trim(string(b), "\n")
}

// CommandNames returns the name of every command description, as Command
// takes it ("inspection new"), sorted.
func CommandNames() []string {
	paths, err := fs.Glob(commandFiles, "commands/*.md")
	if err != nil {
		panic(err) // a constant pattern: cannot fail
	}
	var names []string
	for _, p := range paths {
		n := strings.TrimSuffix(strings.TrimPrefix(p, "commands/"), ".md")
		names = append(names, strings.ReplaceAll(n, "-", " "))
	}
	sort.Strings(names)
	return names
}
