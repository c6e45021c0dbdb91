package storage

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/feedprobe/feedprobe/probe/feed"
)

// runSession starts, fills and finishes one session: 100 impressions, 20 of
// items new to the catalogue and 80 of a pool of 2000 seen again, so the
// catalogue grows with the campaign as in a long run. With tb a
// *testing.B, only the start and the finish are timed.
func runSession(tb testing.TB, db *DB, id int64, n int) {
	tb.Helper()
	ctx := context.Background()
	b, _ := tb.(*testing.B)
	mustStart(tb, db, id)
	if b != nil {
		b.StopTimer()
	}
	batch := make([]feed.Impression, 100)
	for j := range batch {
		item := fmt.Sprintf("pool-%04d", (n*80+j)%2000)
		if j < 20 {
			item = fmt.Sprintf("new-%06d-%02d", n, j)
		}
		batch[j] = feed.Impression{Item: feed.Item{ID: item, Title: "title"}, Rank: j + 1,
			SeenAt: t0.Add(time.Duration(n) * time.Second), Surface: "feed"}
	}
	if err := db.SaveImpressions(ctx, id, batch); err != nil {
		tb.Fatal(err)
	}
	if b != nil {
		b.StartTimer()
	}
	mustFinish(tb, db, id, StatusDone)
}

// BenchmarkSessionSealGrowth measures a session's start and finish (the
// seals they append included, ingest not) after a campaign already ran 200
// or 2000 sessions, sealing whole campaigns at each (seal=whole, as storage
// did before) and only the rows the session wrote (seal=rows, as it does
// now). With seal=rows the cost per session must not grow with the
// campaign. Run with -benchtime=50x: every iteration adds a session.
func BenchmarkSessionSealGrowth(b *testing.B) {
	for _, whole := range []bool{true, false} {
		for _, before := range []int{200, 2000, 10000} {
			if whole && before > 2000 {
				continue // over a second a session
			}
			mode := map[bool]string{true: "whole", false: "rows"}[whole]
			b.Run(fmt.Sprintf("seal=%s/sessions=%d", mode, before), func(b *testing.B) {
				ctx := context.Background()
				db := mustOpenDB(b)
				f := mustFixture(b, db, "bench", 0)
				if err := db.PlanSessions(ctx, f.persona.ID, before+1+b.N); err != nil {
					b.Fatal(err)
				}
				ss := mustSessionsOf(b, db, f.campaign.ID, f.persona.ID)
				// The campaign is filled sealing rows (fast either way);
				// one more session warms the cache of the mode measured.
				for i := range before {
					runSession(b, db, ss[i].ID, i)
				}
				db.sealWhole = whole
				runSession(b, db, ss[before].ID, before)
				b.ResetTimer()
				for i := range b.N {
					n := before + 1 + i
					runSession(b, db, ss[n].ID, n)
				}
				b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/session")
				b.ReportMetric(0, "ns/op")
			})
		}
	}
}
