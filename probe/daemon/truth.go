package daemon

import (
	"context"
	"fmt"
	"io"
	"sort"

	"github.com/feedprobe/feedprobe/probe"
	"github.com/feedprobe/feedprobe/probe/simfeed"
	"github.com/feedprobe/feedprobe/storage"
)

// WriteTruth sets what simfeed learned about each persona of campaign camp
// beside what the probe stored, as feedprobe demo prints it: the
// platform's user id (found through the persona's saved cookie), visits,
// items served, and the three topics of highest learned affinity.
func WriteTruth(ctx context.Context, w io.Writer, db *storage.DB, camp storage.Campaign, truth simfeed.Truth) error {
	users := map[string]simfeed.TruthUser{}
	for _, u := range truth.Users {
		users[u.ID] = u
	}
	ps, err := db.Personas(ctx, camp.ID)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "\nsimfeed's ground truth\n  %-14s %-10s %6s %6s  %s\n", "persona", "user", "visits", "served", "learned affinity (top 3)")
	for _, p := range ps {
		ident, err := db.LoadIdentity(ctx, p.ID)
		if err != nil {
			return err
		}
		uid, ok := probe.IdentityCookie(ident, "sf_uid")
		u, known := users[uid]
		if !ok || !known {
			fmt.Fprintf(w, "  %-14s %-10s (no identity recorded)\n", p.Name, "-")
			continue
		}
		served := 0
		for _, v := range u.Visits {
			served += len(v.Served)
		}
		fmt.Fprintf(w, "  %-14s %-10s %6d %6d  %s\n", p.Name, u.ID, len(u.Visits), served, topAffinity(u.Affinity, 3))
	}
	return nil
}

func topAffinity(aff map[string]float64, n int) string {
	if len(aff) == 0 {
		return "none (popularity only)"
	}
	type kv struct {
		k string
		v float64
	}
	var all []kv
	for k, v := range aff {
		all = append(all, kv{k, v})
	}
	sort.Slice(all, func(i, j int) bool { return all[i].v > all[j].v || all[i].v == all[j].v && all[i].k < all[j].k })
	out := ""
	for i, x := range all {
		if i == n {
			break
		}
		if i > 0 {
			out += ", "
		}
		out += fmt.Sprintf("%s %.2f", x.k, x.v)
	}
	return out
}

// SaveTruth stores simfeed's catalogue as ground-truth labels (source
// "truth", version the simfeed it came from) of the items of platform the
// database observed (storage.SaveTruthLabels), for feedprobe label truth
// and demo.
func SaveTruth(ctx context.Context, db *storage.DB, platform string, catalogue []simfeed.Item, version string) (labels, items int, err error) {
	truth := make([]storage.TruthItem, len(catalogue))
	for i, it := range catalogue {
		truth[i] = storage.TruthItem{ID: it.ID, Labels: it.TruthLabels()}
	}
	return db.SaveTruthLabels(ctx, platform, version, truth)
}
