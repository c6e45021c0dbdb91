package simfeed

import (
	"cmp"
	"crypto/subtle"
	"encoding/json"
	"html/template"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
)

// Layouts beyond the infinite list, each a page of its own so that the probe's
// adapter engine can be tested on every shape of feed a platform uses. They
// share the catalogue, the recommender, the users and the ground truth with
// the main feed; their markup is their own (see templates/layout-*.html and
// static/layouts.js). The main feed's DOM contract is unchanged.
//
//	/shorts  one-at-a-time vertical video feed; ArrowDown (or the wheel, or a
//	         swipe) goes to the next item; the DOM holds only the current item
//	         and its neighbours. Its first batch is JSON in script#sf-shorts-state.
//	/hot     a hot-search list: not personalized, rendered by the page script
//	         from JSON in script#sf-hot-state (see Server.Hot).
//	/grid    a first-screen grid of tiles with data attributes, fetched by the
//	         page script after load (so an adapter must wait for it).
//	/boxed   the feed inside a scrolling element (#sf-box) rather than the window.
//	/more    a feed with a "Load more" button, behind a cookie-consent dialog
//	         until the user accepts or rejects (cookie sf_consent).
//	/wall    a login wall (.sf-login-wall) until the user logs in at /login
//	         (cookie sf_login), then the main feed.
//	/pages   a multi-page site without page script: item pages, form-POST
//	         likes, the feed loaded again on the way back (see pages.go).

// Cookies of the layouts.
const (
	// LoginCookie marks a user logged in at /login; its value is the name.
	LoginCookie = "sf_login"
	// ConsentCookie records the answer to the consent dialog of /more.
	ConsentCookie = "sf_consent"
	// HotSize is the length of the hot-search list.
	HotSize = 20
	// hotAdRank is the rank (from 1) of the sponsored entry of the hot list.
	hotAdRank = 3
)

var loginNamePattern = regexp.MustCompile(`^[A-Za-z0-9_-]{1,32}$`)

func (s *Server) layoutRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /shorts", s.handleShorts)
	mux.HandleFunc("GET /hot", s.handleHot)
	mux.HandleFunc("GET /grid", s.visitPage("layout-grid.html"))
	mux.HandleFunc("GET /boxed", s.visitPage("layout-boxed.html"))
	mux.HandleFunc("GET /more", s.handleMore)
	mux.HandleFunc("GET /wall", s.handleWall)
	mux.HandleFunc("GET /login", s.handleLogin)
	mux.HandleFunc("POST /login", s.handleLoginPost)
}

// startVisit starts a visit of the request's user and serves its first
// batch, as the main feed page does.
func (s *Server) startVisit(w http.ResponseWriter, r *http.Request) feedData {
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.identify(w, r)
	v := &visit{id: len(u.visits) + 1, started: s.now().UTC(), excluded: map[int]bool{}, region: s.regionOf(r, u.timezone)}
	u.visits = append(u.visits, v)
	return feedData{Visit: v.id, Items: s.cards(s.nextBatch(u, v, 1))}
}

// layoutData is what the layout templates get.
type layoutData struct {
	feedData
	// State is the page's initial state as JSON, for a script tag.
	State   template.JS
	Consent bool // the consent dialog is shown
	Next    string
	NewTab  bool // /pages?newtab=1: item links open a new tab
}

func (s *Server) visitPage(name string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s.render(w, name, layoutData{feedData: s.startVisit(w, r)})
	}
}

// stateJSON encodes v for a <script type="application/json"> element: "<",
// ">" and "&" are escaped by encoding/json, so the text cannot close the tag.
func stateJSON(v any) template.JS {
	b, err := json.Marshal(v)
	if err != nil {
		return "null"
	}
	return template.JS(b)
}

func (s *Server) handleShorts(w http.ResponseWriter, r *http.Request) {
	d := s.startVisit(w, r)
	s.render(w, "layout-shorts.html", layoutData{feedData: d,
		State: stateJSON(map[string]any{"visit": d.Visit, "page": 1, "items": d.Items})})
}

