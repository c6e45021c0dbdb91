package storage

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"

	"github.com/feedprobe/feedprobe/analysis"
	"github.com/feedprobe/feedprobe/probe/feed"
)

// TestEgressStoredAndShared stores the echo of three personas' sessions,
// two of which browse from one address, and checks the analysis lists
// each persona's address and flags the shared one.
func TestEgressStoredAndShared(t *testing.T) {
	ctx := context.Background()
	db := mustOpenDB(t)
	c, _, err := db.EnsureCampaign(ctx, Campaign{Name: "c", Platform: "simfeed", BaseURL: "http://127.0.0.1:1", Spec: []byte(`{}`), SpecHash: "h"})
	if err != nil {
		t.Fatal(err)
	}
	ips := map[string]string{"a": "127.0.0.2", "b": "127.0.0.3", "c": "127.0.0.3"}
	for _, name := range []string{"a", "b", "c"} {
		p, err := db.EnsurePersona(ctx, Persona{CampaignID: c.ID, Name: name, Role: "test", Spec: []byte(`{"name":"` + name + `"}`)})
		if err != nil {
			t.Fatal(err)
		}
		if err := db.PlanSessions(ctx, p.ID, 1); err != nil {
			t.Fatal(err)
		}
		s := mustSessionsOf(t, db, c.ID, p.ID)[0]
		if err := db.StartSession(ctx, s.ID, t0); err != nil {
			t.Fatal(err)
		}
		// The second save replaces the first.
		if err := db.SaveEgress(ctx, s.ID, feed.Egress{IP: "192.0.2.1", Echo: "{}", At: t0}); err != nil {
			t.Fatal(err)
		}
		echo := `{"ip":"` + ips[name] + `"}` + strings.Repeat(" ", feed.MaxEcho)
		if err := db.SaveEgress(ctx, s.ID, feed.Egress{IP: ips[name], Echo: echo, At: t0}); err != nil {
			t.Fatal(err)
		}
		if err := db.SaveImpressions(ctx, s.ID, makeImpressions("feed", 3)); err != nil {
			t.Fatal(err)
		}
		if err := db.FinishSession(ctx, s.ID, StatusDone, "", t0); err != nil {
			t.Fatal(err)
		}
		if err := db.SaveEgress(ctx, s.ID, feed.Egress{IP: "192.0.2.9", At: t0}); !errors.Is(err, ErrSessionState) {
			t.Errorf("SaveEgress on a finished session = %v, want ErrSessionState", err)
		}
	}
	es, err := db.Egresses(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(es) != 3 || len(es[0].Echo) != feed.MaxEcho {
		t.Errorf("Egresses = %d rows (echo %d bytes), want 3 with echoes cut to %d bytes", len(es), len(es[0].Echo), feed.MaxEcho)
	}
	rep, err := db.Analyze(ctx, c, Conventions{}, rand.New(rand.NewPCG(1, 1)))
	if err != nil {
		t.Fatal(err)
	}
	want := []analysis.SharedEgress{{IP: "127.0.0.3", Personas: []string{"b", "c"}}}
	if !reflect.DeepEqual(rep.Egress.Shared, want) || !rep.Egress.Checked {
		t.Errorf("shared egress = %+v, want %+v", rep.Egress.Shared, want)
	}
	if got := rep.Egress.Personas[0]; got.Persona != "a" || !reflect.DeepEqual(got.IPs, []string{"127.0.0.2"}) || got.Sessions != 1 {
		t.Errorf("egress of a = %+v, want 127.0.0.2 in one session", got)
	}
}

// TestAnalyzeSplitsSurfaces stores a session with feed and up-next
// impressions and checks the split by surface counts each apart.
func TestAnalyzeSplitsSurfaces(t *testing.T) {
	ctx := context.Background()
	db := mustOpenDB(t)
	c, _, err := db.EnsureCampaign(ctx, Campaign{Name: "c", Platform: "simfeed", BaseURL: "http://127.0.0.1:1", Spec: []byte(`{}`), SpecHash: "h"})
	if err != nil {
		t.Fatal(err)
	}
	p, err := db.EnsurePersona(ctx, Persona{CampaignID: c.ID, Name: "p", Role: "test", Spec: []byte(`{"name":"p","interests":{"news":1}}`)})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.PlanSessions(ctx, p.ID, 1); err != nil {
		t.Fatal(err)
	}
	s := mustSessionsOf(t, db, c.ID, p.ID)[0]
	if err := db.StartSession(ctx, s.ID, t0); err != nil {
		t.Fatal(err)
	}
	imp := func(surface, id, topic string, rank int, beside string) feed.Impression {
		return feed.Impression{Item: feed.Item{ID: id, Title: "t " + id, Topic: topic}, Rank: rank, SeenAt: t0, Surface: surface, BesideItemID: beside}
	}
	imps := []feed.Impression{imp("feed", "a", "news", 1, ""), imp("feed", "b", "pets", 2, ""), imp("feed", "c", "pets", 3, ""),
		imp("up_next", "d", "news", 1, "a"), imp("up_next", "e", "news", 2, "a")}
	if err := db.SaveImpressions(ctx, s.ID, imps); err != nil {
		t.Fatal(err)
	}
	stored, err := db.Impressions(ctx, s.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, im := range stored {
		if (im.Surface == "up_next") != (im.BesideItemID == "a") {
			t.Errorf("stored %s on %s beside %q", im.ID, im.Surface, im.BesideItemID)
		}
	}
	if err := db.FinishSession(ctx, s.ID, StatusDone, "", t0); err != nil {
		t.Fatal(err)
	}
	rep, err := db.Analyze(ctx, c, Conventions{}, rand.New(rand.NewPCG(1, 1)))
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Surfaces) != 2 {
		t.Fatalf("surfaces = %+v, want feed and up_next", rep.Surfaces)
	}
	feedF, upF := rep.Surfaces[0], rep.Surfaces[1]
	if feedF.Surface != "feed" || feedF.Impressions != 3 || math.Abs(float64(feedF.InterestShare)-1.0/3) > 1e-9 || feedF.Sessions != 1 {
		t.Errorf("feed figures %+v, want 3 impressions, interest share 1/3, 1 session", feedF)
	}
	if upF.Surface != "up_next" || upF.Impressions != 2 || upF.InterestShare != 1 || upF.TopicShares["news"] != 1 {
		t.Errorf("up_next figures %+v, want 2 impressions, all news", upF)
	}
}
