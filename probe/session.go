package probe

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/url"
	"strings"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/storage"
	"github.com/chromedp/chromedp"

	"github.com/feedprobe/feedprobe/personas"
)

// SessionConfig is one persona session: who browses, where, for how long.
type SessionConfig struct {
	SessionID int64
	PersonaID int64
	Persona   personas.Spec
	Adapter   *Adapter
	BaseURL   string
	// Items is how many distinct items to collect before the session ends.
	Items int
	// Timeout bounds the whole session; zero means five minutes.
	Timeout time.Duration
	// Surface names what is collected ("feed" unless set).
	Surface string
	// Identity is the persona's saved identity (nil for a new persona).
	Identity []byte
	// Rand drives the persona's choices; nil seeds one from the persona.
	Rand *rand.Rand
	// Now is the clock; nil means time.Now.
	Now    func() time.Time
	Logger *slog.Logger
	// Observer sees phases and scrolls; nil observes nothing.
	Observer Observer
	// Evidence, when set, receives a screenshot and the HTML of the page
	// every EvidenceEvery scrolls (0: never), at the end of the session,
	// and when the session fails.
	Evidence      EvidenceSink
	EvidenceEvery int
}

// SessionResult is what a session did.
type SessionResult struct {
	Items    int
	Opens    int
	Likes    int
	Scrolls  int
	Identity []byte // the identity to save for the next session
}

// stepTimeout bounds every single CDP call that is not a deliberate wait.
const stepTimeout = 15 * time.Second

// identity is the JSON document kept in persona_state.
type identity struct {
	Cookies      []*network.Cookie            `json:"cookies"`
	LocalStorage map[string]map[string]string `json:"local_storage"` // origin -> key -> value
}

// session is the state of one running session.
type session struct {
	cfg SessionConfig
	tab context.Context // the tab under the session deadline
	// parentTab is the tab without the deadline, for the work that must
	// still happen after it: saving the identity and evidence.
	parentTab context.Context
	sink      Sink
	now       func() time.Time
	rng       *rand.Rand
	logger    *slog.Logger
	obs       Observer

	seen  map[string]bool
	items int
	res   SessionResult
}

// RunSession runs one persona session in a fresh browser context: it
// restores the persona's identity, applies its settings, scrolls the feed
// until cfg.Items distinct items were seen (or the deadline), engages with
// items as the persona's behaviour says, stores every impression and action
// through sink as it goes, and returns the identity to keep.
//
// It returns ErrNoItems when the page loaded but the adapter's item selector
// found nothing, and an error wrapping context.DeadlineExceeded when the
// session ran out of time. What was stored before an error stays stored.
// Cancelling ctx ends the session and closes its tab.
func (b *Browser) RunSession(ctx context.Context, cfg SessionConfig, sink Sink) (SessionResult, error) {
	if cfg.Adapter == nil {
		return SessionResult{}, errors.New("session has no adapter")
	}
	if cfg.Items <= 0 {
		return SessionResult{}, errors.New("session needs a positive number of items")
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 5 * time.Minute
	}
	if cfg.Surface == "" {
		cfg.Surface = "feed"
	}
	s := &session{cfg: cfg, sink: sink, now: cfg.Now, rng: cfg.Rand, logger: cfg.Logger, seen: map[string]bool{}}
	if s.now == nil {
		s.now = time.Now
	}
	if s.rng == nil {
		s.rng = rand.New(rand.NewPCG(uint64(cfg.Persona.Seed), uint64(cfg.SessionID)))
	}
	if s.logger == nil {
		s.logger = slog.New(slog.DiscardHandler)
	}
	s.obs = cfg.Observer
	if s.obs == nil {
		s.obs = nopObserver{}
	}

	tab, closeTab, err := b.newTab(ctx)
	if err != nil {
		return s.res, err
	}
	defer closeTab()
	// The session deadline is a child of the tab: it ends the session's
	// calls, and closeTab then disposes of the tab and its browser context.
	var cancel context.CancelFunc
	s.parentTab = tab
	s.tab, cancel = context.WithTimeout(tab, cfg.Timeout)
	defer cancel()

	t0 := time.Now()
	if err := s.setup(); err != nil {
		s.captureEvidence("error: " + err.Error())
		return s.res, err
	}
	s.obs.ObservePhase(PhaseLaunch, time.Since(t0))
	err = s.browse()
	if err != nil {
		s.captureEvidence("error: " + err.Error())
	} else if cfg.Evidence != nil {
		s.captureEvidence("end")
	}
	// Keep the identity even after an error: the platform saw this visit.
	if id, ierr := s.saveIdentity(tab); ierr == nil {
		s.res.Identity = id
	} else if err == nil {
		err = ierr
	}
	return s.res, err
}

