package personas

import (
	"bytes"
	"fmt"
	"strings"
)

// PlaceholderText marks what the campaign templates (feedprobe init)
// leave for the user to write, as in "period: edit me".
const PlaceholderText = "edit me"

// Placeholders returns an *Error for every line of a spec file whose value
// still holds a template placeholder (PlaceholderText), naming the file,
// line and field (with its parents: design.period).
func Placeholders(path string, data []byte) []error {
	var errs []error
	lines := strings.Split(string(data), "\n")
	for i, line := range lines {
		key, value, ok := strings.Cut(line, ":")
		if !ok || strings.HasPrefix(strings.TrimSpace(line), "#") {
			continue
		}
		if v, _, _ := strings.Cut(value, " #"); !strings.Contains(strings.ToLower(v), PlaceholderText) {
			continue
		}
		field := strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(key), "- "))
		// The parent key: the nearest line above with less indentation.
		indent := len(key) - len(strings.TrimLeft(key, " "))
		for j := i - 1; j >= 0 && indent > 0; j-- {
			t := strings.TrimLeft(lines[j], " ")
			if t == "" || strings.HasPrefix(t, "#") {
				continue
			}
			if in := len(lines[j]) - len(t); in < indent {
				if k, _, ok := strings.Cut(t, ":"); ok {
					field = strings.TrimSpace(strings.TrimPrefix(k, "- ")) + "." + field
				}
				indent = in
			}
		}
		errs = append(errs, &Error{File: path, Line: i + 1, Field: field,
			Msg: fmt.Sprintf("template placeholder %q left unedited: write the real value", strings.TrimSpace(value))})
	}
	return errs
}

// HasTopKey reports whether a line of a YAML file starts with "key:" at
// column 0: how the kind of a spec file is told (campaign:, personas:)
// before it is parsed.
func HasTopKey(data []byte, key string) bool {
	for _, line := range bytes.Split(data, []byte("\n")) {
		if bytes.HasPrefix(line, []byte(key+":")) {
			return true
		}
	}
	return false
}
