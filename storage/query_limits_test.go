package storage

import (
	"context"
	"errors"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestQueryTimeout(t *testing.T) {
	db := mustOpenDB(t)
	start := time.Now()
	err := db.Query(context.Background(), `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1000000000000)
		SELECT count(*) FROM n`, QueryOptions{Timeout: 200 * time.Millisecond}, func([]string, []any) error { return nil })
	if !errors.Is(err, ErrQueryTimeout) || !strings.Contains(err.Error(), "query took longer than 0.2s (--timeout)") {
		t.Fatalf("Query = %v, want ErrQueryTimeout saying 0.2s", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("the query ran %v past a 200ms timeout", d)
	}
	// The connection is usable again, without the limit.
	var n int64
	if err := db.Query(context.Background(), "SELECT 41 + 1", QueryOptions{Timeout: time.Minute}, func(_ []string, row []any) error {
		if row != nil {
			n = row[0].(int64)
		}
		return nil
	}); err != nil || n != 42 {
		t.Errorf("Query after a timeout = %d, %v", n, err)
	}
}

// peakRSS returns the process's peak resident set (VmHWM) in bytes; reset
// clears it first (Linux clear_refs 5).
func peakRSS(t *testing.T, reset bool) int64 {
	t.Helper()
	if reset {
		if err := os.WriteFile("/proc/self/clear_refs", []byte("5"), 0); err != nil {
			t.Skipf("cannot reset the peak RSS: %v", err)
		}
	}
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Skipf("no /proc: %v", err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			return kb << 10
		}
	}
	t.Skip("no VmHWM")
	return 0
}

func TestQueryMemoryCap(t *testing.T) {
	db := mustOpenDB(t)
	const limit = 64 << 20
	before := peakRSS(t, true)
	// Each row doubles the blob: 1 KiB << 24 is 16 GiB, far past the cap
	// (and past SQLite's 1 GB string limit, were there no cap).
	err := db.Query(context.Background(), `WITH RECURSIVE r(x, n) AS (SELECT randomblob(1024), 0
		UNION ALL SELECT x || x, n + 1 FROM r WHERE n < 24) SELECT n, length(x) FROM r`,
		QueryOptions{MaxMemory: limit, Timeout: time.Minute}, func([]string, []any) error { return nil })
	if !errors.Is(err, ErrQueryMemory) || !strings.Contains(err.Error(), "more than 64 MiB of memory (--max-memory)") {
		t.Fatalf("Query = %v, want ErrQueryMemory naming 64 MiB", err)
	}
	grew := peakRSS(t, false) - before
	t.Logf("peak RSS grew by %d MiB under a %d MiB cap", grew>>20, limit>>20)
	if grew > 4*limit {
		t.Errorf("peak RSS grew by %d MiB under a %d MiB cap", grew>>20, limit>>20)
	}
	// The cap is lifted afterwards: a query needing 100 MiB runs.
	err = db.Query(context.Background(), "SELECT length(zeroblob(100 * 1024 * 1024) || 'x')", QueryOptions{},
		func([]string, []any) error { return nil })
	if err != nil {
		t.Errorf("Query after the capped one = %v", err)
	}
}
