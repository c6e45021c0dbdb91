package storage

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/feedprobe/feedprobe/probe/feed"
)

// BenchmarkIngestVsBare pairs SaveImpressions with bare go-sqlite3 loops
// that insert the same rows into the same schema (created by Open, so the
// same tables, keys and indexes) with the same DSN pragmas and the same
// batches: each batch one transaction that upserts the batch's items and
// inserts its impressions. The bare loops skip what SaveImpressions adds
// (validation, the session's state check, error wrapping):
//
//   - bare_multirow: multi-row statements of up to multirowChunk rows
//     (what SaveImpressions sent before it went to one-row statements);
//   - bare_rows: a prepared statement per table, one Exec per row (what a
//     loop written by hand usually is, and the statements SaveImpressions
//     sends);
//   - bare_nopk: bare_multirow into an impressions table without its
//     primary key (a rowid heap), to price the one index impressions
//     carry: the key (session, surface, rank) that reads a session back in
//     order.
//
// Each round writes the same rows through every side in turn (rotating
// which goes first), into 8 running sessions taking turns as concurrent
// personas do; it logs every rate with the load average and reports the
// median rates and the median ratio of SaveImpressions to the faster bare
// loop with its range, by wall time and by CPU time (this process's user
// and system time, which other load moves less). FEEDPROBE_BENCH_ROUNDS
// raises the rounds above 3.
func BenchmarkIngestVsBare(b *testing.B) {
	for _, size := range []int{100, 500} {
		b.Run(fmt.Sprintf("batch=%d", size), func(b *testing.B) {
			rounds := 3
			if n, _ := strconv.Atoi(os.Getenv("FEEDPROBE_BENCH_ROUNDS")); n > rounds {
				rounds = n
			}
			const perRound = 100_000
			batches := makeIngestBatches(perRound, size)
			sides := []string{"feedprobe", "bare_multirow", "bare_rows", "bare_nopk", "bare_notrig"}
			rates, cpuRates := map[string][]float64{}, map[string][]float64{}
			var ratios, cpuRatios, loads []float64
			for range b.N {
				for round := range rounds {
					load := readLoadAvg()
					loads = append(loads, load)
					got, cpu := map[string]float64{}, map[string]float64{}
					digests := map[string]string{}
					for i := range sides {
						side := sides[(i+round)%len(sides)]
						got[side], cpu[side], digests[side] = ingestSide(b, side, batches)
						rates[side] = append(rates[side], got[side])
						cpuRates[side] = append(cpuRates[side], cpu[side])
					}
					for _, side := range sides[1:] {
						if digests[side] != digests["feedprobe"] {
							b.Fatalf("%s stored other rows than SaveImpressions: %s, want %s", side, digests[side], digests["feedprobe"])
						}
					}
					best := max(got["bare_multirow"], got["bare_rows"])
					ratios = append(ratios, got["feedprobe"]/best)
					bestCPU := max(cpu["bare_multirow"], cpu["bare_rows"])
					cpuRatios = append(cpuRatios, cpu["feedprobe"]/bestCPU)
					b.Logf("round %d, load %.1f: feedprobe %.0f/s, bare_multirow %.0f/s, bare_rows %.0f/s, bare_nopk %.0f/s, bare_notrig %.0f/s; feedprobe/faster bare %.3f; "+
						"per CPU second %.0f, %.0f, %.0f, %.0f, %.0f; feedprobe/faster bare %.3f",
						round+1, load, got["feedprobe"], got["bare_multirow"], got["bare_rows"], got["bare_nopk"], got["bare_notrig"], got["feedprobe"]/best,
						cpu["feedprobe"], cpu["bare_multirow"], cpu["bare_rows"], cpu["bare_nopk"], cpu["bare_notrig"], cpu["feedprobe"]/bestCPU)
				}
			}
			for _, side := range sides {
				b.ReportMetric(medianOf(rates[side]), side+"_impressions/s")
				b.ReportMetric(medianOf(cpuRates[side]), side+"_impressions/cpu_s")
			}
			b.ReportMetric(medianOf(ratios), "ratio_median")
			b.ReportMetric(slices.Min(ratios), "ratio_min")
			b.ReportMetric(slices.Max(ratios), "ratio_max")
			b.ReportMetric(medianOf(cpuRatios), "cpu_ratio_median")
			b.ReportMetric(slices.Min(cpuRatios), "cpu_ratio_min")
			b.ReportMetric(slices.Max(cpuRatios), "cpu_ratio_max")
			b.ReportMetric(slices.Min(loads), "load1_min")
			b.ReportMetric(slices.Max(loads), "load1_max")
		})
	}
}

