package probe

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/feedprobe/feedprobe/personas"
)

// ErrShard means a shard is not written "I/N" with 0 <= I < N.
var ErrShard = errors.New("want I/N with 0 <= I < N, such as 0/4")

// Shard is one share of a campaign's persona groups, for running a campaign
// on N workers that each write their own database (`feedprobe run --shard
// I/N`, then `feedprobe merge`). Index counts from 0, as a Kubernetes
// Indexed Job's completion index does. The zero Shard is the whole
// campaign. A Shard is a plain value, safe to share.
type Shard struct {
	Index int
	Count int
}

// ParseShard parses "I/N". It returns an error wrapping ErrShard for
// anything else.
func ParseShard(s string) (Shard, error) {
	i, n, ok := strings.Cut(strings.TrimSpace(s), "/")
	if !ok {
		return Shard{}, fmt.Errorf("shard %q: %w", s, ErrShard)
	}
	idx, err1 := strconv.Atoi(i)
	cnt, err2 := strconv.Atoi(n)
	if err1 != nil || err2 != nil || cnt < 1 || idx < 0 || idx >= cnt {
		return Shard{}, fmt.Errorf("shard %q: %w", s, ErrShard)
	}
	return Shard{Index: idx, Count: cnt}, nil
}

// String returns "I/N", or "all" for the zero Shard.
func (s Shard) String() string {
	if s.Count == 0 {
		return "all"
	}
	return fmt.Sprintf("%d/%d", s.Index, s.Count)
}

// GroupKey is the persona group p belongs to: the test persona it is a twin
// of (Spec.TwinOf) or a control matched to (Spec.Arm), else its own name.
// A group is never split between shards, so a test persona runs on the
// same worker, against the same platform at the same moments, as its twin
// and arm controls (the lock-step group of Runner.Run).
func GroupKey(p personas.Spec) string {
	if p.TwinOf != "" {
		return p.TwinOf
	}
	if p.Arm != "" {
		return p.Arm
	}
	return p.Name
}

// AssignGroups deals the persona groups of a campaign to n shards and
// returns each group's shard (by GroupKey). The deal depends only on the
// set of personas, not on their order, so every worker that loads the same
// campaign file computes the same one: groups are taken largest first (ties
// by key) and each goes to the shard with the fewest personas so far (ties
// to the lowest index). Shards differ by at most the size of the largest
// group. n below 1 counts as 1.
func AssignGroups(all []personas.Spec, n int) map[string]int {
	n = max(n, 1)
	size := map[string]int{}
	for _, p := range all {
		size[GroupKey(p)]++
	}
	keys := make([]string, 0, len(size))
	for k := range size {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b string) int {
		if c := cmp.Compare(size[b], size[a]); c != 0 {
			return c
		}
		return cmp.Compare(a, b)
	})
	load := make([]int, n)
	out := make(map[string]int, len(keys))
	for _, k := range keys {
		best := 0
		for i := 1; i < n; i++ {
			if load[i] < load[best] {
				best = i
			}
		}
		out[k] = best
		load[best] += size[k]
	}
	return out
}

// Owns reports, for the campaign's personas all, which persona names this
// shard runs. The zero Shard owns every persona.
func (s Shard) Owns(all []personas.Spec) map[string]bool {
	out := make(map[string]bool, len(all))
	if s.Count == 0 {
		for _, p := range all {
			out[p.Name] = true
		}
		return out
	}
	groups := AssignGroups(all, s.Count)
	for _, p := range all {
		if groups[GroupKey(p)] == s.Index {
			out[p.Name] = true
		}
	}
	return out
}

// Select returns the plans of the personas this shard owns, in order. all
// is the campaign's full persona list (not only those with sessions left),
// so that a resumed worker keeps the share it had.
func (s Shard) Select(all []personas.Spec, plans []PersonaPlan) []PersonaPlan {
	if s.Count == 0 {
		return plans
	}
	own := s.Owns(all)
	var out []PersonaPlan
	for _, p := range plans {
		if own[p.Persona.Name] {
			out = append(out, p)
		}
	}
	return out
}
