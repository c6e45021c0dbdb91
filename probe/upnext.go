package probe

import (
	"fmt"
	"net/url"
	"strings"

	"github.com/chromedp/chromedp"

	"github.com/feedprobe/feedprobe/probe/feed"
)

// UpNext is an item page's up-next (or related) list: a surface shown
// beside an item.
type UpNext struct {
	// List is the selector of the element holding the list on an item's
	// page; its items are read with the adapter's item selector and fields.
	List string `yaml:"list" json:"list,omitempty"`
	// Depth is how many of the list's items to record; 0 means 5.
	Depth int `yaml:"depth" json:"depth,omitempty"`
}

// SurfaceUpNext is the surface of up-next impressions.
const SurfaceUpNext = "up_next"

// defaultUpNextDepth is the depth of an up-next list unless the adapter
// says otherwise.
const defaultUpNextDepth = 5

// readUpNext records the up-next list of the open item's page, when the
// adapter describes one and the page shows it: its first Depth items as
// impressions of the surface "up_next" beside item beside (ranks go on
// from one list to the next in the session). A page without the list
// (an item opened in a dialog that has none) records nothing.
func (s *session) readUpNext(beside string) error {
	un := s.cfg.Adapter.UpNext
	if un.List == "" || beside == "" {
		return nil
	}
	depth := un.Depth
	if depth <= 0 {
		depth = defaultUpNextDepth
	}
	page, err := call(s, stepTimeout, chromedp.Evaluate[[2]string](jsCall(`(sel) => { const e = document.querySelector(sel); return [e ? e.outerHTML : "", location.href]; }`, un.List)))
	if err != nil {
		return fmt.Errorf("read up-next beside %s: %w", beside, err)
	}
	if page[0] == "" {
		return nil
	}
	base, err := url.Parse(page[1])
	if err != nil {
		return fmt.Errorf("up-next page address %q: %w", page[1], err)
	}
	items, err := s.cfg.Adapter.ExtractHTML(strings.NewReader(page[0]), base)
	if err != nil {
		return fmt.Errorf("read up-next beside %s: %w", beside, err)
	}
	items = items[:min(len(items), depth)]
	at := s.now().UTC()
	imps := make([]feed.Impression, len(items))
	for i, it := range items {
		s.upNextRank++
		imps[i] = feed.Impression{Item: it, Rank: s.upNextRank, SeenAt: at, Surface: SurfaceUpNext, BesideItemID: beside}
	}
	if len(imps) == 0 {
		return nil
	}
	return s.sink.SaveImpressions(s.tab, s.cfg.SessionID, imps)
}
