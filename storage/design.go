package storage

import (
	"github.com/feedprobe/feedprobe/analysis"
	"github.com/feedprobe/feedprobe/personas"
)

// DesignWarnings are the compliance checks campaign c runs whose design
// has fewer units than their test needs (analysis.DesignWarnings at the
// default α): the checks its analysis: block declares (a declared check
// with no unit at all included), else the interventions its plan shows
// (art17-off, art17-tags, art18-minors). The units are counted as
// Findings counts them (CompliancePersona).
func DesignWarnings(c *personas.Campaign) []analysis.DesignWarning {
	var ps []analysis.CompliancePersona
	for _, p := range c.Personas {
		ps = append(ps, CompliancePersona(p, c.Sessions))
	}
	planned := analysis.PlannedUnits(ps)
	runs := map[string]int{}
	if len(c.Analysis.Checks) > 0 {
		for _, check := range c.Analysis.Checks {
			runs[check] = planned[check]
		}
	} else {
		for _, check := range []string{analysis.CheckArt17Off, analysis.CheckArt17Tags, analysis.CheckArt18Minors} {
			if n, ok := planned[check]; ok {
				runs[check] = n
			}
		}
	}
	return analysis.DesignWarnings(runs, analysis.DefaultComplianceOptions().Alpha)
}
