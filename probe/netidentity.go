package probe

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/fetch"
	"github.com/chromedp/cdproto/target"
	"github.com/chromedp/chromedp"

	"github.com/feedprobe/feedprobe/personas"
	"github.com/feedprobe/feedprobe/probe/feed"
)

// EgressSink keeps what the platform saw of a session (its echo page).
// A session whose sink implements it saves its egress there; *storage.DB
// satisfies it. Implementations must be safe for concurrent use.
type EgressSink interface {
	SaveEgress(ctx context.Context, sessionID int64, e feed.Egress) error
}

// contextOptions are the options of a persona's browser context: its
// proxy, so every request of the context (every tab, every worker) goes
// through it, in every session.
func contextOptions(p personas.Proxy) []chromedp.CreateBrowserContextOption {
	if p.IsZero() {
		return nil
	}
	return []chromedp.CreateBrowserContextOption{func(c *target.CreateBrowserContextParams) {
		c.ProxyServer = p.Server
		c.ProxyBypassList = p.Bypass
	}}
}

// cdpCommand is one command of the DevTools protocol, with what it does
// for errors.
type cdpCommand struct {
	what, method string
	params       any
}

// emulationCommands are the commands that present traits to a page: the
// viewport, scale and touch, the user agent ua with its Accept-Language,
// the locale, the time zone and the position, in that order.
func emulationCommands(tr personas.Traits, ua string, vw, vh int, mobile, touch bool, scale float64) []cdpCommand {
	tp := emulation.SetTouchEmulationEnabledParams{Enabled: touch}
	if touch {
		tp.MaxTouchPoints = 5
	}
	lang := tr.AcceptLanguage
	if lang == "" {
		lang = tr.Locale
	}
	lang = languageList(lang)
	cmds := []cdpCommand{
		{"set viewport", emulation.SetDeviceMetricsOverride.Method, emulation.SetDeviceMetricsOverrideParams{Width: int64(vw), Height: int64(vh), DeviceScaleFactor: scale, Mobile: mobile}},
		{"set touch", emulation.SetTouchEmulationEnabled.Method, tp},
		{"set user agent", emulation.SetUserAgentOverride.Method, emulation.SetUserAgentOverrideParams{UserAgent: ua, AcceptLanguage: lang}},
	}
	if tr.Locale != "" {
		cmds = append(cmds, cdpCommand{"set locale", emulation.SetLocaleOverride.Method, emulation.SetLocaleOverrideParams{Locale: strings.ReplaceAll(tr.Locale, "-", "_")}})
	}
	if tr.Timezone != "" {
		cmds = append(cmds, cdpCommand{"set time zone", emulation.SetTimezoneOverride.Method, emulation.SetTimezoneOverrideParams{TimezoneID: tr.Timezone}})
	}
	if g := tr.Geolocation; g != nil {
		lat, lon, acc := g.Latitude, g.Longitude, g.Accuracy
		if acc <= 0 {
			acc = 100
		}
		cmds = append(cmds, cdpCommand{"set geolocation", emulation.SetGeolocationOverride.Method, emulation.SetGeolocationOverrideParams{Latitude: &lat, Longitude: &lon, Accuracy: &acc}})
	}
	return cmds
}

// languageList is an Accept-Language value as Chromium's override takes
// it: the languages alone. Chromium writes the q-values itself (see
// acceptLanguageHeader); given "de;q=0.9" it would send "de;q=0.9;q=0.9"
// and list "de;q=0.9" in navigator.languages.
func languageList(h string) string {
	var langs []string
	for _, l := range strings.Split(h, ",") {
		l, _, _ = strings.Cut(l, ";")
		if l = strings.TrimSpace(l); l != "" {
			langs = append(langs, l)
		}
	}
	return strings.Join(langs, ",")
}

