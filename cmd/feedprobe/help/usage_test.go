package help

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
)

// TestShow checks the layout of help's answers against a small command
// table: the usage lists commands by name, a group names its subcommands'
// help, a mistyped subcommand gets a suggestion and wrong words an
// *ArgsError.
func TestShow(t *testing.T) {
	cmds := []Entry{
		{Name: "run", Summary: "run a campaign"},
		{Name: "inspection", Summary: "inspection cases", Subcommands: []string{"new", "list"}},
	}
	var b bytes.Buffer
	WriteUsage(&b, cmds)
	if i, j := strings.Index(b.String(), "  inspection inspection cases\n"), strings.Index(b.String(), "  run        run a campaign\n"); i < 0 || j < i {
		t.Errorf("usage lists the commands out of order or unaligned:\n%s", b.String())
	}
	b.Reset()
	if err := Show(&b, cmds, []string{"inspection"}, nil); err != nil || !strings.Contains(b.String(), "feedprobe help inspection SUBCOMMAND") {
		t.Errorf("Show(inspection) = %v:\n%s", err, b.String())
	}
	if err := Show(io.Discard, cmds, []string{"inspection", "lst"}, nil); err == nil || !strings.Contains(err.Error(), "did you mean inspection list?") {
		t.Errorf("Show(inspection lst) = %v, want a suggestion", err)
	}
	for _, args := range [][]string{{"run", "x"}, {"a", "b", "c"}} {
		if err := Show(io.Discard, cmds, args, nil); !errors.As(err, new(*ArgsError)) {
			t.Errorf("Show(%q) = %v, want an *ArgsError", args, err)
		}
	}
	b.Reset()
	err := Show(&b, cmds, []string{"schema"}, func(w io.Writer, topic string) error {
		_, err := io.WriteString(w, "APPENDIX of "+topic)
		return err
	})
	if err != nil || !strings.HasSuffix(b.String(), "APPENDIX of schema") {
		t.Errorf("Show(schema) = %v, want the appendix last:\n%.200s", err, b.String())
	}
}
