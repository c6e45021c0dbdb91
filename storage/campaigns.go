package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Campaign is a recorded campaign: its name, the platform it audits, and the
// campaign spec exactly as loaded (JSON) with its hash.
type Campaign struct {
	ID        int64
	Name      string
	Platform  string
	BaseURL   string
	Spec      []byte
	SpecHash  string
	CreatedAt time.Time
}

// Persona is a recorded persona of a campaign, with its spec as JSON.
type Persona struct {
	ID         int64
	CampaignID int64
	Name       string
	Role       string
	Spec       []byte
}

const campaignColumns = "id, name, platform, base_url, spec, spec_hash, created_at"

type rowScanner interface{ Scan(dest ...any) error }

func scanCampaign(r rowScanner) (Campaign, error) {
	var (
		c       Campaign
		spec    string
		created sql.NullInt64
	)
	if err := r.Scan(&c.ID, &c.Name, &c.Platform, &c.BaseURL, &spec, &c.SpecHash, &created); err != nil {
		return Campaign{}, err
	}
	c.Spec, c.CreatedAt = []byte(spec), fromMillis(created)
	return c, nil
}

// EnsureCampaign records c, looked up by name, and reports whether it created
// it. When a campaign of that name exists with the same SpecHash it is
// returned as is; with a different SpecHash the existing campaign is returned
// with an error wrapping ErrSpecChanged. A zero CreatedAt means now. ID and
// CreatedAt of c are otherwise ignored.
func (db *DB) EnsureCampaign(ctx context.Context, c Campaign) (Campaign, bool, error) {
	if err := db.writable("ensure campaign " + c.Name); err != nil {
		return Campaign{}, false, err
	}
	if c.Name == "" {
		return Campaign{}, false, errors.New("ensure campaign: empty name")
	}
	tx, err := db.w.BeginTx(ctx, nil)
	if err != nil {
		return Campaign{}, false, fmt.Errorf("ensure campaign %s: %w", c.Name, err)
	}
	defer tx.Rollback()
	old, err := scanCampaign(tx.QueryRowContext(ctx, "SELECT "+campaignColumns+" FROM campaigns WHERE name = ?", c.Name))
	switch {
	case err == nil:
		if old.SpecHash != c.SpecHash {
			return old, false, fmt.Errorf("campaign %s (spec hash %s, given %s): %w", c.Name, old.SpecHash, c.SpecHash, ErrSpecChanged)
		}
		return old, false, nil
	case !errors.Is(err, sql.ErrNoRows):
		return Campaign{}, false, fmt.Errorf("ensure campaign %s: %w", c.Name, err)
	}
	if c.CreatedAt.IsZero() {
		c.CreatedAt = db.now()
	}
	c.CreatedAt = time.UnixMilli(c.CreatedAt.UnixMilli()).UTC()
	err = tx.QueryRowContext(ctx,
		"INSERT INTO campaigns (name, platform, base_url, spec, spec_hash, created_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
		c.Name, c.Platform, c.BaseURL, string(c.Spec), c.SpecHash, c.CreatedAt.UnixMilli()).Scan(&c.ID)
	if err != nil {
		return Campaign{}, false, fmt.Errorf("insert campaign %s: %w", c.Name, err)
	}
	if err := db.sealTx(ctx, tx, c.ID, "campaign created"); err != nil {
		return Campaign{}, false, fmt.Errorf("insert campaign %s: %w", c.Name, err)
	}
	if err := tx.Commit(); err != nil {
		return Campaign{}, false, fmt.Errorf("insert campaign %s: %w", c.Name, err)
	}
	return c, true, nil
}

