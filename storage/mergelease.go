package storage

import (
	"context"
	"maps"
	"slices"
)

// HoldMerge takes, in the output database out, the lease of every campaign
// of the shards (command "merge"), so that no run or other merge writes
// them there while Merge copies them; wait says whether to wait for a
// lease another process holds (else the error wraps ErrLeaseHeld). release
// gives the leases back and closes out. Shards that do not open are left
// to Merge, which words the problem.
func HoldMerge(ctx context.Context, out string, shards []string, wait bool) (release func(), err error) {
	names := map[string]bool{}
	for _, s := range shards {
		db, err := OpenReadOnly(ctx, s)
		if err != nil {
			return func() {}, nil
		}
		camps, err := db.Campaigns(ctx)
		db.Close()
		if err != nil {
			return func() {}, nil
		}
		for _, c := range camps {
			names[c.Name] = true
		}
	}
	sorted := slices.Sorted(maps.Keys(names))
	if len(sorted) == 0 {
		return func() {}, nil
	}
	db, err := Open(ctx, out)
	if err != nil {
		return nil, err
	}
	var leases []*Lease
	release = func() {
		for _, l := range leases {
			l.Release(ctx)
		}
		db.Close()
	}
	for _, name := range sorted {
		l, err := db.HoldCampaign(ctx, name, "merge", wait)
		if err != nil {
			release()
			return nil, err
		}
		leases = append(leases, l)
	}
	return release, nil
}
