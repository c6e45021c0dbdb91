package personas

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestParseNetworkIdentity(t *testing.T) {
	const file = `personas:
  - name: berlin
    traits:
      locale: de-DE
      accept_language: "de-DE,de;q=0.9,en;q=0.5"
      timezone: Europe/Berlin
      geolocation: {latitude: 52.52, longitude: 13.405, accuracy: 50}
      device: mobile
      device_scale_factor: 2.5
      touch: false
    proxy:
      server: socks5://127.0.0.1:1080
      bypass: "<-loopback>"
      username_env: PROXY_USER
      password_file: /run/secrets/proxy
  - name: home
`
	specs, err := Parse("p.yaml", []byte(file))
	if err != nil {
		t.Fatal(err)
	}
	b := specs[0]
	tr := b.Traits
	if tr.AcceptLanguage != "de-DE,de;q=0.9,en;q=0.5" || tr.Timezone != "Europe/Berlin" || tr.ScaleFactor != 2.5 {
		t.Errorf("traits = %+v, want the file's accept_language, timezone and scale", tr)
	}
	if tr.Geolocation == nil || *tr.Geolocation != (Geolocation{Latitude: 52.52, Longitude: 13.405, Accuracy: 50}) {
		t.Errorf("geolocation = %+v, want 52.52, 13.405 ±50", tr.Geolocation)
	}
	if tr.Touch == nil || *tr.Touch {
		t.Errorf("touch = %v, want false", tr.Touch)
	}
	want := Proxy{Server: "socks5://127.0.0.1:1080", Bypass: "<-loopback>", Credentials: Credentials{UsernameEnv: "PROXY_USER", PasswordFile: "/run/secrets/proxy"}}
	if b.Proxy != want {
		t.Errorf("proxy = %+v, want %+v", b.Proxy, want)
	}
	// The spec stored with a campaign names the credentials' sources only.
	data, _ := json.Marshal(b)
	if !strings.Contains(string(data), `"username_env":"PROXY_USER"`) || !strings.Contains(string(data), `"timezone":"Europe/Berlin"`) {
		t.Errorf("spec JSON %s lacks the proxy or the time zone", data)
	}
	// A persona without a network identity keeps the JSON it had before.
	home, _ := json.Marshal(specs[1])
	for _, k := range []string{"proxy", "timezone", "geolocation", "accept_language", "touch", "device_scale_factor"} {
		if strings.Contains(string(home), `"`+k+`"`) {
			t.Errorf("spec JSON of a plain persona has %q: %s", k, home)
		}
	}
}
