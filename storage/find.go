package storage

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"

	"github.com/feedprobe/feedprobe/personas"
)

// FindCampaign returns the campaign ref names: an id, else a name; the
// latest campaign for "". A ref that names none is an error saying so
// (it wraps no sentinel: it is the user's to read).
func (db *DB) FindCampaign(ctx context.Context, ref string) (Campaign, error) {
	if ref == "" {
		c, err := db.LatestCampaign(ctx)
		if errors.Is(err, ErrNotFound) {
			return c, errors.New("the database has no campaign yet (run one with feedprobe run or feedprobe demo)")
		}
		return c, err
	}
	if id, err := strconv.ParseInt(ref, 10, 64); err == nil {
		c, err := db.Campaign(ctx, id)
		if !errors.Is(err, ErrNotFound) {
			return c, err
		}
	}
	c, err := db.CampaignByName(ctx, ref)
	if errors.Is(err, ErrNotFound) {
		return c, fmt.Errorf("no campaign %q in the database", ref)
	}
	return c, err
}

// FindInspection returns the inspection ref names: an id, else a case
// name. A ref that names none is an error saying so.
func (db *DB) FindInspection(ctx context.Context, ref string) (Inspection, error) {
	if id, err := strconv.ParseInt(ref, 10, 64); err == nil {
		in, err := db.Inspection(ctx, id)
		if !errors.Is(err, ErrNotFound) {
			return in, err
		}
	}
	in, err := db.InspectionByCase(ctx, ref)
	if errors.Is(err, ErrNotFound) {
		return in, fmt.Errorf("no inspection %q in the database (feedprobe inspection list)", ref)
	}
	return in, err
}

// LookupPersona finds a persona by name: in the campaign given by its YAML
// file (which is recorded first, as a run records it: RecordPersona) or
// by its name, or, for campaign "", in the only campaign that has a
// persona of that name (FindPersona).
func (db *DB) LookupPersona(ctx context.Context, campaign, name string) (Persona, Campaign, error) {
	if st, err := os.Stat(campaign); campaign != "" && err == nil && !st.IsDir() {
		c, err := personas.LoadCampaign(campaign)
		if err != nil {
			return Persona{}, Campaign{}, err
		}
		p, camp, err := db.RecordPersona(ctx, c, name)
		if errors.Is(err, ErrNotFound) {
			return p, camp, fmt.Errorf("campaign %s has no persona %q", campaign, name)
		}
		return p, camp, err
	}
	return db.FindPersona(ctx, campaign, name)
}