// call runs an action with a per-step deadline.
func call[T any](s *session, d time.Duration, a chromedp.Action[T]) (T, error) {
	ctx, cancel := context.WithTimeout(s.tab, d)
	defer cancel()
	return chromedp.Run(ctx, a)
}

func (s *session) setup() error {
	p := s.cfg.Persona
	vw, vh := p.Traits.Viewport.Width, p.Traits.Viewport.Height
	if vw <= 0 || vh <= 0 {
		vw, vh = 1280, 900
	}
	mobile := p.Traits.Device == "mobile"
	if _, err := call(s, stepTimeout, chromedp.EmulateViewport(int64(vw), int64(vh), func(m *emulation.SetDeviceMetricsOverrideParams, t *emulation.SetTouchEmulationEnabledParams) {
		m.Mobile = mobile
		t.Enabled = mobile
	})); err != nil {
		return fmt.Errorf("set viewport: %w", err)
	}
	ua, err := call(s, stepTimeout, chromedp.Evaluate[string](`navigator.userAgent`))
	if err != nil {
		return fmt.Errorf("read user agent: %w", err)
	}
	ua = userAgentFor(p.Traits, ua)
	if _, err := call(s, stepTimeout, chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := cdp.Call(ctx, t, emulation.SetUserAgentOverride, emulation.SetUserAgentOverrideParams{
			UserAgent:      ua,
			AcceptLanguage: p.Traits.Locale,
		})
		return err
	})); err != nil {
		return fmt.Errorf("set user agent: %w", err)
	}
	if err := s.restoreIdentity(); err != nil {
		return err
	}
	return s.applySettings()
}

// userAgentFor returns the user agent a persona presents: its own override,
// else the browser's without the "Headless" marker, made mobile for a phone.
func userAgentFor(t personas.Traits, browserUA string) string {
	if t.UserAgent != "" {
		return t.UserAgent
	}
	ua := strings.Replace(browserUA, "HeadlessChrome", "Chrome", 1)
	if t.Device == "mobile" {
		version := "120.0.0.0"
		if i := strings.Index(ua, "Chrome/"); i >= 0 {
			v := ua[i+len("Chrome/"):]
			if j := strings.IndexByte(v, ' '); j >= 0 {
				v = v[:j]
			}
			version = v
		}
		ua = "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/" + version + " Mobile Safari/537.36"
	}
	return ua
}

func (s *session) restoreIdentity() error {
	if len(s.cfg.Identity) == 0 {
		return nil
	}
	var id identity
	if err := json.Unmarshal(s.cfg.Identity, &id); err != nil {
		return fmt.Errorf("decode saved identity: %w", err)
	}
	bctx := chromedp.FromContext(s.tab).BrowserContextID
	if len(id.Cookies) > 0 {
		params := make([]*network.CookieParam, 0, len(id.Cookies))
		for _, c := range id.Cookies {
			cp := &network.CookieParam{
				Name: c.Name, Value: c.Value, Domain: c.Domain, Path: c.Path,
				Secure: c.Secure, HTTPOnly: c.HTTPOnly, SameSite: c.SameSite,
			}
			if !c.Session && c.Expires > 0 {
				cp.Expires = cdp.TimeSinceEpoch(c.Expires)
			}
			params = append(params, cp)
		}
		ctx, cancel := context.WithTimeout(s.tab, stepTimeout)
		defer cancel()
		if _, err := chromedp.CallBrowser(ctx, storage.SetCookies, storage.SetCookiesParams{Cookies: params, BrowserContextID: bctx}); err != nil {
			return fmt.Errorf("restore cookies: %w", err)
		}
	}
	if len(id.LocalStorage) > 0 {
		data, err := json.Marshal(id.LocalStorage)
		if err != nil {
			return fmt.Errorf("encode local storage: %w", err)
		}
		script := `(() => { const all = ` + string(data) + `; const m = all[location.origin]; if (!m) return;
try { for (const [k, v] of Object.entries(m)) { if (localStorage.getItem(k) === null) localStorage.setItem(k, v); } } catch (e) {} })();`
		if _, err := call(s, stepTimeout, chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
			_, err := cdp.Call(ctx, t, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: script})
			return err
		})); err != nil {
			return fmt.Errorf("restore local storage: %w", err)
		}
	}
	return nil
}

