package probe

import (
	"testing"

	"github.com/feedprobe/feedprobe/personas"
)

func TestTileBudget(t *testing.T) {
	camp := func(viewports ...personas.Viewport) *personas.Campaign {
		c := &personas.Campaign{}
		for _, v := range viewports {
			c.Personas = append(c.Personas, personas.Spec{Traits: personas.Traits{Viewport: v}})
		}
		return c
	}
	for _, tc := range []struct {
		name string
		cs   []*personas.Campaign
		want int
	}{
		{"no campaign", nil, DefaultTileMemoryMB},
		{"default viewports", []*personas.Campaign{camp(personas.Viewport{Width: 1280, Height: 900}, personas.Viewport{Width: 390, Height: 844})}, DefaultTileMemoryMB},
		{"a large screen in the second campaign", []*personas.Campaign{camp(personas.Viewport{Width: 1280, Height: 900}), camp(personas.Viewport{Width: 2560, Height: 1440})},
			TileMemoryFor(2560, 1440)},
	} {
		if got := TileBudget(tc.cs...); got != tc.want {
			t.Errorf("%s: TileBudget = %d MiB, want %d", tc.name, got, tc.want)
		}
	}
	if TileMemoryFor(2560, 1440) <= DefaultTileMemoryMB {
		t.Fatal("the large-screen case does not exceed the default: the test checks nothing")
	}
}
