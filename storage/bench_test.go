package storage

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/feedprobe/feedprobe/probe/feed"
)

// BenchmarkSaveImpressions saves batches into one running session, drawing
// items from a catalogue of 5000 so most upserts update an existing item, as
// in a campaign. It reports impressions/s.
func BenchmarkSaveImpressions(b *testing.B) {
	for _, size := range []int{100, 1000} {
		b.Run(fmt.Sprintf("batch=%d", size), func(b *testing.B) {
			ctx := context.Background()
			db := mustOpenDB(b)
			f := mustFixture(b, db, "bench", 1)
			id := f.sessions[0].ID
			mustStart(b, db, id)
			const catalogue = 5000
			ids := make([]string, catalogue)
			for i := range ids {
				ids[i] = fmt.Sprintf("item-%05d", i)
			}
			batch := make([]feed.Impression, size)
			b.ResetTimer()
			for i := range b.N {
				for j := range batch {
					rank := i*size + j + 1
					batch[j] = feed.Impression{
						Item: feed.Item{
							ID:     ids[rank%catalogue],
							Title:  "A reasonably long title of a recommended item, as seen",
							Author: "some channel",
							URL:    "http://127.0.0.1:8080/item/12345",
							Topic:  "news",
						},
						Rank:    rank,
						SeenAt:  t0.Add(time.Duration(rank) * time.Millisecond),
						Surface: "feed",
					}
				}
				if err := db.SaveImpressions(ctx, id, batch); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N*size)/b.Elapsed().Seconds(), "impressions/s")
		})
	}
}

// BenchmarkSessionEnd runs whole short sessions (start, 100 impressions from
// a catalogue of 5000 items, finish) so that the seals at start and finish
// are measured with the ingest they follow. It reports sessions/s.
func BenchmarkSessionEnd(b *testing.B) {
	ctx := context.Background()
	db := mustOpenDB(b)
	f := mustFixture(b, db, "bench", 0)
	// The catalogue the seals hash: 5000 items of the platform.
	seed := mustPersona(b, db, f.campaign.ID, "seed", 1)
	sid := mustSessionsOf(b, db, f.campaign.ID, seed.ID)[0].ID
	mustStart(b, db, sid)
	cat := make([]feed.Impression, 5000)
	for i := range cat {
		cat[i] = feed.Impression{Item: feed.Item{ID: fmt.Sprintf("item-%05d", i), Title: "title"}, Rank: i + 1, SeenAt: t0, Surface: "feed"}
	}
	if err := db.SaveImpressions(ctx, sid, cat); err != nil {
		b.Fatal(err)
	}
	mustFinish(b, db, sid, StatusDone)
	if err := db.PlanSessions(ctx, f.persona.ID, b.N); err != nil {
		b.Fatal(err)
	}
	sessions := mustSessionsOf(b, db, f.campaign.ID, f.persona.ID)
	batch := make([]feed.Impression, 100)
	b.ResetTimer()
	for i := range b.N {
		id := sessions[i].ID
		mustStart(b, db, id)
		for j := range batch {
			batch[j] = feed.Impression{Item: feed.Item{ID: fmt.Sprintf("item-%05d", (i*100+j)%5000), Title: "title"},
				Rank: j + 1, SeenAt: t0.Add(time.Duration(i) * time.Second), Surface: "feed"}
		}
		if err := db.SaveImpressions(ctx, id, batch); err != nil {
			b.Fatal(err)
		}
		mustFinish(b, db, id, StatusDone)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "sessions/s")
}
