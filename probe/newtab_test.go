package probe

import (
	"context"
	"encoding/json"
	"maps"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"

	"github.com/feedprobe/feedprobe/probe/simfeed"
)

// emulatedPersona is pagesPersona with a whole device profile, time zone,
// locale, languages and position to emulate.
const emulatedPersona = pagesPersona + `    traits:
      device: mobile
      user_agent: "Mozilla/5.0 (Linux; Android 14; Pixel 8) FeedprobeNewTab/1.0"
      viewport: {width: 412, height: 800}
      device_scale_factor: 2
      locale: de-DE
      accept_language: "de-DE,de;q=0.9,en;q=0.5"
      timezone: Asia/Tokyo
      geolocation: {latitude: 35.6812, longitude: 139.7671}
`

// TestEmulationInNewTabs: a persona whose items open in a new tab
// (simfeed's /pages?newtab=1, target=_blank) is the same device, time
// zone, locale, languages and position there as in its feed's tab, from
// the new tab's first request on: each item page reports what it saw
// (the request's headers and the page's script) to simfeed's echo. Once
// direct, once through a proxy that asks for credentials (the new tabs
// come from the proxy's address too).
func TestEmulationInNewTabs(t *testing.T) {
	b := needBrowser(t)
	t.Setenv("FP_TEST_NEWTAB_USER", "puppet")
	t.Setenv("FP_TEST_NEWTAB_PASS", "s3cret")
	for _, tc := range []struct {
		name, from string
		proxy      bool
	}{
		{"direct", "127.0.0.1", false},
		// Through a proxy that asks for credentials: the session's tab
		// answers the challenge, the new tabs reuse the answer.
		{"proxy with credentials", "127.0.0.2", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv, base := startSimfeed(t, nil)
			ad := layoutAdapter(t, "simfeed-pages")
			ad.FeedURL = "/pages?newtab=1"
			ad.Actions.Back = Action2{}
			ad.Actions.Open.Wait = "html[data-echoed]" // the item page's echo was posted
			yaml := emulatedPersona
			var px *testProxy
			if tc.proxy {
				px = startProxy(t, tc.from, "puppet", "s3cret")
				yaml += "    proxy:\n      server: " + px.URL + "\n      bypass: \"<-loopback>\"\n      username_env: FP_TEST_NEWTAB_USER\n      password_env: FP_TEST_NEWTAB_PASS\n"
			}
			p := mustPersona(t, yaml)
			res, err := b.RunSession(context.Background(), SessionConfig{
				SessionID: 1, Persona: p, Adapter: ad, BaseURL: base, Items: 10, Timeout: time.Minute,
			}, newMemSink())
			if err != nil {
				t.Fatal(err)
			}
			u := onlyUser(t, srv)
			if res.Opens != 4 || u.Opens != 4 || len(u.Echoes) != 4 {
				t.Fatalf("opens %d (simfeed %d), echoes %d; want 4, 4, 4", res.Opens, u.Opens, len(u.Echoes))
			}
			if px != nil && px.Challenged.Load() == 0 {
				t.Errorf("the proxy never asked for credentials")
			}
			checkNewTabEchoes(t, p.Traits.UserAgent, tc.from, u.Echoes)
		})
	}
}

// checkNewTabEchoes checks what each new tab reported against
// emulatedPersona, seen from address from.
func checkNewTabEchoes(t *testing.T, ua, from string, echoes []simfeed.Echo) {
	t.Helper()
	// Chromium writes the q-values of the persona's languages itself.
	const wantLang = "de-DE,de;q=0.9,en;q=0.8"
	for i, e := range echoes {
		var screen struct {
			DPR        float64 `json:"device_pixel_ratio"`
			Touch      int     `json:"max_touch_points"`
			InnerWidth int     `json:"inner_width"`
		}
		if err := json.Unmarshal(e.Screen, &screen); err != nil {
			t.Fatalf("echo %d screen %s: %v", i, e.Screen, err)
		}
		geoOK := e.Geolocation != nil && math.Abs(e.Geolocation.Latitude-35.6812) < 1e-6 && math.Abs(e.Geolocation.Longitude-139.7671) < 1e-6
		if !strings.HasPrefix(e.Page, "/pages/item/") || e.IP != from || e.UserAgent != ua || e.AcceptLanguage != wantLang ||
			e.Timezone != "Asia/Tokyo" || strings.Join(e.Languages, " ") != "de-DE de en" || !strings.HasPrefix(e.Locale, "de") || !geoOK ||
			screen.DPR != 2 || screen.Touch == 0 || screen.InnerWidth != 412 {
			t.Errorf("new tab %d (%s) from %s saw user agent %q, Accept-Language %q, time zone %q, locale %q, languages %v, position %+v, screen %s; want %s, the persona's %q, %q, Asia/Tokyo, de, [de-DE de en], 35.6812/139.7671, dpr 2, touch, width 412",
				i, e.Page, e.IP, e.UserAgent, e.AcceptLanguage, e.Timezone, e.Locale, e.Languages, e.Geolocation, e.Screen, from, ua, wantLang)
		}
		// The page's own request, the tab's first, carried the same.
		if d := e.Document; d == nil || d.IP != from || d.UserAgent != ua || d.AcceptLanguage != wantLang {
			t.Errorf("new tab %d's first request: %+v; want from %s, user agent %q, Accept-Language %q", i, d, from, ua, wantLang)
		}
	}
}

func TestAcceptLanguage(t *testing.T) {
	for _, tc := range []struct{ in, list, header string }{
		{"de-DE", "de-DE", "de-DE"},
		{"de-DE,de;q=0.9", "de-DE,de", "de-DE,de;q=0.9"},
		{" fr-CH, fr;q=0.9, en;q=0.8, de;q=0.7, *;q=0.5", "fr-CH,fr,en,de,*", "fr-CH,fr;q=0.9,en;q=0.8,de;q=0.7,*;q=0.6"},
		{"a,b,c,d,e,f,g,h,i,j,k,l", "a,b,c,d,e,f,g,h,i,j,k,l", "a,b;q=0.9,c;q=0.8,d;q=0.7,e;q=0.6,f;q=0.5,g;q=0.4,h;q=0.3,i;q=0.2,j;q=0.1,k;q=0.1,l;q=0.1"},
	} {
		list := languageList(tc.in)
		if h := acceptLanguageHeader(list); list != tc.list || h != tc.header {
			t.Errorf("languageList(%q) = %q, header %q; want %q, %q", tc.in, list, h, tc.list, tc.header)
		}
	}
}

func TestPersonaHeaders(t *testing.T) {
	h := network.Headers{"User-Agent": "HeadlessChrome/156", "accept-language": "en-US,en;q=0.9", "Sec-CH-UA": `"HeadlessChrome";v="156"`,
		"sec-ch-ua-mobile": "?0", "Referer": "http://127.0.0.1/pages", "Upgrade-Insecure-Requests": "1"}
	got := map[string]string{}
	for _, e := range personaHeaders(h, "Persona/1.0", "de-DE,de") {
		got[e.Name] = e.Value
	}
	want := map[string]string{"User-Agent": "Persona/1.0", "Accept-Language": "de-DE,de;q=0.9", "Referer": "http://127.0.0.1/pages", "Upgrade-Insecure-Requests": "1"}
	if !maps.Equal(got, want) {
		t.Errorf("personaHeaders = %v, want %v", got, want)
	}
}
