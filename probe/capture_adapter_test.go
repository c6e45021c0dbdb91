package probe

import (
	"errors"
	"net/url"
	"reflect"
	"strings"
	"testing"

	"github.com/feedprobe/feedprobe/probe/feed"
)

const captureHead = "name: a\nitem: .i\nfields: {id: {attr: x}}\n"

func TestParseAdapterCaptureErrors(t *testing.T) {
	tests := []struct {
		name string
		yaml string
		want string
	}{
		{"file feed URL", "name: a\nfeed_url: file:///etc/passwd\nitem: .i\nfields: {id: {attr: x}}\n", `x.yaml:2: feed_url: scheme "file" refused`},
		{"javascript feed URL", "name: a\nfeed_url: 'javascript:alert(1)'\nitem: .i\nfields: {id: {attr: x}}\n", `x.yaml:2: feed_url: scheme "javascript" refused`},
		{"data login URL", captureHead + "login: {url: 'data:text/html,x', username: u, password: p, submit: s}\n", `x.yaml:4: login.url: scheme "data" refused`},
		{"empty capture", captureHead + "capture: {max_items: 3}\n", "x.yaml:4: capture: a capture block needs responses"},
		{"bad URL regexp", captureHead + "capture:\n  responses:\n    - url: 'feed(['\n      items: a\n      fields: {id: i}\n", "x.yaml:6: capture.responses.0.url: bad regular expression"},
		{"missing id", captureHead + "capture:\n  responses:\n    - url: /feed\n      items: a\n      fields: {title: t}\n", "x.yaml:8: capture.responses.0.fields.id: missing"},
		{"bad path", captureHead + "capture:\n  fields: {id: 'a..b'}\n  responses:\n    - url: /feed\n", "x.yaml:7: capture.responses.0: fields.id: path \"a..b\": empty step"},
		{"unknown field", captureHead + "capture:\n  responses:\n    - url: /feed\n      fields: {id: i, colour: c}\n", "capture.responses.0: fields.colour: unknown field"},
		{"script and push", captureHead + "capture:\n  fields: {id: i}\n  embedded:\n    - {script: s, push: p}\n", "x.yaml:7: capture.embedded.0: give script"},
		{"bad script", captureHead + "capture:\n  fields: {id: i}\n  embedded:\n    - {script: 'a['}\n", "capture.embedded.0.script: bad CSS selector"},
		{"unknown key", captureHead + "capture:\n  responses:\n    - {url: /f, fields: {id: i}, mthod: POST}\n", "x.yaml:6: field mthod not found"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseAdapter("x.yaml", []byte(tc.yaml))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("ParseAdapter error = %v, want it to contain %q", err, tc.want)
			}
			var ae *AdapterError
			if !errors.As(err, &ae) {
				t.Errorf("error %T is not an *AdapterError", err)
			}
		})
	}
	for _, ok := range []string{"https://example.test/feed", "http://127.0.0.1:8080/", "/feed?x=1", "//cdn.example.test/f"} {
		if _, err := ParseAdapter("x.yaml", []byte("name: a\nfeed_url: '"+ok+"'\nitem: .i\nfields: {id: {attr: x}}\n")); err != nil {
			t.Errorf("feed_url %q refused: %v", ok, err)
		}
	}
}

func TestCaptureExtract(t *testing.T) {
	a, err := ParseAdapter("x.yaml", []byte(`name: a
scroll: {strategy: none}
capture:
  fields: {id: id, title: t, sponsored: ad}
  responses:
    - url: '/api/feed\?'
      content_type: json
      items: 'data.list[*].card'
    - url: '/api/more'
      method: post
      items: more
      fields: {id: key, title: name}
  embedded:
    - script: 'script#STATE'
      items: 'feed'
    - push: 'self.__chunks'
      items: 'items'
`))
	if err != nil {
		t.Fatal(err)
	}
	c := a.Capture
	for _, tc := range []struct {
		method, url, mime string
		want              bool
	}{
		{"GET", "https://x.test/api/feed?page=1", "application/json", true},
		{"POST", "https://x.test/api/feed?page=1", "application/json", false},
		{"GET", "https://x.test/api/feed?page=1", "text/html", false},
		{"POST", "https://x.test/api/more", "application/json; charset=utf-8", true},
		{"GET", "https://x.test/api/more", "application/json", false},
		{"GET", "https://x.test/static/app.js", "application/javascript", false},
	} {
		if got := c.MatchResponse(tc.method, tc.url, tc.mime); got != tc.want {
			t.Errorf("MatchResponse(%s %s %s) = %v, want %v", tc.method, tc.url, tc.mime, got, tc.want)
		}
	}
	got, err := c.ExtractResponse("GET", "https://x.test/api/feed?page=1", "application/json",
		[]byte(`{"data": {"list": [{"card": {"id": "a1", "t": "one", "ad": 1}}, {"card": {"t": "no id"}}, {"card": {"id": "a2"}}]}}`))
	if err != nil {
		t.Fatal(err)
	}
	if want := []feed.Item{{ID: "a1", Title: "one", Sponsored: true}, {ID: "a2"}}; !reflect.DeepEqual(got, want) {
		t.Errorf("ExtractResponse = %+v, want %+v", got, want)
	}
	if again, err := c.ExtractBody("GET", "https://x.test/api/feed?page=1", []byte(`{"data": {"list": [{"card": {"id": "a1"}}]}}`)); err != nil || len(again) != 1 {
		t.Errorf("ExtractBody = %+v, %v; want a1", again, err)
	}
	if none, err := c.ExtractBody("GET", "https://x.test/other", []byte(`{}`)); none != nil || err != nil {
		t.Errorf("ExtractBody of an unmatched URL = %+v, %v", none, err)
	}
	if _, err := c.ExtractResponse("GET", "https://x.test/api/feed?", "application/json", []byte(`<html>`)); err == nil {
		t.Error("ExtractResponse of HTML gave no error")
	}
	html := `<html><head><script id="STATE" type="application/json">{"feed": [{"id": "s1", "t": "state"}]}</script>
<script>self.__chunks = self.__chunks || []; self.__chunks.push({"items": [{"id": "p1"}]})</script></head>
<body><script>self.__chunks.push({"items": [{"id": "p2", "ad": true}]})</script></body></html>`
	base, _ := url.Parse("https://x.test/")
	items := c.ExtractDocument([]byte(html), base)
	var ids []string
	for _, it := range items {
		ids = append(ids, it.ID)
	}
	if strings.Join(ids, ",") != "s1,p1,p2" || !items[2].Sponsored {
		t.Errorf("ExtractDocument = %+v, want s1, p1, p2 (sponsored)", items)
	}
}
