package analysis

import (
	"math"
	"math/rand/v2"
	"reflect"
	"testing"
)

func TestSurfaceLists(t *testing.T) {
	// A session in rank order: feed items seen at several times stay one
	// window; up-next lists split where the seen time changes.
	surface := []string{"feed", "up_next", "up_next", "feed", "up_next", "up_next", "feed", "search", "search"}
	seen := []int64{1, 5, 5, 2, 9, 9, 3, 12, 12}
	scores := []int8{1, 1, 0, 0, -1, -1, 1, 0, 1}
	got := SurfaceLists("p", 2, surface, seen, scores)
	want := []ScoredList{
		{"p", 2, "feed", []int8{1, 0, 1}},
		{"p", 2, "up_next", []int8{1, 0}},
		{"p", 2, "up_next", []int8{-1, -1}},
		{"p", 2, "search", []int8{0, 1}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("SurfaceLists = %+v, want %+v", got, want)
	}
}

// TestAnalyzeHistories checks the per-history scores against values
// worked by hand: SERP-MS at depth 2 per list, means over a persona's
// lists, then over the history's personas.
func TestAnalyzeHistories(t *testing.T) {
	ps := []AuditPersona{
		{Name: "pro-1", Role: "test", History: "promoting"},
		{Name: "pro-2", Role: "test", History: "promoting"},
		{Name: "deb-1", Role: "test", History: "debunking"},
		{Name: "blank", Role: "control"},
	}
	imp := func(p string, s int, id string) AuditImpression {
		return AuditImpression{Persona: p, Session: s, Rank: 1, ItemID: id, Topic: "t"}
	}
	in := AuditInput{Personas: ps, Impressions: []AuditImpression{imp("pro-1", 1, "a"), imp("pro-2", 1, "a"), imp("deb-1", 1, "b"), imp("blank", 1, "c")},
		Lists: []ScoredList{
			// SERP-MS at depth 2: (2·x1 + x2) / 3.
			{"pro-1", 1, "feed", []int8{1, 0, -1}},   // serp 2/3, mean 0
			{"pro-1", 2, "feed", []int8{1, 1}},       // serp 1, mean 1
			{"pro-2", 1, "feed", []int8{0, 1}},       // serp 1/3, mean 1/2
			{"pro-1", 1, "up_next", []int8{1, 1, 1}}, // serp 1, mean 1
			{"deb-1", 1, "feed", []int8{-1, 0}},      // serp -2/3, mean -1/2
			{"blank", 1, "feed", []int8{1, 1}},       // no history: ignored
			{"deb-1", 1, "up_next", nil},             // empty: ignored
		}}
	opt := DefaultAuditOptions()
	opt.SERPMSDepth = 2
	opt.Resamples = 200
	a := Analyze(in, opt, rand.New(rand.NewPCG(1, 2)))
	type fig struct {
		history, surface string
		personas, lists  int
		serp, mean       float64
	}
	want := []fig{
		{"debunking", "feed", 1, 1, -2.0 / 3, -0.5},
		{"promoting", "feed", 2, 3, ((2.0/3+1)/2 + 1.0/3) / 2, (0.5 + 0.5) / 2},
		{"promoting", "up_next", 1, 1, 1, 1},
	}
	if len(a.Histories) != len(want) {
		t.Fatalf("histories = %+v, want %d rows", a.Histories, len(want))
	}
	for i, w := range want {
		h := a.Histories[i]
		serp, mean := h.Metrics["serp_ms_2"], h.Metrics["mean_label_score"]
		if h.History != w.history || h.Surface != w.surface || len(h.Personas) != w.personas || serp.N != w.personas || h.Lists != w.lists {
			t.Errorf("row %d = %s/%s, %d personas (n %d), %d lists; want %s/%s, %d personas, %d lists", i, h.History, h.Surface, len(h.Personas), serp.N, h.Lists, w.history, w.surface, w.personas, w.lists)
		}
		if math.Abs(float64(serp.Mean)-w.serp) > 1e-12 || math.Abs(float64(mean.Mean)-w.mean) > 1e-12 {
			t.Errorf("row %d (%s/%s): serp_ms_2 %v, mean label score %v; want %v, %v", i, w.history, w.surface, serp.Mean, mean.Mean, w.serp, w.mean)
		}
	}
	if p := a.Histories[1].Personas[0]; p.Name != "pro-1" || p.Lists != 2 || math.Abs(float64(p.Metrics["serp_ms_2"])-5.0/6) > 1e-12 {
		t.Errorf("pro-1 on the feed = %+v, want 2 lists and serp_ms_2 5/6", p)
	}
	if !math.IsNaN(float64(a.Histories[0].Metrics["serp_ms_2"].Lo)) || math.IsNaN(float64(a.Histories[1].Metrics["serp_ms_2"].Lo)) {
		t.Errorf("intervals: one persona %v, two personas %v; want none, then one", a.Histories[0].Metrics["serp_ms_2"], a.Histories[1].Metrics["serp_ms_2"])
	}
	none := Analyze(AuditInput{Personas: ps[3:], Impressions: in.Impressions[3:], Lists: in.Lists}, opt, nil)
	if none.Histories != nil {
		t.Errorf("histories without a persona in one = %+v, want none", none.Histories)
	}
}