// saveIdentity reads the context's cookies and the current origin's local
// storage, merged over the identity the session started with. It uses the
// tab context, not the session deadline, so it works after a timeout.
func (s *session) saveIdentity(tab context.Context) ([]byte, error) {
	ctx, cancel := context.WithTimeout(tab, stepTimeout)
	defer cancel()
	var id identity
	if len(s.cfg.Identity) > 0 {
		_ = json.Unmarshal(s.cfg.Identity, &id) // checked in restoreIdentity
	}
	if id.LocalStorage == nil {
		id.LocalStorage = map[string]map[string]string{}
	}
	bctx := chromedp.FromContext(tab).BrowserContextID
	res, err := chromedp.CallBrowser(ctx, storage.GetCookies, storage.GetCookiesParams{BrowserContextID: bctx})
	if err != nil {
		return nil, fmt.Errorf("save cookies: %w", err)
	}
	id.Cookies = res.Cookies
	type originStorage struct {
		Origin string            `json:"origin"`
		Items  map[string]string `json:"items"`
	}
	ls, err := chromedp.Run(ctx, chromedp.Evaluate[originStorage](`(() => { const items = {};
try { for (let i = 0; i < localStorage.length; i++) { const k = localStorage.key(i); items[k] = localStorage.getItem(k); } } catch (e) {}
return {origin: location.origin, items}; })()`))
	if err == nil && ls.Origin != "" && ls.Origin != "null" && len(ls.Items) > 0 {
		id.LocalStorage[ls.Origin] = ls.Items
	}
	return json.Marshal(id)
}

// applySettings sets the persona's platform switches on the settings page.
func (s *session) applySettings() error {
	set := map[string]*bool{
		"personalization": s.cfg.Persona.Settings.Personalization,
		"minor_mode":      s.cfg.Persona.Settings.MinorMode,
	}
	st := s.cfg.Adapter.Settings
	var names []string
	for _, name := range []string{"personalization", "minor_mode"} {
		if set[name] != nil {
			names = append(names, name)
		}
	}
	if len(names) == 0 {
		return nil
	}
	if st.URL == "" {
		return fmt.Errorf("persona %s sets %s but adapter %s has no settings page", s.cfg.Persona.Name, strings.Join(names, ", "), s.cfg.Adapter.Name)
	}
	u, err := resolveURL(s.cfg.BaseURL, st.URL)
	if err != nil {
		return err
	}
	if _, err := call(s, stepTimeout*2, chromedp.Navigate(u)); err != nil {
		return fmt.Errorf("open settings: %w", err)
	}
	var acts []Action
	for _, name := range names {
		sel, ok := st.Toggles[name]
		if !ok {
			return fmt.Errorf("adapter %s has no toggle %q", s.cfg.Adapter.Name, name)
		}
		want := *set[name]
		checked, err := call(s, stepTimeout, chromedp.Evaluate[bool](jsCall(`(sel) => { const e = document.querySelector(sel); if (!e) throw new Error("no element " + sel); return e.checked; }`, sel)))
		if err != nil {
			return fmt.Errorf("read toggle %s: %w", name, err)
		}
		if checked != want {
			if err := s.clickGlobal(sel); err != nil {
				return fmt.Errorf("flip toggle %s: %w", name, err)
			}
		}
		v := 0.0
		if want {
			v = 1
		}
		acts = append(acts, Action{Kind: ActionToggle, At: s.now().UTC(), Value: v, Detail: name})
	}
	if st.Save != "" {
		if err := s.clickGlobal(st.Save); err != nil {
			return fmt.Errorf("save settings: %w", err)
		}
	}
	if st.Saved != "" {
		if err := s.waitFor(st.Saved, true, 10*time.Second); err != nil {
			return fmt.Errorf("settings not saved: %w", err)
		}
	}
	return s.sink.SaveActions(s.tab, s.cfg.SessionID, acts)
}

