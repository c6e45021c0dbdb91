package help

import (
	"embed"
	"fmt"
	"io/fs"
	"sort"
	"strings"
)

// files are the topics; commandFiles the commands' descriptions.
var (
	//go:embed *.md
	files embed.FS
	//go:embed commands/*.md
	commandFiles embed.FS
)

// Topic is one reference topic.
type Topic struct {
	Name    string // what follows `feedprobe help`
	Summary string // one line, for the list of topics
}

// aliases name a topic by another word a user may try first.
var aliases = map[string]string{
	"personas":  "campaigns",
	"schedules": "operations",
	"evidence":  "data",
}

// Topics returns every topic, sorted by name.
func Topics() []Topic {
	names, err := fs.Glob(files, "*.md")
	if err != nil {
		panic(err) // a constant pattern: cannot fail
	}
	var ts []Topic
	for _, n := range names {
		name := strings.TrimSuffix(n, ".md")
		text, err := files.ReadFile(n)
		if err != nil {
			panic(err) // embedded at build time
		}
		first, _, _ := strings.Cut(string(text), "\n")
		_, summary, _ := strings.Cut(first, ": ")
		ts = append(ts, Topic{Name: name, Summary: summary})
	}
	sort.Slice(ts, func(i, j int) bool { return ts[i].Name < ts[j].Name })
	return ts
}

// Text returns the text of the topic name (or of the topic an alias
// names). An unknown name is an error that lists the topics.
func Text(name string) (string, error) {
	if real, ok := aliases[name]; ok {
		name = real
	}
	if name != "" && !strings.ContainsAny(name, "/.\\") {
		if b, err := files.ReadFile(name + ".md"); err == nil {
			return string(b), nil
		}
	}
	var names []string
	for _, t := range Topics() {
		names = append(names, t.Name)
	}
	return "", fmt.Errorf("no help topic %q; topics: %s", name, strings.Join(names, ", "))
}
