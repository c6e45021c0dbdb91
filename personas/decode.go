package personas

import (
	"bytes"
	"errors"
	"io"
	"math"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// decoder walks one file's YAML node tree, converting scalars and collecting
// every problem with its line.
type decoder struct {
	errorList
	// reported holds mapping keys already reported as unknown, so a key
	// merged into several mappings is reported once.
	reported map[*yaml.Node]bool
}

func newDecoder(file string) *decoder {
	return &decoder{errorList: errorList{file: file}, reported: map[*yaml.Node]bool{}}
}

// err returns the file's problems joined, or nil.
func (d *decoder) err() error {
	return errors.Join(d.sorted()...)
}

var yamlLineRE = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// maxLocateLines bounds the prefix search that finds the line of a YAML
// syntax error.
const maxLocateLines = 100000

// document parses data as a single YAML document and returns its root node,
// or nil after recording why there is none. expect describes what the file
// should hold, for the empty-file message.
func (d *decoder) document(data []byte, expect string) *yaml.Node {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	err := dec.Decode(&doc)
	switch {
	case errors.Is(err, io.EOF):
		if len(bytes.TrimSpace(data)) == 0 {
			d.add(1, "", "file is empty; expected %s", expect)
		} else {
			d.add(1, "", "file holds only comments; expected %s", expect)
		}
		return nil
	case err != nil:
		d.syntaxError(data, err)
		return nil
	}
	var extra yaml.Node
	switch err := dec.Decode(&extra); {
	case err == nil:
		d.add(extra.Line, "", "file holds more than one YAML document; put everything in one (remove the ---)")
		return nil
	case !errors.Is(err, io.EOF):
		d.syntaxError(data, err)
		return nil
	}
	root := &doc
	if root.Kind == yaml.DocumentNode {
		if len(root.Content) == 0 {
			d.add(1, "", "file is empty; expected %s", expect)
			return nil
		}
		root = root.Content[0]
	}
	if isNull(root) {
		d.add(1, "", "file is empty; expected %s", expect)
		return nil
	}
	return resolve(root)
}

// syntaxError records a YAML parse error with the best line it can find.
// The parser's own line is that of the enclosing construct, and missing when
// that is the first line, so the line is found by parsing growing prefixes
// of the file; the parser's line is the fallback.
func (d *decoder) syntaxError(data []byte, err error) {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	line := 0
	if m := yamlLineRE.FindStringSubmatch(err.Error()); m != nil {
		line, _ = strconv.Atoi(m[1])
		msg = m[2]
	}
	if l := locateError(data, err); l > 0 {
		line = l
	}
	if tab := firstTabIndent(data); tab > 0 && (tab == line || strings.Contains(msg, "tab") || line == 0) {
		d.add(tab, "", "tab character in indentation; indent YAML with spaces")
		return
	}
	d.add(line, "", "invalid YAML: %s", msg)
}

// firstTabIndent returns the 1-based line of the first line whose
// indentation holds a tab, or 0.
func firstTabIndent(data []byte) int {
	for i, l := range bytes.Split(data, []byte("\n")) {
		indent := l[:len(l)-len(bytes.TrimLeft(l, " \t"))]
		if bytes.IndexByte(indent, '\t') >= 0 && len(bytes.TrimSpace(l)) > 0 {
			return i + 1
		}
	}
	return 0
}

// locateError finds the line of a syntax error: the first line at which
// parsing the file up to that line fails with the same message. The parser
// stops at the first error, so once a prefix reproduces it every longer one
// does too, and a binary search finds the line. It returns 0 when it cannot
// tell.
func locateError(data []byte, want error) int {
	lines := bytes.SplitAfter(data, []byte("\n"))
	if len(lines) > maxLocateLines {
		return 0
	}
	ends := make([]int, len(lines))
	end := 0
	for i, l := range lines {
		end += len(l)
		ends[i] = end
	}
	i := sort.Search(len(lines), func(i int) bool {
		err := parseAll(data[:ends[i]])
		return err != nil && err.Error() == want.Error()
	})
	if i == len(lines) {
		return 0
	}
	return i + 1
}

// parseAll parses every document in data and returns the first error.
func parseAll(data []byte) error {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	for {
		var n yaml.Node
		if err := dec.Decode(&n); err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			return err
		}
	}
}

// resolve follows aliases to the node they stand for.
func resolve(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && n.Kind == yaml.AliasNode && i < 100; i++ {
		n = n.Alias
	}
	return n
}

// isNull reports whether n is absent or an explicit YAML null ("", ~, null).
func isNull(n *yaml.Node) bool {
	n = resolve(n)
	return n == nil || (n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null")
}

// kindName describes a node's kind for messages.
func kindName(n *yaml.Node) string {
	r := resolve(n)
	if isNull(r) {
		return "an empty value"
	}
	switch r.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	}
	return strconv.Quote(r.Value)
}

