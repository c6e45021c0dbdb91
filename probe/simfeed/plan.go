package simfeed

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/feedprobe/feedprobe/personas"
)

// StrataSizes are the primary test's strata of campaign c: for each test
// persona, itself and its matched controls (twins and arm controls, else
// the controls of no arm).
func StrataSizes(c *personas.Campaign) []int {
	matched := map[string]int{}
	free := 0
	for _, p := range c.Personas {
		if p.Role == personas.RoleTest {
			continue
		}
		switch arm := cmp.Or(p.TwinOf, p.Arm); arm {
		case "":
			free++
		default:
			matched[arm]++
		}
	}
	var sizes []int
	for _, p := range c.Personas {
		if p.Role != personas.RoleTest {
			continue
		}
		n := matched[p.Name]
		if n == 0 {
			n = free
		}
		if n > 0 {
			sizes = append(sizes, n+1)
		}
	}
	return sizes
}

// CheckTopics names the topics of c's test personas that simfeed does not
// have, in a warning ("" when there is none), and refuses a campaign
// whose test personas have none it has: their share would be 0 whatever
// the strength, so no design could find anything.
func CheckTopics(c *personas.Campaign) (warning string, err error) {
	known := map[string]bool{}
	for _, t := range Topics() {
		known[t] = true
	}
	unknown := map[string][]string{}
	useful := 0
	for _, p := range c.Personas {
		if p.Role != personas.RoleTest {
			continue
		}
		ok := false
		for _, in := range append([]map[string]float64{p.Interests}, phaseInterests(p)...) {
			for t, w := range in {
				if w <= 0 {
					continue
				}
				if known[t] {
					ok = true
				} else if !slices.Contains(unknown[t], p.Name) {
					unknown[t] = append(unknown[t], p.Name)
				}
			}
		}
		if ok {
			useful++
		}
	}
	if len(unknown) == 0 {
		return "", nil
	}
	var parts []string
	for _, t := range slices.Sorted(maps.Keys(unknown)) {
		parts = append(parts, fmt.Sprintf("%q (%s)", t, strings.Join(unknown[t], ", ")))
	}
	msg := fmt.Sprintf("simfeed has no topic %s; its topics are %s", strings.Join(parts, ", "), strings.Join(Topics(), ", "))
	if useful == 0 {
		return "", fmt.Errorf("%s: no test persona is trained on a topic simfeed has, so the power would be 0 whatever the design", msg)
	}
	return msg, nil
}

func phaseInterests(p personas.Spec) []map[string]float64 {
	var out []map[string]float64
	for _, ph := range p.Phases {
		out = append(out, ph.Interests)
	}
	return out
}
