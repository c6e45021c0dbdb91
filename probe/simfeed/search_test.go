package simfeed

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

func TestSearchFromTheRecommender(t *testing.T) {
	s, err := New(DefaultConfig(), nil)
	if err != nil {
		t.Fatal(err)
	}
	// A word of some titles: the first word of the first item's title.
	word := strings.ToLower(strings.Fields(s.Catalogue()[0].Title)[0])
	get := func(q string) *httptest.ResponseRecorder {
		r := httptest.NewRequest(http.MethodGet, "/search?q="+url.QueryEscape(q), nil)
		w := httptest.NewRecorder()
		s.ServeHTTP(w, r)
		return w
	}
	w := get(word)
	if w.Code != http.StatusOK {
		t.Fatalf("GET /search = %d", w.Code)
	}
	users := s.Truth().Users
	q := users[len(users)-1].Searches
	if len(q) != 1 || q[0].Query != word || len(q[0].Served) == 0 {
		t.Fatalf("truth searches = %+v, want one search for %q with results", q, word)
	}
	byID := map[string]Item{}
	for _, it := range s.Catalogue() {
		byID[it.ID] = it
	}
	body := w.Body.String()
	for i, sv := range q[0].Served {
		it := byID[sv.Item]
		if sv.Rank != i+1 || !strings.Contains(strings.ToLower(it.Title), word) || !strings.Contains(body, `data-item-id="`+sv.Item+`"`) {
			t.Errorf("result %d: %+v (title %q) is not a ranked match shown on the page", i, sv, it.Title)
		}
	}
	if w := get("zzqqxx-nothing"); !strings.Contains(w.Body.String(), "No results.") {
		t.Error("a query without matches does not say so")
	}
	if w := get(strings.Repeat("a", maxQuery+1)); w.Code != http.StatusBadRequest {
		t.Errorf("an overlong query = %d, want 400", w.Code)
	}
}
