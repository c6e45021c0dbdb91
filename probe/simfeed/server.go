package simfeed

import (
	"bytes"
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"sync"
	"time"
)

//go:embed templates/*.html static/*
var assets embed.FS

// HTTP protocol constants of the DOM and API contract.
const (
	// CookieName is the cookie that identifies a user.
	CookieName = "sf_uid"
	// DeviceHeader carries the page's localStorage device id on API calls.
	DeviceHeader = "X-SF-Device"

	cookieMaxAge = 365 * 24 * 60 * 60
	maxBodyBytes = 64 << 10
	maxDwellMS   = 24 * 60 * 60 * 1000
)

// Log keys.
const (
	logKeyUser  = "user"
	logKeyVisit = "visit"
)

var (
	userIDPattern   = regexp.MustCompile(`^u-[0-9]{6,}$`)
	itemIDPattern   = regexp.MustCompile(`^it-[0-9]{5,}$`)
	devicePattern   = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)
	errUnknownItem  = errors.New("unknown item")
	errUnknownVisit = errors.New("unknown visit")
)

// Server is the simfeed website and recommender. It is an http.Handler and
// is safe for concurrent use by many users.
type Server struct {
	cfg    Config
	logger *slog.Logger
	now    func() time.Time

	items    []Item
	index    map[string]int // item ID -> position in items
	byTopic  [][]int        // per topicList entry
	byHarm   map[string][]int
	byRegion map[string][]int
	byStance [][]int   // per Stances() entry
	topicPop []float64 // per topicList entry: share of catalogue popularity

	tmpl *template.Template
	mux  *http.ServeMux

	faults faultState

	mu         sync.Mutex
	violations Violations
	users      map[string]*user
	order      []*user
}

// New validates cfg, generates the catalogue and returns the server. A nil
// logger discards logs.
func New(cfg Config, logger *slog.Logger) (*Server, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("simfeed config: %w", err)
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	tmpl, err := template.ParseFS(assets, "templates/*.html")
	if err != nil {
		return nil, fmt.Errorf("parse templates: %w", err)
	}
	cfg.Regions = slices.Clone(cfg.Regions)
	if err := cfg.checkRegions(); err != nil {
		return nil, fmt.Errorf("simfeed config: %w", err)
	}
	if cfg.Stance != nil {
		st := *cfg.Stance
		cfg.Stance = &st
		if err := cfg.checkStance(); err != nil {
			return nil, fmt.Errorf("simfeed config: %w", err)
		}
	}
	items := generateCatalogue(cfg)
	items = append(items, regionalItems(cfg, items)...)
	items = append(items, stanceItems(cfg, len(items))...)
	markVideos(cfg, items)
	s := &Server{
		cfg:        cfg,
		logger:     logger,
		now:        time.Now,
		items:      items,
		tmpl:       tmpl,
		violations: cfg.Violations,
		users:      map[string]*user{},
	}
	s.faults.f = cfg.Faults
	s.indexCatalogue()
	s.routes()
	return s, nil
}

func (s *Server) indexCatalogue() {
	s.index = make(map[string]int, len(s.items))
	s.byTopic = make([][]int, len(topicList))
	s.byHarm = map[string][]int{}
	s.topicPop = make([]float64, len(topicList))
	topicPos := map[string]int{}
	for i, t := range topicList {
		topicPos[t] = i
	}
	s.byRegion = map[string][]int{}
	s.byStance = make([][]int, len(Stances()))
	var total float64
	for i, it := range s.items {
		s.index[it.ID] = i
		if it.Region != "" {
			s.byRegion[it.Region] = append(s.byRegion[it.Region], i)
			continue // never served outside its region, by topic or at random
		}
		if it.Stance != "" {
			k := slices.Index(Stances(), it.Stance)
			s.byStance[k] = append(s.byStance[k], i)
			continue // served in the topic's slots (or at random)
		}
		t := topicPos[it.Topic]
		s.byTopic[t] = append(s.byTopic[t], i)
		s.topicPop[t] += it.Popularity
		total += it.Popularity
		if it.Harm != "" {
			s.byHarm[it.Harm] = append(s.byHarm[it.Harm], i)
		}
	}
	for i := range s.topicPop {
		s.topicPop[i] /= total
	}
}

