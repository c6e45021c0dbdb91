package storage

import (
	"bytes"
	"context"
	"path/filepath"
	"testing"
)

func TestParseSize(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int64
	}{{"0", 0}, {"1024", 1024}, {"1GiB", 1 << 30}, {"512MiB", 512 << 20}, {"2g", 2 << 30}, {"1.5 MiB", 3 << 19}, {"64KB", 64 << 10}} {
		if got, err := ParseSize(tc.in); err != nil || got != tc.want {
			t.Errorf("ParseSize(%q) = %d, %v, want %d", tc.in, got, err, tc.want)
		}
	}
	for _, bad := range []string{"", "GiB", "1TiB", "-5", "1e9x"} {
		if got, err := ParseSize(bad); err == nil {
			t.Errorf("ParseSize(%q) = %d, want an error", bad, got)
		}
	}
}

// TestQueryTo checks the three output formats: NULLs, tabs kept from
// breaking the table, blobs as base64, and an empty result.
func TestQueryTo(t *testing.T) {
	ctx := context.Background()
	db := mustOpenPath(t, filepath.Join(t.TempDir(), "q.db"))
	const q = "SELECT 1 AS n, NULL AS z, 'a\tb' AS s, x'ff00' AS b"
	for _, tc := range []struct{ format, q, want string }{
		{QueryTable, q, "n  z     s     b\n1  NULL  a\\tb  /wA=\n"},
		{QueryCSV, q, "n,z,s,b\n1,,a\tb,/wA=\n"},
		{QueryJSON, q, "[\n  {\"n\": 1, \"z\": null, \"s\": \"a\\tb\", \"b\": \"/wA=\"}\n]\n"},
		{QueryJSON, "SELECT 1 AS n WHERE 0", "[]\n"},
	} {
		var buf bytes.Buffer
		if err := db.QueryTo(ctx, &buf, tc.format, tc.q, QueryOptions{}); err != nil || buf.String() != tc.want {
			t.Errorf("QueryTo(%s, %q) = %q, %v, want %q", tc.format, tc.q, buf.String(), err, tc.want)
		}
	}
	if err := db.QueryTo(ctx, &bytes.Buffer{}, "xml", q, QueryOptions{}); err == nil {
		t.Error("QueryTo(xml) = nil, want an error")
	}
}