func jsCall(fn string, args ...any) string {
	parts := make([]string, len(args))
	for i, a := range args {
		if r, ok := a.(jsRaw); ok {
			parts[i] = string(r)
			continue
		}
		b, _ := json.Marshal(a)
		parts[i] = string(b)
	}
	return "(" + fn + ")(" + strings.Join(parts, ",") + ")"
}

// collectJS waits a frame, returns the item elements not returned before
// (in document order) and, when there are none, scrolls to the end and waits
// on a MutationObserver for new ones, nudging the page once (under load,
// a lazy loader's IntersectionObserver can miss the sentinel's entry and
// never fire again while it stays in view). Each returned
// element is remembered in window.__fpNodes under its index so the probe can
// act on it later without changing the platform's DOM.
const collectJS = `async (itemSel, waitMs, nudgeMs, scroll) => {
  const st = window.__fp || (window.__fp = {seen: new WeakSet(), nodes: []});
  await new Promise(r => requestAnimationFrame(() => r()));
  const fresh = () => Array.from(document.querySelectorAll(itemSel)).filter(e => !st.seen.has(e));
  let got = fresh();
  let scrolled = false;
  if (got.length === 0 && scroll) {
    scrolled = true;
    const end = () => window.scrollTo(0, (document.scrollingElement || document.body).scrollHeight);
    end();
    got = await new Promise(resolve => {
      let done = false;
      const finish = () => { if (done) return; done = true; obs.disconnect(); clearTimeout(t1); clearTimeout(t2); resolve(fresh()); };
      const obs = new MutationObserver(() => { if (fresh().length) finish(); });
      obs.observe(document.body, {childList: true, subtree: true});
      // The nudge scrolls up far enough for a lazy loader's sentinel to
      // leave its observer's margin, waits two frames, and comes back:
      // an IntersectionObserver only fires on a change.
      const t1 = setTimeout(() => {
        const se = document.scrollingElement || document.body;
        window.scrollTo(0, Math.max(0, se.scrollHeight - 2 * window.innerHeight - 800));
        requestAnimationFrame(() => requestAnimationFrame(end));
      }, nudgeMs);
      const t2 = setTimeout(finish, waitMs);
    });
  }
  return {scrolled, items: got.map(e => { st.seen.add(e); st.nodes.push(e); return {n: st.nodes.length - 1, html: e.outerHTML}; })};
}`

type collected struct {
	Scrolled bool `json:"scrolled"`
	Items    []struct {
		N    int    `json:"n"`
		HTML string `json:"html"`
	} `json:"items"`
}

