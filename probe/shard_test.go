package probe

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/feedprobe/feedprobe/personas"
)

func TestParseShard(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Shard
		err  bool
	}{
		{"0/1", Shard{0, 1}, false},
		{"3/4", Shard{3, 4}, false},
		{" 2/10 ", Shard{2, 10}, false},
		{"4/4", Shard{}, true},
		{"-1/4", Shard{}, true},
		{"1/0", Shard{}, true},
		{"1", Shard{}, true},
		{"a/b", Shard{}, true},
		{"", Shard{}, true},
	} {
		t.Run(tc.in, func(t *testing.T) {
			got, err := ParseShard(tc.in)
			if tc.err {
				if !errors.Is(err, ErrShard) {
					t.Fatalf("ParseShard(%q) = %v, %v, want ErrShard", tc.in, got, err)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("ParseShard(%q) = %v, %v, want %v", tc.in, got, err, tc.want)
			}
			if got.String() != fmt.Sprintf("%d/%d", tc.want.Index, tc.want.Count) {
				t.Errorf("String() = %q", got.String())
			}
		})
	}
}

// campaignSpecs makes tests test personas with twins twins each, and
// controls blank controls.
func campaignSpecs(tests, twins, controls int) []personas.Spec {
	var out []personas.Spec
	for i := range tests {
		p := personas.Spec{Name: fmt.Sprintf("test%02d", i), Role: personas.RoleTest}
		out = append(out, p)
		for j := 1; j <= twins; j++ {
			out = append(out, p.Twin(j))
		}
	}
	for i := range controls {
		out = append(out, personas.Spec{Name: fmt.Sprintf("control%02d", i), Role: personas.RoleControl})
	}
	return out
}

// TestShardPartition checks, for several campaign shapes and shard counts,
// that every persona runs in exactly one shard, twins in their test
// persona's shard, that shards are balanced to within one group, and that
// the deal does not depend on the order of the personas.
func TestShardPartition(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, shape := range []struct{ tests, twins, controls int }{
		{1, 0, 0}, {3, 2, 2}, {10, 3, 4}, {7, 0, 5}, {2, 5, 0},
	} {
		all := campaignSpecs(shape.tests, shape.twins, shape.controls)
		for _, n := range []int{1, 2, 3, 4, 8} {
			t.Run(fmt.Sprintf("%d+%dtwins+%d/%d", shape.tests, shape.twins, shape.controls, n), func(t *testing.T) {
				shardOf := map[string]int{}
				loads := make([]int, n)
				for i := range n {
					for name := range (Shard{Index: i, Count: n}).Owns(all) {
						if prev, ok := shardOf[name]; ok {
							t.Fatalf("persona %s in shards %d and %d", name, prev, i)
						}
						shardOf[name] = i
						loads[i]++
					}
				}
				if len(shardOf) != len(all) {
					t.Fatalf("%d personas in some shard, want all %d", len(shardOf), len(all))
				}
				for _, p := range all {
					if p.TwinOf != "" && shardOf[p.Name] != shardOf[p.TwinOf] {
						t.Errorf("twin %s in shard %d, its test persona %s in %d", p.Name, shardOf[p.Name], p.TwinOf, shardOf[p.TwinOf])
					}
				}
				if spread := slices.Max(loads) - slices.Min(loads); spread > 1+shape.twins {
					t.Errorf("shard loads %v differ by %d, more than one group of %d", loads, spread, 1+shape.twins)
				}
				shuffled := slices.Clone(all)
				rng.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
				again := AssignGroups(shuffled, n)
				for _, p := range all {
					if again[GroupKey(p)] != shardOf[p.Name] {
						t.Fatalf("persona %s: shard %d after shuffling, %d before", p.Name, again[GroupKey(p)], shardOf[p.Name])
					}
				}
			})
		}
	}
}

func TestShardSelect(t *testing.T) {
	all := campaignSpecs(4, 1, 2)
	var plans []PersonaPlan
	for i, p := range all {
		if i%3 == 0 {
			continue // done already: no plan, but still part of the deal
		}
		plans = append(plans, PersonaPlan{PersonaID: int64(i + 1), Persona: p})
	}
	if got := (Shard{}).Select(all, plans); len(got) != len(plans) {
		t.Errorf("zero Shard selected %d of %d plans", len(got), len(plans))
	}
	total := 0
	for i := range 3 {
		s := Shard{Index: i, Count: 3}
		own := s.Owns(all)
		got := s.Select(all, plans)
		for _, p := range got {
			if !own[p.Persona.Name] {
				t.Errorf("shard %s selected %s, which it does not own", s, p.Persona.Name)
			}
		}
		if !slices.IsSortedFunc(got, func(a, b PersonaPlan) int { return int(a.PersonaID - b.PersonaID) }) {
			t.Errorf("shard %s changed the order of plans", s)
		}
		total += len(got)
	}
	if total != len(plans) {
		t.Errorf("shards selected %d plans in all, want %d", total, len(plans))
	}
}

// TestGroupKeyArm: a twin and an arm control belong to their test
// persona's group; a free control to its own.
func TestGroupKeyArm(t *testing.T) {
	for _, tc := range []struct {
		p    personas.Spec
		want string
	}{
		{personas.Spec{Name: "fan"}, "fan"},
		{personas.Spec{Name: "fan.twin1", TwinOf: "fan"}, "fan"},
		{personas.Spec{Name: "blank", Arm: "fan"}, "fan"},
		{personas.Spec{Name: "free"}, "free"},
	} {
		if got := GroupKey(tc.p); got != tc.want {
			t.Errorf("GroupKey(%s) = %q, want %q", tc.p.Name, got, tc.want)
		}
	}
}