// multirowChunk is how many rows a statement of bare_multirow carries.
const multirowChunk = 128

// makeIngestBatches builds n impressions in batches of size, drawn from a
// catalogue of 5000 items so most upserts update an existing item.
func makeIngestBatches(n, size int) [][]feed.Impression {
	var out [][]feed.Impression
	for start := 0; start < n; start += size {
		batch := make([]feed.Impression, min(size, n-start))
		for j := range batch {
			k := start + j
			batch[j] = feed.Impression{
				Item: feed.Item{
					ID:     fmt.Sprintf("item-%05d", (k*7919)%5000),
					Title:  "A reasonably long title of a recommended item, as seen",
					Author: "some channel",
					URL:    "http://127.0.0.1:8080/item/12345",
					Topic:  "news",
				},
				SeenAt:  t0.Add(time.Duration(k) * time.Millisecond),
				Surface: "feed",
			}
		}
		out = append(out, batch)
	}
	return out
}

// ingestSide writes the batches through one side into a new database and
// returns impressions per second of wall time and of CPU time (user and
// system, of this process: the steadier figure on a loaded machine) and a digest of the rows stored (every
// side must store the same rows). Batch i goes to session i%8 with ranks
// following on from that session's previous batch.
func ingestSide(b *testing.B, side string, batches [][]feed.Impression) (float64, float64, string) {
	b.Helper()
	ctx := context.Background()
	path := filepath.Join(b.TempDir(), side+".db")
	db, err := Open(ctx, path)
	if err != nil {
		b.Fatal(err)
	}
	const sessions = 8
	f := mustFixture(b, db, "ingest", sessions)
	for _, s := range f.sessions {
		mustStart(b, db, s.ID)
	}
	next := make([]int, sessions)
	target := func(i int, batch []feed.Impression) int64 {
		s := i % sessions
		for j := range batch {
			next[s]++
			batch[j].Rank = next[s]
		}
		return f.sessions[s].ID
	}
	n := 0
	for _, batch := range batches {
		n += len(batch)
	}
	if side == "feedprobe" {
		defer db.Close()
		start, cpu := time.Now(), cpuSeconds()
		for i, batch := range batches {
			if err := db.SaveImpressions(ctx, target(i, batch), batch); err != nil {
				b.Fatal(err)
			}
		}
		rate, cpuRate := float64(n)/time.Since(start).Seconds(), float64(n)/(cpuSeconds()-cpu)
		return rate, cpuRate, ingestDigest(b, db.r, n)
	}
	platform := f.campaign.Platform
	if err := db.Close(); err != nil {
		b.Fatal(err)
	}
	uri, err := fileURI(path)
	if err != nil {
		b.Fatal(err)
	}
	raw, err := sql.Open("sqlite3", uri+"?"+writerParams())
	if err != nil {
		b.Fatal(err)
	}
	defer raw.Close()
	raw.SetMaxOpenConns(1)
	if side == "bare_nopk" {
		var ddl string
		if err := raw.QueryRowContext(ctx, "SELECT sql FROM sqlite_master WHERE name = 'impressions'").Scan(&ddl); err != nil {
			b.Fatal(err)
		}
		heap := strings.Replace(strings.Replace(ddl, "PRIMARY KEY (session_id, surface, rank)", "", 1), "WITHOUT ROWID", "", 1)
		if heap == ddl {
			b.Fatalf("impressions DDL changed, cannot drop its key:\n%s", ddl)
		}
		// A trailing comma may be left where the key was.
		heap = strings.TrimSpace(heap)
		if i := strings.LastIndex(heap, ","); i > 0 && strings.TrimSpace(heap[i+1:len(heap)-1]) == "" {
			heap = heap[:i] + heap[i+1:]
		}
		if _, err := raw.ExecContext(ctx, "DROP TABLE impressions"); err != nil {
			b.Fatal(err)
		}
		if _, err := raw.ExecContext(ctx, heap); err != nil {
			b.Fatalf("%v:\n%s", err, heap)
		}
	}
	if side == "bare_notrig" {
		if _, err := raw.ExecContext(ctx, `DROP TRIGGER impression_records_stale_insert;
			DROP TRIGGER impression_records_stale_update; DROP TRIGGER impression_records_stale_delete`); err != nil {
			b.Fatal(err)
		}
	}
	start, cpu := time.Now(), cpuSeconds()
	switch side {
	case "bare_multirow", "bare_nopk":
		args := make([]any, 0, 2+multirowChunk*impressionParams)
		for i, batch := range batches {
			sid := target(i, batch)
			tx, err := raw.BeginTx(ctx, nil)
			if err != nil {
				b.Fatal(err)
			}
			for s := 0; s < len(batch); s += multirowChunk {
				part := batch[s:min(s+multirowChunk, len(batch))]
				args = append(args[:0], platform)
				for _, im := range part {
					args = append(args, im.ID, im.Title, im.Author, im.URL, im.Topic, millis(im.SeenAt))
				}
				if _, err := tx.ExecContext(ctx, upsertItemsSQL(len(part)), args...); err != nil {
					b.Fatal(err)
				}
				args = append(args[:0], sid, platform)
				for _, im := range part {
					args = appendImpressionArgs(args, im)
				}
				if _, err := tx.ExecContext(ctx, insertImpressionsSQL(len(part)), args...); err != nil {
					b.Fatal(err)
				}
			}
			if err := tx.Commit(); err != nil {
				b.Fatal(err)
			}
		}
	case "bare_rows", "bare_notrig":
		up, err := raw.PrepareContext(ctx, upsertItemsSQL(1))
		if err != nil {
			b.Fatal(err)
		}
		defer up.Close()
		ins, err := raw.PrepareContext(ctx, insertImpressionsSQL(1))
		if err != nil {
			b.Fatal(err)
		}
		defer ins.Close()
		for i, batch := range batches {
			sid := target(i, batch)
			tx, err := raw.BeginTx(ctx, nil)
			if err != nil {
				b.Fatal(err)
			}
			tup, tins := tx.StmtContext(ctx, up), tx.StmtContext(ctx, ins)
			for _, im := range batch {
				if _, err := tup.ExecContext(ctx, platform, im.ID, im.Title, im.Author, im.URL, im.Topic, millis(im.SeenAt)); err != nil {
					b.Fatal(err)
				}
				if _, err := tins.ExecContext(ctx, appendImpressionArgs([]any{sid, platform}, im)...); err != nil {
					b.Fatal(err)
				}
			}
			if err := tx.Commit(); err != nil {
				b.Fatal(err)
			}
		}
	default:
		b.Fatalf("side %q", side)
	}
	rate, cpuRate := float64(n)/time.Since(start).Seconds(), float64(n)/(cpuSeconds()-cpu)
	return rate, cpuRate, ingestDigest(b, raw, n)
}

