package simfeed

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestRegionalCatalogue(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Regions = []Region{
		{Name: "north", Clients: []string{"127.0.0.2"}, Share: 0.5},
		{Name: "south", Clients: []string{"10.9.0.0/16"}, Languages: []string{"es"}},
	}
	s, err := New(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, remote, lang, region string
	}{
		{"address in north", "127.0.0.2:4000", "en-US", "north"},
		{"range of south", "10.9.3.4:4000", "en-US", "south"},
		{"language of south", "127.0.0.1:4000", "es-MX,es;q=0.9", "south"},
		{"nowhere", "127.0.0.1:4000", "en-US", ""},
	}
	byID := map[string]Item{}
	for _, it := range s.Catalogue() {
		byID[it.ID] = it
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before := len(s.Truth().Users)
			for range 3 { // three visits of one new user (no cookie: three users)
				r := httptest.NewRequest(http.MethodGet, "/feed", nil)
				r.RemoteAddr = tc.remote
				r.Header.Set("Accept-Language", tc.lang)
				w := httptest.NewRecorder()
				s.ServeHTTP(w, r)
				if w.Code != http.StatusOK {
					t.Fatalf("GET /feed = %d", w.Code)
				}
			}
			users := s.Truth().Users[before:]
			regional, other, total := 0, 0, 0
			for _, u := range users {
				for _, v := range u.Visits {
					if v.Region != tc.region {
						t.Errorf("visit region = %q, want %q", v.Region, tc.region)
					}
					for _, sv := range v.Served {
						total++
						switch r := byID[sv.Item].Region; r {
						case "":
						case tc.region:
							regional++
						default:
							other++
						}
					}
				}
			}
			if other > 0 {
				t.Errorf("%d items of another region served", other)
			}
			// Share 0.3 or 0.5 of 30 slots: far from none and from all.
			if tc.region != "" && (regional < 3 || regional > total-5) {
				t.Errorf("%d items of region %s in %d slots, want a share of them", regional, tc.region, total)
			}
			if tc.region == "" && regional > 0 {
				t.Errorf("%d regional items served to a visitor of no region", regional)
			}
		})
	}
	for _, it := range s.Catalogue() {
		if it.Region != "" && (it.Topic != RegionalTopic(it.Region) || !strings.HasPrefix(it.Title, "["+it.Region+"] ")) {
			t.Errorf("regional item %+v: want topic %s and a title prefixed with its region", it, RegionalTopic(it.Region))
		}
	}
	if n := len(s.Catalogue()); n != cfg.Items+defaultRegionItems*2 {
		t.Errorf("catalogue size %d, want %d", n, cfg.Items+defaultRegionItems*2)
	}
}

func TestRegionConfigErrors(t *testing.T) {
	for _, tc := range []struct {
		r    Region
		want string
	}{
		{Region{Name: "North", Clients: []string{"127.0.0.2"}}, `regions[0].name "North"`},
		{Region{Name: "n"}, "give clients, time_zones, locales or languages"},
		{Region{Name: "n", Clients: []string{"somewhere"}}, `clients "somewhere": not an address`},
		{Region{Name: "n", Clients: []string{"127.0.0.2"}, Share: 2}, "share 2 out of range"},
	} {
		cfg := DefaultConfig()
		cfg.Regions = []Region{tc.r}
		if err := cfg.Validate(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Validate(%+v) = %v, want %q", tc.r, err, tc.want)
		}
	}
}

