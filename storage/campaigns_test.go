package storage

import (
	"bytes"
	"context"
	"errors"
	"testing"
)

func TestEnsureCampaign(t *testing.T) {
	ctx := context.Background()
	db := mustOpenDB(t)
	first := Campaign{Name: "bubble", Platform: "simfeed", BaseURL: "http://127.0.0.1:8080", Spec: []byte(`{"v":1}`), SpecHash: "aaa", CreatedAt: t0}
	orig, created, err := db.EnsureCampaign(ctx, first)
	if err != nil || !created {
		t.Fatalf("EnsureCampaign(new) = created %v, %v, want created", created, err)
	}
	if orig.ID == 0 || !orig.CreatedAt.Equal(t0) {
		t.Fatalf("EnsureCampaign(new) = %+v, want an ID and CreatedAt %v", orig, t0)
	}
	tests := []struct {
		name        string
		c           Campaign
		wantCreated bool
		wantErr     error
		wantSameID  bool
	}{
		{name: "same spec", c: first, wantSameID: true},
		{name: "same hash other fields", c: Campaign{Name: "bubble", Platform: "other", SpecHash: "aaa"}, wantSameID: true},
		{name: "spec changed", c: Campaign{Name: "bubble", Platform: "simfeed", Spec: []byte(`{"v":2}`), SpecHash: "bbb"}, wantErr: ErrSpecChanged, wantSameID: true},
		{name: "other name", c: Campaign{Name: "bubble2", Platform: "simfeed", SpecHash: "aaa"}, wantCreated: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, created, err := db.EnsureCampaign(ctx, tc.c)
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("EnsureCampaign error = %v, want %v", err, tc.wantErr)
			}
			if created != tc.wantCreated {
				t.Errorf("created = %v, want %v", created, tc.wantCreated)
			}
			if (got.ID == orig.ID) != tc.wantSameID {
				t.Errorf("ID = %d, original %d, want same %v", got.ID, orig.ID, tc.wantSameID)
			}
			if tc.wantSameID && (got.SpecHash != "aaa" || got.Platform != "simfeed" || !bytes.Equal(got.Spec, first.Spec)) {
				t.Errorf("existing campaign = %+v, want the stored one unchanged", got)
			}
		})
	}
	if _, _, err := db.EnsureCampaign(ctx, Campaign{}); err == nil {
		t.Error("EnsureCampaign(empty name) succeeded")
	}
}

func TestCampaignLookups(t *testing.T) {
	ctx := context.Background()
	db := mustOpenDB(t)
	if _, err := db.LatestCampaign(ctx); !errors.Is(err, ErrNotFound) {
		t.Errorf("LatestCampaign(empty db) error = %v, want ErrNotFound", err)
	}
	a, _, err := db.EnsureCampaign(ctx, Campaign{Name: "a", Platform: "simfeed", BaseURL: "u", Spec: []byte("{}"), SpecHash: "1", CreatedAt: t0})
	if err != nil {
		t.Fatal(err)
	}
	b, _, err := db.EnsureCampaign(ctx, Campaign{Name: "b", Platform: "simfeed", SpecHash: "2"})
	if err != nil {
		t.Fatal(err)
	}
	if b.CreatedAt.IsZero() {
		t.Error("CreatedAt not defaulted to now")
	}
	got, err := db.Campaign(ctx, a.ID)
	if err != nil || got.Name != "a" || got.BaseURL != "u" || string(got.Spec) != "{}" || !got.CreatedAt.Equal(t0) {
		t.Errorf("Campaign(%d) = %+v, %v, want campaign a", a.ID, got, err)
	}
	if got, err := db.CampaignByName(ctx, "b"); err != nil || got.ID != b.ID {
		t.Errorf("CampaignByName(b) = %+v, %v, want id %d", got, err, b.ID)
	}
	if got, err := db.LatestCampaign(ctx); err != nil || got.ID != b.ID {
		t.Errorf("LatestCampaign = %+v, %v, want id %d", got, err, b.ID)
	}
	if _, err := db.Campaign(ctx, 999); !errors.Is(err, ErrNotFound) {
		t.Errorf("Campaign(999) error = %v, want ErrNotFound", err)
	}
	if _, err := db.CampaignByName(ctx, "zzz"); !errors.Is(err, ErrNotFound) {
		t.Errorf("CampaignByName(zzz) error = %v, want ErrNotFound", err)
	}
	cs, err := db.Campaigns(ctx)
	if err != nil || len(cs) != 2 || cs[0].ID != a.ID || cs[1].ID != b.ID {
		t.Errorf("Campaigns = %+v, %v, want a then b", cs, err)
	}
}

func TestEnsurePersona(t *testing.T) {
	ctx := context.Background()
	db := mustOpenDB(t)
	c, _, err := db.EnsureCampaign(ctx, Campaign{Name: "c", SpecHash: "h"})
	if err != nil {
		t.Fatal(err)
	}
	p1, err := db.EnsurePersona(ctx, Persona{CampaignID: c.ID, Name: "alice", Role: "control", Spec: []byte(`{"a":1}`)})
	if err != nil {
		t.Fatal(err)
	}
	p2, err := db.EnsurePersona(ctx, Persona{CampaignID: c.ID, Name: "bob", Role: "treatment", Spec: []byte(`{}`)})
	if err != nil {
		t.Fatal(err)
	}
	again, err := db.EnsurePersona(ctx, Persona{CampaignID: c.ID, Name: "alice", Role: "treatment", Spec: []byte(`{"a":2}`)})
	if err != nil {
		t.Fatal(err)
	}
	if again.ID != p1.ID {
		t.Errorf("EnsurePersona(alice again) ID = %d, want %d", again.ID, p1.ID)
	}
	ps, err := db.Personas(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(ps) != 2 || ps[0].ID != p1.ID || ps[1].ID != p2.ID {
		t.Fatalf("Personas = %+v, want alice then bob", ps)
	}
	if ps[0].Role != "treatment" || string(ps[0].Spec) != `{"a":2}` {
		t.Errorf("alice after update = %+v, want role treatment and the new spec", ps[0])
	}
	if _, err := db.EnsurePersona(ctx, Persona{CampaignID: 999, Name: "x"}); !errors.Is(err, ErrNotFound) {
		t.Errorf("EnsurePersona(unknown campaign) error = %v, want ErrNotFound", err)
	}
}
