package simfeed

import (
	"html/template"
	"net/http"
	"strconv"
	"time"
)

// The multi-page layout (/pages): a plain website without page script, as
// many real recommenders are. Opening an item navigates to its own page,
// a like is a form POST answered by a redirect (post/redirect/get), and
// going back loads the feed page again.
//
//	/pages               starts a visit and shows its first batch; the page
//	                     links back to itself as /pages?visit=N.
//	/pages?visit=N       shows visit N's first batch again (what going back
//	                     reloads), without serving anything new.
//	/pages?newtab=1      as /pages, its item links open a new tab
//	                     (target=_blank) on /pages/item/ID?tab=new, whose
//	                     script reports what the tab tells the page to
//	                     /api/echo (TruthUser.Echoes).
//	/pages/item/ID       the item's page; it counts as an open. Its like form
//	                     posts to /pages/like.
//	POST /pages/like     records the like (after Config.Latency, as the API
//	                     does) and redirects to /pages/item/ID?liked=1, which
//	                     shows the item as liked without counting an open.
//
// The item page always shows p.sf-like-status ("Not liked" or "Liked"), so
// an adapter that waits for it sees it before the like already.

func (s *Server) pagesRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /pages", s.handlePages)
	mux.HandleFunc("GET /pages/item/{id}", s.handlePagesItem)
	mux.HandleFunc("POST /pages/like", s.handlePagesLike)
}

func (s *Server) handlePages(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query().Get("visit")
	newTab := r.URL.Query().Get("newtab") == "1"
	w.Header().Set("Cache-Control", "no-store")
	if q == "" {
		s.render(w, "layout-pages.html", layoutData{feedData: s.startVisit(w, r), NewTab: newTab})
		return
	}
	n, err := strconv.Atoi(q)
	s.mu.Lock()
	u := s.identify(w, r)
	if err != nil || n < 1 || n > len(u.visits) || len(u.visits[n-1].pages) == 0 {
		s.mu.Unlock()
		http.Error(w, "unknown visit", http.StatusNotFound)
		return
	}
	d := feedData{Visit: n, Items: s.cards(u.visits[n-1].pages[0])}
	s.mu.Unlock()
	s.render(w, "layout-pages.html", layoutData{feedData: d, NewTab: newTab})
}

// pagesItem is what layout-pages-item.html gets.
type pagesItem struct {
	detail
	Visit  string
	UpNext []card
	// Echo: the page was opened in a new tab (tab=new, from
	// /pages?newtab=1) and runs the echo script, so /truth shows what
	// the new tab told the platform; EchoServer is the server's view of
	// the page's request, which the script reports with it.
	Echo       bool
	EchoServer template.JS
}

func (s *Server) handlePagesItem(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	s.mu.Lock()
	u := s.identify(w, r)
	tz := u.timezone
	region := s.regionOf(r, tz)
	var d detail
	status, msg := http.StatusOK, ""
	if r.URL.Query().Get("liked") == "1" {
		// The redirect after a like: show the item, count no open.
		if !itemIDPattern.MatchString(id) {
			status, msg = http.StatusBadRequest, "bad item id"
		} else if it, err := s.item(id); err != nil {
			status, msg = http.StatusNotFound, err.Error()
		} else {
			d = detail{card: s.card(it, s.shownPrice(u, it)), Body: itemBody(it), Liked: u.liked[it.ID]}
		}
	} else {
		d, status, msg = s.openItem(u, id)
	}
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
	visit := r.URL.Query().Get("visit")
	if _, err := strconv.Atoi(visit); err != nil {
		visit = ""
	}
	w.Header().Set("Cache-Control", "no-store")
	page := pagesItem{detail: d, Visit: visit, UpNext: next, Echo: r.URL.Query().Get("tab") == "new"}
	if page.Echo {
		var err error
		if page.EchoServer, err = s.echoJSON(r, tz); err != nil {
			http.Error(w, "encode echo", http.StatusInternalServerError)
			return
		}
	}
	s.render(w, "layout-pages-item.html", page)
}

func (s *Server) handlePagesLike(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxBodyBytes)
	if err := r.ParseForm(); err != nil {
		http.Error(w, "bad form", http.StatusBadRequest)
		return
	}
	id := r.PostForm.Get("item")
	if !itemIDPattern.MatchString(id) {
		http.Error(w, "bad item id", http.StatusBadRequest)
		return
	}
	if d := s.cfg.Latency; d > 0 {
		t := time.NewTimer(d)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			return // the like never reached the platform
		}
	}
	s.mu.Lock()
	u := s.identify(w, r)
	it, err := s.item(id)
	if err == nil {
		s.recordLike(u, it)
	}
	s.mu.Unlock()
	if err != nil {
		http.Error(w, err.Error(), http.StatusNotFound)
		return
	}
	next := "/pages/item/" + id + "?liked=1"
	if v := r.PostForm.Get("visit"); v != "" {
		if _, err := strconv.Atoi(v); err == nil {
			next += "&visit=" + v
		}
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
}
