package probe

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/feedprobe/feedprobe/probe/feed"

	"github.com/PuerkitoBio/goquery"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/inspector"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/storage"
	"github.com/chromedp/cdproto/target"
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
	Items int
	Opens int
	// Likes counts the likes the platform confirmed; Unconfirmed the likes
	// and "not interested" presses it did not (stored as unconfirmed).
	Likes       int
	Unconfirmed int
	// Follows counts the follows the platform confirmed.
	Follows int
	Scrolls int
	// Watched counts the watch list's entries watched; Searches the
	// search list's queries made.
	Watched  int
	Searches int
	// Dismissed counts clicks on the adapter's dismiss selectors (consent
	// dialogs and the like).
	Dismissed int
	Identity  []byte // the identity to save for the next session
	// Egress is what the platform saw of the session (nil: the adapter
	// has no echo page).
	Egress *feed.Egress
}

// stepTimeout bounds every single CDP call that is not a deliberate wait.
const stepTimeout = 15 * time.Second

// afterTimeout bounds what a session still asks of its page after its end
// or its deadline (local storage, evidence): a hung page must not hold the
// session up for long.
const afterTimeout = 3 * time.Second

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
	// newTabs, when set, hands the persona's emulation commands to the
	// browser for the tabs its pages open (Browser.watchNewTabs).
	newTabs func([]cdpCommand)

	seen  map[string]bool
	items int
	res   SessionResult

	// For adapter checks: noEngage skips the persona's actions, maxSteps
	// (if > 0) ends the session after that many scrolls, and captured
	// (if set) collects every item element's HTML.
	noEngage bool
	maxSteps int
	captured *[]string
	// checkResponses, for adapter checks, receives each captured response
	// and what the capture block read from it.
	checkResponses *[]CheckResponse
	// waited: the none strategy has waited once for the first items.
	waited bool
	// atEnd, when set, sees the tab after browsing, before it closes.
	atEnd func(tab context.Context)
	// cap reads what the platform sends (adapters with a capture block;
	// see netcapture.go).
	cap *netCapture
	// crashed reports whether the tab's renderer crashed; watchCrash
	// makes a crash of the renderer of ctx's tab (an item's own tab) end
	// the session too.
	crashed    func() bool
	watchCrash func(ctx context.Context) error
	// feedEntry is the history entry the open item was opened from (-1:
	// unknown), where going back without a back link returns to.
	feedEntry int64
	// confirmWait is how long an action waits for its confirmation
	// (confirmTimeout unless a test shortens it).
	confirmWait time.Duration
	// closeItemTab, while an item is open in a tab of its own (s.tab is
	// then that tab), closes it and returns to the feed's tab.
	closeItemTab func()
	// searchRank and upNextRank are the ranks of the last search result
	// and up-next item stored.
	searchRank, upNextRank int
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
	s := newSession(cfg, sink)
	return b.runSession(ctx, s)
}

