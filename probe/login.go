package probe

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// LoginConfig is a manual (or scripted) login of a persona.
type LoginConfig struct {
	// URL is the page to open: the platform's login page or its feed.
	URL string
	// Identity is the persona's identity so far (nil: none); the login adds
	// to it.
	Identity []byte
	// Cookies are imported into the identity before the page opens (see
	// ParseCookieFile), for servers where nobody can log in by hand.
	Cookies []*network.Cookie
	// Ready is called with the tab once the page has loaded and returns
	// when the login is done: when the person says so, or after a script
	// logged in. Cancelling its ctx, or an error, ends the login and
	// nothing is returned. Nil means "done at once" (a cookie import).
	Ready func(tab context.Context) error
	// Viewport is the window size; zero means 1280x900.
	Width, Height int
	Logger        *slog.Logger
}

// Login opens cfg.URL in a fresh browser context that holds the persona's
// identity and imported cookies, waits for cfg.Ready, and returns the
// identity to save: the context's cookies and the current origin's local
// storage, merged over cfg.Identity. Run it on a visible browser (see
// BrowserOptions.Visible) for a person to log in by hand. Cancelling ctx
// closes the tab and returns ctx's error.
func (b *Browser) Login(ctx context.Context, cfg LoginConfig) ([]byte, error) {
	ident, err := mergeCookies(cfg.Identity, cfg.Cookies)
	if err != nil {
		return nil, err
	}
	tab, closeTab, err := b.newTab(ctx)
	if err != nil {
		return nil, err
	}
	defer closeTab()
	s := &session{cfg: SessionConfig{Identity: ident}, tab: tab, parentTab: tab, now: time.Now, logger: cfg.Logger}
	if s.logger == nil {
		s.logger = slog.New(slog.DiscardHandler)
	}
	w, h := cfg.Width, cfg.Height
	if w <= 0 || h <= 0 {
		w, h = 1280, 900
	}
	if _, err := call(s, stepTimeout, chromedp.EmulateViewport(int64(w), int64(h))); err != nil {
		return nil, fmt.Errorf("set viewport: %w", err)
	}
	if err := s.restoreIdentity(); err != nil {
		return nil, err
	}
	if _, err := call(s, stepTimeout*2, chromedp.Navigate(cfg.URL)); err != nil {
		return nil, fmt.Errorf("open %s: %w", cfg.URL, err)
	}
	if cfg.Ready != nil {
		if err := cfg.Ready(tab); err != nil {
			return nil, err
		}
	}
	return s.saveIdentity(tab)
}

// mergeCookies adds cookies to an identity, replacing those with the same
// name, domain and path.
func mergeCookies(ident []byte, cookies []*network.Cookie) ([]byte, error) {
	if len(cookies) == 0 {
		return ident, nil
	}
	var id identity
	if len(ident) > 0 {
		if err := json.Unmarshal(ident, &id); err != nil {
			return nil, fmt.Errorf("decode saved identity: %w", err)
		}
	}
	key := func(c *network.Cookie) string { return c.Name + "\x00" + c.Domain + "\x00" + c.Path }
	pos := map[string]int{}
	for i, c := range id.Cookies {
		pos[key(c)] = i
	}
	for _, c := range cookies {
		if i, ok := pos[key(c)]; ok {
			id.Cookies[i] = c
			continue
		}
		pos[key(c)] = len(id.Cookies)
		id.Cookies = append(id.Cookies, c)
	}
	return json.Marshal(id)
}

// ParseCookieFile reads cookies exported from a browser where a person
// logged in: a JSON array as browser extensions export it (name, value,
// domain, path, secure, httpOnly, sameSite, expirationDate or expires), or
// a Netscape cookies.txt file (curl, yt-dlp, "Get cookies.txt"). Errors name
// the file and line.
func ParseCookieFile(name string, data []byte) ([]*network.Cookie, error) {
	t := bytes.TrimSpace(data)
	if len(t) == 0 {
		return nil, fmt.Errorf("%s: no cookies", name)
	}
	if t[0] == '[' {
		return parseCookieJSON(name, t)
	}
	return parseCookieTxt(name, data)
}

func parseCookieJSON(name string, data []byte) ([]*network.Cookie, error) {
	var raw []struct {
		Name           string   `json:"name"`
		Value          string   `json:"value"`
		Domain         string   `json:"domain"`
		Path           string   `json:"path"`
		Secure         bool     `json:"secure"`
		HTTPOnly       bool     `json:"httpOnly"`
		SameSite       string   `json:"sameSite"`
		ExpirationDate *float64 `json:"expirationDate"`
		Expires        *float64 `json:"expires"`
		Session        bool     `json:"session"`
	}
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	var out []*network.Cookie
	for i, r := range raw {
		if r.Name == "" || r.Domain == "" {
			return nil, fmt.Errorf("%s: cookie %d: needs a name and a domain", name, i+1)
		}
		c := &network.Cookie{Name: r.Name, Value: r.Value, Domain: r.Domain, Path: r.Path, Secure: r.Secure, HTTPOnly: r.HTTPOnly, Session: true, Expires: -1}
		if c.Path == "" {
			c.Path = "/"
		}
		exp := r.ExpirationDate
		if exp == nil {
			exp = r.Expires
		}
		if exp != nil && *exp > 0 && !r.Session {
			c.Expires, c.Session = math.Floor(*exp), false
		}
		switch strings.ToLower(r.SameSite) {
		case "lax":
			c.SameSite = network.CookieSameSiteLax
		case "strict":
			c.SameSite = network.CookieSameSiteStrict
		case "none", "no_restriction":
			c.SameSite = network.CookieSameSiteNone
		}
		out = append(out, c)
	}
	return out, nil
}

func parseCookieTxt(name string, data []byte) ([]*network.Cookie, error) {
	var out []*network.Cookie
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	line := 0
	for sc.Scan() {
		line++
		l := strings.TrimRight(sc.Text(), "\r")
		httpOnly := false
		if rest, ok := strings.CutPrefix(l, "#HttpOnly_"); ok {
			l, httpOnly = rest, true
		}
		if strings.TrimSpace(l) == "" || strings.HasPrefix(l, "#") {
			continue
		}
		f := strings.Split(l, "\t")
		if len(f) != 7 {
			return nil, fmt.Errorf("%s:%d: want 7 tab-separated fields (domain, subdomains, path, secure, expiry, name, value), got %d", name, line, len(f))
		}
		exp, err := strconv.ParseInt(f[4], 10, 64)
		if err != nil {
			return nil, fmt.Errorf("%s:%d: expiry %q is not a Unix time", name, line, f[4])
		}
		c := &network.Cookie{Domain: f[0], Path: f[2], Secure: strings.EqualFold(f[3], "TRUE"), Name: f[5], Value: f[6], HTTPOnly: httpOnly, Session: exp == 0, Expires: -1}
		if exp > 0 {
			c.Expires = float64(exp)
		}
		if c.Name == "" {
			return nil, fmt.Errorf("%s:%d: cookie without a name", name, line)
		}
		out = append(out, c)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: no cookies", name)
	}
	return out, nil
}