func (s *session) browse() error {
	feed, err := s.cfg.Adapter.ResolveFeedURL(s.cfg.BaseURL)
	if err != nil {
		return err
	}
	base, _ := url.Parse(feed)
	t0 := time.Now()
	if _, err := call(s, stepTimeout*2, chromedp.Navigate(feed)); err != nil {
		return fmt.Errorf("open feed %s: %w", feed, err)
	}
	s.obs.ObservePhase(PhaseNavigate, time.Since(t0))
	ad := s.cfg.Adapter
	waitMs := ad.Scroll.Wait.Milliseconds()
	idle := 0
	for s.items < s.cfg.Items {
		t0 := time.Now()
		c, err := call(s, ad.Scroll.Wait+stepTimeout, chromedp.Evaluate[collected](
			jsCall(collectJS, ad.Item, waitMs, ad.Scroll.Nudge.Milliseconds(), true), chromedp.EvalAwaitPromise))
		if err != nil {
			return fmt.Errorf("scroll %s feed after %d items: %w", ad.Name, s.items, err)
		}
		t1 := time.Now()
		s.obs.ObservePhase(PhaseScroll, t1.Sub(t0))
		fresh := s.extract(c, base)
		s.obs.ObservePhase(PhaseExtract, time.Since(t1))
		s.obs.ObserveScroll(len(fresh))
		if c.Scrolled {
			s.res.Scrolls++
			if n := s.cfg.EvidenceEvery; n > 0 && s.res.Scrolls%n == 0 {
				s.captureEvidence(fmt.Sprintf("scroll %d", s.res.Scrolls))
			}
			// Value: how many new items the scroll brought.
			if err := s.sink.SaveActions(s.tab, s.cfg.SessionID, []Action{{Kind: ActionScroll, At: s.now().UTC(), Value: float64(len(fresh))}}); err != nil {
				return fmt.Errorf("store scroll: %w", err)
			}
		}
		if len(fresh) == 0 {
			idle++
			if s.items == 0 && idle >= 1 && !c.Scrolled {
				continue
			}
			if idle >= ad.Scroll.MaxIdle {
				if s.items == 0 {
					return fmt.Errorf("%s feed at %s: %w", ad.Name, feed, ErrNoItems)
				}
				return fmt.Errorf("%s feed ended after %d of %d items (%s)", ad.Name, s.items, s.cfg.Items, s.pageState())
			}
			continue
		}
		idle = 0
		t2 := time.Now()
		if err := s.sink.SaveImpressions(s.tab, s.cfg.SessionID, impressions(fresh)); err != nil {
			return fmt.Errorf("store impressions: %w", err)
		}
		s.obs.ObservePhase(PhaseStore, time.Since(t2))
		for _, f := range fresh {
			if err := s.engage(f); err != nil {
				return err
			}
		}
		if p := s.cfg.Persona.Behaviour.ScrollPause; p > 0 {
			if err := sleep(s.tab, p); err != nil {
				return fmt.Errorf("pause after %d items: %w", s.items, err)
			}
		}
	}
	return nil
}