// join appends key to a field path.
func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// entry is one key-value pair of a mapping.
type entry struct {
	key, val *yaml.Node
	name     string
}

// extensionPrefix marks top-level keys the loaders ignore, so a file can hold
// anchors for merge keys: "x-defaults: &defaults {...}".
const extensionPrefix = "x-"

// fields is a mapping's entries after merge keys are applied.
type fields struct {
	list  []entry
	byKey map[string]entry
}

// get returns the value of key, or nil when it is absent.
func (f fields) get(key string) *yaml.Node {
	if e, ok := f.byKey[key]; ok {
		return e.val
	}
	return nil
}

// mapping returns the entries of the mapping n at path. It reports
// duplicate keys, non-scalar keys and, when known is not nil, keys not in
// known (with a did-you-mean hint). Merge keys (<<: *anchor) are expanded;
// explicit keys win over merged ones.
func (d *decoder) mapping(n *yaml.Node, path string, known []string) fields {
	f := fields{byKey: map[string]entry{}}
	d.collect(&f, resolve(n), path, known, 0, map[*yaml.Node]bool{})
	return f
}

// collect adds n's entries to f. visited holds the mappings already
// collected, so merging a mapping twice costs nothing (and a chain of
// merges cannot blow up exponentially).
func (d *decoder) collect(f *fields, n *yaml.Node, path string, known []string, depth int, visited map[*yaml.Node]bool) {
	if visited[n] {
		return
	}
	visited[n] = true
	if depth > 10 {
		d.add(n.Line, path, "merge keys nested too deeply")
		return
	}
	var merges []*yaml.Node
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Kind == yaml.ScalarNode && k.ShortTag() == "!!merge" {
			merges = append(merges, v)
			continue
		}
		rk := resolve(k)
		if rk.Kind != yaml.ScalarNode {
			d.add(k.Line, path, "mapping key must be a plain name, got %s", kindName(rk))
			continue
		}
		name := rk.Value
		if first, dup := f.byKey[name]; dup {
			if depth == 0 {
				d.add(k.Line, join(path, name), "duplicate field (first at line %d)", first.key.Line)
			}
			continue
		}
		if known != nil && !slices.Contains(known, name) {
			if !d.reported[k] && !(path == "" && strings.HasPrefix(name, extensionPrefix)) {
				d.reported[k] = true
				d.unknown(k.Line, path, name, known)
			}
			continue
		}
		e := entry{key: k, val: v, name: name}
		f.byKey[name] = e
		f.list = append(f.list, e)
	}
	for _, m := range merges {
		m = resolve(m)
		switch m.Kind {
		case yaml.MappingNode:
			d.collect(f, m, path, known, depth+1, visited)
		case yaml.SequenceNode:
			for _, s := range m.Content {
				if s = resolve(s); s.Kind == yaml.MappingNode {
					d.collect(f, s, path, known, depth+1, visited)
				} else {
					d.add(s.Line, path, "merge key (<<) must refer to a mapping, got %s", kindName(s))
				}
			}
		default:
			d.add(m.Line, path, "merge key (<<) must refer to a mapping, got %s", kindName(m))
		}
	}
}

// unknown records an unknown field with a hint.
func (d *decoder) unknown(line int, path, name string, known []string) {
	if s := suggest(name, known); s != "" {
		d.add(line, join(path, name), "unknown field (did you mean %s?)", s)
		return
	}
	d.add(line, join(path, name), "unknown field (expected one of: %s)", strings.Join(known, ", "))
}

// expectMapping reports whether n is a mapping, recording a problem if not.
// nonEmptyList resolves n, a list of what at path, and returns it; when n
// is not a list or is empty it records the problem (hint says what to do
// about an empty one) and returns nil.
func (d *decoder) nonEmptyList(n *yaml.Node, path, what, hint string) *yaml.Node {
	l := resolve(n)
	if l.Kind != yaml.SequenceNode {
		d.add(n.Line, path, "must be a list of %s, got %s", what, kindName(l))
		return nil
	}
	if len(l.Content) == 0 {
		d.add(n.Line, path, "list is empty; %s", hint)
		return nil
	}
	return l
}

// what names the expected content for the message.
func (d *decoder) expectMapping(n *yaml.Node, path, what string) bool {
	if resolve(n).Kind == yaml.MappingNode {
		return true
	}
	d.add(n.Line, path, "must be a mapping of %s, got %s", what, kindName(n))
	return false
}

// scalar returns n's value if it is a scalar, recording a problem if not.
func (d *decoder) scalar(n *yaml.Node, path, what string) (string, bool) {
	r := resolve(n)
	if r.Kind != yaml.ScalarNode {
		d.add(n.Line, path, "must be %s, got %s", what, kindName(r))
		return "", false
	}
	return r.Value, true
}

// str decodes a string.
func (d *decoder) str(n *yaml.Node, path string) (string, bool) {
	return d.scalar(n, path, "a string")
}