func (s *Server) routes() {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", s.handleFeed)
	mux.HandleFunc("GET /feed", s.handleFeed)
	mux.HandleFunc("GET /item/{id}", s.handleItemPage)
	mux.HandleFunc("GET /settings", s.handleSettings)
	mux.HandleFunc("POST /settings", s.handleSettingsPost)
	mux.HandleFunc("GET /api/feed", s.api(s.handleAPIFeed))
	mux.HandleFunc("GET /api/item/{id}", s.api(s.handleAPIItem))
	mux.HandleFunc("POST /api/like", s.api(s.itemAction("liked", s.recordLike)))
	mux.HandleFunc("POST /api/follow", s.api(s.itemAction("followed", s.recordFollow)))
	mux.HandleFunc("POST /api/not-interested", s.api(s.itemAction("not_interested", s.recordNotInterested)))
	mux.HandleFunc("POST /api/event", s.api(s.handleEvent))
	mux.HandleFunc("GET /echo", s.handleEcho)
	mux.HandleFunc("GET /search", s.handleSearch)
	mux.HandleFunc("GET /media/{file}", s.handleMedia)
	mux.HandleFunc("POST /api/echo", s.api(s.handleAPIEcho))
	s.layoutRoutes(mux) // layouts.go: the pages beyond the infinite list
	s.pagesRoutes(mux)  // pages.go: the multi-page layout
	s.complianceRoutes(mux)
	s.replayRoutes(mux) // replay.go: pages shaped like real platforms' traffic
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprint(w, "ok")
	})
	static, err := fs.Sub(assets, "static")
	if err != nil {
		panic(err) // the embedded tree always has static/
	}
	mux.Handle("GET /static/", http.StripPrefix("/static/", http.FileServerFS(static)))
	if s.cfg.Truth {
		mux.HandleFunc("GET /truth", s.handleTruth)
		mux.HandleFunc("GET /truth/items", s.handleTruthItems)
	}
	s.mux = mux
}

// ServeHTTP serves the website, the API and, when Config.Truth is set, the
// ground truth.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if s.serveFault(w, r) {
		return
	}
	if s.cfg.ScrambleClasses {
		s.serveScrambled(w, r)
		return
	}
	s.mux.ServeHTTP(w, r)
}

// Catalogue returns a copy of the catalogue with its ground-truth fields, in
// ID order. The catalogue never changes after New; Catalogue is safe for
// concurrent use.
func (s *Server) Catalogue() []Item {
	return append([]Item(nil), s.items...)
}

// SetViolations switches the planted violations at run time; later batches
// follow the new setting. It is safe for concurrent use.
func (s *Server) SetViolations(v Violations) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.violations = v
}

// configLocked returns the configuration with the current violations. The
// caller holds s.mu.
func (s *Server) configLocked() Config {
	c := s.cfg
	c.Violations = s.violations
	return c
}

// identify returns the request's user, creating one and setting the cookie
// when the request has no valid sf_uid. The caller holds s.mu.
func (s *Server) identify(w http.ResponseWriter, r *http.Request) *user {
	if c, err := r.Cookie(CookieName); err == nil && userIDPattern.MatchString(c.Value) {
		if u, ok := s.users[c.Value]; ok {
			return u
		}
	}
	id := fmt.Sprintf("u-%06d", len(s.order)+1)
	u := newUser(id, s.now().UTC())
	s.users[id] = u
	s.order = append(s.order, u)
	http.SetCookie(w, &http.Cookie{
		Name:     CookieName,
		Value:    id,
		Path:     "/",
		MaxAge:   cookieMaxAge,
		HttpOnly: true,
		SameSite: http.SameSiteLaxMode,
	})
	s.logger.Debug("user created", logKeyUser, id)
	return u
}

