package personas

import "github.com/feedprobe/feedprobe/analysis"

// MatchedArm is the test persona whose arm s belongs to: the one it twins,
// else the one its arm: names; "" for a test persona or a free control.
func (s Spec) MatchedArm() string {
	if s.TwinOf != "" {
		return s.TwinOf
	}
	return s.Arm
}

// AuditPersona is s as the audit sees it: its role, arm, interests and
// traits, with its phases' sessions laid out from session 1 (the last
// phase runs to the end). Storage uses it for a recorded campaign and
// simfeed's power simulation for a planned one, so both analyse a design
// alike.
func (s Spec) AuditPersona() analysis.AuditPersona {
	ap := analysis.AuditPersona{
		Name: s.Name, Role: s.Role, TwinOf: s.TwinOf, Interests: s.Interests, Arm: s.MatchedArm(), History: s.History,
		Traits: map[string]string{"age_group": s.Traits.AgeGroup, "locale": s.Traits.Locale, "device": s.Traits.Device},
	}
	from := 1
	for i, ph := range s.Phases {
		to := from + ph.Sessions - 1
		if i == len(s.Phases)-1 {
			to = 0 // the last phase runs to the end
		}
		ap.Phases = append(ap.Phases, analysis.AuditPhase{Name: ph.Name, From: from, To: to, Interests: ph.Interests})
		from += ph.Sessions
	}
	return ap
}
