package simfeed

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/feedprobe/feedprobe/personas"
)

// Puppet is a sock puppet that plays a persona against simfeed's HTTP
// interface without a browser: it loads the feed page (which starts a
// visit), pages through /api/feed, and opens, dwells on and likes items
// with the same decisions as the browser session engine (personas.Spec's
// Match, Open, Like, Dwell and MaxOpens, drawn from a seeded source). It
// reports dwell times instead of waiting them out, so a session takes
// milliseconds: it is for statistical tests and `feedprobe plan`, while
// the browser engine remains the probe. A Puppet keeps its identity (the
// sf_uid cookie and a device id) across sessions. It is not safe for
// concurrent use; run one goroutine per Puppet.
type Puppet struct {
	persona personas.Spec
	base    *url.URL
	client  *http.Client
	device  string
}

// PuppetItem is one item a Puppet was served, in the order of first
// appearance, and what it did with it.
type PuppetItem struct {
	Rank      int    `json:"rank"`
	ID        string `json:"id"`
	Title     string `json:"title"`
	Topic     string `json:"topic"`
	Sponsored bool   `json:"sponsored"`
	Opened    bool   `json:"opened"`
	Liked     bool   `json:"liked"`
}

// NewPuppet returns a puppet for persona p on the simfeed at baseURL. rt
// carries its requests: nil means http.DefaultTransport; HandlerTransport
// serves them from a Server in-process.
func NewPuppet(p personas.Spec, baseURL string, rt http.RoundTripper) (*Puppet, error) {
	u, err := url.Parse(baseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("puppet %s: base URL %q is not an http URL", p.Name, baseURL)
	}
	jar, err := cookiejar.New(nil)
	if err != nil {
		return nil, fmt.Errorf("puppet %s: %w", p.Name, err)
	}
	if rt == nil {
		rt = http.DefaultTransport
	}
	return &Puppet{
		persona: p,
		base:    u,
		client:  &http.Client{Transport: rt, Jar: jar, Timeout: time.Minute},
		device:  "puppet-" + strconv.FormatUint(uint64(p.Seed), 36),
	}, nil
}

// HandlerTransport is an http.RoundTripper that serves requests with h
// in-process, without a socket. It is safe for concurrent use when h is.
type HandlerTransport struct{ Handler http.Handler }

// RoundTrip serves req with the handler.
func (t HandlerTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	sreq := req.Clone(req.Context())
	if sreq.Body == nil {
		sreq.Body = http.NoBody
	}
	sreq.RemoteAddr = "127.0.0.1:1"
	sreq.RequestURI = req.URL.RequestURI()
	rec := httptest.NewRecorder()
	t.Handler.ServeHTTP(rec, sreq)
	res := rec.Result()
	res.Request = req
	return res, nil
}

var visitAttr = regexp.MustCompile(`data-visit="(\d+)"`)

// Session plays session seq (from 1) of the persona: it applies the
// persona's settings, loads the feed, and collects items distinct items,
// engaging with each new one as it appears. It uses the spec of seq's
// phase and a source seeded by the persona's seed and seq, like the
// browser engine. Cancelling ctx stops it with ctx's error.
func (p *Puppet) Session(ctx context.Context, seq, items int) ([]PuppetItem, error) {
	spec := p.persona.ForSession(seq)
	rng := rand.New(rand.NewPCG(uint64(spec.Seed), uint64(seq)))
	if err := p.applySettings(ctx, spec.Settings); err != nil {
		return nil, err
	}
	page, err := p.get(ctx, "/")
	if err != nil {
		return nil, fmt.Errorf("load feed: %w", err)
	}
	m := visitAttr.FindSubmatch(page)
	if m == nil {
		return nil, errors.New("load feed: page has no data-visit")
	}
	visit := string(m[1])
	var out []PuppetItem
	seen := map[string]bool{}
	opens := 0
	for pg := 1; len(out) < items; pg++ {
		if pg > items+10 {
			return out, fmt.Errorf("feed ran dry after %d pages with %d of %d items", pg-1, len(out), items)
		}
		body, err := p.get(ctx, "/api/feed?visit="+visit+"&page="+strconv.Itoa(pg))
		if err != nil {
			return out, fmt.Errorf("feed page %d: %w", pg, err)
		}
		var fp struct {
			Items []struct {
				ID     string `json:"id"`
				Title  string `json:"title"`
				Topic  string `json:"topic"`
				Labels []struct {
					Kind string `json:"kind"`
				} `json:"labels"`
			} `json:"items"`
		}
		if err := json.Unmarshal(body, &fp); err != nil {
			return out, fmt.Errorf("feed page %d: %w", pg, err)
		}
		for _, c := range fp.Items {
			if len(out) == items {
				break
			}
			if seen[c.ID] {
				continue
			}
			seen[c.ID] = true
			it := PuppetItem{Rank: len(out) + 1, ID: c.ID, Title: c.Title, Topic: c.Topic}
			for _, l := range c.Labels {
				it.Sponsored = it.Sponsored || l.Kind == "sponsored"
			}
			if err := p.engage(ctx, spec, rng, &it, &opens); err != nil {
				return out, err
			}
			out = append(out, it)
		}
	}
	return out, nil
}

