package probe

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/feedprobe/feedprobe/analysis"
	"github.com/feedprobe/feedprobe/probe/feed"
	"github.com/feedprobe/feedprobe/probe/simfeed"
)

// testProxy is an HTTP forward proxy (absolute-form requests and CONNECT)
// on 127.0.0.1 that dials out from another loopback address, so the
// server behind it sees that address as the client's.
type testProxy struct {
	URL string
	// Served counts requests forwarded; Challenged the 407 answers.
	Served, Challenged atomic.Int64
}

func startProxy(t *testing.T, from, user, pass string) *testProxy {
	t.Helper()
	// Is the address usable as a source? (Linux routes 127/8 to lo.)
	probe, err := net.ListenTCP("tcp", &net.TCPAddr{IP: net.ParseIP(from)})
	if err != nil {
		t.Fatalf("loopback address %s unusable: %v", from, err)
	}
	probe.Close()
	dialer := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(from)}, Timeout: 5 * time.Second}
	tr := &http.Transport{DialContext: dialer.DialContext, Proxy: nil}
	t.Cleanup(tr.CloseIdleConnections)
	p := &testProxy{}
	want := ""
	if user != "" {
		want = "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+pass))
	}
	var wg sync.WaitGroup
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if want != "" && r.Header.Get("Proxy-Authorization") != want {
			p.Challenged.Add(1)
			w.Header().Set("Proxy-Authenticate", `Basic realm="test"`)
			http.Error(w, "proxy authentication required", http.StatusProxyAuthRequired)
			return
		}
		p.Served.Add(1)
		if r.Method == http.MethodConnect {
			up, err := dialer.DialContext(r.Context(), "tcp", r.Host)
			if err != nil {
				http.Error(w, err.Error(), http.StatusBadGateway)
				return
			}
			conn, rw, err := http.NewResponseController(w).Hijack()
			if err != nil {
				up.Close()
				return
			}
			rw.WriteString("HTTP/1.1 200 Connection Established\r\n\r\n")
			rw.Flush()
			wg.Add(2)
			go func() { defer wg.Done(); io.Copy(up, rw); up.Close() }()
			go func() { defer wg.Done(); io.Copy(conn, up); conn.Close() }()
			return
		}
		out := r.Clone(r.Context())
		out.RequestURI = ""
		out.Header.Del("Proxy-Authorization")
		out.Header.Del("Proxy-Connection")
		resp, err := tr.RoundTrip(out)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		defer resp.Body.Close()
		for k, vs := range resp.Header {
			for _, v := range vs {
				w.Header().Add(k, v)
			}
		}
		w.WriteHeader(resp.StatusCode)
		io.Copy(w, resp.Body)
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: h}
	go srv.Serve(ln)
	t.Cleanup(func() {
		srv.Close()
		wg.Wait()
	})
	p.URL = "http://" + ln.Addr().String()
	return p
}

// echoSeen is the part of simfeed's echo the test reads.
type echoSeen struct {
	IP        string   `json:"ip"`
	Region    string   `json:"region"`
	Timezone  string   `json:"timezone"`
	Languages []string `json:"languages"`
	AcceptLng string   `json:"accept_language"`
	Geo       *struct {
		Latitude, Longitude float64
	} `json:"geolocation"`
	Screen struct {
		DPR   float64 `json:"device_pixel_ratio"`
		Touch int     `json:"max_touch_points"`
	} `json:"screen"`
}