// item returns the catalogue item with the given ID.
func (s *Server) item(id string) (*Item, error) {
	i, ok := s.index[id]
	if !ok {
		return nil, errUnknownItem
	}
	return &s.items[i], nil
}

// apiHandler handles one API request. It gets: the user, already identified
// and with the device recorded, while s.mu is held.
type apiHandler func(w http.ResponseWriter, r *http.Request, u *user) (status int, body any)

// api wraps an API handler: it limits the body, validates the device
// header, applies Config.Latency, identifies the user under s.mu and writes
// the JSON answer.
func (s *Server) api(h apiHandler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, maxBodyBytes)
		device := r.Header.Get(DeviceHeader)
		if device != "" && !devicePattern.MatchString(device) {
			http.Error(w, "bad device id", http.StatusBadRequest)
			return
		}
		if d := s.cfg.Latency; d > 0 {
			t := time.NewTimer(d)
			select {
			case <-t.C:
			case <-r.Context().Done():
				t.Stop()
				return
			}
		}
		s.mu.Lock()
		u := s.identify(w, r)
		u.addDevice(device)
		status, body := h(w, r, u)
		var buf bytes.Buffer
		msg, isErr := body.(errorBody)
		var err error
		if body != nil && !isErr {
			err = json.NewEncoder(&buf).Encode(body)
		}
		s.mu.Unlock()
		switch {
		case isErr:
			http.Error(w, string(msg), status)
			return
		case err != nil:
			http.Error(w, "encode response", http.StatusInternalServerError)
			return
		case body == nil:
			w.WriteHeader(status)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		w.WriteHeader(status)
		w.Write(buf.Bytes())
	}
}

// errorBody is a plain-text error answer from an apiHandler.
type errorBody string

func fail(status int, msg string) (int, any) { return status, errorBody(msg) }

// feedPage is the JSON answer of GET /api/feed.
type feedPage struct {
	Visit int    `json:"visit"`
	Page  int    `json:"page"`
	Items []card `json:"items"`
}

func (s *Server) handleAPIFeed(w http.ResponseWriter, r *http.Request, u *user) (int, any) {
	q := r.URL.Query()
	visitID, err1 := strconv.Atoi(q.Get("visit"))
	page, err2 := strconv.Atoi(q.Get("page"))
	if err1 != nil || err2 != nil || visitID < 1 || page < 1 {
		return fail(http.StatusBadRequest, "visit and page must be positive integers")
	}
	if visitID > len(u.visits) {
		return fail(http.StatusNotFound, errUnknownVisit.Error())
	}
	v := u.visits[visitID-1]
	var batch []Served
	switch {
	case page <= len(v.pages):
		batch = v.pages[page-1] // a repeated request gets the same page
	case page == len(v.pages)+1:
		batch = s.nextBatch(u, v, page)
	default:
		return fail(http.StatusBadRequest, fmt.Sprintf("page %d is ahead of page %d", page, len(v.pages)))
	}
	return http.StatusOK, feedPage{Visit: v.id, Page: page, Items: s.cards(batch)}
}

// detail is the JSON answer of GET /api/item/ID and the data of the item page.
type detail struct {
	card
	Body  string `json:"body"`
	Liked bool   `json:"liked"`
	// Followed is whether the user follows the item's author.
	Followed bool `json:"followed,omitempty"`
}

func (s *Server) handleAPIItem(w http.ResponseWriter, r *http.Request, u *user) (int, any) {
	d, status, msg := s.openItem(u, r.PathValue("id"))
	if status != http.StatusOK {
		return fail(status, msg)
	}
	return http.StatusOK, d
}

