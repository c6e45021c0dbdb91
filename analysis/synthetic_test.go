package analysis

import (
	"fmt"
	"iter"
	"math/rand/v2"
	"slices"
)

// syntheticTopics is the taxonomy of the synthetic campaigns.
var syntheticTopics = []string{"cooking", "sports", "news", "music", "gambling"}

// syntheticPersonas returns n test personas (interest in cooking, a little in
// sports) and n controls measured against cooking.
func syntheticPersonas(n int) []PersonaInfo {
	var ps []PersonaInfo
	for i := range n {
		ps = append(ps, PersonaInfo{
			Name:      fmt.Sprintf("test-%02d", i),
			Role:      "test",
			Interests: map[string]float64{"cooking": 1, "sports": 0.3},
		})
	}
	for i := range n {
		ps = append(ps, PersonaInfo{
			Name:      fmt.Sprintf("control-%02d", i),
			Role:      "control",
			Reference: "cooking",
		})
	}
	return ps
}

// synthetic yields perSession impressions per session per persona, drawn
// from seed: a test persona's feed drifts towards cooking from 20 % to 80 %
// of its items over the sessions, a control's stays uniform, and gambling
// items are harmful.
func synthetic(personas []PersonaInfo, sessions, perSession int, seed uint64) iter.Seq[Impression] {
	return func(yield func(Impression) bool) {
		r := rand.New(rand.NewPCG(seed, 1))
		for _, p := range personas {
			for s := 1; s <= sessions; s++ {
				pull := 0.0
				if p.Role == "test" && sessions > 1 {
					pull = 0.2 + 0.6*float64(s-1)/float64(sessions-1)
				}
				for rank := 1; rank <= perSession; rank++ {
					topic := syntheticTopics[r.IntN(len(syntheticTopics))]
					if r.Float64() < pull {
						topic = "cooking"
					}
					imp := Impression{
						Persona: p.Name,
						Session: s,
						Rank:    rank,
						ItemID:  "item",
						Title:   "title",
						Topic:   topic,
						Harmful: topic == "gambling",
					}
					if !yield(imp) {
						return
					}
				}
			}
		}
	}
}

func syntheticInput(personasPerRole, sessions, perSession int, seed uint64) Input {
	ps := syntheticPersonas(personasPerRole)
	return Input{
		Personas:    ps,
		Impressions: slices.Collect(synthetic(ps, sessions, perSession, seed)),
		Topics:      syntheticTopics,
	}
}