// captureEvidence saves a screenshot and the page's HTML through the
// evidence sink, if there is one. It runs on the tab, not the session
// deadline, so it also works after a timeout; its own failure is logged,
// never returned: evidence must not turn a good session into a failed one.
func (s *session) captureEvidence(reason string) {
	if s.cfg.Evidence == nil {
		return
	}
	// s.tab may be past its deadline: work on the tab itself.
	ctx, cancel := context.WithTimeout(s.parentTab, stepTimeout)
	defer cancel()
	at := s.now().UTC()
	if png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot()); err == nil {
		if err := s.cfg.Evidence.SaveEvidence(ctx, s.cfg.SessionID, Evidence{Kind: "screenshot", Reason: reason, At: at, Data: png}); err != nil {
			s.logger.Warn("evidence not saved", "kind", "screenshot", "error", err)
		}
	} else {
		s.logger.Warn("screenshot failed", "error", err)
	}
	if html, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.documentElement.outerHTML`)); err == nil {
		if err := s.cfg.Evidence.SaveEvidence(ctx, s.cfg.SessionID, Evidence{Kind: "html", Reason: reason, At: at, Data: []byte(html)}); err != nil {
			s.logger.Warn("evidence not saved", "kind", "html", "error", err)
		}
	} else {
		s.logger.Warn("page HTML not read", "error", err)
	}
}

// pageState describes the page for an error message: how far it is
// scrolled, how tall it is, and how many items it holds.
func (s *session) pageState() string {
	st, err := call(s, stepTimeout, chromedp.Evaluate[string](jsCall(`(sel) => {
  const se = document.scrollingElement || document.body;
  const d = document.querySelector("dialog[open]");
  return "scrolled " + Math.round(window.scrollY) + " of " + se.scrollHeight + "px, viewport " + window.innerHeight +
    "px, " + document.querySelectorAll(sel).length + " items on the page" + (d ? ", a dialog is open" : "") +
    ", visibility " + document.visibilityState; }`, s.cfg.Adapter.Item)))
	if err != nil {
		return "page state unknown: " + err.Error()
	}
	return st
}

// seenItem is an extracted item and the index of its element in the page.
type seenItem struct {
	imp Impression
	n   int
}

func impressions(items []seenItem) []Impression {
	out := make([]Impression, len(items))
	for i, it := range items {
		out[i] = it.imp
	}
	return out
}

// extract parses the new elements, drops items already seen this session,
// ranks the rest in order of first appearance, and stops at the session's
// item count.
func (s *session) extract(c collected, base *url.URL) []seenItem {
	var out []seenItem
	now := s.now().UTC()
	for _, el := range c.Items {
		if s.items >= s.cfg.Items {
			break
		}
		items, err := s.cfg.Adapter.ExtractHTML(strings.NewReader(el.HTML), base)
		if err != nil || len(items) == 0 {
			continue
		}
		it := items[0]
		if s.seen[it.ID] {
			continue
		}
		s.seen[it.ID] = true
		s.items++
		out = append(out, seenItem{n: el.N, imp: Impression{Item: it, Rank: s.items, SeenAt: now, Surface: s.cfg.Surface}})
	}
	s.res.Items = s.items
	return out
}

// engage lets the persona decide whether to open the item, dwell on it,
// like it and go back, and records each step.
func (s *session) engage(it seenItem) error {
	p := s.cfg.Persona
	b := p.Behaviour
	if b.MaxOpens > 0 && s.res.Opens >= b.MaxOpens {
		return nil
	}
	ad := s.cfg.Adapter
	if ad.Actions.Open.Click == "" {
		return nil
	}
	match := p.Match(it.imp.Topic, it.imp.Title)
	if s.rng.Float64() >= b.Open.P(match) {
		return nil
	}
	id := it.imp.ID
	if err := s.clickItem(it.n, ad.Actions.Open.Click); err != nil {
		return fmt.Errorf("open item %s: %w", id, err)
	}
	if ad.Actions.Open.Wait != "" {
		if err := s.waitFor(ad.Actions.Open.Wait, true, 10*time.Second); err != nil {
			return fmt.Errorf("open item %s: %w", id, err)
		}
	}
	opened := s.now().UTC()
	s.res.Opens++
	acts := []Action{{ItemID: id, Kind: ActionOpen, At: opened}}
	dwell := b.Dwell.Sample(s.rng)
	if err := sleep(s.tab, dwell); err != nil {
		return fmt.Errorf("dwell on %s: %w", id, err)
	}
	if ad.Actions.Like.Click != "" && s.rng.Float64() < b.Like.P(match) && !s.present(ad.Actions.Like.Wait) {
		if err := s.clickGlobal(ad.Actions.Like.Click); err != nil {
			return fmt.Errorf("like item %s: %w", id, err)
		}
		if w := ad.Actions.Like.Wait; w != "" {
			if err := s.waitFor(w, true, 10*time.Second); err != nil {
				return fmt.Errorf("like item %s: %w", id, err)
			}
		}
		s.res.Likes++
		acts = append(acts, Action{ItemID: id, Kind: ActionLike, At: s.now().UTC()})
	}
	back := ad.Actions.Back
	if back.Click != "" {
		if err := s.clickGlobal(back.Click); err != nil {
			return fmt.Errorf("leave item %s: %w", id, err)
		}
	} else if _, err := call(s, stepTimeout, chromedp.NavigateBack()); err != nil {
		return fmt.Errorf("leave item %s: %w", id, err)
	}
	if back.Gone != "" {
		if err := s.waitFor(back.Gone, false, 10*time.Second); err != nil {
			return fmt.Errorf("leave item %s: %w", id, err)
		}
	}
	left := s.now().UTC()
	acts = append(acts,
		Action{ItemID: id, Kind: ActionDwell, At: left, Value: left.Sub(opened).Seconds()},
		Action{ItemID: id, Kind: ActionBack, At: left})
	return s.sink.SaveActions(s.tab, s.cfg.SessionID, acts)
}

type point struct {
	X float64 `json:"x"`
	Y float64 `json:"y"`
}

const centreJS = `(e) => { e.scrollIntoView({block: "center", inline: "center"}); const r = e.getBoundingClientRect(); return {x: r.left + r.width / 2, y: r.top + r.height / 2}; }`

// clickItem clicks the element sel inside the item element n with a real
// mouse event (trusted, as a person's click would be).
func (s *session) clickItem(n int, sel string) error {
	pt, err := call(s, stepTimeout, chromedp.Evaluate[point](jsCall(`(n, sel, centre) => {
  const st = window.__fp; const item = st && st.nodes[n];
  if (!item || !item.isConnected) throw new Error("item element is gone");
  const e = sel ? item.querySelector(sel) : item;
  if (!e) throw new Error("no element " + sel + " in item");
  return centre(e); }`, n, sel, jsRaw(centreJS))))
	if err != nil {
		return err
	}
	_, err = call(s, stepTimeout, chromedp.MouseClickXY(pt.X, pt.Y))
	return err
}

// clickGlobal clicks the first element matching sel with a real mouse event.
func (s *session) clickGlobal(sel string) error {
	pt, err := call(s, stepTimeout, chromedp.Evaluate[point](jsCall(`(sel, centre) => {
  const e = document.querySelector(sel); if (!e) throw new Error("no element " + sel);
  return centre(e); }`, sel, jsRaw(centreJS))))
	if err != nil {
		return err
	}
	_, err = call(s, stepTimeout, chromedp.MouseClickXY(pt.X, pt.Y))
	return err
}

// jsRaw is a JavaScript expression that jsCall passes as is.
type jsRaw string

// present reports whether an element matching sel is on the page now; an
// empty selector is never present. The like action's acknowledgement being
// present already means the item was liked before: a person would not click
// it again (on most platforms that would undo the like).
func (s *session) present(sel string) bool {
	if sel == "" {
		return false
	}
	ok, err := call(s, stepTimeout, chromedp.Evaluate[bool](jsCall(`(sel) => document.querySelector(sel) !== null`, sel)))
	return err == nil && ok
}

// waitFor waits until an element matching sel is present (want) or absent.
// A navigation in between (a form submit, a redirect) destroys the page's
// JavaScript context; waitFor then tries again on the new page until d is
// over.
func (s *session) waitFor(sel string, want bool, d time.Duration) error {
	deadline := time.Now().Add(d)
	var last error
	for {
		left := time.Until(deadline)
		if left <= 0 {
			break
		}
		ok, err := call(s, left+stepTimeout, chromedp.Evaluate[bool](jsCall(`(sel, want, ms) => new Promise(resolve => {
  const ok = () => (document.querySelector(sel) !== null) === want;
  if (ok()) return resolve(true);
  const obs = new MutationObserver(() => { if (ok()) { obs.disconnect(); clearTimeout(t); resolve(true); } });
  obs.observe(document.documentElement, {childList: true, subtree: true, attributes: true});
  const t = setTimeout(() => { obs.disconnect(); resolve(ok()); }, ms);
})`, sel, want, left.Milliseconds()), chromedp.EvalAwaitPromise))
		if err == nil && ok {
			return nil
		}
		if err == nil {
			last = nil
			break
		}
		if s.tab.Err() != nil {
			return err
		}
		// The page went away under us: wait for the next one.
		last = err
		if err := sleep(s.tab, 100*time.Millisecond); err != nil {
			return err
		}
	}
	state := "appear"
	if !want {
		state = "disappear"
	}
	if last != nil {
		return fmt.Errorf("%q did not %s within %s: %w", sel, state, d, last)
	}
	return fmt.Errorf("%q did not %s within %s", sel, state, d)
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// IdentityCookie returns the value of the named cookie in a saved identity.
func IdentityCookie(ident []byte, name string) (string, bool) {
	if len(ident) == 0 {
		return "", false
	}
	var id identity
	if err := json.Unmarshal(ident, &id); err != nil {
		return "", false
	}
	for _, c := range id.Cookies {
		if c.Name == name {
			return c.Value, true
		}
	}
	return "", false
}
