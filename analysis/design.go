package analysis

import (
	"fmt"
	"math"
	"slices"
)

// Smallest attainable p-values of the exact permutation tests, the
// convention behind VerdictUnderpowered and DesignWarnings. A design whose
// smallest p is at or above α can never give a significant result,
// whatever the platform does, so its checks say "underpowered" instead of
// a verdict.
//
//   - Sign-flip test over n persona-level values: the observed sign pattern
//     is one of 2^n, so the one-sided smallest p is 1/2^n; two-sided, the
//     mirror pattern is as extreme, so 2/2^n.
//   - Two-sample permutation test with n1 and n2 personas: the observed
//     split is one of C(n1+n2, n1); two-sided, its mirror is as extreme only
//     when n1 = n2, so the smallest p is 2/C when n1 = n2 and 1/C otherwise.
//   - Stratified permutation test with strata of sizes m_1..m_k (a test
//     persona and its matched controls): 1/Π m_s.
//
// These are lower bounds reached only when no two units tie.

// SmallestSignFlipP is the smallest p-value a sign-flip test over n
// persona-level values can return (1 for n = 0).
func SmallestSignFlipP(n int, oneSided bool) float64 {
	if n <= 0 {
		return 1
	}
	p := math.Pow(2, -float64(n))
	if !oneSided {
		p *= 2
	}
	return math.Min(p, 1)
}

// SmallestTwoSampleP is the smallest two-sided p-value a permutation test
// of n1 against n2 personas can return (1 when either is 0).
func SmallestTwoSampleP(n1, n2 int) float64 {
	if n1 <= 0 || n2 <= 0 {
		return 1
	}
	c := binomial(n1+n2, n1)
	if n1 == n2 {
		return math.Min(1, 2/c)
	}
	return math.Min(1, 1/c)
}

// SmallestStratifiedP is the smallest p-value of the stratified
// permutation test over strata of the given sizes (strata with fewer than
// 2 units do not count).
func SmallestStratifiedP(sizes []int) float64 {
	total := 1.0
	for _, m := range sizes {
		if m >= 2 {
			total *= float64(m)
		}
	}
	return 1 / total
}

func binomial(n, k int) float64 {
	r := 1.0
	for i := 1; i <= k; i++ {
		r = r * float64(n-k+i) / float64(i)
	}
	return r
}

// MinimumSignFlipPersonas is the fewest persona-level values whose
// sign-flip test can reach p < alpha: 5 one-sided and 6 two-sided at
// α = 0.05.
func MinimumSignFlipPersonas(alpha float64, oneSided bool) int {
	n := 1
	for SmallestSignFlipP(n, oneSided) >= alpha && n < 64 {
		n++
	}
	return n
}

// checkSides says whether a compliance check's test is one-sided.
var checkSides = map[string]bool{CheckArt17Off: true, CheckArt17Tags: true, CheckArt18Minors: true,
	CheckArt21Prices: false, CheckArt11Key: true, CheckArt12Div: true}

// MinimumPersonas is the fewest units (CheckUnit personas) with which
// check's test can reach p < alpha (alpha outside (0, 1) means 0.05); 0
// for an unknown check.
func MinimumPersonas(check string, alpha float64) int {
	one, ok := checkSides[check]
	if !ok {
		return 0
	}
	if !(alpha > 0 && alpha < 1) {
		alpha = 0.05
	}
	return MinimumSignFlipPersonas(alpha, one)
}

// CheckUnit describes the persona a compliance check counts as its unit,
// for messages (the zero Text, printing "", for an unknown check).
func CheckUnit(check string) Text {
	if _, ok := checkSides[check]; !ok {
		return Text{}
	}
	return text("unit." + check)
}

// DesignWarning is a check a campaign's design cannot judge.
type DesignWarning struct {
	Check    string `json:"check"`
	Personas int    `json:"personas"`
	Minimum  int    `json:"minimum"`
	Message  string `json:"message"`
}

// DesignWarnings is what `feedprobe validate` warns about before a
// campaign runs: for each check the campaign runs (the keys of personas,
// a check name, each with how many units the design gives it: see
// CheckUnit), a warning when that count is below MinimumPersonas. Checks
// come back in Checks order; unknown names are reported as such.
func DesignWarnings(personas map[string]int, alpha float64) []DesignWarning {
	if !(alpha > 0 && alpha < 1) {
		alpha = 0.05
	}
	var out []DesignWarning
	for _, check := range Checks() {
		n, ok := personas[check]
		if !ok {
			continue
		}
		if m := MinimumPersonas(check, alpha); n < m {
			out = append(out, DesignWarning{Check: check, Personas: n, Minimum: m,
				Message: fmt.Sprintf("%s: %d %s(s), its test needs at least %d to reach α = %.2g (smallest p %.3g); the check will say %q",
					check, n, CheckUnit(check), m, alpha, SmallestSignFlipP(n, checkSides[check]), VerdictUnderpowered)})
		}
	}
	var unknown []string
	for check := range personas {
		if _, ok := checkSides[check]; !ok {
			unknown = append(unknown, check)
		}
	}
	slices.Sort(unknown)
	for _, check := range unknown {
		out = append(out, DesignWarning{Check: check, Personas: personas[check], Message: fmt.Sprintf("%s: no such compliance check", check)})
	}
	return out
}

// PlannedUnits counts, from a campaign's plan alone (personas and their
// planned sessions, no impressions), the units each compliance check
// would test: test personas that switch personalization off or drop an
// interest and have matched blank controls (art17-off, art17-tags),
// personas with a minor-mode session (art18-minors), test personas with
// a twin (art21-prices), and test personas with matched blank controls
// (art11-key-positions, art12-diversity). A check with no unit is left
// out. `feedprobe validate` hands the result, restricted to the checks
// the campaign runs, to DesignWarnings.
func PlannedUnits(personas []CompliancePersona) map[string]int {
	c := newChecker(ComplianceInput{Personas: personas}, DefaultComplianceOptions(), nil)
	out := map[string]int{}
	for _, p := range c.ps {
		for _, s := range p.info.Sessions {
			if s.MinorMode {
				out[CheckArt18Minors]++
				break
			}
		}
		if !p.test() {
			continue
		}
		ctrl := len(c.controlsOf(p)) > 0
		if _, _, _, ok := c.switchedOff(p); ok && ctrl {
			out[CheckArt17Off]++
		}
		if _, _, _, ok := c.droppedTopic(p); ok && ctrl {
			out[CheckArt17Tags]++
		}
		if len(c.twinsOf(p)) > 0 {
			out[CheckArt21Prices]++
		}
		if ctrl {
			out[CheckArt11Key]++
			out[CheckArt12Div]++
		}
	}
	return out
}
