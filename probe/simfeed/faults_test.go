package simfeed

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

func get(t *testing.T, c *http.Client, url string) (*http.Response, string) {
	t.Helper()
	resp, err := c.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp, string(body)
}

func TestFaults(t *testing.T) {
	s, ts := newTestServer(t, nil)
	c := ts.Client()

	if _, body := get(t, c, ts.URL+"/"); !strings.Contains(body, `class="fp-item"`) {
		t.Fatal("healthy feed has no items")
	}

	s.SetFaults(Faults{Captcha: true})
	resp, body := get(t, c, ts.URL+"/")
	if resp.StatusCode != http.StatusForbidden || !strings.Contains(body, `class="fp-captcha"`) || strings.Contains(body, "fp-item") {
		t.Errorf("captcha fault: status %d, body %.80q", resp.StatusCode, body)
	}
	if resp, _ := get(t, c, ts.URL+"/healthz"); resp.StatusCode != http.StatusOK {
		t.Errorf("healthz under a fault: %d", resp.StatusCode)
	}

	s.SetFaults(Faults{Layout: "v2"})
	_, body = get(t, c, ts.URL+"/")
	if strings.Contains(body, "fp-item") || !strings.Contains(body, `class="fp-card"`) {
		t.Errorf("layout v2 still serves fp-item markup")
	}
	if _, js := get(t, c, ts.URL+"/static/common.js"); strings.Contains(js, "fp-item") || !strings.Contains(js, "fp-card") {
		t.Errorf("layout v2: the card builder (common.js) still builds fp-item cards")
	}

	s.SetFaults(Faults{Truncate: true})
	_, body = get(t, c, ts.URL+"/")
	if strings.HasSuffix(strings.TrimSpace(body), "</html>") || strings.Count(body, `class="fp-item"`) == 0 {
		t.Errorf("truncated page ends %.60q", body[max(0, len(body)-60):])
	}

	s.SetFaults(Faults{RedirectLoop: true})
	if _, err := c.Get(ts.URL + "/"); err == nil || !strings.Contains(err.Error(), "redirects") {
		t.Errorf("redirect loop: err = %v, want too many redirects", err)
	}

	s.SetFaults(Faults{EndlessPage: true})
	ctx, cancel := context.WithTimeout(context.Background(), 1500*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, ts.URL+"/", nil)
	start := time.Now()
	if resp, err := c.Do(req); err == nil {
		_, err = io.ReadAll(resp.Body)
		resp.Body.Close()
		if err == nil {
			t.Error("endless page ended")
		}
	}
	if d := time.Since(start); d < time.Second {
		t.Errorf("endless page gave up after %s", d)
	}

	s.SetFaults(Faults{ErrorRate: 0.5})
	fails := 0
	for range 200 {
		resp, _ := get(t, c, ts.URL+"/api/item/it-00001")
		if resp.StatusCode == http.StatusInternalServerError {
			fails++
		}
	}
	if fails < 70 || fails > 130 {
		t.Errorf("error rate 0.5 failed %d of 200 API requests", fails)
	}

	s.SetFaults(Faults{StallRate: 1, Stall: 300 * time.Millisecond})
	p := newPlayer(t, ts.URL, "")
	start = time.Now()
	p.scroll(2)
	if d := time.Since(start); d < 300*time.Millisecond {
		t.Errorf("stalled feed answered in %s", d)
	}

	s.SetFaults(Faults{})
	if _, body := get(t, c, ts.URL+"/"); !strings.Contains(body, `class="fp-item"`) {
		t.Error("feed did not recover after the faults were cleared")
	}
}

func TestFaultsValidate(t *testing.T) {
	for _, f := range []Faults{{ErrorRate: 2}, {StallRate: -1}, {Stall: -time.Second}, {Layout: "v3"}} {
		cfg := DefaultConfig()
		cfg.Faults = f
		if err := cfg.Validate(); err == nil {
			t.Errorf("Validate accepted faults %+v", f)
		}
	}
}
