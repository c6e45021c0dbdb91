package simfeed

import (
	"encoding/json"
	"fmt"
	"html/template"
	"net"
	"net/http"
	"net/netip"
	"regexp"
	"slices"
	"strings"
	"time"
)

// Region plants a regional catalogue: items only visitors seen from the
// region are served, the way platforms localize feeds by the address,
// language or time zone they see. A visit's region is decided when the
// visit starts, from the first of these that names a region: the client
// address (the TCP peer: forwarded headers are not trusted), the time
// zone the user's pages last reported (the echo script: a platform learns
// it from its scripts, never from a header), the first locale of
// Accept-Language, its primary language.
type Region struct {
	// Name names the region ([a-z0-9-], at most 32 characters); it is the
	// topic of its items ("local-NAME") and their Region.
	Name string `yaml:"name" json:"name"`
	// Clients are the client address ranges (CIDR, or a single address)
	// seen from the region.
	Clients []string `yaml:"clients" json:"clients,omitempty"`
	// TimeZones are IANA time zones ("Europe/Berlin") of the region, for
	// users whose pages reported one (see Echo) and no client range
	// matches.
	TimeZones []string `yaml:"time_zones" json:"time_zones,omitempty"`
	// Locales are language tags ("de-CH") of the region, matched without
	// regard to case against the first language of Accept-Language when
	// neither an address nor a time zone decided.
	Locales []string `yaml:"locales" json:"locales,omitempty"`
	// Languages are primary language subtags ("de") whose speakers are
	// taken to be in the region when nothing above decided: the first
	// language of Accept-Language decides.
	Languages []string `yaml:"languages" json:"languages,omitempty"`
	// Items is the number of regional items planted. Default 40.
	Items int `yaml:"items" json:"items,omitempty"`
	// Share is the share of a regional visitor's slots filled with regional
	// items, in [0,1]. Default 0.3.
	Share float64 `yaml:"share" json:"share,omitempty"`

	prefixes []netip.Prefix
}

// Defaults of a region.
const (
	defaultRegionItems = 40
	defaultRegionShare = 0.3
	maxRegionItems     = 10000
)

var (
	regionNameRE = regexp.MustCompile(`^[a-z0-9-]{1,32}$`)
	localeRE     = regexp.MustCompile(`^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*$`)
)

// RegionalTopic is the topic of region name's items.
func RegionalTopic(name string) string { return "local-" + name }

// checkRegions validates and completes the regions of c (defaults,
// parsed address ranges).
func (c *Config) checkRegions() error {
	seen := map[string]bool{}
	for i := range c.Regions {
		r := &c.Regions[i]
		if !regionNameRE.MatchString(r.Name) {
			return fmt.Errorf("regions[%d].name %q: want [a-z0-9-], 1 to 32 characters", i, r.Name)
		}
		if seen[r.Name] {
			return fmt.Errorf("regions[%d].name %q repeats an earlier region", i, r.Name)
		}
		seen[r.Name] = true
		if len(r.Clients) == 0 && len(r.TimeZones) == 0 && len(r.Locales) == 0 && len(r.Languages) == 0 {
			return fmt.Errorf("regions[%d] (%s): give clients, time_zones, locales or languages", i, r.Name)
		}
		for _, tz := range r.TimeZones {
			if _, err := time.LoadLocation(tz); err != nil || tz == "" || tz == "Local" {
				return fmt.Errorf("regions[%d].time_zones %q: not an IANA time zone", i, tz)
			}
		}
		for _, l := range r.Locales {
			if !localeRE.MatchString(l) {
				return fmt.Errorf("regions[%d].locales %q: not a language tag such as de-CH", i, l)
			}
		}
		r.prefixes = r.prefixes[:0]
		for _, cl := range r.Clients {
			p, err := netip.ParsePrefix(cl)
			if err != nil {
				a, aerr := netip.ParseAddr(cl)
				if aerr != nil {
					return fmt.Errorf("regions[%d].clients %q: not an address or CIDR range", i, cl)
				}
				p = netip.PrefixFrom(a, a.BitLen())
			}
			r.prefixes = append(r.prefixes, p.Masked())
		}
		if r.Items == 0 {
			r.Items = defaultRegionItems
		}
		if r.Items < 1 || r.Items > maxRegionItems {
			return fmt.Errorf("regions[%d].items %d out of range [1,%d]", i, r.Items, maxRegionItems)
		}
		if r.Share == 0 {
			r.Share = defaultRegionShare
		}
		if !(r.Share > 0 && r.Share <= 1) {
			return fmt.Errorf("regions[%d].share %v out of range (0,1]", i, r.Share)
		}
	}
	return nil
}

