package storage

import (
	"fmt"
	"time"

	"github.com/feedprobe/feedprobe/probe/feed"
)

// makeImpressions returns n impressions on surface, ranks 1..n, items
// "item-1".., one second apart from t0.
func makeImpressions(surface string, n int) []feed.Impression {
	imps := make([]feed.Impression, n)
	for i := range imps {
		imps[i] = feed.Impression{
			Item: feed.Item{
				ID:     fmt.Sprintf("item-%d", i+1),
				Title:  fmt.Sprintf("Title %d", i+1),
				Author: "author",
				URL:    fmt.Sprintf("http://127.0.0.1/item/%d", i+1),
				Topic:  []string{"news", "sport", "music"}[i%3],
			},
			Rank:    i + 1,
			SeenAt:  t0.Add(time.Duration(i) * time.Second),
			Surface: surface,
		}
	}
	return imps
}