// float decodes a finite number.
func (d *decoder) float(n *yaml.Node, path string) (float64, bool) {
	s, ok := d.scalar(n, path, "a number")
	if !ok {
		return 0, false
	}
	v, err := strconv.ParseFloat(strings.ReplaceAll(s, "_", ""), 64)
	if err != nil || resolve(n).ShortTag() == "!!bool" {
		d.add(n.Line, path, "cannot parse %q as a number", s)
		return 0, false
	}
	if math.IsNaN(v) || math.IsInf(v, 0) {
		d.add(n.Line, path, "%s is not a finite number", s)
		return 0, false
	}
	return v, true
}

// integer decodes a whole decimal number.
func (d *decoder) integer(n *yaml.Node, path string) (int64, bool) {
	s, ok := d.scalar(n, path, "a whole number")
	if !ok {
		return 0, false
	}
	v, err := strconv.ParseInt(strings.ReplaceAll(s, "_", ""), 10, 64)
	if err != nil {
		if f, ferr := strconv.ParseFloat(s, 64); ferr == nil && !math.IsNaN(f) {
			d.add(n.Line, path, "%s must be a whole number", s)
		} else {
			d.add(n.Line, path, "cannot parse %q as a whole number", s)
		}
		return 0, false
	}
	return v, true
}

// count decodes a whole number that fits an int and is at least least.
func (d *decoder) count(n *yaml.Node, path string, least int64) (int, bool) {
	v, ok := d.integer(n, path)
	if !ok {
		return 0, false
	}
	switch {
	case v < least:
		d.add(n.Line, path, "%d must be at least %d", v, least)
		return 0, false
	case v > math.MaxInt32:
		d.add(n.Line, path, "%d is too large", v)
		return 0, false
	}
	return int(v), true
}

// duration decodes a non-negative Go duration string. Bare numbers other
// than 0 are rejected, since their unit would be a guess.
func (d *decoder) duration(n *yaml.Node, path string) (time.Duration, bool) {
	s, ok := d.scalar(n, path, "a duration")
	if !ok {
		return 0, false
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		if _, ferr := strconv.ParseFloat(s, 64); ferr == nil {
			d.add(n.Line, path, "%s has no unit (use a unit, e.g. %ss)", s, s)
		} else {
			d.add(n.Line, path, "cannot parse %q as a duration (use a unit, e.g. 500ms, 2s, 1m30s)", s)
		}
		return 0, false
	}
	if v < 0 {
		d.add(n.Line, path, "duration %s must not be negative", s)
		return 0, false
	}
	return v, true
}

// boolean decodes true or false.
func (d *decoder) boolean(n *yaml.Node, path string) (bool, bool) {
	s, ok := d.scalar(n, path, "true or false")
	if !ok {
		return false, false
	}
	switch strings.ToLower(s) {
	case "true":
		return true, true
	case "false":
		return false, true
	case "yes", "on", "y":
		d.add(n.Line, path, "%q is ambiguous in YAML; write true", s)
	case "no", "off", "n":
		d.add(n.Line, path, "%q is ambiguous in YAML; write false", s)
	default:
		d.add(n.Line, path, "cannot parse %q as true or false", s)
	}
	return false, false
}

// enum decodes a string that must be one of values, with a did-you-mean hint.
func (d *decoder) enum(n *yaml.Node, path string, values []string) (string, bool) {
	s, ok := d.str(n, path)
	if !ok {
		return "", false
	}
	if slices.Contains(values, s) {
		return s, true
	}
	if h := suggest(s, values); h != "" {
		d.add(n.Line, path, "%q must be %s (did you mean %s?)", s, oneOf(values), h)
	} else {
		d.add(n.Line, path, "%q must be %s", s, oneOf(values))
	}
	return "", false
}

// nameRE is the charset of persona, campaign and platform names.
var nameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]*$`)

// maxNameLen bounds names, which end up in file names and reports.
const maxNameLen = 64

// name decodes a required name in the nameRE charset. parent is the line of
// the mapping that should hold it, for a missing name.
func (d *decoder) name(n *yaml.Node, parent int, path string) (string, bool) {
	if isNull(n) {
		line := parent
		if n != nil {
			line = n.Line
		}
		d.add(line, path, "required field is missing")
		return "", false
	}
	s, ok := d.str(n, path)
	if !ok {
		return "", false
	}
	switch {
	case len(s) > maxNameLen:
		d.add(n.Line, path, "name is %d characters long; the limit is %d", len(s), maxNameLen)
		return "", false
	case !nameRE.MatchString(s):
		hint := ""
		if l := strings.ToLower(strings.ReplaceAll(strings.TrimSpace(s), " ", "-")); l != s && nameRE.MatchString(l) {
			hint = " (try " + strconv.Quote(l) + ")"
		}
		d.add(n.Line, path, "%q must be lower-case letters, digits, '.', '_' or '-', starting with a letter or digit%s", s, hint)
		return "", false
	}
	return s, true
}