// openItem records an open of item id by u and returns its detail. The
// caller holds s.mu.
func (s *Server) openItem(u *user, id string) (detail, int, string) {
	if !itemIDPattern.MatchString(id) {
		return detail{}, http.StatusBadRequest, "bad item id"
	}
	it, err := s.item(id)
	if err != nil {
		return detail{}, http.StatusNotFound, err.Error()
	}
	// The price shown is the one before this open counts.
	c := s.card(it, s.shownPrice(u, it))
	s.recordOpen(u, it)
	return detail{card: c, Body: itemBody(it), Liked: u.liked[it.ID], Followed: u.follows[it.Author]}, http.StatusOK, ""
}

// decodeJSON decodes a small JSON body, rejecting unknown fields and
// trailing data.
func decodeJSON(r *http.Request, v any) error {
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return errors.New("trailing data")
	}
	return nil
}

// itemAction makes the handler of a POST {"item": ID} that applies record
// to the item and answers {"item": ID, key: true}.
func (s *Server) itemAction(key string, record func(*user, *Item)) apiHandler {
	return func(w http.ResponseWriter, r *http.Request, u *user) (int, any) {
		var req struct {
			Item string `json:"item"`
		}
		if err := decodeJSON(r, &req); err != nil || !itemIDPattern.MatchString(req.Item) {
			return fail(http.StatusBadRequest, "body must be {\"item\":ID}")
		}
		it, err := s.item(req.Item)
		if err != nil {
			return fail(http.StatusNotFound, err.Error())
		}
		record(u, it)
		return http.StatusOK, map[string]any{"item": it.ID, key: true}
	}
}

func (s *Server) handleEvent(w http.ResponseWriter, r *http.Request, u *user) (int, any) {
	var ev struct {
		Type string `json:"type"`
		Item string `json:"item"`
		MS   *int64 `json:"ms"`
		View string `json:"view"`
	}
	if err := decodeJSON(r, &ev); err != nil {
		return fail(http.StatusBadRequest, "body must be a JSON event")
	}
	if ev.Type != "dwell" && ev.Type != "play" {
		return fail(http.StatusBadRequest, "unknown event type")
	}
	if ev.Type == "play" && !devicePattern.MatchString(ev.View) {
		return fail(http.StatusBadRequest, "play needs a view id")
	}
	if !itemIDPattern.MatchString(ev.Item) || ev.MS == nil || *ev.MS < 0 || *ev.MS > maxDwellMS {
		return fail(http.StatusBadRequest, "dwell needs item and ms in [0,86400000]")
	}
	it, err := s.item(ev.Item)
	if err != nil {
		return fail(http.StatusNotFound, err.Error())
	}
	if ev.Type == "play" {
		if it.VideoSeconds == 0 {
			return fail(http.StatusBadRequest, "item is not a video")
		}
		s.recordPlay(u, it, ev.View, *ev.MS)
		return http.StatusNoContent, nil
	}
	s.recordDwell(u, it, *ev.MS)
	return http.StatusNoContent, nil
}

// Page data.
type (
	feedData struct {
		Visit int
		Items []card
	}
	settingsData struct {
		Settings Settings
		Saved    bool
	}
)

func (s *Server) handleFeed(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	u := s.identify(w, r)
	v := &visit{id: len(u.visits) + 1, started: s.now().UTC(), excluded: map[int]bool{}, region: s.regionOf(r, u.timezone)}
	u.visits = append(u.visits, v)
	data := feedData{Visit: v.id, Items: s.cards(s.nextBatch(u, v, 1))}
	s.mu.Unlock()
	s.logger.Debug("visit started", logKeyUser, u.id, logKeyVisit, v.id)
	s.render(w, "feed.html", data)
}

func (s *Server) handleItemPage(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	u := s.identify(w, r)
	region := s.regionOf(r, u.timezone)
	d, status, msg := s.openItem(u, r.PathValue("id"))
	var next []card
	if status == http.StatusOK {
		it, _ := s.item(d.ID)
		next = s.cards(s.upNextOf(u, it, region))
	}
	s.mu.Unlock()
	if status != http.StatusOK {
		http.Error(w, msg, status)
		return
	}
	s.render(w, "item.html", itemPage{detail: d, UpNext: next})
}