// newSession fills in the defaults of cfg.
func newSession(cfg SessionConfig, sink Sink) *session {
	if cfg.Timeout <= 0 {
		cfg.Timeout = 5 * time.Minute
	}
	if cfg.Surface == "" {
		cfg.Surface = cfg.Adapter.Surface
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
	return s
}

// runSession runs a prepared session in a new tab (see RunSession).
func (b *Browser) runSession(ctx context.Context, s *session) (SessionResult, error) {
	cfg := s.cfg
	tab, closeTab, err := b.newTab(ctx, contextOptions(cfg.Persona.Proxy)...)
	if err != nil {
		return s.res, err
	}
	defer closeTab()
	tc := chromedp.FromContext(tab)
	bcid, own := tc.BrowserContextID, tc.Target.TargetID
	s.newTabs = func(cmds []cdpCommand) { b.tabs.set(bcid, own, cmds) }
	defer b.tabs.forget(bcid, own)
	// The session deadline is a child of the tab: it ends the session's
	// calls, and closeTab then disposes of the tab and its browser context.
	var cancel context.CancelFunc
	s.parentTab = tab
	// A crashed renderer answers nothing: without this the session would
	// only notice at its deadline. The crash cancels the session at once.
	crashCtx, crashed := context.WithCancelCause(tab)
	defer crashed(nil)
	s.watchCrash = func(ctx context.Context) error {
		return chromedp.Listen(ctx, func(ev any) {
			if _, ok := ev.(*inspector.EventTargetCrashed); ok {
				crashed(ErrRendererCrashed)
			}
		})
	}
	if err := s.watchCrash(tab); err != nil {
		return s.res, fmt.Errorf("watch for a renderer crash: %w", err)
	}
	s.crashed = func() bool { return errors.Is(context.Cause(crashCtx), ErrRendererCrashed) }
	s.tab, cancel = context.WithTimeout(crashCtx, cfg.Timeout)
	defer cancel()

	if vw, vh := s.viewport(); b.tileMB > 0 {
		// The page is rastered at its device scale factor.
		if f := cfg.Persona.Traits.ScaleFactor; f > 1 {
			vw, vh = int(float64(vw)*f), int(float64(vh)*f)
		}
		if need := TileMemoryFor(vw, vh); need > b.tileMB {
			s.logger.Warn("viewport needs more tile memory than the browser allows: screenshots may be partly blank",
				"width_px", vw, "height_px", vh, "need_mib", need, "tile_memory_mib", b.tileMB)
		}
	}
	t0 := time.Now()
	if err := s.setup(); err != nil {
		if s.crashed() {
			err = fmt.Errorf("%w during set-up (%v)", ErrRendererCrashed, err)
		}
		s.captureEvidence("error: " + err.Error())
		return s.res, err
	}
	s.obs.ObservePhase(PhaseLaunch, time.Since(t0))
	err = s.browse()
	if errors.Is(err, ErrBlocked) && s.items == 0 && s.canLogin() {
		if lerr := s.login(); lerr != nil {
			err = fmt.Errorf("%w; logging in did not help: %v", err, lerr)
		} else {
			err = s.browse()
		}
	}
	if err != nil && s.crashed() {
		err = fmt.Errorf("%w after %d items (%v)", ErrRendererCrashed, s.items, err)
	}
	if ferr := s.flushCapture(tab); ferr != nil && err == nil {
		err = ferr
	}
	if err != nil {
		s.captureEvidence("error: " + err.Error())
	} else if cfg.Evidence != nil {
		s.captureEvidence("end")
	}
	if s.atEnd != nil {
		s.atEnd(tab)
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

// viewport returns the persona's viewport, 1280x900 unless it sets one.
func (s *session) viewport() (width, height int) {
	v := s.cfg.Persona.Traits.Viewport
	if v.Width <= 0 || v.Height <= 0 {
		return 1280, 900
	}
	return v.Width, v.Height
}

func (s *session) setup() error {
	if err := s.proxyAuth(); err != nil {
		return err
	}
	if err := s.emulate(); err != nil {
		return err
	}
	if err := s.restoreIdentity(); err != nil {
		return err
	}
	if err := s.readEgress(); err != nil {
		return err
	}
	if err := s.applySettings(); err != nil {
		return err
	}
	if err := s.runWatchList(); err != nil {
		return err
	}
	return s.runSearchList()
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
	// A hung page never answers: give it little time, and keep the local
	// storage saved before.
	if s.crashed != nil && s.crashed() {
		return json.Marshal(id) // its page is gone with the renderer
	}
	lctx, lcancel := context.WithTimeout(ctx, afterTimeout)
	defer lcancel()
	ls, err := chromedp.Run(lctx, chromedp.Evaluate[originStorage](`(() => { const items = {};
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
	var acts []feed.Action
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
		acts = append(acts, feed.Action{Kind: feed.ActionToggle, At: s.now().UTC(), Value: v, Detail: name})
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
// (in document order) and, when there are none, gets more according to
// mode: "window" scrolls the window to the end and "container" scrolls the
// element container, then both wait on a MutationObserver for new items,
// nudging the page once (under load, a lazy loader's IntersectionObserver
// can miss the sentinel's entry and never fire again while it stays in
// view); "wait" only waits for new items (after the probe clicked a "load
// more" button or pressed a key); "none" returns at once. Each returned
// element is remembered in window.__fpNodes under its index so the probe can
// act on it later without changing the platform's DOM.
//
// Before anything else it reports the first shown (rendered) element
// matching a blocked selector, and the index of the first shown dismiss
// selector (-1: none), which stops it from scrolling. more says whether
// the "load more" element is shown.
const collectJS = `async (itemSel, waitMs, nudgeMs, mode, box, dismiss, blocked, more) => {
  const st = window.__fp || (window.__fp = {seen: new WeakSet(), nodes: []});
  // Two frames: a scroll in the frame of the last append can leave a lazy
  // loader's IntersectionObserver unfired: observers run after a frame's rAF callbacks.
  await new Promise(r => requestAnimationFrame(() => requestAnimationFrame(() => r())));
  const shown = sel => { const e = document.querySelector(sel); return e !== null && e.getClientRects().length > 0; };
  const out = {scrolled: false, items: [], dismiss: -1, blocked: "", more: false};
  for (const b of blocked) if (shown(b)) { out.blocked = b; return out; }
  out.dismiss = dismiss.findIndex(shown);
  const fresh = () => Array.from(document.querySelectorAll(itemSel)).filter(e => !st.seen.has(e));
  let got = fresh();
  if (got.length === 0 && out.dismiss < 0 && mode !== "none") {
    const se = mode === "container" ? document.querySelector(box) : (document.scrollingElement || document.body);
    if (mode === "container" && !se) throw new Error("no scroll container " + box);
    const to = y => { if (mode === "container") se.scrollTop = y; else window.scrollTo(0, y); };
    const end = () => to(se.scrollHeight);
    if (mode !== "wait") { out.scrolled = true; end(); }
    got = await new Promise(resolve => {
      let done = false;
      const finish = () => { if (done) return; done = true; obs.disconnect(); clearTimeout(t1); clearTimeout(t2); resolve(fresh()); };
      const obs = new MutationObserver(() => { if (fresh().length) finish(); });
      obs.observe(document.body, {childList: true, subtree: true});
      // The nudge scrolls up far enough for a lazy loader's sentinel to
      // leave its observer's margin, waits two frames, and comes back:
      // an IntersectionObserver only fires on a change.
      const t1 = mode === "wait" ? 0 : setTimeout(() => {
        const h = mode === "container" ? se.clientHeight : window.innerHeight;
        to(Math.max(0, se.scrollHeight - 2 * h - 800));
        requestAnimationFrame(() => requestAnimationFrame(end));
      }, nudgeMs);
      const t2 = setTimeout(finish, waitMs);
    });
  }
  if (more) out.more = shown(more);
  out.items = got.map(e => { st.seen.add(e); st.nodes.push(e); return {n: st.nodes.length - 1, html: e.outerHTML}; });
  return out;
}`

type collected struct {
	Scrolled bool `json:"scrolled"`
	Items    []struct {
		N    int    `json:"n"`
		HTML string `json:"html"`
	} `json:"items"`
	Dismiss int    `json:"dismiss"`
	Blocked string `json:"blocked"`
	More    bool   `json:"more"`
}

// collect runs collectJS in one mode.
func (s *session) collect(mode string, wait time.Duration) (collected, error) {
	ad := s.cfg.Adapter
	dismiss, blocked := ad.Dismiss, ad.Blocked
	if dismiss == nil {
		dismiss = []string{}
	}
	if blocked == nil {
		blocked = []string{}
	}
	return call(s, wait+stepTimeout, chromedp.Evaluate[collected](
		jsCall(collectJS, ad.Item, wait.Milliseconds(), ad.Scroll.Nudge.Milliseconds(), mode, ad.Scroll.Container,
			dismiss, blocked, ad.Scroll.Button), chromedp.EvalAwaitPromise))
}

// step reads the new items and, when there are none, gets more the
// adapter's way: the window and container strategies scroll inside one
// call; button and key act from here (a trusted click or key press) and
// then wait. advanced says whether the step asked the page for more.
func (s *session) step() (c collected, advanced bool, err error) {
	ad := s.cfg.Adapter
	switch ad.Scroll.Strategy {
	case StrategyWindow, StrategyContainer:
		c, err = s.collect(ad.Scroll.Strategy, ad.Scroll.Wait)
		return c, c.Scrolled, err
	}
	if c, err = s.collect("none", 0); err != nil || len(c.Items) > 0 || c.Blocked != "" || c.Dismiss >= 0 {
		return c, false, err
	}
	switch ad.Scroll.Strategy {
	case StrategyNone:
		if s.waited || s.items > 0 {
			return c, false, nil // read once: the page holds what it holds
		}
		// The first items may still be on their way.
		s.waited = true
		c, err = s.collect("wait", ad.Scroll.Wait)
		return c, false, err
	case StrategyButton:
		if !c.More {
			// The button may come back once the page has loaded.
			c, err = s.collect("wait", ad.Scroll.Nudge)
			return c, false, err
		}
		if err := s.clickGlobal(ad.Scroll.Button); err != nil {
			return c, false, fmt.Errorf("click %q: %w", ad.Scroll.Button, err)
		}
	case StrategyKey:
		key, _ := keyCode(ad.Scroll.Key)
		if _, err := call(s, stepTimeout, chromedp.KeyEvent(key)); err != nil {
			return c, false, fmt.Errorf("press %s: %w", ad.Scroll.Key, err)
		}
	}
	c, err = s.collect("wait", ad.Scroll.Wait)
	c.Scrolled = true
	return c, true, err
}

// open loads the feed page and gets it ready: it waits for the adapter's
// selector and for the network to go idle, and reads the embedded JSON's
// items.
func (s *session) open(feedURL string, base *url.URL) ([]seenItem, error) {
	ad := s.cfg.Adapter
	var idle *netTracker
	if ad.WaitFor.NetworkIdle > 0 {
		idle = newNetTracker()
		ctx, cancel := context.WithCancel(s.tab)
		defer cancel()
		if err := chromedp.Listen(ctx, idle.event); err != nil {
			return nil, fmt.Errorf("watch network: %w", err)
		}
	}
	if err := s.startCapture(feedURL); err != nil {
		return nil, err
	}
	t0 := time.Now()
	if _, err := call(s, stepTimeout*2, chromedp.Navigate(feedURL)); err != nil {
		return nil, fmt.Errorf("open feed %s: %w", feedURL, err)
	}
	if ad.WaitFor.Selector != "" {
		if err := s.waitFor(ad.WaitFor.Selector, true, ad.WaitFor.Timeout); err != nil {
			if b := s.blockedNow(); b != "" {
				return nil, fmt.Errorf("%s feed at %s shows %q: %w", ad.Name, feedURL, b, ErrBlocked)
			}
			return nil, fmt.Errorf("%s feed at %s not ready: %w", ad.Name, feedURL, err)
		}
	}
	if idle != nil {
		if !idle.wait(s.tab, ad.WaitFor.NetworkIdle, ad.WaitFor.Timeout) {
			s.logger.Info("network never idle", "seconds", ad.WaitFor.Timeout.Seconds())
		}
	}
	s.obs.ObservePhase(PhaseNavigate, time.Since(t0))
	s.drainCapture()
	if ad.Embedded == nil {
		return nil, nil
	}
	// goquery rather than the browser matches the script's selector, so
	// it may use cascadia's :contains("ytInitialData").
	html, err := call(s, stepTimeout, chromedp.Evaluate[string](`document.documentElement.outerHTML`))
	if err != nil {
		return nil, fmt.Errorf("read embedded JSON: %w", err)
	}
	doc, err := goquery.NewDocumentFromReader(strings.NewReader(html))
	if err != nil {
		return nil, fmt.Errorf("read embedded JSON: %w", err)
	}
	items, err := ad.ExtractEmbedded(doc, base)
	if err != nil {
		return nil, err
	}
	if items == nil {
		s.logger.Info("no embedded JSON", "selector", ad.Embedded.Script)
	}
	return s.keep(items, -1), nil
}

// blockedNow returns the first blocked selector shown on the page, or "".
func (s *session) blockedNow() string {
	for _, b := range s.cfg.Adapter.Blocked {
		if ok, err := call(s, stepTimeout, chromedp.Evaluate[bool](jsCall(`(sel) => { const e = document.querySelector(sel); return e !== null && e.getClientRects().length > 0; }`, b))); err == nil && ok {
			return b
		}
	}
	return ""
}

// maxDismiss is how often a dismiss selector may come back before the
// session gives up on it.
const maxDismiss = 3

func (s *session) browse() error {
	feedURL, err := s.cfg.Adapter.ResolveFeedURL(s.cfg.BaseURL)
	if err != nil {
		return err
	}
	base, _ := url.Parse(feedURL)
	ad := s.cfg.Adapter
	first, err := s.open(feedURL, base)
	if err != nil {
		return err
	}
	if err := s.handle(first); err != nil {
		return err
	}
	if ad.Item == "" { // the embedded JSON is the whole surface
		if s.items == 0 {
			return fmt.Errorf("%s page at %s: embedded JSON: %w", ad.Name, feedURL, ErrNoItems)
		}
		return nil
	}
	idle := 0
	dismissed := map[int]int{}
	for s.items < s.cfg.Items {
		if s.maxSteps > 0 && s.res.Scrolls >= s.maxSteps {
			return nil
		}
		t0 := time.Now()
		c, advanced, err := s.step()
		if err != nil {
			return fmt.Errorf("scroll %s feed after %d items: %w", ad.Name, s.items, err)
		}
		if c.Blocked != "" {
			return fmt.Errorf("%s feed at %s shows %q after %d items: %w", ad.Name, feedURL, c.Blocked, s.items, ErrBlocked)
		}
		t1 := time.Now()
		s.obs.ObservePhase(PhaseScroll, t1.Sub(t0))
		fresh := s.extract(c, base)
		s.obs.ObservePhase(PhaseExtract, time.Since(t1))
		s.obs.ObserveScroll(len(fresh))
		if advanced {
			s.res.Scrolls++
			if n := s.cfg.EvidenceEvery; n > 0 && s.res.Scrolls%n == 0 {
				s.captureEvidence(fmt.Sprintf("scroll %d", s.res.Scrolls))
			}
			// Value: how many new items the scroll brought.
			if err := s.sink.SaveActions(s.tab, s.cfg.SessionID, []feed.Action{{Kind: feed.ActionScroll, At: s.now().UTC(), Value: float64(len(fresh))}}); err != nil {
				return fmt.Errorf("store scroll: %w", err)
			}
		}
		// An overlay (a consent wall) goes first, as a user would close it
		// before opening anything behind it; the items read with it are
		// handled after.
		if c.Dismiss >= 0 {
			sel := ad.Dismiss[c.Dismiss]
			if dismissed[c.Dismiss]++; dismissed[c.Dismiss] > maxDismiss {
				return fmt.Errorf("%q is still shown after %d clicks", sel, maxDismiss)
			}
			if err := s.dismiss(sel); err != nil {
				return err
			}
		}
		if err := s.handle(fresh); err != nil {
			return err
		}
		if c.Dismiss >= 0 {
			continue
		}
		if len(fresh) > 0 {
			idle = 0
			continue
		}
		if ad.Scroll.Strategy == StrategyNone && (s.items > 0 || s.waited) {
			if s.items == 0 {
				return fmt.Errorf("%s page at %s: %w", ad.Name, feedURL, ErrNoItems)
			}
			s.logger.Debug("page read", "items", s.items)
			return nil
		}
		idle++
		if idle >= ad.Scroll.MaxIdle {
			if s.items == 0 {
				return fmt.Errorf("%s feed at %s: %w", ad.Name, feedURL, ErrNoItems)
			}
			return fmt.Errorf("%s feed ended after %d of %d items (%s)", ad.Name, s.items, s.cfg.Items, s.pageState())
		}
	}
	return nil
}

// handle stores new items and lets the persona engage with them.
func (s *session) handle(fresh []seenItem) error {
	if len(fresh) == 0 && s.cap == nil {
		return nil
	}
	t2 := time.Now()
	save := impressions(fresh)
	if s.cap != nil {
		// With capture, an impression is stored once displayed (or at the
		// end of the session): see netcapture.go.
		var err error
		if save, err = s.settleCapture(); err != nil {
			return err
		}
	}
	if len(save) > 0 {
		if err := s.sink.SaveImpressions(s.tab, s.cfg.SessionID, save); err != nil {
			return fmt.Errorf("store impressions: %w", err)
		}
	}
	s.obs.ObservePhase(PhaseStore, time.Since(t2))
	if s.noEngage {
		return nil
	}
	for _, f := range fresh {
		if err := s.engage(f); err != nil {
			return err
		}
	}
	if p := s.cfg.Persona.Behaviour.ScrollPause; p > 0 && len(fresh) > 0 {
		if err := sleep(s.tab, p); err != nil {
			return fmt.Errorf("pause after %d items: %w", s.items, err)
		}
	}
	return nil
}

// dismiss clicks what stands in front of the feed and waits for it to go.
func (s *session) dismiss(sel string) error {
	if err := s.clickGlobal(sel); err != nil {
		return fmt.Errorf("dismiss %q: %w", sel, err)
	}
	if err := s.waitFor(sel, false, 5*time.Second); err != nil {
		s.logger.Info("dismissed element stays in the page", "selector", sel)
	}
	s.logger.Debug("dismissed", "selector", sel)
	s.res.Dismissed++
	return nil
}

// netTracker counts the tab's requests in flight, for waiting on network
// idle. Its event method runs on chromedp's reader goroutine.
type netTracker struct {
	mu       sync.Mutex
	inflight map[network.RequestID]bool
	last     time.Time
}

func newNetTracker() *netTracker {
	return &netTracker{inflight: map[network.RequestID]bool{}, last: time.Now()}
}

func (n *netTracker) event(ev any) {
	n.mu.Lock()
	defer n.mu.Unlock()
	switch e := ev.(type) {
	case *network.EventRequestWillBeSent:
		n.inflight[e.RequestID] = true
	case *network.EventLoadingFinished:
		delete(n.inflight, e.RequestID)
	case *network.EventLoadingFailed:
		delete(n.inflight, e.RequestID)
	default:
		return
	}
	n.last = time.Now()
}

// wait waits until no request was in flight for quiet; it reports false when
// max passed first or ctx ended.
func (n *netTracker) wait(ctx context.Context, quiet, max time.Duration) bool {
	deadline := time.Now().Add(max)
	tick := time.NewTicker(25 * time.Millisecond)
	defer tick.Stop()
	for time.Now().Before(deadline) {
		n.mu.Lock()
		ok := len(n.inflight) == 0 && time.Since(n.last) >= quiet
		n.mu.Unlock()
		if ok {
			return true
		}
		select {
		case <-ctx.Done():
			return false
		case <-tick.C:
		}
	}
	return false
}

// captureEvidence saves a screenshot and the page's HTML through the
// evidence sink, if there is one. It runs on the tab, not the session
// deadline, so it also works after a timeout; its own failure is logged,
// never returned: evidence must not turn a good session into a failed one.
func (s *session) captureEvidence(reason string) {
	if s.cfg.Evidence == nil || s.crashed != nil && s.crashed() {
		// A crashed page has nothing left to show.
		return
	}
	// s.tab may be past its deadline: work on the tab itself.
	ctx, cancel := context.WithTimeout(s.parentTab, afterTimeout)
	defer cancel()
	at := s.now().UTC()
	if png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot()); err == nil {
		if err := s.cfg.Evidence.SaveEvidence(ctx, s.cfg.SessionID, feed.Evidence{Kind: "screenshot", Reason: reason, At: at, Data: png}); err != nil {
			s.logger.Warn("evidence not saved", "kind", "screenshot", "error", err)
		}
	} else {
		s.logger.Warn("screenshot failed", "error", err)
	}
	if html, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.documentElement.outerHTML`)); err == nil {
		if err := s.cfg.Evidence.SaveEvidence(ctx, s.cfg.SessionID, feed.Evidence{Kind: "html", Reason: reason, At: at, Data: []byte(html)}); err != nil {
			s.logger.Warn("evidence not saved", "kind", "html", "error", err)
		}
	} else {
		s.logger.Warn("page HTML not read", "error", err)
	}
}

// canLogin reports whether the adapter has a login form and the persona
// what it asks for: credentials, unless the form is a bare link.
func (s *session) canLogin() bool {
	lf := s.cfg.Adapter.Login
	return lf.URL != "" && (lf.Username == "" || !s.cfg.Persona.Credentials.IsZero())
}

// login fills the adapter's login form with the persona's credentials,
// which are read from their environment variables or files only now. The
// credentials are typed into the page and never logged, stored or put in
// an error; the recorded action names only where they came from.
func (s *session) login() error {
	c := s.cfg.Persona.Credentials
	user, pass, err := c.Resolve()
	if err != nil {
		return fmt.Errorf("credentials of %s: %w", s.cfg.Persona.Name, err)
	}
	lf := s.cfg.Adapter.Login
	u, err := resolveURL(s.cfg.BaseURL, lf.URL)
	if err != nil {
		return err
	}
	if _, err := call(s, stepTimeout*2, chromedp.Navigate(u)); err != nil {
		return fmt.Errorf("open login page: %w", err)
	}
	if err := s.waitFor(cmp.Or(lf.Username, lf.Submit), true, 10*time.Second); err != nil {
		return fmt.Errorf("login form: %w", err)
	}
	for _, f := range []struct{ sel, v, what string }{{lf.Username, user, "username"}, {lf.Password, pass, "password"}} {
		if f.sel == "" {
			continue // a passwordless form, or a login link
		}
		if f.v == "" {
			if f.what == "username" {
				return fmt.Errorf("the login form asks for a username and the credentials of %s give none", s.cfg.Persona.Name)
			}
			continue
		}
		if _, err := call(s, stepTimeout, chromedp.SendKeys(chromedp.CSS(f.sel), f.v)); err != nil {
			// The error names the field, never the value.
			return fmt.Errorf("type the %s: %w", f.what, err)
		}
	}
	if err := s.clickGlobal(lf.Submit); err != nil {
		return fmt.Errorf("submit the login form: %w", err)
	}
	if lf.Done != "" {
		if err := s.waitFor(lf.Done, true, 15*time.Second); err != nil {
			return fmt.Errorf("not logged in: %w", err)
		}
	}
	source := "credentials from " + c.UsernameEnv + c.UsernameFile + "/" + c.PasswordEnv + c.PasswordFile
	if c.IsZero() {
		source = "login link"
	}
	return s.sink.SaveActions(s.tab, s.cfg.SessionID, []feed.Action{{Kind: feed.ActionLogin, At: s.now().UTC(), Value: 1, Detail: source}})
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
	imp feed.Impression
	n   int
}

func impressions(items []seenItem) []feed.Impression {
	out := make([]feed.Impression, len(items))
	for i, it := range items {
		out[i] = it.imp
	}
	return out
}

// extract parses the new elements, drops items already seen this session,
// ranks the rest in order of first appearance, and stops at the session's
// item count.
func (s *session) extract(c collected, base *url.URL) []seenItem {
	s.drainCapture() // the traffic first: served items rank before the page draws them
	var out []seenItem
	for _, el := range c.Items {
		if s.captured != nil {
			*s.captured = append(*s.captured, el.HTML)
		}
		items, err := s.cfg.Adapter.ExtractHTML(strings.NewReader(el.HTML), base)
		if err != nil || len(items) == 0 {
			continue
		}
		out = append(out, s.keep(items[:1], el.N)...)
	}
	return out
}

// keep ranks the items not seen before, up to the session's item count; n
// is the index of their element in the page (-1: none, as for items of the
// embedded JSON).
func (s *session) keep(items []feed.Item, n int) []seenItem {
	var out []seenItem
	now := s.now().UTC()
	for _, it := range items {
		if s.seen[it.ID] {
			if si, ok := s.domAgain(it, n); ok {
				out = append(out, si)
			}
			continue
		}
		if s.items >= s.cfg.Items {
			break
		}
		s.seen[it.ID] = true
		s.items++
		si := seenItem{n: n, imp: feed.Impression{Item: it, Rank: s.items, SeenAt: now, Surface: s.cfg.Surface}}
		if s.cap != nil {
			s.holdDOM(si)
		}
		out = append(out, si)
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
	if ad.Actions.Open.Click == "" || it.n < 0 {
		return nil
	}
	notWanted := ad.Actions.NotInterested.Click != "" && slices.ContainsFunc(p.NotInterested, func(t string) bool {
		return strings.EqualFold(t, it.imp.Topic)
	})
	match := p.Match(it.imp.Topic, it.imp.Title)
	if !notWanted && s.rng.Float64() >= b.Open.P(match) {
		return nil
	}
	// The behaviour's "not interested", drawn only when set so that
	// personas without it draw what they always drew.
	if !notWanted && ad.Actions.NotInterested.Click != "" && b.NotInterested != (personas.Aversion{}) {
		notWanted = s.rng.Float64() < b.NotInterested.P(match)
	}
	id := it.imp.ID
	s.feedEntry = s.historyEntry()
	if err := s.openItem(it); err != nil {
		if errors.Is(err, errItemGone) {
			// The page was loaded again (a multi-page site) and no longer
			// shows the item: a person could not open it either.
			s.logger.Info("item no longer on the page", "item", id)
			return nil
		}
		return fmt.Errorf("open item %s: %w", id, err)
	}
	if ad.Actions.Open.Wait != "" {
		if err := s.waitFor(ad.Actions.Open.Wait, true, 10*time.Second); err != nil {
			return fmt.Errorf("open item %s: %w", id, err)
		}
	}
	opened := s.now().UTC()
	s.res.Opens++
	if err := s.readUpNext(id); err != nil {
		return err
	}
	acts := []feed.Action{{ItemID: id, Kind: feed.ActionOpen, At: opened}}
	if notWanted {
		// Say so and leave: no dwell, no like.
		ni := ad.Actions.NotInterested
		if !s.present(ni.Skip) {
			confirmed, err := s.act(ni)
			if err != nil {
				return fmt.Errorf("not interested in %s: %w", id, err)
			}
			acts = append(acts, s.confirmedAction(feed.Action{ItemID: id, Kind: feed.ActionNotInterested, At: s.now().UTC(), Detail: it.imp.Topic}, confirmed))
		}
		return s.leave(id, opened, acts)
	}
	dwell := b.Dwell.Sample(s.rng)
	played, hasMedia, err := s.dwellOn(s.tab, dwell)
	if err != nil {
		return fmt.Errorf("dwell on %s: %w", id, err)
	}
	if hasMedia {
		acts = append(acts, feed.Action{ItemID: id, Kind: feed.ActionWatch, At: opened, Value: played})
	}
	if like := ad.Actions.Like; like.Click != "" && s.rng.Float64() < b.Like.P(match) && !s.present(like.Skip) {
		confirmed, err := s.act(like)
		if err != nil {
			return fmt.Errorf("like item %s: %w", id, err)
		}
		if confirmed {
			s.res.Likes++
		}
		acts = append(acts, s.confirmedAction(feed.Action{ItemID: id, Kind: feed.ActionLike, At: s.now().UTC()}, confirmed))
	}
	if f := ad.Actions.Follow; f.Click != "" && b.Follow != (personas.Prob{}) && s.rng.Float64() < b.Follow.P(match) && !s.present(f.Skip) {
		confirmed, err := s.act(f)
		if err != nil {
			return fmt.Errorf("follow the author of %s: %w", id, err)
		}
		if confirmed {
			s.res.Follows++
		}
		acts = append(acts, s.confirmedAction(feed.Action{ItemID: id, Kind: feed.ActionFollow, At: s.now().UTC(), Detail: it.imp.Author}, confirmed))
	}
	return s.leave(id, opened, acts)
}

// confirmedAction marks a unconfirmed unless the platform confirmed it,
// and counts and logs it.
func (s *session) confirmedAction(a feed.Action, confirmed bool) feed.Action {
	if !confirmed {
		a.Unconfirmed = true
		s.res.Unconfirmed++
		s.logger.Warn("action not confirmed by the platform", "kind", string(a.Kind), "item", a.ItemID)
	}
	return a
}

// confirmTimeout is how long an action waits for the platform's
// confirmation.
const confirmTimeout = 10 * time.Second

// act clicks a's element and waits for what confirms it (see Action2). It
// reports whether the platform confirmed the action; an error means the
// click itself failed.
func (s *session) act(a Action2) (confirmed bool, err error) {
	var got chan struct{}
	if a.Response != "" {
		re, err := regexp.Compile(a.Response)
		if err != nil {
			return false, fmt.Errorf("response pattern %q: %w", a.Response, err)
		}
		got = make(chan struct{})
		var once sync.Once
		match := func(u string, status int64) {
			if status >= 200 && status < 400 && re.MatchString(u) {
				once.Do(func() { close(got) })
			}
		}
		lctx, cancel := context.WithCancel(s.tab)
		defer cancel()
		if err := chromedp.Listen(lctx, func(ev any) {
			switch e := ev.(type) {
			case *network.EventResponseReceived:
				match(e.Response.URL, e.Response.Status)
			case *network.EventRequestWillBeSent:
				if r := e.RedirectResponse; r != nil {
					match(r.URL, r.Status)
				}
			}
		}); err != nil {
			return false, fmt.Errorf("watch network: %w", err)
		}
	}
	if a.Wait != "" {
		// Remember what matches now: only a new match confirms.
		if _, err := call(s, stepTimeout, chromedp.Evaluate[bool](jsCall(`(sel) => { window.__fpPre = new WeakSet(document.querySelectorAll(sel)); return true; }`, a.Wait))); err != nil {
			return false, fmt.Errorf("read the page before the click: %w", err)
		}
	}
	if err := s.clickGlobal(a.Click); err != nil {
		return false, err
	}
	wait := cmp.Or(s.confirmWait, confirmTimeout)
	deadline := time.Now().Add(wait)
	confirmed = a.Response != "" || a.Wait != ""
	if got != nil {
		t := time.NewTimer(wait)
		select {
		case <-got:
		case <-t.C:
			confirmed = false
		case <-s.tab.Done():
			t.Stop()
			return false, s.tab.Err()
		}
		t.Stop()
	}
	if a.Wait != "" && confirmed {
		if err := s.waitNew(a.Wait, time.Until(deadline)); err != nil {
			if s.tab.Err() != nil {
				return false, err
			}
			confirmed = false
		}
	}
	return confirmed, nil
}

// leave goes back from the open item to the feed and stores the item's
// actions with the dwell and back that close them. An item open in a tab
// of its own is left by closing that tab.
func (s *session) leave(id string, opened time.Time, acts []feed.Action) error {
	back := s.cfg.Adapter.Actions.Back
	if s.closeItemTab != nil {
		s.closeItemTab()
	} else {
		if back.Click != "" {
			// A like's form POST may still be loading its answer page.
			if err := s.waitFor(back.Click, true, 10*time.Second); err != nil {
				return fmt.Errorf("leave item %s: %w", id, err)
			}
			if err := s.clickGlobal(back.Click); err != nil {
				return fmt.Errorf("leave item %s: %w", id, err)
			}
		} else if cur := s.historyEntry(); s.feedEntry >= 0 && cur >= 0 && cur != s.feedEntry {
			// Straight back to the feed's history entry, past the pages
			// a like's form POST added (the way back loads nothing twice).
			if err := s.goToEntry(s.feedEntry); err != nil {
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
		// Going back may load the feed page again: wait for its items.
		if item := s.cfg.Adapter.Item; item != "" {
			if err := s.waitFor(item, true, 10*time.Second); err != nil {
				return fmt.Errorf("back to the feed from item %s: %w", id, err)
			}
		}
	}
	left := s.now().UTC()
	acts = append(acts,
		feed.Action{ItemID: id, Kind: feed.ActionDwell, At: left, Value: left.Sub(opened).Seconds()},
		feed.Action{ItemID: id, Kind: feed.ActionBack, At: left})
	return s.sink.SaveActions(s.tab, s.cfg.SessionID, acts)
}

// goToEntry navigates the tab to a history entry. A page still loading
// (the answer to a form POST) refuses for a moment: it tries again for up
// to five seconds.
func (s *session) goToEntry(entry int64) error {
	deadline := time.Now().Add(5 * time.Second)
	for {
		_, err := call(s, stepTimeout, chromedp.Action[cdp.Empty](func(ctx context.Context, t *chromedp.Target) (cdp.Empty, error) {
			return cdp.Call(ctx, t, page.NavigateToHistoryEntry, page.NavigateToHistoryEntryParams{EntryID: entry})
		}))
		if err == nil || s.tab.Err() != nil || time.Now().After(deadline) {
			return err
		}
		if err := sleep(s.tab, 100*time.Millisecond); err != nil {
			return err
		}
	}
}

// historyEntry returns the id of the tab's current history entry, -1 when
// unknown.
// A page still loading refuses for a moment: it tries again for up to five
// seconds.
func (s *session) historyEntry() int64 {
	deadline := time.Now().Add(5 * time.Second)
	for {
		h, err := call(s, stepTimeout, chromedp.Action[page.GetNavigationHistoryResult](func(ctx context.Context, t *chromedp.Target) (page.GetNavigationHistoryResult, error) {
			return cdp.Call(ctx, t, page.GetNavigationHistory, cdp.Empty{})
		}))
		if err == nil {
			if h.CurrentIndex < 0 || int(h.CurrentIndex) >= len(h.Entries) {
				return -1
			}
			return h.Entries[h.CurrentIndex].ID
		}
		if time.Now().After(deadline) || sleep(s.tab, 100*time.Millisecond) != nil {
			return -1
		}
	}
}

type point struct {
	X float64 `json:"x"`
	Y float64 `json:"y"`
}

// target is where to click, and whether the click opens a new tab (a link
// with target=_blank) or finds the item element gone.
type clickTarget struct {
	point
	NewTab bool `json:"newTab"`
	Gone   bool `json:"gone"`
}

const centreJS = `(e) => { e.scrollIntoView({block: "center", inline: "nearest"}); const r = e.getBoundingClientRect();
  const l = Math.max(r.left, 0), t = Math.max(r.top, 0), rr = Math.min(r.right, window.innerWidth), b = Math.min(r.bottom, window.innerHeight);
  if (rr <= l || b <= t) throw new Error("element is not in the viewport: " + JSON.stringify(r) + " " + window.innerWidth + "x" + window.innerHeight);
  return {x: (l + rr) / 2, y: (t + b) / 2}; }`

// errItemGone means the item is no longer on the page.
var errItemGone = errors.New("item is no longer on the page")

// openItem clicks the adapter's open selector inside the item with a real
// mouse event. The item element is the one collected, or, when the page was
// loaded again since (a multi-page site goes back by loading the feed
// again), the element that now shows the item's id; errItemGone when none
// does. A link that opens a new tab is followed into it: the session works
// in that tab until leave closes it.
func (s *session) openItem(it seenItem) error {
	sel := s.cfg.Adapter.Actions.Open.Click
	ct, err := call(s, stepTimeout, chromedp.Evaluate[clickTarget](jsCall(`(n, sel, centre) => {
  const st = window.__fp; const item = st && st.nodes[n];
  if (!item || !item.isConnected) return {gone: true};
  const e = sel ? item.querySelector(sel) : item;
  if (!e) throw new Error("no element " + sel + " in item");
  const a = e.closest("a");
  return Object.assign(centre(e), {newTab: !!a && a.target === "_blank"}); }`, it.n, sel, jsRaw(centreJS))))
	if err != nil {
		return err
	}
	if ct.Gone {
		if ct, err = s.refind(it.imp.ID, sel); err != nil {
			return err
		}
	}
	var opened <-chan target.ID
	if ct.NewTab {
		self := chromedp.FromContext(s.tab).Target.TargetID
		opened = chromedp.WaitNewTarget(s.tab, func(info *target.Info) bool { return info.OpenerID == self })
	}
	if _, err := call(s, stepTimeout, chromedp.MouseClickXY(ct.X, ct.Y)); err != nil {
		return err
	}
	if opened == nil {
		return nil
	}
	var tid target.ID
	t := time.NewTimer(stepTimeout)
	defer t.Stop()
	select {
	case tid = <-opened:
	case <-t.C:
		return errors.New("the link's new tab did not open")
	case <-s.tab.Done():
		return s.tab.Err()
	}
	feedTab := s.tab
	// Known upstream race (chromedp v0.23.1, not fixed there): attaching to
	// a tab that exists already walks its document on this goroutine while
	// the target's reader applies DOM events to the same node map, read
	// without the frame's lock (Target.domEvent). A page that changes its
	// DOM in the instant of the attach can trip the race detector (seen
	// once in about 20 -race runs of the new-tab tests); the attach is
	// otherwise correct.
	itemTab, cancel := chromedp.NewContext(feedTab, chromedp.WithTargetID(tid))
	if err := chromedp.Do(itemTab); err != nil {
		cancel()
		return fmt.Errorf("attach to the item's tab: %w", err)
	}
	if err := s.watchCrash(itemTab); err != nil {
		cancel()
		return fmt.Errorf("watch the item's tab: %w", err)
	}
	s.tab = itemTab
	s.closeItemTab = func() {
		cancel() // closes the tab
		s.tab, s.closeItemTab = feedTab, nil
	}
	return nil
}

// refind finds the element of item id on the page by extracting every item
// element again, and returns where to click it.
func (s *session) refind(id, sel string) (clickTarget, error) {
	ad := s.cfg.Adapter
	htmls, err := call(s, stepTimeout, chromedp.Evaluate[[]string](jsCall(`(itemSel) => Array.from(document.querySelectorAll(itemSel), e => e.outerHTML)`, ad.Item)))
	if err != nil {
		return clickTarget{}, fmt.Errorf("find the item again: %w", err)
	}
	for i, h := range htmls {
		items, err := ad.ExtractHTML(strings.NewReader(h), nil)
		if err != nil || len(items) == 0 || items[0].ID != id {
			continue
		}
		ct, err := call(s, stepTimeout, chromedp.Evaluate[clickTarget](jsCall(`(itemSel, i, sel, centre) => {
  const item = document.querySelectorAll(itemSel)[i];
  if (!item) return {gone: true};
  const e = sel ? item.querySelector(sel) : item;
  if (!e) throw new Error("no element " + sel + " in item");
  const a = e.closest("a");
  return Object.assign(centre(e), {newTab: !!a && a.target === "_blank"}); }`, ad.Item, i, sel, jsRaw(centreJS))))
		if err != nil {
			return clickTarget{}, err
		}
		if ct.Gone {
			break
		}
		return ct, nil
	}
	return clickTarget{}, errItemGone
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
// empty selector is never present.
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
	return s.waitMatch(sel, want, false, d)
}

// waitNew waits until an element matching sel appears that did not match
// when act marked the page (window.__fpPre); on a new page (a form POST's
// answer) any match counts.
func (s *session) waitNew(sel string, d time.Duration) error {
	return s.waitMatch(sel, true, true, d)
}

func (s *session) waitMatch(sel string, want, fresh bool, d time.Duration) error {
	deadline := time.Now().Add(d)
	var last error
	for {
		left := time.Until(deadline)
		if left <= 0 {
			break
		}
		ok, err := call(s, left+stepTimeout, chromedp.Evaluate[bool](jsCall(`(sel, want, fresh, ms) => new Promise(resolve => {
  const pre = window.__fpPre;
  const ok = () => fresh ? Array.from(document.querySelectorAll(sel)).some(e => !(pre && pre.has(e))) : (document.querySelector(sel) !== null) === want;
  if (ok()) return resolve(true);
  const obs = new MutationObserver(() => { if (ok()) { obs.disconnect(); clearTimeout(t); resolve(true); } });
  obs.observe(document.documentElement, {childList: true, subtree: true, attributes: true});
  const t = setTimeout(() => { obs.disconnect(); resolve(ok()); }, ms);
})`, sel, want, fresh, left.Milliseconds()), chromedp.EvalAwaitPromise))
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