// hotEntry is one row of the hot-search list's JSON.
type hotEntry struct {
	Rank   int    `json:"rank"`
	ItemID string `json:"item_id"`
	Word   string `json:"word"`
	Heat   int64  `json:"heat"`
	Topic  string `json:"topic"`
	URL    string `json:"url"`
	Ad     bool   `json:"is_ad"`
}

// Hot returns the item IDs of the hot-search list in rank order, its ground
// truth: the HotSize-1 most popular unsponsored items, with the most popular
// sponsored item at rank 3. It is the same for every user. Safe for
// concurrent use.
func (s *Server) Hot() []string {
	var organic, ads []int
	for i, it := range s.items {
		if it.Sponsored {
			ads = append(ads, i)
		} else {
			organic = append(organic, i)
		}
	}
	byPop := func(a, b int) int {
		return cmp.Or(cmp.Compare(s.items[b].Popularity, s.items[a].Popularity), strings.Compare(s.items[a].ID, s.items[b].ID))
	}
	slices.SortFunc(organic, byPop)
	slices.SortFunc(ads, byPop)
	var ids []string
	for _, i := range organic[:min(len(organic), HotSize-1)] {
		ids = append(ids, s.items[i].ID)
	}
	if len(ads) > 0 && len(ids) >= hotAdRank-1 {
		ids = slices.Insert(ids, hotAdRank-1, s.items[ads[0]].ID)
	}
	return ids
}

func (s *Server) handleHot(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.identify(w, r)
	s.mu.Unlock()
	var list []hotEntry
	for i, id := range s.Hot() {
		it := &s.items[s.index[id]]
		list = append(list, hotEntry{Rank: i + 1, ItemID: it.ID, Word: it.Title, Heat: int64(it.Popularity * 10000),
			Topic: it.Topic, URL: "/item/" + it.ID, Ad: it.Sponsored})
	}
	s.render(w, "layout-hot.html", layoutData{State: stateJSON(map[string]any{"data": map[string]any{"realtime": list}})})
}

func (s *Server) handleMore(w http.ResponseWriter, r *http.Request) {
	d := s.startVisit(w, r)
	_, err := r.Cookie(ConsentCookie)
	s.render(w, "layout-more.html", layoutData{feedData: d, Consent: err != nil})
}

// loggedIn reports whether the request carries a valid login cookie.
func loggedIn(r *http.Request) bool {
	c, err := r.Cookie(LoginCookie)
	return err == nil && loginNamePattern.MatchString(c.Value)
}

func (s *Server) handleWall(w http.ResponseWriter, r *http.Request) {
	if loggedIn(r) {
		s.handleFeed(w, r)
		return
	}
	s.render(w, "layout-wall.html", layoutData{Next: "/wall"})
}

// safeNext keeps a redirect target on this site.
func safeNext(next string) string {
	u, err := url.Parse(next)
	if err != nil || next == "" || u.IsAbs() || u.Host != "" || !strings.HasPrefix(u.Path, "/") || strings.HasPrefix(next, "//") {
		return "/"
	}
	return u.RequestURI()
}

func (s *Server) handleLogin(w http.ResponseWriter, r *http.Request) {
	s.render(w, "layout-login.html", layoutData{Next: safeNext(r.URL.Query().Get("next"))})
}

func (s *Server) handleLoginPost(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxBodyBytes)
	if err := r.ParseForm(); err != nil {
		http.Error(w, "bad form", http.StatusBadRequest)
		return
	}
	name := r.PostForm.Get("name")
	if !loginNamePattern.MatchString(name) {
		http.Error(w, "name: 1 to 32 letters, digits, _ or -", http.StatusBadRequest)
		return
	}
	if want := s.cfg.LoginPassword; want != "" && subtle.ConstantTimeCompare([]byte(r.PostForm.Get("password")), []byte(want)) != 1 {
		http.Error(w, "wrong name or password", http.StatusForbidden)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: LoginCookie, Value: name, Path: "/", MaxAge: cookieMaxAge, HttpOnly: true, SameSite: http.SameSiteLaxMode})
	http.Redirect(w, r, safeNext(r.PostForm.Get("next")), http.StatusSeeOther)
}
