package simfeed

import (
	"math"
	"reflect"
	"slices"
	"strings"
	"testing"
)

func TestCatalogueDeterministic(t *testing.T) {
	cfg := DefaultConfig()
	a, b := generateCatalogue(cfg), generateCatalogue(cfg)
	if !reflect.DeepEqual(a, b) {
		t.Error("same seed gave different catalogues")
	}
	cfg.Seed = 2
	c := generateCatalogue(cfg)
	same := 0
	for i := range a {
		if a[i] == c[i] {
			same++
		}
	}
	if same > len(a)/100 {
		t.Errorf("seeds 1 and 2 share %d of %d items, want almost none", same, len(a))
	}
}

func TestCatalogueShares(t *testing.T) {
	cfg := DefaultConfig()
	items := generateCatalogue(cfg)
	if got, want := len(items), cfg.Items; got != want {
		t.Fatalf("len(catalogue) = %d, want %d", got, want)
	}
	n := float64(len(items))
	count := func(keep func(Item) bool) float64 {
		c := 0
		for _, it := range items {
			if keep(it) {
				c++
			}
		}
		return float64(c)
	}
	synthetic := count(func(it Item) bool { return it.Synthetic })
	tests := []struct {
		name      string
		got, want float64
		tol       float64
	}{
		{"harmful", count(func(it Item) bool { return it.Harm != "" }) / n, cfg.HarmfulShare, 0.001},
		{"zh", count(func(it Item) bool { return it.Lang == LangZH }) / n, 0.30, 0.03},
		{"sponsored", count(func(it Item) bool { return it.Sponsored }) / n, 0.05, 0.015},
		{"synthetic", synthetic / n, 0.10, 0.02},
		{"labelled of synthetic", count(func(it Item) bool { return it.SyntheticLabelled }) / synthetic, 0.60, 0.08},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if math.Abs(tc.got-tc.want) > tc.tol {
				t.Fatalf("share = %.4f, want %.4f ± %.3f", tc.got, tc.want, tc.tol)
			}
		})
	}

	topics := Topics()
	titles := map[string]bool{}
	maxPop, sumPop := 0.0, 0.0
	for i, it := range items {
		if got, want := it.ID, itemID(i+1); got != want {
			t.Fatalf("items[%d].ID = %q, want %q", i, got, want)
		}
		if !slices.Contains(topics, it.Topic) {
			t.Errorf("%s topic = %q, not a topic", it.ID, it.Topic)
		}
		if it.Harm != "" && !slices.Contains(harmTopics[it.Harm], it.Topic) {
			t.Errorf("%s is %s in topic %s, want one of %v", it.ID, it.Harm, it.Topic, harmTopics[it.Harm])
		}
		if it.SyntheticLabelled && !it.Synthetic {
			t.Errorf("%s is labelled synthetic but not synthetic", it.ID)
		}
		if it.Topic == "shopping" && it.Price <= 0 {
			t.Errorf("%s is shopping without a price", it.ID)
		}
		if it.Topic != "shopping" && !it.Sponsored && it.Price != 0 {
			t.Errorf("%s has price %v but is neither shopping nor sponsored", it.ID, it.Price)
		}
		if it.Price != round2(it.Price) {
			t.Errorf("%s price %v has more than two decimals", it.ID, it.Price)
		}
		if it.Title == "" || it.Author == "" || it.Popularity <= 0 {
			t.Errorf("%s is incomplete: %+v", it.ID, it)
		}
		titles[it.Title] = true
		maxPop = max(maxPop, it.Popularity)
		sumPop += it.Popularity
	}
	if len(titles) < len(items)/2 {
		t.Errorf("only %d distinct titles in %d items", len(titles), len(items))
	}
	// Heavy tail: the top item is far above the mean.
	if mean := sumPop / n; maxPop < 20*mean {
		t.Errorf("max popularity %v is less than 20× the mean %v, want a heavy tail", maxPop, mean)
	}
}

func TestCatalogueLexicon(t *testing.T) {
	for _, seed := range []int64{1, 2, 3} {
		cfg := DefaultConfig()
		cfg.Seed = seed
		perCat := map[string]int{}
		for _, it := range generateCatalogue(cfg) {
			title := strings.ToLower(it.Title)
			for cat, terms := range HarmLexicon {
				for _, term := range terms {
					if strings.Contains(title, strings.ToLower(term)) && it.Harm != cat {
						t.Errorf("seed %d: %s (harm %q) title %q contains %s term %q", seed, it.ID, it.Harm, it.Title, cat, term)
					}
				}
			}
			if it.Harm == "" {
				continue
			}
			perCat[it.Harm]++
			found := false
			for _, term := range HarmLexicon[it.Harm] {
				found = found || strings.Contains(title, strings.ToLower(term))
			}
			if !found {
				t.Errorf("seed %d: harmful %s (%s) title %q has no lexicon term", seed, it.ID, it.Harm, it.Title)
			}
		}
		for _, cat := range HarmCategories() {
			if perCat[cat] == 0 {
				t.Errorf("seed %d: no %s items", seed, cat)
			}
		}
	}
}
