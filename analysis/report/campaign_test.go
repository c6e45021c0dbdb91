package report

import (
	"fmt"
	"math/rand/v2"

	"github.com/feedprobe/feedprobe/analysis"
)

// fullCampaign is a campaign that runs every compliance check, with tests
// test personas (each trained on sports and cooking, dropping cooking at
// session 3 and switching personalization off at session 4, in minor mode
// at session 2, with a lock-step twin that sees other prices and two blank
// controls of no arm) and a hot list. With 5 test personas the checks can
// judge; with 1 every check is underpowered and every interval is over one
// persona. The first clean test personas' feeds look like the controls'
// (all of them: every check finds no evidence; one of five: some checks
// are inconclusive).
func fullCampaign(tests, clean int) analysis.ComplianceInput {
	in := analysis.ComplianceInput{Experiments: analysis.Checks()}
	add := func(p analysis.CompliancePersona, feeds map[int]string, prices map[int]float64, hot []string) {
		in.Personas = append(in.Personas, p)
		for seq, letters := range feeds {
			for i := range len(letters) {
				topic := map[byte]string{'s': "sports", 'c': "cooking", 'x': "gambling", 'o': "other", '-': ""}[letters[i]]
				imp := analysis.ComplianceImpression{Persona: p.Name, Session: seq, Surface: "feed", Rank: i + 1,
					ItemID: fmt.Sprintf("%s-%d-%d", p.Name, seq, i), Title: fmt.Sprintf("Title %d of %s", i, p.Name), Topic: topic,
					Harmful: letters[i] == 'x'}
				if pr, ok := prices[seq]; ok && i < 2 {
					imp.ItemID, imp.Price, imp.HasPrice = fmt.Sprintf("shop-%d-%d", seq, i), pr, true
				}
				in.Impressions = append(in.Impressions, imp)
			}
		}
		for seq := 1; seq <= 4; seq++ {
			for i, id := range hot {
				in.Impressions = append(in.Impressions, analysis.ComplianceImpression{Persona: p.Name, Session: seq, Surface: "hot",
					Rank: i + 1, ItemID: id, Title: "Hot " + id, Topic: "other"})
			}
		}
	}
	blank := map[int]string{1: "socoscosoc", 2: "socoscosoc", 3: "socoscosoc", 4: "so--scosoc"}
	for i := range tests {
		clean := i < clean
		trained := map[int]string{1: "ssssssccoo", 2: "sssssxccoo", 3: "ssssssccoo", 4: "ssssssssoo"}
		if clean {
			trained = blank
		}
		name := fmt.Sprintf("t%d", i)
		var ss []analysis.ComplianceSession
		for seq := 1; seq <= 4; seq++ {
			s := analysis.ComplianceSession{Session: seq, Interests: map[string]float64{"sports": 1, "cooking": 1},
				MinorMode: seq == 2, PersonalizationOff: seq == 4}
			if seq >= 3 {
				s.Interests = map[string]float64{"sports": 1}
			}
			ss = append(ss, s)
		}
		hot := []string{"h1", "h2", "h3", "h4"}
		if !clean {
			hot = []string{"h1", name + "-a", name + "-b", "h4"}
		}
		add(analysis.CompliancePersona{Name: name, Role: "test", AgeGroup: "minor", Sessions: ss}, trained, map[int]float64{1: 12, 3: 12}, hot)
		var ts []analysis.ComplianceSession
		for seq := 1; seq <= 4; seq++ {
			ts = append(ts, analysis.ComplianceSession{Session: seq})
		}
		twinPrice := 10.0
		if clean {
			twinPrice = 12
		}
		add(analysis.CompliancePersona{Name: name + "-twin", Role: "control", TwinOf: name, Sessions: ts}, blank,
			map[int]float64{1: twinPrice, 3: twinPrice}, []string{"h1", "h2", "h3", "h4"})
	}
	for i := range 2 {
		var ss []analysis.ComplianceSession
		for seq := 1; seq <= 4; seq++ {
			ss = append(ss, analysis.ComplianceSession{Session: seq})
		}
		add(analysis.CompliancePersona{Name: fmt.Sprintf("blank%d", i), Role: "control", Sessions: ss}, blank, nil, []string{"h1", "h2", "h3", "h4"})
	}
	return in
}

// fullFindings are the findings of fullCampaign.
func fullFindings(tests, clean int) []analysis.Finding {
	return analysis.Compliance(fullCampaign(tests, clean), analysis.ComplianceOptions{}, rand.New(rand.NewPCG(1, 2)))
}
