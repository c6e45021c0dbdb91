package analysis

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// plantedArt17 simulates an Art. 17(1) campaign of tests personas trained
// on sports that switch personalization off at session 3 of 5, with two
// blank controls, 20 items a session. Every persona has its own baseline
// sports rate (a persona effect, so its sessions are not independent);
// after the switch a test persona's rate rises by planted above it.
func plantedArt17(tests int, planted float64, seed uint64) ComplianceInput {
	r := rand.New(rand.NewPCG(seed, 17))
	feed := func(p float64) string {
		b := make([]byte, 20)
		for i := range b {
			b[i] = 'o'
			if r.Float64() < p {
				b[i] = 's'
			}
		}
		return string(b)
	}
	var ps []synthPersona
	for i := range tests {
		base := 0.05 + 0.15*r.Float64()
		f := map[int]string{}
		for seq := 1; seq <= 5; seq++ {
			p := base + 0.5
			if seq >= 3 {
				p = base + planted
			}
			f[seq] = feed(p)
		}
		ps = append(ps, synthPersona{name: fmt.Sprintf("fan%d", i), role: "test",
			sessions: sessions(5, func(seq int) ComplianceSession {
				return ComplianceSession{Interests: map[string]float64{"sports": 1}, PersonalizationOff: seq >= 3}
			}), feed: f})
	}
	for i := range 2 {
		base := 0.05 + 0.15*r.Float64()
		f := map[int]string{}
		for seq := 1; seq <= 5; seq++ {
			f[seq] = feed(base)
		}
		ps = append(ps, synthPersona{name: fmt.Sprintf("blank%d", i), role: "control",
			sessions: sessions(5, func(int) ComplianceSession { return ComplianceSession{} }), feed: f})
	}
	return synth(ps)
}

// TestCompliancePowerPersonaUnits: with persona-level units, a planted
// Art. 17(1) violation (the trained share stays 0.3 above baseline after
// the switch) is found in at least 90 % of seeded campaigns of 6 test
// personas, and with nothing planted no more than 5 % (plus a binomial
// tolerance) are called violations. With 4 test personas the check is
// underpowered every time, however strong the effect.
func TestCompliancePowerPersonaUnits(t *testing.T) {
	const runs = 60
	count := func(tests int, planted float64) (violations, underpowered int) {
		for i := range runs {
			in := plantedArt17(tests, planted, uint64(i))
			f := findingOf(t, Compliance(in, ComplianceOptions{Resamples: 500}, rand.New(rand.NewPCG(uint64(i), 1))), CheckArt17Off)
			switch f.Verdict {
			case VerdictViolation:
				violations++
			case VerdictUnderpowered:
				underpowered++
			}
		}
		return violations, underpowered
	}
	power, _ := count(6, 0.3)
	fp, _ := count(6, 0)
	t.Logf("6 test personas: %d of %d planted campaigns found, %d of %d clean ones called violations", power, runs, fp, runs)
	if v := power; float64(v) < 0.9*runs {
		t.Errorf("power: %d of %d planted campaigns of 6 personas found, want at least 90 %%", v, runs)
	}
	// P(X > 7) < 0.01 for X ~ Bin(60, 0.05).
	if v := fp; v > 7 {
		t.Errorf("false positives: %d of %d clean campaigns of 6 personas called violations, want at most 7", v, runs)
	}
	if v, u := count(4, 0.3); v != 0 || u != runs {
		t.Errorf("4 personas: %d violations, %d underpowered of %d, want all underpowered", v, u, runs)
	}
}
