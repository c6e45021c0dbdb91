package storage

import (
	"context"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
)

// WriteDisagreements prints the items on which label sources disagree
// (the first 20), each source's value and which one the precedence
// picked, as `feedprobe label stats` does.
func WriteDisagreements(w io.Writer, dis []LabelDisagreement) error {
	if len(dis) == 0 {
		_, err := fmt.Fprintln(w, "\nsources disagree on no item")
		return err
	}
	if _, err := fmt.Fprintf(w, "\nsources disagree on %d item categories (value per source; * the precedence's pick)\n", len(dis)); err != nil {
		return err
	}
	for i, d := range dis {
		if i == 20 {
			_, err := fmt.Fprintf(w, "  ... %d more (--json lists all)\n", len(dis)-20)
			return err
		}
		var parts []string
		for _, src := range slices.Sorted(maps.Keys(d.Values)) {
			mark := ""
			if src == d.Resolved.Source {
				mark = "*"
			}
			parts = append(parts, fmt.Sprintf("%s%s=%g", mark, src, d.Values[src]))
		}
		if _, err := fmt.Fprintf(w, "  %-10s %-24s %-16s %s\n", d.Platform, d.ItemID, d.Category, strings.Join(parts, " ")); err != nil {
			return err
		}
	}
	return nil
}

// ImportLabels saves manual labels read from file after checking that they
// join items the database has seen (platform and item_id): none joining
// is an error naming the platforms held; some not joining are kept, and
// the returned warning says how many ("" when all join).
func (db *DB) ImportLabels(ctx context.Context, file string, labels []Label) (warning string, err error) {
	if len(labels) == 0 {
		return "", nil
	}
	joined, platforms, err := db.LabelJoins(ctx, labels)
	if err != nil {
		return "", err
	}
	held := "none: the database has no items yet"
	if len(platforms) > 0 {
		held = strings.Join(platforms, ", ")
	}
	if joined == 0 {
		return "", fmt.Errorf("label import: none of the %d labels in %s names an item the database has seen (platform and item_id); platforms held: %s", len(labels), file, held)
	}
	if joined < len(labels) {
		warning = fmt.Sprintf("%d of %d labels name no item the database has seen (platforms held: %s); they are kept but join nothing", len(labels)-joined, len(labels), held)
	}
	_, err = db.SaveLabels(ctx, labels)
	return warning, err
}

// TruthItem is what a simulated platform planted in one item: its labels
// by category (a harm category 1 or 0, "synthetic" 1 or 0, a stance +1 or
// -1: whatever the platform's truth says).
type TruthItem struct {
	ID     string
	Labels map[string]float64
}

// SaveTruthLabels labels every item of platform that the database observed
// with the platform's ground truth, source "truth" and version version, one
// label per category of the item's Labels. It returns the labels and the
// items written.
func (db *DB) SaveTruthLabels(ctx context.Context, platform, version string, truth []TruthItem) (labels, items int, err error) {
	byID := make(map[string]TruthItem, len(truth))
	for _, it := range truth {
		byID[it.ID] = it
	}
	var ls []Label
	err = db.EachItem(ctx, platform, func(ci CatalogueItem) error {
		it, ok := byID[ci.ItemID]
		if !ok {
			return nil
		}
		items++
		for _, c := range slices.Sorted(maps.Keys(it.Labels)) {
			ls = append(ls, Label{Platform: platform, ItemID: it.ID, Category: c, Value: it.Labels[c], Source: "truth", SourceVersion: version})
		}
		return nil
	})
	if err != nil {
		return 0, 0, err
	}
	n, err := db.SaveLabels(ctx, ls)
	return n, items, err
}
