package personas

import (
	"strconv"
	"strings"
	"testing"
)

const phasedCampaign = `campaign: phased
platform: simfeed
base_url: http://127.0.0.1:8080
sessions: 6
items_per_session: 20
twins: 2
personas:
  - name: fan
    interests: {sports: 1}
    keywords: {sports: [match]}
    traits: {age_group: minor}
    phases:
      - {name: bubble, sessions: 3}
      - {name: burst, sessions: 3, interests: {cooking: 1}}
  - name: blank
    role: control
`

func TestPhasesAndTwins(t *testing.T) {
	c, err := ParseCampaign("c.yaml", []byte(phasedCampaign), "")
	if err != nil {
		t.Fatalf("ParseCampaign: %v", err)
	}
	var names []string
	for _, p := range c.Personas {
		names = append(names, p.Name)
	}
	if got, want := strings.Join(names, " "), "fan fan.twin1 fan.twin2 blank"; got != want {
		t.Fatalf("personas = %s, want %s (twins right after their test persona, none for controls)", got, want)
	}
	fan, twin := c.Personas[0], c.Personas[1]
	if twin.Role != RoleControl || twin.TwinOf != "fan" || len(twin.Interests) != 0 || twin.Phases != nil ||
		twin.Traits != fan.Traits || twin.Behaviour != fan.Behaviour || twin.Seed != c.Personas[2].Seed {
		t.Errorf("twin = %+v; want a blank control with fan's traits and behaviour and the other twin's seed", twin)
	}
	tests := []struct {
		seq      int
		interest string
		keywords int
		phase    int
	}{{1, "sports", 1, 0}, {3, "sports", 1, 0}, {4, "cooking", 0, 1}, {6, "cooking", 0, 1}, {9, "cooking", 0, 1}}
	for _, tc := range tests {
		s := fan.ForSession(tc.seq)
		if s.TopInterest() != tc.interest || len(s.Keywords) != tc.keywords {
			t.Errorf("ForSession(%d) = interests %v keywords %v, want %s with %d keyword topics", tc.seq, s.Interests, s.Keywords, tc.interest, tc.keywords)
		}
		if i, _, _ := fan.PhaseAt(tc.seq, 6); i != tc.phase {
			t.Errorf("PhaseAt(%d) = %d, want %d", tc.seq, i, tc.phase)
		}
	}
	if _, from, to := fan.PhaseAt(5, 6); from != 4 || to != 6 {
		t.Errorf("PhaseAt(5) spans %d-%d, want 4-6", from, to)
	}
	if s := c.Personas[3].ForSession(2); s.Name != "blank" || len(s.Interests) != 0 {
		t.Errorf("a persona without phases changed: %+v", s)
	}
	// ForSession does not share maps with the spec.
	s := fan.ForSession(1)
	s.Interests["x"] = 1
	if _, ok := fan.Phases[0].Interests["x"]; ok {
		t.Error("ForSession shares its interests map with the spec")
	}
}

func TestPhaseErrors(t *testing.T) {
	tests := []struct {
		name, edit, want string
	}{
		{"too long", "      - {name: burst, sessions: 4, interests: {cooking: 1}}",
			"c.yaml:12: personas[0].phases: phases plan 7 sessions but the campaign has 6"},
		{"no sessions", "      - {name: burst, interests: {cooking: 1}}",
			"personas[0].phases[1].sessions: required field is missing"},
		{"bad weight", "      - {name: burst, sessions: 3, interests: {cooking: 2}}",
			"personas[0].phases[1].interests.cooking: weight 2 must be between 0 and 1"},
		{"unknown field", "      - {name: burst, sessions: 3, interest: {cooking: 1}}",
			"personas[0].phases[1].interest: unknown field (did you mean interests?)"},
		{"duplicate name", "      - {name: bubble, sessions: 3}",
			`personas[0].phases[1].name: duplicate phase name "bubble"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			src := strings.Replace(phasedCampaign, "      - {name: burst, sessions: 3, interests: {cooking: 1}}", tc.edit, 1)
			_, err := ParseCampaign("c.yaml", []byte(src), "")
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("ParseCampaign error = %v, want it to contain %q", err, tc.want)
			}
		})
	}
	_, err := ParseCampaign("c.yaml", []byte(strings.Replace(phasedCampaign, "twins: 2", "twins: -1", 1)), "")
	if err == nil || !strings.Contains(err.Error(), "c.yaml:6: twins: -1 must be at least 0") {
		t.Errorf("twins -1: error %v", err)
	}
}

func TestPhaseSettings(t *testing.T) {
	const campaign = `campaign: off
platform: simfeed
base_url: http://127.0.0.1:8080
sessions: 5
items_per_session: 20
personas:
  - name: fan
    interests: {sports: 1}
    settings: {minor_mode: true}
    phases:
      - {name: train, sessions: 3}
      - {name: off, sessions: 2, settings: {personalization: false}}
`
	c, err := ParseCampaign("c.yaml", []byte(campaign), "")
	if err != nil {
		t.Fatalf("ParseCampaign: %v", err)
	}
	fan := c.Personas[0]
	for _, tc := range []struct {
		seq             int
		personalization string
	}{{1, "unset"}, {3, "unset"}, {4, "false"}, {5, "false"}, {8, "false"}} {
		s := fan.ForSession(tc.seq)
		got := "unset"
		if p := s.Settings.Personalization; p != nil {
			got = strconv.FormatBool(*p)
		}
		if got != tc.personalization {
			t.Errorf("ForSession(%d).Settings.Personalization = %s, want %s", tc.seq, got, tc.personalization)
		}
		if m := s.Settings.MinorMode; m == nil || !*m {
			t.Errorf("ForSession(%d).Settings.MinorMode = %v, want the persona's true kept", tc.seq, m)
		}
	}
	if fan.Settings.Personalization != nil {
		t.Errorf("persona's own settings changed by ForSession: %+v", fan.Settings)
	}
	bad := strings.Replace(campaign, "{personalization: false}", "{personalisation: false}", 1)
	_, err = ParseCampaign("c.yaml", []byte(bad), "")
	if err == nil || !strings.Contains(err.Error(), "c.yaml:12: personas[0].phases[1].settings.personalisation") {
		t.Errorf("ParseCampaign(typo in phase settings) = %v, want an error at c.yaml:12 naming the field", err)
	}
}
