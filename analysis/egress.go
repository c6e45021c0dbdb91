package analysis

import (
	"slices"
	"sort"
)

// EgressObservation is the address one persona's session came from, as the
// platform's echo page reported it ("" when it named none).
type EgressObservation struct {
	Persona string
	Session int
	IP      string
}

// PersonaEgress is the addresses a persona's sessions came from.
type PersonaEgress struct {
	Persona string `json:"persona"`
	// IPs are the distinct addresses seen, sorted.
	IPs []string `json:"ips"`
	// Sessions counts the sessions with an echo; Unknown those whose echo
	// named no address.
	Sessions int `json:"sessions"`
	Unknown  int `json:"unknown"`
}

// SharedEgress is an address from which several personas browsed: the
// platform may have tied them together (Hannak et al.'s confound: an
// address-based personalization then masks or mimics the difference
// between them).
type SharedEgress struct {
	IP       string   `json:"ip"`
	Personas []string `json:"personas"`
}

// EgressReport lists each persona's egress and the addresses personas
// share.
type EgressReport struct {
	// Personas has one entry per persona of the campaign, in the order
	// given; a persona without echo has no IPs and zero Sessions.
	Personas []PersonaEgress `json:"personas"`
	// Shared lists every address seen from two personas or more, sorted by
	// address.
	Shared []SharedEgress `json:"shared"`
	// Checked is false when no session recorded an echo: nothing is known
	// of the personas' addresses.
	Checked bool `json:"checked"`
}

// CheckEgress builds the egress report of the personas named (in that
// order) from their sessions' observations; observations of other personas
// are added after them, by name.
func CheckEgress(names []string, obs []EgressObservation) EgressReport {
	rep := EgressReport{Personas: []PersonaEgress{}, Shared: []SharedEgress{}}
	at := map[string]int{}
	add := func(name string) int {
		i, ok := at[name]
		if !ok {
			i = len(rep.Personas)
			at[name] = i
			rep.Personas = append(rep.Personas, PersonaEgress{Persona: name, IPs: []string{}})
		}
		return i
	}
	for _, n := range names {
		add(n)
	}
	sort.SliceStable(obs, func(a, b int) bool { return obs[a].Persona < obs[b].Persona })
	byIP := map[string][]string{}
	for _, o := range obs {
		rep.Checked = true
		p := &rep.Personas[add(o.Persona)]
		p.Sessions++
		if o.IP == "" {
			p.Unknown++
			continue
		}
		if !slices.Contains(p.IPs, o.IP) {
			p.IPs = append(p.IPs, o.IP)
			byIP[o.IP] = append(byIP[o.IP], o.Persona)
		}
	}
	for i := range rep.Personas {
		sort.Strings(rep.Personas[i].IPs)
	}
	for ip, ps := range byIP {
		if len(ps) > 1 {
			sort.Strings(ps)
			rep.Shared = append(rep.Shared, SharedEgress{IP: ip, Personas: ps})
		}
	}
	sort.Slice(rep.Shared, func(a, b int) bool { return rep.Shared[a].IP < rep.Shared[b].IP })
	return rep
}
