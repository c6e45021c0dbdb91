package storage

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/feedprobe/feedprobe/personas"
)

func TestRecordAndFindPersona(t *testing.T) {
	ctx := context.Background()
	db := mustOpenDB(t)
	c := &personas.Campaign{Name: "login", Platform: "simfeed", BaseURL: "http://127.0.0.1:1", Sessions: 1,
		Personas: []personas.Spec{{Name: "alice", Role: "test"}}}
	p, camp, err := db.RecordPersona(ctx, c, "alice")
	if err != nil || p.Name != "alice" || camp.Name != "login" {
		t.Fatalf("RecordPersona = %+v, %+v, %v, want alice of login", p, camp, err)
	}
	if _, _, err := db.RecordPersona(ctx, c, "bob"); !errors.Is(err, ErrNotFound) {
		t.Errorf("RecordPersona(bob) = %v, want ErrNotFound", err)
	}
	changed := *c
	changed.Sessions = 2
	if _, _, err := db.RecordPersona(ctx, &changed, "alice"); !errors.Is(err, ErrSpecChanged) {
		t.Errorf("RecordPersona of a changed design = %v, want ErrSpecChanged", err)
	}
	// The same design again: a run finds it unchanged.
	spec, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	if again, _, err := db.EnsureCampaign(ctx, Campaign{Name: c.Name, Platform: c.Platform, BaseURL: c.BaseURL, Spec: spec, SpecHash: c.Hash()}); err != nil || again.ID != camp.ID {
		t.Errorf("EnsureCampaign after RecordPersona = %+v, %v, want campaign %d", again, err, camp.ID)
	}
	for _, tc := range []struct{ campaign, name, wantErr string }{
		{"", "alice", ""},
		{"login", "alice", ""},
		{"", "carol", `no persona "carol" in the database`},
		{"nosuch", "alice", `campaign "nosuch"`},
	} {
		got, gc, err := db.FindPersona(ctx, tc.campaign, tc.name)
		switch {
		case tc.wantErr == "" && (err != nil || got.ID != p.ID || gc.ID != camp.ID):
			t.Errorf("FindPersona(%q, %q) = %+v, %v, want persona %d", tc.campaign, tc.name, got, err, p.ID)
		case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
			t.Errorf("FindPersona(%q, %q) = %v, want an error with %q", tc.campaign, tc.name, err, tc.wantErr)
		}
	}
	other := &personas.Campaign{Name: "other", Platform: "simfeed", BaseURL: "http://127.0.0.1:1", Sessions: 1,
		Personas: []personas.Spec{{Name: "alice", Role: "test"}}}
	if _, _, err := db.RecordPersona(ctx, other, "alice"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := db.FindPersona(ctx, "", "alice"); err == nil || !strings.Contains(err.Error(), "pick one with --campaign") {
		t.Errorf("FindPersona in two campaigns = %v, want a pick-one error", err)
	}
}