// engage decides, as the browser engine does, whether to open, how long to
// dwell and whether to like it.
func (p *Puppet) engage(ctx context.Context, spec personas.Spec, rng *rand.Rand, it *PuppetItem, opens *int) error {
	b := spec.Behaviour
	if b.MaxOpens > 0 && *opens >= b.MaxOpens {
		return nil
	}
	notWanted := slices.ContainsFunc(spec.NotInterested, func(t string) bool { return strings.EqualFold(t, it.Topic) })
	match := spec.Match(it.Topic, it.Title)
	if !notWanted && rng.Float64() >= b.Open.P(match) {
		return nil
	}
	if _, err := p.get(ctx, "/api/item/"+it.ID); err != nil {
		return fmt.Errorf("open %s: %w", it.ID, err)
	}
	*opens++
	it.Opened = true
	if notWanted {
		// As the browser engine does: say so and leave, no like.
		if _, err := p.post(ctx, "/api/not-interested", "application/json", fmt.Sprintf(`{"item":%q}`, it.ID)); err != nil {
			return fmt.Errorf("not interested in %s: %w", it.ID, err)
		}
		return nil
	}
	dwell := b.Dwell.Sample(rng)
	if rng.Float64() < b.Like.P(match) {
		if _, err := p.post(ctx, "/api/like", "application/json", fmt.Sprintf(`{"item":%q}`, it.ID)); err != nil {
			return fmt.Errorf("like %s: %w", it.ID, err)
		}
		it.Liked = true
	}
	ev := fmt.Sprintf(`{"type":"dwell","item":%q,"ms":%d}`, it.ID, dwell.Milliseconds())
	if _, err := p.post(ctx, "/api/event", "application/json", ev); err != nil {
		return fmt.Errorf("dwell on %s: %w", it.ID, err)
	}
	return nil
}

func (p *Puppet) applySettings(ctx context.Context, s personas.Settings) error {
	if s.Personalization == nil && s.MinorMode == nil {
		return nil
	}
	// The settings form posts both switches; read the current ones first
	// so a nil switch keeps its value.
	page, err := p.get(ctx, "/settings")
	if err != nil {
		return fmt.Errorf("settings: %w", err)
	}
	form := url.Values{}
	on := func(name string, want *bool) {
		cur := regexp.MustCompile(`name="` + name + `"[^>]*checked`).Match(page)
		if want != nil {
			cur = *want
		}
		if cur {
			form.Set(name, "on")
		}
	}
	on("personalized", s.Personalization)
	on("minor", s.MinorMode)
	if _, err := p.post(ctx, "/settings", "application/x-www-form-urlencoded", form.Encode()); err != nil {
		return fmt.Errorf("settings: %w", err)
	}
	return nil
}

func (p *Puppet) get(ctx context.Context, path string) ([]byte, error) {
	return p.do(ctx, http.MethodGet, path, "", "")
}

func (p *Puppet) post(ctx context.Context, path, ctype, body string) ([]byte, error) {
	return p.do(ctx, http.MethodPost, path, ctype, body)
}

func (p *Puppet) do(ctx context.Context, method, path, ctype, body string) ([]byte, error) {
	ref, err := url.Parse(path)
	if err != nil {
		return nil, err
	}
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, p.base.ResolveReference(ref).String(), rd)
	if err != nil {
		return nil, err
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	req.Header.Set(DeviceHeader, p.device)
	res, err := p.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	var buf bytes.Buffer
	if _, err := io.Copy(&buf, io.LimitReader(res.Body, 8<<20)); err != nil {
		return nil, err
	}
	if res.StatusCode >= 400 {
		return nil, fmt.Errorf("%s %s: %s: %s", method, path, res.Status, strings.TrimSpace(buf.String()))
	}
	return buf.Bytes(), nil
}

// UserID returns the simfeed user id the puppet's cookie carries, or ""
// before its first request.
func (p *Puppet) UserID() string {
	for _, c := range p.client.Jar.Cookies(p.base) {
		if c.Name == CookieName {
			return c.Value
		}
	}
	return ""
}
