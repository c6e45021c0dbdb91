package schedule

import "bytes"

// Blank returns a campaign file with its top-level schedule: block (its
// line and the indented, blank or comment lines after it) emptied, lines
// kept, so that the campaign parser still sees the rest with the right
// line numbers when the block itself does not parse.
func Blank(data []byte) []byte {
	lines := bytes.SplitAfter(data, []byte("\n"))
	in := false
	for i, l := range lines {
		switch {
		case bytes.HasPrefix(l, []byte(Key+":")):
			in = true
		case in && len(bytes.TrimSpace(l)) > 0 && l[0] != ' ' && l[0] != '\t' && l[0] != '#':
			in = false
		}
		if in {
			lines[i] = bytes.Repeat([]byte("\n"), bytes.Count(l, []byte("\n")))
		}
	}
	return bytes.Join(lines, nil)
}