// cpuSeconds is the user and system time this process has used.
func cpuSeconds() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e9
}

// ingestDigest sums what the impressions and items tables hold, so sides
// that stored other rows (a statement's arguments shifted by a column)
// differ; it fails unless there are n impressions.
func ingestDigest(b *testing.B, q *sql.DB, n int) string {
	b.Helper()
	var got int
	var digest string
	err := q.QueryRowContext(context.Background(), `SELECT (SELECT count(*) FROM impressions),
		(SELECT format('%d impressions, ranks %d, seen %d, sessions %d, text %d, flags %d; items %d, text %d, seen %d',
			count(*), sum(rank), sum(seen_at), sum(session_id), sum(length(item_id || surface || title || topic || platform || source)),
			sum(sponsored + synthetic + coalesce(price, 0) + coalesce(length(price_text), 0) + coalesce(displayed_at, 0) +
				coalesce(served_rank, 0) + coalesce(displayed_rank, 0) + coalesce(length(beside_item_id), 0) + coalesce(length(raw), 0)),
			(SELECT count(*) FROM items), (SELECT sum(length(item_id || title || author || url || topic)) FROM items),
			(SELECT sum(first_seen_at + last_seen_at) FROM items)) FROM impressions)`).Scan(&got, &digest)
	if err != nil {
		b.Fatal(err)
	}
	if got != n {
		b.Fatalf("stored %d impressions, want %d", got, n)
	}
	return digest
}

// readLoadAvg is the 1-minute load average, or -1 where there is none.
func readLoadAvg() float64 {
	data, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return -1
	}
	f := strings.Fields(string(data))
	if len(f) == 0 {
		return -1
	}
	v, _ := strconv.ParseFloat(f[0], 64)
	return v
}

func medianOf(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s) == 0 {
		return 0
	}
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}
