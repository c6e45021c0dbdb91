package simfeed

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
)

func TestStanceCatalogue(t *testing.T) {
	s, _ := newTestServer(t, func(c *Config) { c.Stance = &Stance{Topic: "vaccines", Items: 12} })
	n := map[string]int{}
	for _, it := range s.items {
		if it.Stance == "" {
			if it.Topic == "vaccines" {
				t.Errorf("item %s has the contested topic and no stance", it.ID)
			}
			continue
		}
		n[it.Stance]++
		if it.Topic != "vaccines" || it.Harm != "" || !strings.Contains(strings.ToLower(it.Title), "vaccines") {
			t.Errorf("stance item %+v: want topic vaccines in its title, no harm", it)
		}
		for cat, terms := range HarmLexicon {
			for _, term := range terms {
				if strings.Contains(strings.ToLower(it.Title), term) {
					t.Errorf("stance item %s %q holds the %s term %q", it.ID, it.Title, cat, term)
				}
			}
		}
		want := map[string]int{StancePromoting: 1, StanceNeutral: 0, StanceDebunking: -1}[it.Stance]
		if it.Score() != want || it.TruthLabels()[StanceCategory] != float64(want) {
			t.Errorf("%s item: score %d, %s label %v; want %d", it.Stance, it.Score(), StanceCategory, it.TruthLabels()[StanceCategory], want)
		}
	}
	for _, st := range Stances() {
		if n[st] != 12 {
			t.Errorf("%d %s items, want 12", n[st], st)
		}
	}
}

func TestStanceConfigErrors(t *testing.T) {
	bad := 1.5
	for _, tc := range []struct {
		st   Stance
		want string
	}{
		{Stance{Topic: "Vaccines"}, `stance.topic "Vaccines"`},
		{Stance{Topic: "news"}, "is a topic of the catalogue"},
		{Stance{Topic: "v", Items: -1}, "stance.items -1 out of range"},
		{Stance{Topic: "v", Share: 2}, "stance.share 2 out of range"},
		{Stance{Topic: "v", Lean: &bad}, "stance.lean 1.5 out of range"},
	} {
		cfg := DefaultConfig()
		cfg.Stance = &tc.st
		if err := cfg.Validate(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Validate(%+v) = %v, want %q", tc.st, err, tc.want)
		}
	}
}

// TestStanceLeans trains three users on items of one stance each, through
// the item pages a watch list opens, and checks that the feed and the
// up-next lists lean the way each was trained: mean label score
// promoting > neutral > debunking on both.
func TestStanceLeans(t *testing.T) {
	s, ts := newTestServer(t, func(c *Config) { c.Stance = &Stance{Topic: "vaccines"}; c.Confidence = 0 })
	byStance := map[string][]string{}
	score := map[string]int{}
	for _, it := range s.items {
		score[it.ID] = it.Score()
		if it.Stance != "" {
			byStance[it.Stance] = append(byStance[it.Stance], it.ID)
		}
	}
	feedMean, upMean := map[string]float64{}, map[string]float64{}
	for _, st := range Stances() {
		p := newPlayer(t, ts.URL, "d-"+st)
		for _, id := range byStance[st][:5] {
			if resp, b := p.do("GET", "/item/"+id, "", nil); resp.StatusCode != http.StatusOK {
				t.Fatalf("GET /item/%s = %d\n%s", id, resp.StatusCode, b)
			}
			p.dwell(id, s.cfg.DwellFullMS)
		}
		_, items := p.scroll(3)
		sum := 0
		for _, it := range items {
			sum += score[it.ID]
		}
		feedMean[st] = float64(sum) / float64(len(items))
		tu := p.truth()
		if tu.Stances[st] <= 0 || len(tu.Stances) != 1 {
			t.Errorf("%s user's stance engagement = %v, want only %s", st, tu.Stances, st)
		}
		sum, n := 0, 0
		for _, l := range tu.UpNext[1:] { // the first list was chosen after one open
			for _, sv := range l.Served {
				sum += score[sv.Item]
				n++
			}
		}
		upMean[st] = float64(sum) / float64(n)
	}
	t.Logf("mean label scores: feed %v, up-next %v", feedMean, upMean)
	for _, m := range []map[string]float64{feedMean, upMean} {
		if !(m[StancePromoting] > m[StanceNeutral] && m[StanceNeutral] > m[StanceDebunking]) {
			t.Errorf("mean label scores (feed %v, up-next %v): want promoting > neutral > debunking", fmt.Sprint(feedMean), fmt.Sprint(upMean))
			break
		}
	}
	if !(feedMean[StancePromoting] > 0.2 && feedMean[StanceDebunking] < -0.2) {
		t.Errorf("feed mean label scores %v: want the trained stances' above 0.2 and below -0.2", feedMean)
	}
}