// regionOf returns the region a request of a user whose pages reported
// time zone tz ("" for none) comes from, or "".
func (s *Server) regionOf(r *http.Request, tz string) string {
	if len(s.cfg.Regions) == 0 {
		return ""
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	if a, err := netip.ParseAddr(host); err == nil {
		a = a.Unmap()
		for _, reg := range s.cfg.Regions {
			for _, p := range reg.prefixes {
				if p.Contains(a) {
					return reg.Name
				}
			}
		}
	}
	if tz != "" {
		for _, reg := range s.cfg.Regions {
			if slices.Contains(reg.TimeZones, tz) {
				return reg.Name
			}
		}
	}
	if loc := firstLocale(r.Header.Get("Accept-Language")); loc != "" {
		for _, reg := range s.cfg.Regions {
			for _, l := range reg.Locales {
				if strings.EqualFold(l, loc) {
					return reg.Name
				}
			}
		}
	}
	lang := primaryLanguage(r.Header.Get("Accept-Language"))
	for _, reg := range s.cfg.Regions {
		for _, l := range reg.Languages {
			if strings.EqualFold(l, lang) {
				return reg.Name
			}
		}
	}
	return ""
}

// firstLocale returns Accept-Language's first language ("de-CH" of
// "de-CH,de;q=0.9").
func firstLocale(h string) string {
	first, _, _ := strings.Cut(h, ",")
	first, _, _ = strings.Cut(first, ";")
	return strings.TrimSpace(first)
}

// primaryLanguage returns the primary subtag of Accept-Language's first
// language ("de" of "de-CH,de;q=0.9").
func primaryLanguage(h string) string {
	first, _, _ := strings.Cut(h, ",")
	first, _, _ = strings.Cut(first, ";")
	first, _, _ = strings.Cut(strings.TrimSpace(first), "-")
	return strings.ToLower(first)
}

// regionalItems generates the planted regional items after the n items of
// the base catalogue: each copies a base item's title (drawn in order),
// prefixed with the region's name, under the topic RegionalTopic.
func regionalItems(cfg Config, base []Item) []Item {
	var out []Item
	n := len(base)
	for _, reg := range cfg.Regions {
		for k := range reg.Items {
			b := base[(k*37+len(out))%len(base)]
			n++
			out = append(out, Item{
				ID:         itemID(n),
				Title:      "[" + reg.Name + "] " + b.Title,
				Author:     "local-desk-" + reg.Name,
				Topic:      RegionalTopic(reg.Name),
				Lang:       b.Lang,
				Popularity: b.Popularity,
				Region:     reg.Name,
			})
		}
	}
	return out
}

// echoServer is what the echo page's server side saw of the request.
type echoServer struct {
	IP             string `json:"ip"`
	Region         string `json:"region"`
	UserAgent      string `json:"user_agent"`
	AcceptLanguage string `json:"accept_language"`
	ForwardedFor   string `json:"forwarded_for,omitempty"`
}

// Echo is what the echo page reported of a visitor: the server's view
// (address, region, headers) and the page's (time zone, locale, position,
// screen), as GET /truth shows it per user.
type Echo struct {
	echoServer
	Timezone    string          `json:"timezone"`
	Locale      string          `json:"locale"`
	Languages   []string        `json:"languages"`
	Geolocation *EchoPosition   `json:"geolocation"`
	Screen      json.RawMessage `json:"screen,omitempty"`
	// Page is the path of the page that reported (/echo, or an item page
	// opened in a new tab).
	Page string `json:"page,omitempty"`
	// Document is the server's view of the request of the reporting page
	// itself, as the page carried it; the fields above are the view of
	// the report's request.
	Document *echoServer `json:"document,omitempty"`
}

// EchoPosition is the position a page got from navigator.geolocation.
type EchoPosition struct {
	Latitude  float64 `json:"latitude"`
	Longitude float64 `json:"longitude"`
	Accuracy  float64 `json:"accuracy"`
}

func (s *Server) echoOf(r *http.Request, tz string) echoServer {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	return echoServer{
		IP:             host,
		Region:         s.regionOf(r, tz),
		UserAgent:      r.UserAgent(),
		AcceptLanguage: r.Header.Get("Accept-Language"),
		ForwardedFor:   r.Header.Get("X-Forwarded-For"),
	}
}

// echoJSON is the server's view of r for a page's #echo-server script.
// JSON is a JavaScript expression; json.Marshal escapes <, > and &.
func (s *Server) echoJSON(r *http.Request, tz string) (template.JS, error) {
	data, err := json.Marshal(s.echoOf(r, tz))
	return template.JS(data), err
}

// handleEcho serves the echo page: the server's view of the request,
// completed by the page's script with what the browser tells it, shown in
// <pre id="echo" data-done> and posted to /api/echo.
func (s *Server) handleEcho(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	u := s.identify(w, r)
	tz := u.timezone
	s.mu.Unlock()
	data, err := s.echoJSON(r, tz)
	if err != nil {
		http.Error(w, "encode echo", http.StatusInternalServerError)
		return
	}
	s.render(w, "echo.html", struct{ Server template.JS }{data})
}

// Caps of what the echo keeps per user: the reports, and the length of a
// reported time zone.
const (
	maxEchoes      = 256
	maxTimezoneLen = 64
)

// handleAPIEcho records what the echo page's script saw; the server's view
// of this request replaces the page's copy of it.
func (s *Server) handleAPIEcho(w http.ResponseWriter, r *http.Request, u *user) (int, any) {
	var e Echo
	if err := decodeJSON(r, &e); err != nil {
		return fail(http.StatusBadRequest, err.Error())
	}
	if doc := e.echoServer; doc.UserAgent != "" {
		e.Document = &doc
	}
	if len(e.Timezone) <= maxTimezoneLen {
		u.timezone = e.Timezone
	}
	e.echoServer = s.echoOf(r, u.timezone)
	u.echo = &e
	if len(u.echoes) < maxEchoes {
		u.echoes = append(u.echoes, e)
	}
	return http.StatusNoContent, nil
}
