package simfeed

import (
	"context"
	"testing"
	"time"

	"github.com/feedprobe/feedprobe/personas"
)

func puppetSpec(name string, seed int64, interests map[string]float64) personas.Spec {
	return personas.Spec{
		Name: name, Role: personas.RoleTest, Seed: seed, Interests: interests, Keywords: map[string][]string{},
		Behaviour: personas.Behaviour{
			Dwell:    personas.Dwell{Median: time.Second, Sigma: 0.3, Min: 200 * time.Millisecond, Max: 3 * time.Second},
			Open:     personas.Prob{Base: 0, Match: 1},
			Like:     personas.Prob{Base: 0, Match: 0.5},
			MaxOpens: 10,
		},
	}
}

// TestPuppetMatchesTruth plays a trained persona over a socket and checks
// that what it collected is what simfeed says it served, that its identity
// carries over sessions, and that the platform learned its interest.
func TestPuppetMatchesTruth(t *testing.T) {
	srv, ts := newTestServer(t, func(c *Config) { c.Confidence = 0 })
	const sessions, items = 3, 25
	pp, err := NewPuppet(puppetSpec("fan", 3, map[string]float64{"cooking": 1}), ts.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	var got [][]PuppetItem
	for seq := 1; seq <= sessions; seq++ {
		its, err := pp.Session(context.Background(), seq, items)
		if err != nil {
			t.Fatalf("Session(%d): %v", seq, err)
		}
		if len(its) != items {
			t.Fatalf("Session(%d) returned %d items, want %d", seq, len(its), items)
		}
		got = append(got, its)
	}
	var u *TruthUser
	for _, tu := range srv.Truth().Users {
		if tu.ID == pp.UserID() {
			u = &tu
		}
	}
	if u == nil {
		t.Fatalf("puppet user %q unknown to simfeed", pp.UserID())
	}
	if len(u.Visits) != sessions {
		t.Fatalf("simfeed saw %d visits, want %d (identity not kept?)", len(u.Visits), sessions)
	}
	for s, its := range got {
		for i, it := range its {
			if it.ID != u.Visits[s].Served[i].Item || it.Rank != i+1 {
				t.Fatalf("session %d rank %d: puppet has %s (rank %d), simfeed served %s", s+1, i+1, it.ID, it.Rank, u.Visits[s].Served[i].Item)
			}
		}
	}
	if top := topOf(u.Affinity); top != "cooking" {
		t.Errorf("learned top affinity = %q (%v), want cooking", top, u.Affinity)
	}
	if u.Opens == 0 || u.Opens > 10*sessions {
		t.Errorf("opens = %d, want between 1 and %d (max_opens per session)", u.Opens, 10*sessions)
	}
}

// TestPuppetInProcessDeterministic runs the same persona twice through
// HandlerTransport on two identical servers: same items, same order.
func TestPuppetInProcessDeterministic(t *testing.T) {
	play := func() []string {
		srv, err := New(DefaultConfig(), nil)
		if err != nil {
			t.Fatal(err)
		}
		pp, err := NewPuppet(puppetSpec("fan", 5, map[string]float64{"pets": 1}), "http://simfeed.test", HandlerTransport{Handler: srv})
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for seq := 1; seq <= 2; seq++ {
			its, err := pp.Session(context.Background(), seq, 30)
			if err != nil {
				t.Fatal(err)
			}
			for _, it := range its {
				ids = append(ids, it.ID)
			}
		}
		return ids
	}
	a, b := play(), play()
	if len(a) != 60 || len(b) != 60 {
		t.Fatalf("got %d and %d items, want 60", len(a), len(b))
	}
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("item %d: %s then %s; want the same run twice", i, a[i], b[i])
		}
	}
}

// TestPuppetSettings turns personalization off through the settings form.
func TestPuppetSettings(t *testing.T) {
	srv, err := New(DefaultConfig(), nil)
	if err != nil {
		t.Fatal(err)
	}
	spec := puppetSpec("off", 9, nil)
	off := false
	spec.Settings.Personalization = &off
	pp, err := NewPuppet(spec, "http://simfeed.test", HandlerTransport{Handler: srv})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pp.Session(context.Background(), 1, 10); err != nil {
		t.Fatal(err)
	}
	for _, u := range srv.Truth().Users {
		if u.ID == pp.UserID() && u.Settings.Personalized {
			t.Errorf("user %s still personalized after the puppet switched it off", u.ID)
		}
	}
}

func topOf(m map[string]float64) string {
	best, bv := "", -1.0
	for k, v := range m {
		if v > bv || v == bv && k < best {
			best, bv = k, v
		}
	}
	return best
}
