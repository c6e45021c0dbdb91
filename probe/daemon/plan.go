package daemon

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/feedprobe/feedprobe/personas"
	"github.com/feedprobe/feedprobe/probe"
	"github.com/feedprobe/feedprobe/probe/feed"
	"github.com/feedprobe/feedprobe/storage"
)

// AdapterFor returns the campaign's adapter: its adapter_file if set, else
// the built-in one named by platform.
func AdapterFor(c *personas.Campaign) (*probe.Adapter, error) {
	if c.AdapterFile != "" {
		a, err := probe.LoadAdapter(c.AdapterFile)
		if err != nil {
			return nil, err
		}
		return a, nil
	}
	return probe.BuiltinAdapter(c.Platform)
}

// PlanCampaign stores the campaign and personas (idempotently), turns
// sessions left running by a crash into interrupted ones with a new planned
// attempt, re-plans failed sessions, and returns what is still to do.
func PlanCampaign(ctx context.Context, db *storage.DB, c *personas.Campaign) ([]probe.PersonaPlan, storage.Campaign, int, error) {
	spec, err := json.Marshal(c)
	if err != nil {
		return nil, storage.Campaign{}, 0, fmt.Errorf("encode campaign: %w", err)
	}
	camp, _, err := db.EnsureCampaign(ctx, storage.Campaign{
		Name: c.Name, Platform: c.Platform, BaseURL: c.BaseURL, Spec: spec, SpecHash: c.Hash(),
	})
	if errors.Is(err, storage.ErrSpecChanged) {
		return nil, camp, 0, fmt.Errorf("campaign %q is already in the database with a different design; give the changed campaign a new name (%w)", c.Name, err)
	}
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
		sp, err := db.EnsurePersona(ctx, storage.Persona{CampaignID: camp.ID, Name: p.Name, Role: p.Role, Spec: ps})
		if err != nil {
			return nil, camp, 0, err
		}
		if err := db.PlanSessions(ctx, sp.ID, c.Sessions); err != nil {
			return nil, camp, 0, err
		}
		byID[sp.ID] = p
		order = append(order, sp.ID)
	}
	resumed, err := db.RecoverInterrupted(ctx, camp.ID)
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
		if s.Status == storage.StatusPlanned {
			jobs[s.PersonaID] = append(jobs[s.PersonaID], probe.Job{SessionID: s.ID, Seq: s.Seq})
		}
	}
	var plans []probe.PersonaPlan
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

// CountErrors wraps s so that its failed writes count in m's
// feedprobe_storage_errors_total. Cancellation is not a storage error. The
// wrapper changes nothing else: when s is also a probe.Retrier, so is the
// wrapper (a Runner retries failed sessions only through a Retrier).
func CountErrors(s probe.Store, m *probe.Metrics) probe.Store {
	c := countingStore{Store: s, m: m}
	if r, ok := s.(probe.Retrier); ok {
		return countingRetrier{countingStore: c, r: r}
	}
	return c
}

// countingRetrier is a countingStore over a Store that is also a Retrier.
type countingRetrier struct {
	countingStore
	r probe.Retrier
}

func (s countingRetrier) RetrySession(ctx context.Context, id int64) (int64, error) {
	next, err := s.r.RetrySession(ctx, id)
	return next, s.count(err)
}

type countingStore struct {
	probe.Store
	m *probe.Metrics
}

func (s countingStore) count(err error) error {
	if err != nil && !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded) {
		s.m.StorageError()
	}
	return err
}

func (s countingStore) SaveImpressions(ctx context.Context, id int64, imps []feed.Impression) error {
	return s.count(s.Store.SaveImpressions(ctx, id, imps))
}

func (s countingStore) SaveActions(ctx context.Context, id int64, acts []feed.Action) error {
	return s.count(s.Store.SaveActions(ctx, id, acts))
}

func (s countingStore) SaveIdentity(ctx context.Context, personaID int64, identity []byte) error {
	return s.count(s.Store.SaveIdentity(ctx, personaID, identity))
}

func (s countingStore) StartSession(ctx context.Context, id int64, at time.Time) error {
	return s.count(s.Store.StartSession(ctx, id, at))
}

func (s countingStore) FinishSession(ctx context.Context, id int64, outcome, errText string, at time.Time) error {
	return s.count(s.Store.FinishSession(ctx, id, outcome, errText, at))
}
