package storage

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/feedprobe/feedprobe/personas"
)

// StartGap is how far apart matched personas started their sessions of
// the same number: a test persona and its matched controls (its twins and
// the controls whose arm names it; with neither, the controls of no arm)
// should browse in lock-step, and the report states the largest gap.
type StartGap struct {
	// Seconds is the largest gap between the start of a test persona's
	// session and the start of the same-numbered session of a persona
	// matched to it, over finished sessions.
	Seconds float64 `json:"seconds"`
	// Persona is the test persona and Other the matched persona of that
	// gap; Session is the session number.
	Persona string `json:"persona"`
	Other   string `json:"other"`
	Session int    `json:"session"`
	// Pairs is how many (test persona, matched persona, session) pairs
	// were measured.
	Pairs int `json:"pairs"`
}

// StartGap computes campaign campaignID's largest start-time gap between
// matched personas from its finished sessions' started_at; nil when the
// campaign has no matched pair with both sessions finished.
func (db *DB) StartGap(ctx context.Context, campaignID int64) (*StartGap, error) {
	ps, err := db.Personas(ctx, campaignID)
	if err != nil {
		return nil, err
	}
	byID := map[int64]string{}
	arm := map[string]string{}
	role := map[string]string{}
	var names []string
	for _, p := range ps {
		var spec personas.Spec
		if err := json.Unmarshal(p.Spec, &spec); err != nil {
			return nil, fmt.Errorf("decode persona %s: %w", p.Name, err)
		}
		byID[p.ID] = p.Name
		arm[p.Name], role[p.Name] = spec.MatchedArm(), p.Role
		names = append(names, p.Name)
	}
	sessions, err := db.Sessions(ctx, campaignID)
	if err != nil {
		return nil, err
	}
	started := map[string]map[int]time.Time{}
	for _, s := range sessions {
		if s.Status != StatusDone || s.StartedAt.IsZero() {
			continue
		}
		name := byID[s.PersonaID]
		if started[name] == nil {
			started[name] = map[int]time.Time{}
		}
		started[name][s.Seq] = s.StartedAt // the last finished attempt wins
	}
	return startGap(names, role, arm, started), nil
}

// startGap is StartGap over plain values: names in campaign order, each
// persona's role and arm, and its sessions' start times by number.
func startGap(names []string, role, arm map[string]string, started map[string]map[int]time.Time) *StartGap {
	var free []string
	matched := map[string][]string{}
	for _, n := range names {
		if role[n] == personas.RoleTest {
			continue
		}
		if a := arm[n]; a != "" {
			matched[a] = append(matched[a], n)
		} else {
			free = append(free, n)
		}
	}
	var g *StartGap
	for _, t := range names {
		if role[t] != personas.RoleTest {
			continue
		}
		others := matched[t]
		if len(others) == 0 {
			others = free
		}
		for _, o := range others {
			for seq, ts := range started[t] {
				to, ok := started[o][seq]
				if !ok {
					continue
				}
				d := ts.Sub(to).Abs().Seconds()
				if g == nil {
					g = &StartGap{Persona: t, Other: o, Session: seq, Seconds: d}
				} else if d > g.Seconds || d == g.Seconds && (t < g.Persona || t == g.Persona && (o < g.Other || o == g.Other && seq < g.Session)) {
					g.Seconds, g.Persona, g.Other, g.Session = d, t, o, seq
				}
				g.Pairs++
			}
		}
	}
	return g
}
