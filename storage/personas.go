package storage

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/feedprobe/feedprobe/personas"
)

// RecordPersona records campaign c as daemon.PlanCampaign does (so a later run
// finds it unchanged) and its persona name, and returns them. It returns
// ErrNotFound when c has no persona of that name, and an error wrapping
// ErrSpecChanged when c is recorded with a different design.
func (db *DB) RecordPersona(ctx context.Context, c *personas.Campaign, name string) (Persona, Campaign, error) {
	camp, err := db.recordCampaign(ctx, c, "")
	if err != nil {
		return Persona{}, camp, err
	}
	for _, ps := range c.Personas {
		if ps.Name == name {
			spec, err := json.Marshal(ps)
			if err != nil {
				return Persona{}, camp, err
			}
			p, err := db.EnsurePersona(ctx, Persona{CampaignID: camp.ID, Name: ps.Name, Role: ps.Role, Spec: spec})
			return p, camp, err
		}
	}
	return Persona{}, camp, ErrNotFound
}

// FindPersona finds a persona by name in the campaign named campaign or,
// for "", in the only campaign that has a persona of that name. The errors
// say how to pick (--campaign) when there is none or several.
func (db *DB) FindPersona(ctx context.Context, campaign, name string) (Persona, Campaign, error) {
	var camps []Campaign
	switch {
	case campaign != "":
		c, err := db.CampaignByName(ctx, campaign)
		if err != nil {
			return Persona{}, Campaign{}, fmt.Errorf("campaign %q: %w", campaign, err)
		}
		camps = []Campaign{c}
	default:
		var err error
		if camps, err = db.Campaigns(ctx); err != nil {
			return Persona{}, Campaign{}, err
		}
	}
	var found []Persona
	var foundCamp []Campaign
	for _, c := range camps {
		ps, err := db.Personas(ctx, c.ID)
		if err != nil {
			return Persona{}, c, err
		}
		for _, p := range ps {
			if p.Name == name {
				found, foundCamp = append(found, p), append(foundCamp, c)
			}
		}
	}
	switch len(found) {
	case 0:
		return Persona{}, Campaign{}, fmt.Errorf("no persona %q in the database: give --campaign FILE.yaml to record its campaign first", name)
	case 1:
		return found[0], foundCamp[0], nil
	}
	var names []string
	for _, c := range foundCamp {
		names = append(names, c.Name)
	}
	return Persona{}, Campaign{}, fmt.Errorf("persona %q is in campaigns %s: pick one with --campaign", name, strings.Join(names, ", "))
}

// recordCampaign records campaign c (idempotently); hint ends the error of
// a campaign recorded with a different design.
func (db *DB) recordCampaign(ctx context.Context, c *personas.Campaign, hint string) (Campaign, error) {
	spec, err := json.Marshal(c)
	if err != nil {
		return Campaign{}, fmt.Errorf("encode campaign: %w", err)
	}
	camp, _, err := db.EnsureCampaign(ctx, Campaign{
		Name: c.Name, Platform: c.Platform, BaseURL: c.BaseURL, Spec: spec, SpecHash: c.Hash(),
	})
	if errors.Is(err, ErrSpecChanged) {
		return camp, fmt.Errorf("campaign %q is already in the database with a different design%s (%w)", c.Name, hint, err)
	}
	return camp, err
}