func TestEchoRecordsWhatThePageSaw(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Regions = []Region{{Name: "north", Clients: []string{"127.0.0.2"}}}
	s, err := New(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	r := httptest.NewRequest(http.MethodGet, "/echo", nil)
	r.RemoteAddr = "127.0.0.2:999"
	r.Header.Set("Accept-Language", "de-DE")
	r.Header.Set("User-Agent", "x</script><b>")
	w := httptest.NewRecorder()
	s.ServeHTTP(w, r)
	body := w.Body.String()
	if !strings.Contains(body, `"ip":"127.0.0.2"`) || !strings.Contains(body, `"region":"north"`) || strings.Contains(body, "</script><b>") {
		t.Errorf("echo page does not carry the server's view safely:\n%s", body)
	}
	post := `{"timezone":"Asia/Tokyo","locale":"ja-JP","languages":["ja"],"geolocation":{"latitude":35.6,"longitude":139.7,"accuracy":20},"ip":"6.6.6.6"}`
	r = httptest.NewRequest(http.MethodPost, "/api/echo", strings.NewReader(post))
	r.RemoteAddr = "127.0.0.2:999"
	w = httptest.NewRecorder()
	s.ServeHTTP(w, r)
	if w.Code != http.StatusNoContent {
		t.Fatalf("POST /api/echo = %d %s", w.Code, w.Body)
	}
	users := s.Truth().Users
	e := users[len(users)-1].Echo
	if e == nil {
		t.Fatal("truth has no echo")
	}
	got, _ := json.Marshal(e)
	if e.IP != "127.0.0.2" || e.Region != "north" || e.Timezone != "Asia/Tokyo" || e.Geolocation == nil || e.Geolocation.Latitude != 35.6 {
		t.Errorf("truth echo = %s, want the server's address and region with the page's time zone and position", got)
	}
}

// TestRegionByTimeZoneAndLocale: a visit's region comes from the client
// address, else the time zone the user's pages reported, else the first
// locale of Accept-Language, else its primary language.
func TestRegionByTimeZoneAndLocale(t *testing.T) {
	_, ts := newTestServer(t, func(c *Config) {
		c.Regions = []Region{
			{Name: "north", Clients: []string{"127.0.0.2"}, TimeZones: []string{"Europe/Oslo"}},
			{Name: "tokyo", TimeZones: []string{"Asia/Tokyo"}},
			{Name: "swiss", Locales: []string{"de-CH"}},
			{Name: "german", Languages: []string{"de"}},
		}
	})
	for _, tc := range []struct {
		name, tz, lang, want string
	}{
		{"time zone before locale", "Asia/Tokyo", "de-CH", "tokyo"},
		{"time zone of a region with addresses too", "Europe/Oslo", "en-US", "north"},
		{"locale", "", "de-CH,de;q=0.9", "swiss"},
		{"locale case-blind", "", "DE-ch", "swiss"},
		{"language", "", "de-DE,de;q=0.9", "german"},
		{"a time zone of no region", "Europe/Paris", "en-US", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := newPlayer(t, ts.URL, "d-1")
			hdr := map[string]string{"Accept-Language": tc.lang}
			if tc.tz != "" {
				resp, b := p.do("POST", "/api/echo", `{"timezone":"`+tc.tz+`"}`, hdr)
				if resp.StatusCode != http.StatusNoContent {
					t.Fatalf("POST /api/echo = %d %s", resp.StatusCode, b)
				}
			}
			if resp, _ := p.do("GET", "/feed", "", hdr); resp.StatusCode != http.StatusOK {
				t.Fatalf("GET /feed = %d", resp.StatusCode)
			}
			tu := p.truth()
			if len(tu.Visits) != 1 || tu.Visits[0].Region != tc.want {
				t.Errorf("visits %+v: want one from region %q", tu.Visits, tc.want)
			}
			if tc.tz != "" && (tu.Echo == nil || tu.Echo.Region != tc.want) {
				t.Errorf("echo %+v: want region %q", tu.Echo, tc.want)
			}
		})
	}
	s, err := New(DefaultConfig(), nil)
	if err != nil {
		t.Fatal(err)
	}
	s.cfg.Regions = []Region{{Name: "north", Clients: []string{"127.0.0.2"}}, {Name: "tokyo", TimeZones: []string{"Asia/Tokyo"}}}
	if err := s.cfg.checkRegions(); err != nil {
		t.Fatal(err)
	}
	r := httptest.NewRequest(http.MethodGet, "/feed", nil)
	r.RemoteAddr = "127.0.0.2:999"
	if got := s.regionOf(r, "Asia/Tokyo"); got != "north" {
		t.Errorf("region of address 127.0.0.2 in time zone Asia/Tokyo = %q, want north (the address first)", got)
	}
	for _, tc := range []struct {
		r    Region
		want string
	}{
		{Region{Name: "n", TimeZones: []string{"Mars/Olympus"}}, `time_zones "Mars/Olympus": not an IANA time zone`},
		{Region{Name: "n", Locales: []string{"de_CH"}}, `locales "de_CH": not a language tag`},
	} {
		cfg := DefaultConfig()
		cfg.Regions = []Region{tc.r}
		if err := cfg.Validate(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Validate(%+v) = %v, want %q", tc.r, err, tc.want)
		}
	}
}
