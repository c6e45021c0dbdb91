package simfeed

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"time"
)

// Faults are the ways the platform can misbehave, for reliability tests.
// The zero value is a healthy platform. Set them with SetFaults, also
// while a campaign runs.
type Faults struct {
	// ErrorRate is the share of /api/ requests answered with HTTP 500.
	ErrorRate float64 `yaml:"error_rate" json:"error_rate"`
	// StallRate is the share of /api/feed requests held for Stall before
	// they are answered.
	StallRate float64       `yaml:"stall_rate" json:"stall_rate"`
	Stall     time.Duration `yaml:"stall" json:"stall_ns"`
	// Truncate cuts every feed page's HTML in the middle of an item.
	Truncate bool `yaml:"truncate" json:"truncate"`
	// Captcha answers every page with a CAPTCHA challenge instead of the
	// feed (`.fp-captcha`), as a platform that detected a bot does.
	Captcha bool `yaml:"captcha" json:"captcha"`
	// Layout "v2" renames the item markup (class fp-item becomes
	// fp-card): a platform's redesign that breaks an adapter's selectors.
	Layout string `yaml:"layout" json:"layout"`
	// RedirectLoop makes the feed page redirect to itself through /loop.
	RedirectLoop bool `yaml:"redirect_loop" json:"redirect_loop"`
	// EndlessPage makes the feed page send its head and then trickle
	// bytes until the client gives up: a page that never finishes loading.
	EndlessPage bool `yaml:"endless_page" json:"endless_page"`
	// Hang makes the feed page's script spin forever as soon as it runs:
	// a hung tab whose JavaScript never answers again.
	Hang bool `yaml:"hang" json:"hang"`
}

// faultState is the Server's current faults and their own random source
// (so fault draws do not change recommendations).
type faultState struct {
	mu  sync.Mutex
	f   Faults
	rng *rand.Rand
}

// SetFaults switches fault modes at run time. It is safe for concurrent use.
func (s *Server) SetFaults(f Faults) {
	s.faults.mu.Lock()
	defer s.faults.mu.Unlock()
	s.faults.f = f
}

// CurrentFaults returns the fault modes in force.
func (s *Server) CurrentFaults() Faults {
	s.faults.mu.Lock()
	defer s.faults.mu.Unlock()
	return s.faults.f
}

func (s *Server) draw(p float64) bool {
	if p <= 0 {
		return false
	}
	s.faults.mu.Lock()
	defer s.faults.mu.Unlock()
	if s.faults.rng == nil {
		s.faults.rng = rand.New(rand.NewPCG(uint64(s.cfg.Seed), 0xfa17))
	}
	return s.faults.rng.Float64() < p
}

func isFeedPage(r *http.Request) bool {
	return r.Method == http.MethodGet && (r.URL.Path == "/" || r.URL.Path == "/feed")
}

// serveFault answers r with a fault when one applies and reports whether
// it did. Health and truth endpoints never fail.
func (s *Server) serveFault(w http.ResponseWriter, r *http.Request) bool {
	f := s.CurrentFaults()
	if f == (Faults{}) || r.URL.Path == "/healthz" || strings.HasPrefix(r.URL.Path, "/truth") {
		return false
	}
	api := strings.HasPrefix(r.URL.Path, "/api/")
	switch {
	case f.Captcha && !api && !strings.HasPrefix(r.URL.Path, "/static/"):
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(http.StatusForbidden)
		fmt.Fprint(w, captchaPage)
		return true
	case f.RedirectLoop && (isFeedPage(r) || r.URL.Path == "/loop"):
		target := "/loop"
		if r.URL.Path == "/loop" {
			target = "/feed"
		}
		http.Redirect(w, r, target, http.StatusFound)
		return true
	case f.EndlessPage && isFeedPage(r):
		s.serveEndless(w, r)
		return true
	case api && s.draw(f.ErrorRate):
		http.Error(w, "internal server error (simfeed fault)", http.StatusInternalServerError)
		return true
	case r.URL.Path == "/api/feed" && s.draw(f.StallRate):
		t := time.NewTimer(f.Stall)
		defer t.Stop()
		select {
		case <-t.C:
		case <-r.Context().Done():
			return true
		}
		return false // then answer normally
	case f.Truncate && isFeedPage(r), f.Hang && isFeedPage(r), f.Layout == "v2" && (isFeedPage(r) || api || r.URL.Path == "/static/common.js"):
		s.serveRewritten(w, r, f)
		return true
	}
	return false
}

// serveRewritten serves the normal response, then cuts or renames it.
func (s *Server) serveRewritten(w http.ResponseWriter, r *http.Request, f Faults) {
	rec := httptest.NewRecorder()
	s.mux.ServeHTTP(rec, r)
	body := rec.Body.Bytes()
	if f.Layout == "v2" {
		body = bytes.ReplaceAll(body, []byte("fp-item"), []byte("fp-card"))
	}
	if f.Hang && isFeedPage(r) {
		body = bytes.Replace(body, []byte("</body>"), []byte(hangScript+"</body>"), 1)
	}
	if f.Truncate && isFeedPage(r) {
		// Cut inside the last item: the browser sees an unclosed element.
		if i := bytes.LastIndex(body, []byte(`class="fp-title"`)); i > 0 {
			body = body[:i+10]
		}
	}
	for k, v := range rec.Header() {
		if k != "Content-Length" {
			w.Header()[k] = v
		}
	}
	w.WriteHeader(rec.Code)
	w.Write(body)
}

// serveEndless sends the start of a page and then a byte a second until the
// client disconnects or a minute has passed.
func (s *Server) serveEndless(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	fmt.Fprint(w, "<!doctype html><html><head><title>simfeed</title></head><body><main id=\"feed\">")
	fl, _ := w.(http.Flusher)
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	deadline := time.After(time.Minute)
	for {
		if fl != nil {
			fl.Flush()
		}
		select {
		case <-r.Context().Done():
			return
		case <-deadline:
			return
		case <-tick.C:
			fmt.Fprint(w, " ")
		}
	}
}

const hangScript = `<script>setTimeout(function () { for (;;) {} }, 0);</script>`

const captchaPage = `<!doctype html><html><head><meta charset="utf-8"><title>simfeed: verify</title></head>
<body><div class="fp-captcha"><h1>Are you a robot?</h1><p>Unusual traffic from your network. Solve the puzzle to continue.</p>
<form><input name="answer" aria-label="answer"><button>Verify</button></form></div></body></html>`
