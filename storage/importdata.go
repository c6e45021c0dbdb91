package storage

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"time"
)

// CatalogueItem is one row of the item catalogue.
type CatalogueItem struct {
	Platform string
	ItemID   string
	Title    string
	Topic    string
}

// EachItem calls fn for every item of the catalogue of platform ("" for
// every platform), ordered by platform and item id, and stops at the first
// error fn returns (returned unwrapped).
func (db *DB) EachItem(ctx context.Context, platform string, fn func(CatalogueItem) error) error {
	q := "SELECT platform, item_id, title, topic FROM items"
	var args []any
	if platform != "" {
		q += " WHERE platform = ?"
		args = append(args, platform)
	}
	q += " ORDER BY platform, item_id"
	rows, err := db.r.QueryContext(ctx, q, args...)
	if err != nil {
		return fmt.Errorf("read items: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var it CatalogueItem
		if err := rows.Scan(&it.Platform, &it.ItemID, &it.Title, &it.Topic); err != nil {
			return fmt.Errorf("read items: %w", err)
		}
		if err := fn(it); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read items: %w", err)
	}
	return nil
}

// ImportedImpression is one impression another tool recorded.
type ImportedImpression struct {
	Persona string
	Session int // the persona's session or step, 1..
	Rank    int // 1..
	Surface string
	ItemID  string
	Title   string
	Topic   string
	SeenAt  time.Time // zero when the source has no time
	// Sponsored and Synthetic are the item's ad and AI-generated flags,
	// when the source has them.
	Sponsored, Synthetic bool
	// Raw is the item's JSON as the source holds it (the raw column); nil
	// for none.
	Raw []byte
}

// Import is a data set from another audit tool, to be stored as a campaign
// of its own.
type Import struct {
	Campaign Campaign  // Name, Platform, BaseURL, Spec and SpecHash
	Personas []Persona // Name, Role, Spec; CampaignID is filled in
	// Impressions may come in any order; every (persona, session, surface,
	// rank) must be unique and every persona listed in Personas.
	Impressions []ImportedImpression
	// Labels are stored as they are (Source should name the import).
	Labels []Label
	// Warnings are what the parser ignored (columns that are no field),
	// for the caller to print.
	Warnings []string
}

// ImportResult counts what Import stored.
type ImportResult struct {
	Campaign    Campaign
	Personas    int
	Sessions    int
	Impressions int
	Labels      int
}

// ErrCampaignExists means an import names a campaign that is already in the
// database.
var ErrCampaignExists = errors.New("campaign already exists")

// Import stores an import in one transaction: a new campaign, its personas,
// one finished ("done") session per persona and session number, the items
// and impressions, and the labels. Nothing is kept when anything fails. A
// campaign of the same name is refused with ErrCampaignExists.
func (db *DB) Import(ctx context.Context, im Import) (ImportResult, error) {
	res := ImportResult{}
	if err := db.writable("import"); err != nil {
		return res, err
	}
	c := im.Campaign
	if c.Name == "" || c.Platform == "" {
		return res, errors.New("import: campaign name and platform are required")
	}
	tx, err := db.w.BeginTx(ctx, nil)
	if err != nil {
		return res, fmt.Errorf("import: %w", err)
	}
	defer tx.Rollback()
	var n int
	if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM campaigns WHERE name = ?", c.Name).Scan(&n); err != nil {
		return res, fmt.Errorf("import: %w", err)
	}
	if n > 0 {
		return res, fmt.Errorf("import campaign %q: %w; choose another name", c.Name, ErrCampaignExists)
	}
	if c.CreatedAt.IsZero() {
		c.CreatedAt = db.now()
	}
	c.CreatedAt = time.UnixMilli(c.CreatedAt.UnixMilli()).UTC()
	if err := tx.QueryRowContext(ctx, `INSERT INTO campaigns (name, platform, base_url, spec, spec_hash, created_at)
		VALUES (?, ?, ?, ?, ?, ?) RETURNING id`, c.Name, c.Platform, c.BaseURL, string(c.Spec), c.SpecHash, c.CreatedAt.UnixMilli()).Scan(&c.ID); err != nil {
		return res, fmt.Errorf("import campaign %q: %w", c.Name, err)
	}
	res.Campaign = c
	personaID := map[string]int64{}
	for _, p := range im.Personas {
		var id int64
		if err := tx.QueryRowContext(ctx, "INSERT INTO personas (campaign_id, name, role, spec) VALUES (?, ?, ?, ?) RETURNING id",
			c.ID, p.Name, p.Role, string(p.Spec)).Scan(&id); err != nil {
			return res, fmt.Errorf("import persona %q: %w", p.Name, err)
		}
		personaID[p.Name] = id
		res.Personas++
	}
	// Group impressions into sessions.
	type sessKey struct {
		persona string
		seq     int
	}
	sessions := map[sessKey][]ImportedImpression{}
	for _, imp := range im.Impressions {
		if _, ok := personaID[imp.Persona]; !ok {
			return res, fmt.Errorf("import: impression of unknown persona %q", imp.Persona)
		}
		k := sessKey{imp.Persona, imp.Session}
		sessions[k] = append(sessions[k], imp)
	}
	keys := make([]sessKey, 0, len(sessions))
	for k := range sessions {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].persona != keys[j].persona {
			return keys[i].persona < keys[j].persona
		}
		return keys[i].seq < keys[j].seq
	})
	itemStmt, err := tx.PrepareContext(ctx, `INSERT INTO items (platform, item_id, title, topic, first_seen_at, last_seen_at)
		VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (platform, item_id) DO UPDATE SET
		title = CASE WHEN excluded.title != '' THEN excluded.title ELSE items.title END,
		topic = CASE WHEN excluded.topic != '' THEN excluded.topic ELSE items.topic END,
		first_seen_at = coalesce(min(items.first_seen_at, excluded.first_seen_at), items.first_seen_at, excluded.first_seen_at),
		last_seen_at = coalesce(max(items.last_seen_at, excluded.last_seen_at), items.last_seen_at, excluded.last_seen_at)`)
	if err != nil {
		return res, fmt.Errorf("import: %w", err)
	}
	defer itemStmt.Close()
	impStmt, err := tx.PrepareContext(ctx, `INSERT INTO impressions
		(session_id, rank, platform, item_id, seen_at, surface, title, topic, sponsored, synthetic, raw)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
	if err != nil {
		return res, fmt.Errorf("import: %w", err)
	}
	defer impStmt.Close()
	for _, k := range keys {
		imps := sessions[k]
		var first, last time.Time
		for _, imp := range imps {
			if imp.SeenAt.IsZero() {
				continue
			}
			if first.IsZero() || imp.SeenAt.Before(first) {
				first = imp.SeenAt
			}
			if imp.SeenAt.After(last) {
				last = imp.SeenAt
			}
		}
		var sid int64
		if err := tx.QueryRowContext(ctx, `INSERT INTO sessions
			(campaign_id, persona_id, seq, attempt, status, planned_at, started_at, finished_at, items)
			VALUES (?, ?, ?, 1, 'done', ?, ?, ?, ?) RETURNING id`,
			c.ID, personaID[k.persona], k.seq, millis(first), millis(first), millis(last), len(imps)).Scan(&sid); err != nil {
			return res, fmt.Errorf("import session %d of %q: %w", k.seq, k.persona, err)
		}
		res.Sessions++
		for _, imp := range imps {
			surface := imp.Surface
			if surface == "" {
				surface = "feed"
			}
			if _, err := itemStmt.ExecContext(ctx, c.Platform, imp.ItemID, imp.Title, imp.Topic, millis(imp.SeenAt), millis(imp.SeenAt)); err != nil {
				return res, fmt.Errorf("import item %q: %w", imp.ItemID, err)
			}
			var raw any
			if imp.Raw != nil {
				raw = string(imp.Raw)
			}
			if _, err := impStmt.ExecContext(ctx, sid, imp.Rank, c.Platform, imp.ItemID, millis(imp.SeenAt), surface, imp.Title, imp.Topic,
				imp.Sponsored, imp.Synthetic, raw); err != nil {
				return res, fmt.Errorf("import impression %q session %d rank %d: %w", imp.Persona, imp.Session, imp.Rank, err)
			}
			res.Impressions++
		}
		if err := storeRecords(ctx, tx, sid); err != nil {
			return res, fmt.Errorf("import: %w", err)
		}
	}
	labelStmt, err := tx.PrepareContext(ctx, `INSERT INTO labels
		(platform, item_id, category, value, source, source_version, annotator, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (platform, item_id, category, source, source_version, annotator)
		DO UPDATE SET value = excluded.value, created_at = excluded.created_at`)
	if err != nil {
		return res, fmt.Errorf("import: %w", err)
	}
	defer labelStmt.Close()
	for _, l := range im.Labels {
		if l.Platform == "" || l.ItemID == "" || l.Category == "" || l.Source == "" {
			return res, fmt.Errorf("import label of %q: platform, item, category and source are required", l.ItemID)
		}
		if _, err := labelStmt.ExecContext(ctx, l.Platform, l.ItemID, l.Category, l.Value, l.Source, l.SourceVersion, l.Annotator, c.CreatedAt.UnixMilli()); err != nil {
			return res, fmt.Errorf("import label %s/%s %s: %w", l.Platform, l.ItemID, l.Category, err)
		}
		res.Labels++
	}
	if err := db.sealTx(ctx, tx, c.ID, "imported"); err != nil {
		return res, fmt.Errorf("import: %w", err)
	}
	platforms := map[string]bool{c.Platform: true}
	for _, l := range im.Labels {
		if !platforms[l.Platform] {
			platforms[l.Platform] = true
			if err := db.sealPlatformTx(ctx, tx, l.Platform, "labels imported"); err != nil {
				return res, fmt.Errorf("import: %w", err)
			}
		}
	}
	if err := tx.Commit(); err != nil {
		return res, fmt.Errorf("import: %w", err)
	}
	return res, nil
}
