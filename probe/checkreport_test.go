package probe

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/feedprobe/feedprobe/probe/feed"
)

func TestResolveAdapter(t *testing.T) {
	builtin, tmpl := BuiltinAdapters()[0], Templates()[0]
	for _, tc := range []struct {
		arg, wantName, wantErr string
	}{
		{builtin, builtin, ""},
		{"builtin:" + builtin, builtin, ""},
		{tmpl, tmpl, ""},
		{"template:" + tmpl, tmpl, ""},
		{"missing.yaml", "", "missing.yaml"},
		{"nosuch", "", `adapter "nosuch": no such file, built-in adapter`},
	} {
		t.Run(tc.arg, func(t *testing.T) {
			a, err := ResolveAdapter(tc.arg)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("ResolveAdapter(%q) = %v, want an error with %q", tc.arg, err, tc.wantErr)
				}
				return
			}
			if err != nil || a.Name != tc.wantName {
				t.Fatalf("ResolveAdapter(%q) = %v, %v, want adapter %s", tc.arg, a, err, tc.wantName)
			}
		})
	}
}

func TestWriteCheck(t *testing.T) {
	ad, err := BuiltinAdapter(BuiltinAdapters()[0])
	if err != nil {
		t.Fatal(err)
	}
	rep := CheckReport{URL: "http://127.0.0.1/", Err: ErrBlocked,
		Items: []feed.Item{{ID: "a", Title: "line\nbreak " + strings.Repeat("x", 60)}, {ID: "b"}}}
	var b bytes.Buffer
	if err := WriteCheck(&b, ad, rep, 1, []string{"dir/page.html"}); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{"outcome: BLOCKED", "line break xxx", "…", "... and 1 more", "saved dir/page.html"} {
		if !strings.Contains(out, want) {
			t.Errorf("WriteCheck output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "line\nbreak") {
		t.Error("a control character in a title reached the table")
	}
	fail := errors.New("disk full")
	if err := WriteCheck(failWriter{fail}, ad, rep, 1, nil); !errors.Is(err, fail) {
		t.Errorf("WriteCheck to a failing writer = %v, want %v", err, fail)
	}
}

type failWriter struct{ err error }

func (f failWriter) Write([]byte) (int, error) { return 0, f.err }
