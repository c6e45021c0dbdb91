package simfeed

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// FetchTruthItems reads the catalogue with its ground truth (harm category,
// synthetic) from the /truth/items endpoint of a simfeed running at base
// with --truth, within 30 seconds. Cancelling ctx stops the request.
func FetchTruthItems(ctx context.Context, base string) ([]Item, error) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	u := strings.TrimRight(base, "/") + "/truth/items"
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, fmt.Errorf("truth URL %q: %w", u, err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("read simfeed's truth: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %s (is simfeed running with --truth?)", u, resp.Status)
	}
	var items []Item
	if err := json.NewDecoder(io.LimitReader(resp.Body, 256<<20)).Decode(&items); err != nil {
		return nil, fmt.Errorf("decode %s: %w", u, err)
	}
	return items, nil
}
