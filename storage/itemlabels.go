package storage

import (
	"context"
	"fmt"
	"slices"
	"sort"
)

// ItemLabel is one row of the item_labels view: the resolved label of an
// item in a category, the source it came from, its rank in
// analysis.SourcePrecedence (0 the most trusted), how many votes of that
// source were averaged and how many sources labelled the item in the
// category.
type ItemLabel struct {
	Platform   string  `json:"platform"`
	ItemID     string  `json:"item_id"`
	Category   string  `json:"category"`
	Value      float64 `json:"value"`
	Source     string  `json:"source"`
	Precedence int     `json:"precedence"`
	Votes      int     `json:"votes"`
	Sources    int     `json:"sources"`
}

// EachItemLabel calls fn for every row of the item_labels view of platform
// ("" for all), ordered by platform, item and category, and stops at the
// first error fn returns (returned unwrapped).
func (db *DB) EachItemLabel(ctx context.Context, platform string, fn func(ItemLabel) error) error {
	q := "SELECT platform, item_id, category, value, source, precedence, votes, sources FROM item_labels"
	var args []any
	if platform != "" {
		q += " WHERE platform = ?"
		args = append(args, platform)
	}
	rows, err := db.r.QueryContext(ctx, q+" ORDER BY platform, item_id, category", args...)
	if err != nil {
		return fmt.Errorf("read item labels: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var l ItemLabel
		if err := rows.Scan(&l.Platform, &l.ItemID, &l.Category, &l.Value, &l.Source, &l.Precedence, &l.Votes, &l.Sources); err != nil {
			return fmt.Errorf("read item labels: %w", err)
		}
		if err := fn(l); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read item labels: %w", err)
	}
	return nil
}

// LabelDisagreement is an item and category on which label sources
// disagree (one calls it positive, value > 0, another not), with each
// source's mean value and the label precedence picked.
type LabelDisagreement struct {
	Platform string             `json:"platform"`
	ItemID   string             `json:"item_id"`
	Category string             `json:"category"`
	Values   map[string]float64 `json:"values"`
	Resolved ItemLabel          `json:"resolved"`
}

// LabelDisagreements lists the items and categories of platform ("" for
// all) whose label sources disagree, ordered by platform, item and
// category, each with the label item_labels resolves it to.
func (db *DB) LabelDisagreements(ctx context.Context, platform string) ([]LabelDisagreement, error) {
	type key struct{ platform, item, cat string }
	type acc struct{ sum, n float64 }
	per := map[key]map[string]*acc{}
	err := db.EachLabel(ctx, platform, func(l Label) error {
		k := key{l.Platform, l.ItemID, l.Category}
		if per[k] == nil {
			per[k] = map[string]*acc{}
		}
		a := per[k][l.Source]
		if a == nil {
			a = &acc{}
			per[k][l.Source] = a
		}
		a.sum += l.Value
		a.n++
		return nil
	})
	if err != nil {
		return nil, err
	}
	var out []LabelDisagreement
	idx := map[key]int{}
	for k, srcs := range per {
		if len(srcs) < 2 {
			continue
		}
		d := LabelDisagreement{Platform: k.platform, ItemID: k.item, Category: k.cat, Values: map[string]float64{}}
		var pos []bool
		for s, a := range srcs {
			d.Values[s] = a.sum / a.n
			pos = append(pos, d.Values[s] > 0)
		}
		if slices.Contains(pos, true) && slices.Contains(pos, false) {
			out = append(out, d)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Platform != b.Platform {
			return a.Platform < b.Platform
		}
		if a.ItemID != b.ItemID {
			return a.ItemID < b.ItemID
		}
		return a.Category < b.Category
	})
	for i, d := range out {
		idx[key{d.Platform, d.ItemID, d.Category}] = i
	}
	if len(out) == 0 {
		return []LabelDisagreement{}, nil
	}
	err = db.EachItemLabel(ctx, platform, func(l ItemLabel) error {
		if i, ok := idx[key{l.Platform, l.ItemID, l.Category}]; ok {
			out[i].Resolved = l
		}
		return nil
	})
	return out, err
}

// LabelJoins counts how many of labels name an item the database has
// seen (in the items catalogue, by platform and id) and lists the
// platforms the catalogue holds, for an error when none joins.
func (db *DB) LabelJoins(ctx context.Context, labels []Label) (joined int, platforms []string, err error) {
	items := map[string]map[string]bool{}
	for _, l := range labels {
		if items[l.Platform] == nil {
			items[l.Platform] = map[string]bool{}
		}
	}
	for p := range items {
		err := db.EachItem(ctx, p, func(it CatalogueItem) error {
			items[p][it.ItemID] = true
			return nil
		})
		if err != nil {
			return 0, nil, err
		}
	}
	for _, l := range labels {
		if items[l.Platform][l.ItemID] {
			joined++
		}
	}
	rows, err := db.r.QueryContext(ctx, "SELECT platform, count(*) FROM items GROUP BY platform ORDER BY platform")
	if err != nil {
		return 0, nil, fmt.Errorf("list platforms: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var p string
		var n int
		if err := rows.Scan(&p, &n); err != nil {
			return 0, nil, fmt.Errorf("list platforms: %w", err)
		}
		platforms = append(platforms, fmt.Sprintf("%s (%d items)", p, n))
	}
	return joined, platforms, rows.Err()
}