// Campaign returns the campaign with the given id, or an error wrapping
// ErrNotFound.
func (db *DB) Campaign(ctx context.Context, id int64) (Campaign, error) {
	c, err := scanCampaign(db.r.QueryRowContext(ctx, "SELECT "+campaignColumns+" FROM campaigns WHERE id = ?", id))
	if errors.Is(err, sql.ErrNoRows) {
		return Campaign{}, fmt.Errorf("campaign %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return Campaign{}, fmt.Errorf("campaign %d: %w", id, err)
	}
	return c, nil
}

// CampaignByName returns the campaign with the given name, or an error
// wrapping ErrNotFound.
func (db *DB) CampaignByName(ctx context.Context, name string) (Campaign, error) {
	c, err := scanCampaign(db.r.QueryRowContext(ctx, "SELECT "+campaignColumns+" FROM campaigns WHERE name = ?", name))
	if errors.Is(err, sql.ErrNoRows) {
		return Campaign{}, fmt.Errorf("campaign %q: %w", name, ErrNotFound)
	}
	if err != nil {
		return Campaign{}, fmt.Errorf("campaign %q: %w", name, err)
	}
	return c, nil
}

// LatestCampaign returns the most recently created campaign (highest id), or
// an error wrapping ErrNotFound when there is none.
func (db *DB) LatestCampaign(ctx context.Context) (Campaign, error) {
	c, err := scanCampaign(db.r.QueryRowContext(ctx, "SELECT "+campaignColumns+" FROM campaigns ORDER BY id DESC LIMIT 1"))
	if errors.Is(err, sql.ErrNoRows) {
		return Campaign{}, fmt.Errorf("latest campaign: %w", ErrNotFound)
	}
	if err != nil {
		return Campaign{}, fmt.Errorf("latest campaign: %w", err)
	}
	return c, nil
}

// Campaigns returns every campaign in id order.
func (db *DB) Campaigns(ctx context.Context) ([]Campaign, error) {
	rows, err := db.r.QueryContext(ctx, "SELECT "+campaignColumns+" FROM campaigns ORDER BY id")
	if err != nil {
		return nil, fmt.Errorf("list campaigns: %w", err)
	}
	defer rows.Close()
	var cs []Campaign
	for rows.Next() {
		c, err := scanCampaign(rows)
		if err != nil {
			return nil, fmt.Errorf("list campaigns: %w", err)
		}
		cs = append(cs, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list campaigns: %w", err)
	}
	return cs, nil
}

// EnsurePersona records p, looked up by (CampaignID, Name), updating Role and
// Spec when it exists, and returns it with its ID. It returns an error
// wrapping ErrNotFound when the campaign does not exist.
func (db *DB) EnsurePersona(ctx context.Context, p Persona) (Persona, error) {
	if err := db.writable("ensure persona " + p.Name); err != nil {
		return Persona{}, err
	}
	if p.Name == "" {
		return Persona{}, fmt.Errorf("ensure persona in campaign %d: empty name", p.CampaignID)
	}
	tx, err := db.w.BeginTx(ctx, nil)
	if err != nil {
		return Persona{}, fmt.Errorf("ensure persona %s: %w", p.Name, err)
	}
	defer tx.Rollback()
	var one int
	err = tx.QueryRowContext(ctx, "SELECT 1 FROM campaigns WHERE id = ?", p.CampaignID).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return Persona{}, fmt.Errorf("ensure persona %s: campaign %d: %w", p.Name, p.CampaignID, ErrNotFound)
	}
	if err != nil {
		return Persona{}, fmt.Errorf("ensure persona %s: %w", p.Name, err)
	}
	err = tx.QueryRowContext(ctx, `INSERT INTO personas (campaign_id, name, role, spec) VALUES (?, ?, ?, ?)
		ON CONFLICT (campaign_id, name) DO UPDATE SET role = excluded.role, spec = excluded.spec
		RETURNING id`, p.CampaignID, p.Name, p.Role, string(p.Spec)).Scan(&p.ID)
	if err != nil {
		return Persona{}, fmt.Errorf("ensure persona %s: %w", p.Name, err)
	}
	if err := db.sealOwnTx(ctx, tx, p.CampaignID, "persona "+p.Name+" recorded"); err != nil {
		return Persona{}, fmt.Errorf("ensure persona %s: %w", p.Name, err)
	}
	if err := tx.Commit(); err != nil {
		return Persona{}, fmt.Errorf("ensure persona %s: %w", p.Name, err)
	}
	return p, nil
}

// Personas returns the personas of a campaign in id order (the order they
// were first recorded).
func (db *DB) Personas(ctx context.Context, campaignID int64) ([]Persona, error) {
	rows, err := db.r.QueryContext(ctx, "SELECT id, campaign_id, name, role, spec FROM personas WHERE campaign_id = ? ORDER BY id", campaignID)
	if err != nil {
		return nil, fmt.Errorf("personas of campaign %d: %w", campaignID, err)
	}
	defer rows.Close()
	var ps []Persona
	for rows.Next() {
		var (
			p    Persona
			spec string
		)
		if err := rows.Scan(&p.ID, &p.CampaignID, &p.Name, &p.Role, &spec); err != nil {
			return nil, fmt.Errorf("personas of campaign %d: %w", campaignID, err)
		}
		p.Spec = []byte(spec)
		ps = append(ps, p)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("personas of campaign %d: %w", campaignID, err)
	}
	return ps, nil
}
