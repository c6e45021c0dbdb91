package main

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/feedprobe/feedprobe/storage"
)

// TestQueryCommandLimits checks that query's --timeout and --max-memory
// stop a runaway query with an error naming the flag.
func TestQueryCommandLimits(t *testing.T) {
	path := mustDataDB(t, "one")
	start := time.Now()
	_, _, err := runCLI(t, "query", "--db", path, "--timeout", "200ms",
		`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1000000000000) SELECT count(*) FROM n`)
	if !errors.Is(err, storage.ErrQueryTimeout) || !strings.Contains(err.Error(), "--timeout") {
		t.Errorf("query --timeout 200ms = %v, want ErrQueryTimeout naming --timeout", err)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("query --timeout 200ms ran %v", d)
	}
	_, _, err = runCLI(t, "query", "--db", path, "--max-memory", "64MiB",
		`WITH RECURSIVE r(x, n) AS (SELECT randomblob(1024), 0 UNION ALL SELECT x || x, n + 1 FROM r WHERE n < 24) SELECT n, length(x) FROM r`)
	if !errors.Is(err, storage.ErrQueryMemory) || !strings.Contains(err.Error(), "64 MiB") || !strings.Contains(err.Error(), "--max-memory") {
		t.Errorf("query --max-memory 64MiB = %v, want ErrQueryMemory naming 64 MiB and --max-memory", err)
	}
	for _, bad := range [][]string{{"--max-memory", "lots"}, {"--max-memory", "-1GiB"}, {"--timeout", "-1s"}} {
		_, _, err := runCLI(t, append([]string{"query", "--db", path}, append(bad, "SELECT 1")...)...)
		if err == nil || !strings.Contains(err.Error(), bad[0]) {
			t.Errorf("query %v = %v, want an error naming %s", bad, err, bad[0])
		}
	}
	out, _, err := runCLI(t, "query", "--db", path, "--max-memory", "0", "--timeout", "0", "SELECT 6 * 7 AS n")
	if err != nil || !strings.Contains(out, "42") {
		t.Errorf("query without limits = %q, %v", out, err)
	}
}
