package main

import (
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// sanitize makes text safe to print on a terminal: every control character
// but tab and newline is written as an escape (ESC as \x1b, BEL as \x07,
// CSI as \u009b), so a title or a persona name cannot move the cursor, clear
// the screen, retitle the window or hide what came before with a carriage
// return. Text without control characters comes back unchanged.
//
// Every command's stdout and stderr go through it (termWriter); machine
// formats (CSV, JSON, Parquet, HTML files) are written to env.raw instead,
// byte for byte.
func sanitize(s string) string {
	if !mayHaveControl(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 16)
	for len(s) > 0 {
		r, n := utf8.DecodeRuneInString(s)
		switch {
		case r == utf8.RuneError && n == 1:
			c := s[0]
			if c >= 0x80 && c <= 0x9f {
				// A lone C1 byte: some terminals take it as a control.
				fmt.Fprintf(&b, `\x%02x`, c)
			} else {
				b.WriteByte(c)
			}
		case r == '\t' || r == '\n':
			b.WriteRune(r)
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, `\x%02x`, r)
		case r >= 0x80 && r <= 0x9f:
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteString(s[:n])
		}
		s = s[n:]
	}
	return b.String()
}

// mayHaveControl reports whether s may hold something sanitize changes: a
// C0 control but tab and newline, DEL, or a byte of a C1 control (0x80 to
// 0x9f, also found inside other UTF-8 characters, which sanitize keeps).
func mayHaveControl(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 && c != '\t' && c != '\n' || c >= 0x7f && c <= 0x9f {
			return true
		}
	}
	return false
}

// termWriter writes to a terminal (or whatever a person reads) through
// sanitize.
type termWriter struct{ w io.Writer }

func (t termWriter) Write(p []byte) (int, error) {
	if !mayHaveControl(string(p)) {
		return t.w.Write(p)
	}
	if _, err := io.WriteString(t.w, sanitize(string(p))); err != nil {
		return 0, err
	}
	return len(p), nil
}
