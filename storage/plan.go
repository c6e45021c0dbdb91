package storage

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"

	"github.com/feedprobe/feedprobe/personas"
	"github.com/feedprobe/feedprobe/probe"
)

// PlanCampaign records campaign c and its personas (idempotently), plans
// their sessions, turns sessions left running by a crash into interrupted
// ones with a new planned attempt (resumed counts them), re-plans failed
// sessions, and returns what is still to do: each persona's planned
// sessions in order, personas in the campaign's order. A campaign already
// recorded with a different design is refused with an error that wraps
// ErrSpecChanged.
func (db *DB) PlanCampaign(ctx context.Context, c *personas.Campaign) (plans []probe.PersonaPlan, camp Campaign, resumed int, err error) {
	camp, err = db.recordCampaign(ctx, c, "; give the changed campaign a new name")
	if err != nil {
		return nil, camp, 0, err
	}
	byID := map[int64]personas.Spec{}
	var order []int64
	for _, p := range c.Personas {
		ps, err := json.Marshal(p)
		if err != nil {
			return nil, camp, 0, fmt.Errorf("encode persona %s: %w", p.Name, err)
		}
		sp, err := db.EnsurePersona(ctx, Persona{CampaignID: camp.ID, Name: p.Name, Role: p.Role, Spec: ps})
		if err != nil {
			return nil, camp, 0, err
		}
		if err := db.PlanSessions(ctx, sp.ID, c.Sessions); err != nil {
			return nil, camp, 0, err
		}
		byID[sp.ID] = p
		order = append(order, sp.ID)
	}
	resumed, err = db.RecoverInterrupted(ctx, camp.ID)
	if err != nil {
		return nil, camp, 0, err
	}
	if _, err := db.ReplanFailed(ctx, camp.ID); err != nil {
		return nil, camp, resumed, err
	}
	sessions, err := db.Sessions(ctx, camp.ID)
	if err != nil {
		return nil, camp, resumed, err
	}
	jobs := map[int64][]probe.Job{}
	for _, s := range sessions {
		if s.Status == StatusPlanned {
			jobs[s.PersonaID] = append(jobs[s.PersonaID], probe.Job{SessionID: s.ID, Seq: s.Seq})
		}
	}
	for _, id := range order {
		js := jobs[id]
		if len(js) == 0 {
			continue
		}
		sort.Slice(js, func(i, j int) bool { return js[i].Seq < js[j].Seq })
		plans = append(plans, probe.PersonaPlan{PersonaID: id, Persona: byID[id], Jobs: js})
	}
	return plans, camp, resumed, nil
}
