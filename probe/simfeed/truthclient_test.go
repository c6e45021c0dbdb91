package simfeed

import (
	"context"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
)

func TestFetchTruthItems(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Truth = true
	s, err := New(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(s)
	defer ts.Close()
	items, err := FetchTruthItems(context.Background(), ts.URL+"/")
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(items, s.Catalogue()) {
		t.Errorf("FetchTruthItems: %d items, differ from the catalogue's %d", len(items), len(s.Catalogue()))
	}

	cfg.Truth = false
	closed, err := New(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	ts2 := httptest.NewServer(closed)
	defer ts2.Close()
	if _, err := FetchTruthItems(context.Background(), ts2.URL); err == nil || !strings.Contains(err.Error(), "--truth") {
		t.Errorf("FetchTruthItems without --truth = %v, want an error naming --truth", err)
	}
}