// acceptLanguageHeader is the Accept-Language header Chromium sends for a
// language list: the first language alone, then q=0.9, 0.8, ... down to
// 0.1 (net::HttpUtil::GenerateAcceptLanguageHeader).
func acceptLanguageHeader(list string) string {
	var b strings.Builder
	q := 10
	for i, l := range strings.Split(list, ",") {
		if i > 0 {
			b.WriteString(",")
		}
		b.WriteString(l)
		if q < 10 {
			fmt.Fprintf(&b, ";q=0.%d", q)
		}
		if q > 1 {
			q--
		}
	}
	return b.String()
}

// emulate presents the persona's device and place to its pages: the
// viewport, scale and touch, the user agent with its Accept-Language, the
// locale, the time zone and the position (with the geolocation permission
// granted in its browser context). Overrides of the emulation domain hold
// for one tab: the session's, and, through the browser's watch of new
// tabs (newtabs.go), every tab the persona's pages open, before it loads.
func (s *session) emulate() error {
	tr := s.cfg.Persona.Traits
	vw, vh := s.viewport()
	mobile := tr.Device == personas.DeviceMobile
	touch := mobile
	if tr.Touch != nil {
		touch = *tr.Touch
	}
	scale := tr.ScaleFactor
	if scale <= 0 {
		scale = 1
	}
	ua, err := call(s, stepTimeout, chromedp.Evaluate[string](`navigator.userAgent`))
	if err != nil {
		return fmt.Errorf("read user agent: %w", err)
	}
	cmds := emulationCommands(tr, userAgentFor(tr, ua), vw, vh, mobile, touch, scale)
	for _, c := range cmds {
		if _, err := call(s, stepTimeout, chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
			return t.Call(ctx, c.method, c.params, nil)
		})); err != nil {
			return fmt.Errorf("%s: %w", c.what, err)
		}
	}
	if s.newTabs != nil {
		// Tabs the persona's pages open get the same, before they load.
		s.newTabs(cmds)
	}
	if tr.Geolocation != nil {
		ctx, cancel := context.WithTimeout(s.tab, stepTimeout)
		defer cancel()
		_, err := chromedp.CallBrowser(ctx, browser.SetPermission, browser.SetPermissionParams{
			Permission:       &browser.PermissionDescriptor{Name: string(browser.PermissionTypeGeolocation)},
			Setting:          browser.PermissionSettingGranted,
			BrowserContextID: chromedp.FromContext(s.tab).BrowserContextID,
		})
		if err != nil {
			return fmt.Errorf("grant geolocation: %w", err)
		}
	}
	return nil
}

// proxyAuth answers the proxy's authentication challenges with the
// persona's proxy credentials, read now from their environment variables
// or files and kept only in memory. It pauses the tab's requests (the
// fetch domain), so it is on only when the proxy has credentials.
func (s *session) proxyAuth() error {
	c := s.cfg.Persona.Proxy.Credentials
	if s.cfg.Persona.Proxy.IsZero() || c.IsZero() {
		return nil
	}
	user, pass, err := c.Resolve()
	if err != nil {
		return fmt.Errorf("proxy credentials of persona %s: %w", s.cfg.Persona.Name, err)
	}
	tab := s.parentTab
	reply := func(a chromedp.Action[chromedp.Void]) {
		go func() {
			ctx, cancel := context.WithTimeout(tab, stepTimeout)
			defer cancel()
			_, _ = chromedp.Run(ctx, a) // a request of a closed page is gone
		}()
	}
	// Replies go from goroutines: a listener must not run commands.
	err = chromedp.Listen(tab, func(ev any) {
		switch e := ev.(type) {
		case *fetch.EventRequestPaused:
			reply(cmdAction(fetch.ContinueRequest, fetch.ContinueRequestParams{RequestID: e.RequestID}))
		case *fetch.EventAuthRequired:
			r := &fetch.AuthChallengeResponse{Response: fetch.AuthChallengeResponseResponseDefault}
			if e.AuthChallenge != nil && e.AuthChallenge.Source == fetch.AuthChallengeSourceProxy {
				r = &fetch.AuthChallengeResponse{Response: fetch.AuthChallengeResponseResponseProvideCredentials, Username: user, Password: pass}
			}
			reply(cmdAction(fetch.ContinueWithAuth, fetch.ContinueWithAuthParams{RequestID: e.RequestID, AuthChallengeResponse: r}))
		}
	})
	if err != nil {
		return fmt.Errorf("answer proxy authentication: %w", err)
	}
	yes := true
	if _, err := call(s, stepTimeout, cmdAction(fetch.Enable, fetch.EnableParams{HandleAuthRequests: &yes, Patterns: []*fetch.RequestPattern{{URLPattern: "*"}}})); err != nil {
		return fmt.Errorf("answer proxy authentication: %w", err)
	}
	return nil
}

