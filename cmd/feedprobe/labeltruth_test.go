package main

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/feedprobe/feedprobe/probe/simfeed"
	"github.com/feedprobe/feedprobe/storage"
)

// TestLabelTruth labels a campaign's items with simfeed's ground truth and
// measures the built-in lexicon against it: on simfeed, whose harmful titles
// carry lexicon terms by construction, the two agree exactly (kappa 1).
func TestLabelTruth(t *testing.T) {
	srv, base := startSimfeed(t, simfeed.DefaultConfig())
	dbPath := filepath.Join(t.TempDir(), "truth.db")
	db, err := storage.Open(context.Background(), dbPath)
	if err != nil {
		t.Fatal(err)
	}
	puppetCampaign(t, db, srv, fmt.Sprintf(puppetArt17, "truth-labels"), "")
	observed := 0
	if err := db.EachItem(context.Background(), "simfeed", func(storage.CatalogueItem) error { observed++; return nil }); err != nil {
		t.Fatal(err)
	}
	db.Close()

	out, logs, err := runCLI(t, "label", "truth", "--db", dbPath, "--url", base)
	if err != nil {
		t.Fatalf("label truth: %v\n%s", err, logs)
	}
	if !strings.Contains(out, fmt.Sprintf("labelled %d observed items (%d labels)", observed, 4*observed)) {
		t.Errorf("label truth said %q, want %d items with 4 labels each", out, observed)
	}
	if _, logs, err := runCLI(t, "label", "apply", "--db", dbPath); err != nil {
		t.Fatalf("label apply: %v\n%s", err, logs)
	}
	sout, logs, err := runCLI(t, "label", "stats", "--db", dbPath, "--json")
	if err != nil {
		t.Fatalf("label stats: %v\n%s", err, logs)
	}
	var stats struct {
		Agreement []struct {
			Category string   `json:"category"`
			A        string   `json:"rater_a"`
			B        string   `json:"rater_b"`
			N        int      `json:"n"`
			Kappa    *float64 `json:"kappa"`
		} `json:"agreement"`
	}
	if err := json.Unmarshal([]byte(sout), &stats); err != nil {
		t.Fatalf("label stats --json: %v\n%s", err, sout)
	}
	seen := 0
	for _, a := range stats.Agreement {
		if !strings.HasPrefix(a.A, "lexicon") && !strings.HasPrefix(a.B, "lexicon") || !strings.HasPrefix(a.A, "truth") && !strings.HasPrefix(a.B, "truth") {
			continue
		}
		seen++
		if a.N != observed || a.Kappa == nil || *a.Kappa != 1 {
			t.Errorf("%s: lexicon vs truth over %d items, kappa %v; want all %d items and kappa 1", a.Category, a.N, a.Kappa, observed)
		}
	}
	if seen != 3 {
		t.Errorf("lexicon-vs-truth agreement rows: %d, want one per harm category (3)\n%s", seen, sout)
	}
	if _, _, err := runCLI(t, "label", "truth", "--db", dbPath, "--url", base+"/nowhere"); err == nil {
		t.Error("label truth with a wrong URL succeeded")
	}
}
