package probe

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/feedprobe/feedprobe/personas"
	"github.com/feedprobe/feedprobe/probe/feed"
)

// WatchPage says how an adapter's platform plays items: where an item's
// page is, for watch lists that name items by id, and which elements play
// its media.
type WatchPage struct {
	// ItemURL is an item's page with {id} for its id ("/video/{id}"),
	// relative to the base URL or absolute.
	ItemURL string `yaml:"item_url" json:"item_url,omitempty"`
	// Media is the selector of the element that plays an item's media;
	// empty means "video, audio".
	Media string `yaml:"media" json:"media,omitempty"`
}

// defaultMedia is the media selector of an adapter that names none.
const defaultMedia = "video, audio"

// maxToEnd bounds a watch "to the end" of a media element that never ends
// (a live stream): the session deadline bounds it too.
const maxToEnd = 30 * time.Minute

// mediaPoll is how often a playing medium is looked at.
const mediaPoll = 200 * time.Millisecond

// media returns the adapter's media selector.
func (s *session) media() string {
	if m := s.cfg.Adapter.Watch.Media; m != "" {
		return m
	}
	return defaultMedia
}

// watchURL returns the page of watch list entry w.
func (s *session) watchURL(w personas.Watch) (string, error) {
	if w.URL != "" {
		return resolveURL(s.cfg.BaseURL, w.URL)
	}
	tmpl := s.cfg.Adapter.Watch.ItemURL
	if tmpl == "" {
		return "", fmt.Errorf("watch item %s: adapter %s has no watch.item_url", w.Item, s.cfg.Adapter.Name)
	}
	return resolveURL(s.cfg.BaseURL, strings.ReplaceAll(tmpl, "{id}", url.PathEscape(w.Item)))
}

// runWatchList opens every entry of the persona's watch list in order and
// watches it: the media on its page plays (muted) for the entry's time or
// to its end; a page without media is looked at for that time (for its
// dwell when the entry says "end"). Each entry is stored as a watch action
// whose value is the media time played (seconds, from currentTime) or the
// time looked at, and whose detail is the page.
func (s *session) runWatchList() error {
	for i, w := range s.cfg.Persona.Watch {
		u, err := s.watchURL(w)
		if err != nil {
			return err
		}
		at := s.now().UTC()
		if _, err := call(s, stepTimeout*2, chromedp.Navigate(u)); err != nil {
			return fmt.Errorf("watch %s: %w", u, err)
		}
		if b := s.blockedNow(); b != "" {
			return fmt.Errorf("watch %s: %w (%s)", u, ErrBlocked, b)
		}
		id := w.Item
		if id == "" {
			id = s.idFromURL(u)
		}
		if err := s.readUpNext(id); err != nil {
			return err
		}
		d := w.Time
		if w.ToEnd {
			d = maxToEnd
		}
		played, hasMedia, err := s.play(d, w.ToEnd)
		if err != nil {
			return fmt.Errorf("watch %s: %w", u, err)
		}
		detail := u
		if !hasMedia {
			look := w.Time
			if w.ToEnd {
				look = s.cfg.Persona.Behaviour.Dwell.Sample(s.rng)
			}
			if err := sleep(s.tab, look); err != nil {
				return fmt.Errorf("watch %s: %w", u, err)
			}
			played, detail = look.Seconds(), "no media: "+u
		}
		a := feed.Action{ItemID: id, Kind: feed.ActionWatch, At: at, Value: played, Detail: detail}
		if err := s.sink.SaveActions(s.tab, s.cfg.SessionID, []feed.Action{a}); err != nil {
			return err
		}
		s.res.Watched++
		s.logger.Debug("watched", "entry", i, "url", u, "seconds", played, "media", hasMedia)
	}
	return nil
}

// idFromURL returns the item id in page u when it matches the adapter's
// watch.item_url, else "".
func (s *session) idFromURL(u string) string {
	tmpl := s.cfg.Adapter.Watch.ItemURL
	pre, post, ok := strings.Cut(tmpl, "{id}")
	if !ok {
		return ""
	}
	const mark = "fp0id0mark"
	full, err := resolveURL(s.cfg.BaseURL, pre+mark+post)
	if err != nil {
		return ""
	}
	pre, post, _ = strings.Cut(full, mark)
	rest, ok := strings.CutPrefix(u, pre)
	if !ok {
		return ""
	}
	id, ok := strings.CutSuffix(rest, post)
	if !ok || id == "" || strings.Contains(id, "/") {
		return ""
	}
	if v, err := url.PathUnescape(id); err == nil {
		return v
	}
	return id
}

// mediaState is what play reads of the media element.
type mediaState struct {
	Found   bool    `json:"found"`
	Time    float64 `json:"time"`
	Ended   bool    `json:"ended"`
	Playing bool    `json:"playing"`
	Error   string  `json:"error"`
}

// play plays the page's media element, muted, for d or (toEnd) until it
// ends, then pauses it. It returns the media time played (the change of
// currentTime, in seconds) and whether the page has media at all. A
// medium that cannot play (no source, autoplay refused) counts as played
// for 0 seconds.
func (s *session) play(d time.Duration, toEnd bool) (float64, bool, error) {
	sel := s.media()
	start, err := call(s, stepTimeout, chromedp.Evaluate[mediaState](jsCall(`(sel) => {
  const m = document.querySelector(sel);
  if (!m) return {found: false};
  m.muted = true;
  m.dataset.fpStart = String(m.currentTime);
  const p = m.play();
  if (p && p.catch) p.catch((e) => { m.dataset.fpError = String(e); });
  return {found: true, time: m.currentTime};
}`, sel)))
	if err != nil || !start.Found {
		return 0, false, err
	}
	state := jsCall(`(sel) => { const m = document.querySelector(sel); if (!m) return {found: false};
  return {found: true, time: m.currentTime, ended: m.ended, playing: !m.paused, error: m.dataset.fpError || (m.error ? "media error " + m.error.code : "")}; }`, sel)
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		st, err := call(s, stepTimeout, chromedp.Evaluate[mediaState](state))
		if err != nil {
			return 0, true, err
		}
		if !st.Found || st.Ended || st.Error != "" {
			if st.Error != "" {
				s.logger.Info("media did not play", "error", st.Error)
			}
			break
		}
		wait := min(mediaPoll, time.Until(deadline))
		if err := sleep(s.tab, wait); err != nil {
			return 0, true, err
		}
	}
	end, err := call(s, stepTimeout, chromedp.Evaluate[mediaState](jsCall(`(sel) => { const m = document.querySelector(sel); if (!m) return {found: false};
  m.pause(); return {found: true, time: m.currentTime - Number(m.dataset.fpStart || 0), ended: m.ended}; }`, sel)))
	if err != nil {
		return 0, true, err
	}
	// Give the page's own report of the pause (a request) a moment to
	// leave before the session navigates away.
	if err := sleep(s.tab, reportGrace); err != nil {
		return end.Time, true, err
	}
	return max(end.Time, 0), true, nil
}

// reportGrace is how long a paused medium's page gets to send its report.
const reportGrace = 300 * time.Millisecond

// dwellOn spends the persona's dwell on the open item: it plays the item's
// media for the dwell when the page has some (and returns the media time
// played), else it waits.
func (s *session) dwellOn(ctx context.Context, d time.Duration) (played float64, hasMedia bool, err error) {
	played, hasMedia, err = s.play(d, false)
	if err != nil || hasMedia {
		return played, hasMedia, err
	}
	return 0, false, sleep(ctx, d)
}