// TestNetworkIdentityAndRegions runs two personas through two local
// proxies that reach simfeed from two loopback addresses, each with its
// own time zone, languages, position and device. simfeed plants a
// regional catalogue per address; the test checks what the platform saw
// of each persona (its egress, echoed and in the truth), that each
// persona's feed holds its region's items and never the other's, and
// that the truth agrees item by item.
func TestNetworkIdentityAndRegions(t *testing.T) {
	b := needBrowser(t)
	srv, base := startSimfeed(t, func(c *simfeed.Config) {
		c.Regions = []simfeed.Region{
			{Name: "north", Clients: []string{"127.0.0.2"}, Share: 0.4},
			{Name: "south", Clients: []string{"127.0.0.3"}, Share: 0.4},
		}
	})
	t.Setenv("FP_TEST_PROXY_USER", "puppet")
	t.Setenv("FP_TEST_PROXY_PASS", "s3cret")
	north := startProxy(t, "127.0.0.2", "puppet", "s3cret")
	south := startProxy(t, "127.0.0.3", "", "")
	personasYAML := map[string]string{
		"north": `  - name: north
    traits:
      locale: de-DE
      accept_language: "de-DE,de;q=0.9"
      timezone: Europe/Berlin
      geolocation: {latitude: 52.52, longitude: 13.405}
      device_scale_factor: 2
      touch: true
    proxy:
      server: ` + north.URL + `
      bypass: "<-loopback>"
      username_env: FP_TEST_PROXY_USER
      password_env: FP_TEST_PROXY_PASS
`,
		"south": `  - name: south
    traits:
      locale: ja-JP
      timezone: Asia/Tokyo
      geolocation: {latitude: 35.68, longitude: 139.76}
    proxy:
      server: ` + south.URL + `
      bypass: "<-loopback>"
`,
	}
	want := map[string]struct {
		ip, tz, lang string
		lat, dpr     float64
		touch        bool
	}{
		"north": {"127.0.0.2", "Europe/Berlin", "de-DE", 52.52, 2, true},
		"south": {"127.0.0.3", "Asia/Tokyo", "ja-JP", 35.68, 1, false},
	}
	sink := &egressSink{memSink: newMemSink(), egress: map[int64]feed.Egress{}}
	var obs []analysis.EgressObservation
	regional := map[string]map[string]int{} // persona -> regional topic -> impressions
	for i, name := range []string{"north", "south"} {
		sid := int64(i + 1)
		p := mustPersona(t, personasYAML[name])
		res, err := b.RunSession(context.Background(), SessionConfig{
			SessionID: sid, Persona: p, Adapter: simfeedAdapter(t), BaseURL: base,
			Items: 40, Timeout: 2 * time.Minute, Logger: testLog,
		}, sink)
		if err != nil {
			t.Fatalf("session of %s: %v", name, err)
		}
		w := want[name]
		if res.Egress == nil || res.Egress.IP != w.ip || sink.egress[sid].IP != w.ip {
			t.Fatalf("egress of %s = %+v (stored %+v), want ip %s", name, res.Egress, sink.egress[sid], w.ip)
		}
		var e echoSeen
		if err := json.Unmarshal([]byte(res.Egress.Echo), &e); err != nil {
			t.Fatalf("echo of %s is not JSON: %v\n%s", name, err, res.Egress.Echo)
		}
		if e.Region != name || e.Timezone != w.tz || len(e.Languages) == 0 || e.Languages[0] != w.lang || !strings.HasPrefix(e.AcceptLng, w.lang) {
			t.Errorf("echo of %s: region %q, time zone %q, languages %v, Accept-Language %q; want %s, %s, %s first",
				name, e.Region, e.Timezone, e.Languages, e.AcceptLng, name, w.tz, w.lang)
		}
		if e.Geo == nil || e.Geo.Latitude != w.lat {
			t.Errorf("echo of %s: position %+v, want latitude %v", name, e.Geo, w.lat)
		}
		if e.Screen.DPR != w.dpr || (e.Screen.Touch > 0) != w.touch {
			t.Errorf("echo of %s: device pixel ratio %v, touch points %d; want %v, touch %v", name, e.Screen.DPR, e.Screen.Touch, w.dpr, w.touch)
		}
		obs = append(obs, analysis.EgressObservation{Persona: name, Session: 1, IP: res.Egress.IP})
		regional[name] = map[string]int{}
		for _, imp := range sink.imps[sid] {
			if strings.HasPrefix(imp.Topic, "local-") {
				regional[name][imp.Topic]++
			}
		}
	}
	t.Logf("regional impressions %v; north proxy: %d challenged, %d served; south proxy: %d served",
		regional, north.Challenged.Load(), north.Served.Load(), south.Served.Load())
	if north.Challenged.Load() == 0 || north.Served.Load() == 0 || south.Served.Load() == 0 {
		t.Errorf("proxies: north challenged %d and served %d, south served %d; want the north proxy to ask for and get credentials, and both to carry the sessions",
			north.Challenged.Load(), north.Served.Load(), south.Served.Load())
	}
	// The audit's view: each persona's feed holds its own region's items
	// only, and no egress is shared.
	for name, other := range map[string]string{"north": "south", "south": "north"} {
		own, theirs := regional[name][simfeed.RegionalTopic(name)], regional[name][simfeed.RegionalTopic(other)]
		if own < 5 || own > 30 || theirs != 0 {
			t.Errorf("%s's feed: %d of 40 items of its region, %d of %s's; want about 40 %% (5 to 30) and none", name, own, theirs, other)
		}
	}
	if rep := analysis.CheckEgress([]string{"north", "south"}, obs); len(rep.Shared) != 0 {
		t.Errorf("shared egress %+v, want none", rep.Shared)
	}
	// The truth: one user per persona, seen from its region, served the
	// regional items the persona stored, with the echo the page reported.
	truth := srv.Truth()
	if len(truth.Users) != 2 {
		t.Fatalf("simfeed saw %d users, want 2", len(truth.Users))
	}
	region := map[string]string{}
	for _, it := range srv.Catalogue() {
		region[it.ID] = it.Region
	}
	for i, name := range []string{"north", "south"} {
		u := truth.Users[i]
		if u.Echo == nil || u.Echo.IP != want[name].ip || u.Echo.Timezone != want[name].tz {
			t.Errorf("truth echo of %s = %+v, want ip %s, time zone %s", name, u.Echo, want[name].ip, want[name].tz)
		}
		served := map[string]bool{}
		for _, v := range u.Visits {
			if v.Region != name {
				t.Errorf("truth: a visit of %s from region %q", name, v.Region)
			}
			for _, s := range v.Served {
				served[s.Item] = true
				if r := region[s.Item]; r != "" && r != name {
					t.Errorf("truth: %s was served %s of region %s", name, s.Item, r)
				}
			}
		}
		for _, imp := range sink.imps[int64(i+1)] {
			if !served[imp.ID] {
				t.Errorf("%s stored %s, which simfeed never served it", name, imp.ID)
			}
		}
	}
}