// cmdAction runs one DevTools command on the tab.
func cmdAction[P any](cmd cdp.Command[P, cdp.Empty], p P) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := cdp.Call(ctx, t, cmd, p)
		return err
	})
}

// echoWait bounds the wait for the echo page's element.
const echoWait = 10 * time.Second

// readEgress opens the adapter's echo page and records what the platform
// saw: the page's text and the address it names. It does nothing when the
// adapter has no echo page. An echo page that is blocked (a CAPTCHA) or
// never shows its element leaves the session without egress, logged: the
// feed decides the session's fate. Only storing the egress can fail it.
func (s *session) readEgress() error {
	e := s.cfg.Adapter.Echo
	if e.URL == "" {
		return nil
	}
	u, err := resolveURL(s.cfg.BaseURL, e.URL)
	if err != nil {
		return fmt.Errorf("echo page: %w", err)
	}
	text, err := s.echoText(u, e.Select)
	if err != nil {
		s.logger.Warn("no egress recorded", "url", u, "error", err)
		return nil
	}
	eg := egressOf(text)
	eg.At = s.now().UTC()
	s.res.Egress = &eg
	if es, ok := s.sink.(EgressSink); ok {
		return es.SaveEgress(s.tab, s.cfg.SessionID, eg)
	}
	return nil
}

// echoText opens the echo page u and returns its text: sel's, once it
// appears, or the body's.
func (s *session) echoText(u, sel string) (string, error) {
	if _, err := call(s, stepTimeout*2, chromedp.Navigate(u)); err != nil {
		return "", fmt.Errorf("open echo page: %w", err)
	}
	if b := s.blockedNow(); b != "" {
		return "", fmt.Errorf("echo page blocked (%s)", b)
	}
	if sel == "" {
		return call(s, stepTimeout, chromedp.Evaluate[string](`document.body ? document.body.innerText : ""`))
	}
	if err := s.waitFor(sel, true, echoWait); err != nil {
		if b := s.blockedNow(); b != "" {
			return "", fmt.Errorf("echo page blocked (%s)", b)
		}
		return "", err
	}
	return call(s, stepTimeout, chromedp.Evaluate[string](jsCall(`(sel) => document.querySelector(sel).textContent`, sel)))
}

// egressOf reads an echo page's text: a JSON object's "ip" (else
// "client_ip" or "origin") field, or a text that is an address itself.
func egressOf(text string) feed.Egress {
	text = strings.TrimSpace(text)
	if len(text) > feed.MaxEcho {
		text = text[:feed.MaxEcho]
	}
	eg := feed.Egress{Echo: text}
	var m map[string]any
	if json.Unmarshal([]byte(text), &m) == nil {
		for _, k := range []string{"ip", "client_ip", "origin"} {
			if v, ok := m[k].(string); ok && v != "" {
				eg.IP = strings.TrimSpace(strings.Split(v, ",")[0])
				break
			}
		}
	} else if net.ParseIP(text) != nil {
		eg.IP = text
	}
	return eg
}