func (s *Server) handleSettings(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	u := s.identify(w, r)
	data := settingsData{Settings: u.settings, Saved: r.URL.Query().Get("saved") == "1"}
	s.mu.Unlock()
	s.render(w, "settings.html", data)
}

func (s *Server) handleSettingsPost(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxBodyBytes)
	if err := r.ParseForm(); err != nil {
		http.Error(w, "bad form", http.StatusBadRequest)
		return
	}
	settings := Settings{
		Personalized: r.PostForm.Get("personalized") != "",
		Minor:        r.PostForm.Get("minor") != "",
	}
	s.mu.Lock()
	u := s.identify(w, r)
	u.settings = settings
	s.mu.Unlock()
	http.Redirect(w, r, "/settings?saved=1", http.StatusSeeOther)
}

func (s *Server) handleTruth(w http.ResponseWriter, r *http.Request) {
	if id := r.URL.Query().Get("user"); id != "" {
		s.mu.Lock()
		u, ok := s.users[id]
		var tu TruthUser
		if ok {
			tu = truthUser(u)
		}
		s.mu.Unlock()
		if !ok {
			http.Error(w, "unknown user", http.StatusNotFound)
			return
		}
		writeJSON(w, tu)
		return
	}
	writeJSON(w, s.Truth())
}

func (s *Server) handleTruthItems(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, s.items) // the catalogue is never modified after New
}

func writeJSON(w http.ResponseWriter, v any) {
	var buf bytes.Buffer
	if err := json.NewEncoder(&buf).Encode(v); err != nil {
		http.Error(w, "encode response", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.Write(buf.Bytes())
}

// render executes a page template into a buffer first, so a template error
// becomes a clean 500.
func (s *Server) render(w http.ResponseWriter, name string, data any) {
	var buf bytes.Buffer
	if err := s.tmpl.ExecuteTemplate(&buf, name, data); err != nil {
		s.logger.Error("render page", "template", name, "error", err)
		http.Error(w, "render page", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Write(buf.Bytes())
}

// Listen binds addr, which must be a loopback address such as
// "127.0.0.1:0", and serves s until ctx is cancelled. It returns the base
// URL ("http://127.0.0.1:PORT") and wait, which blocks until the server has
// stopped and returns its error (nil after a clean shutdown). Cancelling ctx
// shuts the server down gracefully, waiting up to five seconds for requests
// in flight.
func Listen(ctx context.Context, addr string, s *Server) (url string, wait func() error, err error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return "", nil, fmt.Errorf("listen %s: %w", addr, err)
	}
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return "", nil, fmt.Errorf("listen %s: simfeed binds loopback addresses only", addr)
	}
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", addr)
	if err != nil {
		return "", nil, fmt.Errorf("listen %s: %w", addr, err)
	}
	srv := &http.Server{
		Handler:           s,
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          slog.NewLogLogger(s.logger.Handler(), slog.LevelWarn),
	}
	done := make(chan error, 1)
	go func() {
		err := srv.Serve(ln)
		if errors.Is(err, http.ErrServerClosed) {
			err = nil
		}
		done <- err
	}()
	shutdownDone := make(chan struct{})
	stop := context.AfterFunc(ctx, func() {
		defer close(shutdownDone)
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(sctx) // a timeout leaves stragglers to Close below
		srv.Close()
	})
	var once sync.Once
	var serveErr error
	wait = func() error {
		once.Do(func() {
			serveErr = <-done
			if !stop() {
				<-shutdownDone // shutdown started: let it finish
			} else {
				srv.Close() // Serve failed on its own
			}
		})
		return serveErr
	}
	return "http://" + ln.Addr().String(), wait, nil
}