// egressSink is a memSink that keeps egress too.
type egressSink struct {
	*memSink
	mu     sync.Mutex
	egress map[int64]feed.Egress
}

func (s *egressSink) SaveEgress(_ context.Context, id int64, e feed.Egress) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.egress[id] = e
	return nil
}

// TestRegionsByTimeZoneAndLocale: simfeed plants one region by time zone
// and one by locale; two personas on the same address, one in Asia/Tokyo,
// one with the de-CH locale, each find their own region's items in their
// feed and never the other's (the time zone reaches simfeed through the
// echo page's script, before the feed), and the truth agrees.
func TestRegionsByTimeZoneAndLocale(t *testing.T) {
	b := needBrowser(t)
	srv, base := startSimfeed(t, func(c *simfeed.Config) {
		c.Regions = []simfeed.Region{
			{Name: "tokyo", TimeZones: []string{"Asia/Tokyo"}, Share: 0.4},
			{Name: "swiss", Locales: []string{"de-CH"}, Share: 0.4},
		}
	})
	personasYAML := map[string]string{
		"tokyo": "  - name: tokyo\n    traits: {timezone: Asia/Tokyo}\n",
		"swiss": "  - name: swiss\n    traits: {locale: de-CH, timezone: Europe/Zurich}\n",
	}
	sink := newMemSink()
	for i, name := range []string{"tokyo", "swiss"} {
		if _, err := b.RunSession(context.Background(), SessionConfig{
			SessionID: int64(i + 1), Persona: mustPersona(t, personasYAML[name]), Adapter: simfeedAdapter(t), BaseURL: base,
			Items: 40, Timeout: 2 * time.Minute, Logger: testLog,
		}, sink); err != nil {
			t.Fatalf("session of %s: %v", name, err)
		}
	}
	truth := srv.Truth()
	if len(truth.Users) != 2 {
		t.Fatalf("simfeed saw %d users, want 2", len(truth.Users))
	}
	for i, name := range []string{"tokyo", "swiss"} {
		other := map[string]string{"tokyo": "swiss", "swiss": "tokyo"}[name]
		own, theirs := 0, 0
		for _, imp := range sink.imps[int64(i+1)] {
			switch imp.Topic {
			case simfeed.RegionalTopic(name):
				own++
			case simfeed.RegionalTopic(other):
				theirs++
			}
		}
		if own < 5 || own > 30 || theirs != 0 {
			t.Errorf("%s's feed: %d of 40 items of its region, %d of %s's; want about 40 %% (5 to 30) and none", name, own, theirs, other)
		}
		u := truth.Users[i]
		if len(u.Visits) == 0 || u.Echo == nil || u.Echo.Region != name {
			t.Fatalf("truth of %s: %d visits, echo %+v; want visits and an echo from region %s", name, len(u.Visits), u.Echo, name)
		}
		for _, v := range u.Visits {
			if v.Region != name {
				t.Errorf("truth: a visit of %s from region %q", name, v.Region)
			}
		}
	}
}
