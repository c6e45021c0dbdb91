package analysis

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"testing"
)

// TestGroupIntervalsResampledLater checks that the groups' intervals,
// queued and resampled on every core at the end, are the ones computed one
// after the other, and that the draws after them (the personalization's
// and the tests') are unmoved: the whole audit is the same JSON byte for
// byte.
func TestGroupIntervalsResampledLater(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	in := AuditInput{Topics: []string{"news", "sport", "music", "harm"}}
	ages := []string{"minor", "adult", "senior"}
	for i := range 60 {
		name := fmt.Sprintf("p%02d", i)
		p := AuditPersona{Name: name, Role: "test", Interests: map[string]float64{in.Topics[i%3]: 1},
			Traits: map[string]string{"age_group": ages[i%3]}}
		if i%2 == 1 {
			p = AuditPersona{Name: name, Role: "control", TwinOf: fmt.Sprintf("p%02d", i-1), Traits: map[string]string{"age_group": ages[i%3]}}
		}
		in.Personas = append(in.Personas, p)
		for s := 1; s <= 4; s++ {
			for rank := 1; rank <= 30; rank++ {
				topic := in.Topics[r.IntN(len(in.Topics))]
				score := 0
				if topic == "harm" {
					score = 1
				}
				in.Impressions = append(in.Impressions, AuditImpression{Persona: name, Session: s, Rank: rank,
					ItemID: fmt.Sprintf("i%d", r.IntN(200)), Topic: topic, Seconds: float64(rank), Score: score})
			}
		}
	}
	opt := AuditOptions{Resamples: 300, Dimensions: []string{"age_group"}}
	audit := func(later bool) []byte {
		t.Helper()
		old := resampleLater
		resampleLater = later
		defer func() { resampleLater = old }()
		b, err := json.Marshal(Analyze(in, opt, rand.New(rand.NewPCG(5, 6))))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	now, later := audit(false), audit(true)
	if !bytes.Equal(now, later) {
		t.Fatalf("audit with the group intervals resampled later (%d bytes) differs from one after the other (%d bytes)", len(later), len(now))
	}
	var a Audit
	if err := json.Unmarshal(later, &a); err != nil {
		t.Fatal(err)
	}
	intervals := 0
	for _, g := range a.Groups {
		for _, row := range g.Rows {
			for _, e := range row.Metrics {
				if !isNaN(float64(e.Lo)) {
					intervals++
				}
			}
		}
	}
	if len(a.Groups) < 4 || intervals < 100 {
		t.Errorf("%d groups with %d intervals: too few to show the order kept", len(a.Groups), intervals)
	}
}

func isNaN(x float64) bool { return x != x }
