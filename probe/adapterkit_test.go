package probe

import (
	"errors"
	"net/url"
	"strings"
	"testing"

	"github.com/feedprobe/feedprobe/probe/feed"

	"github.com/PuerkitoBio/goquery"
)

// TestTemplates parses every real-platform template: each validates, is
// marked experimental with a drafted date, says what it maps in its header,
// and is not listed among the tested built-in adapters.
func TestTemplates(t *testing.T) {
	want := []string{"bilibili-home", "douyin-web", "tiktok-foryou", "weibo-hot", "xiaohongshu-explore", "youtube-home", "youtube-shorts"}
	names := Templates()
	if strings.Join(names, ",") != strings.Join(want, ",") {
		t.Fatalf("Templates() = %v, want %v", names, want)
	}
	builtins := strings.Join(BuiltinAdapters(), ",")
	for _, n := range names {
		t.Run(n, func(t *testing.T) {
			a, err := AdapterTemplate(n)
			if err != nil {
				t.Fatal(err)
			}
			if !a.Experimental || a.Drafted == "" {
				t.Errorf("template %s: experimental %v, drafted %q; want experimental with a date", n, a.Experimental, a.Drafted)
			}
			src, _ := TemplateSource(n)
			if !strings.HasPrefix(string(src), "# EXPERIMENTAL") || !strings.Contains(string(src), "# Fields:") {
				t.Errorf("template %s: header does not say EXPERIMENTAL and what the fields map to", n)
			}
			u, err := url.Parse(a.FeedURL)
			if err != nil || u.Scheme != "https" {
				t.Errorf("template %s: feed_url %q is not an https URL", n, a.FeedURL)
			}
			if strings.Contains(builtins, n) {
				t.Errorf("template %s is listed as a built-in adapter", n)
			}
		})
	}
	if _, err := AdapterTemplate("myspace"); err == nil {
		t.Error("AdapterTemplate(myspace) gave no error")
	}
}

func TestParseAdapterKitErrors(t *testing.T) {
	const head = "name: a\nitem: .i\nfields: {id: {attr: x}}\n"
	tests := []struct {
		name string
		yaml string
		want string
	}{
		{"unknown strategy", head + "scroll: {strategy: swipe}\n", `x.yaml:4: scroll.strategy: unknown strategy "swipe"`},
		{"container without selector", head + "scroll: {strategy: container}\n", "x.yaml:4: scroll.container: the container strategy needs"},
		{"button without selector", head + "scroll: {strategy: button}\n", "x.yaml:4: scroll.button: the button strategy needs"},
		{"unknown key", head + "scroll: {strategy: key, key: Hyper}\n", `x.yaml:4: scroll.key: unknown key "Hyper"`},
		{"key without key strategy", head + "scroll: {key: j}\n", "scroll.key: key is only used by the key strategy"},
		{"bad dismiss", head + "dismiss: [\"#ok\", \"a[\"]\n", `x.yaml:4: dismiss.1: bad CSS selector "a["`},
		{"bad blocked", head + "blocked: [\"]\"]\n", `x.yaml:4: blocked.0: bad CSS selector`},
		{"bad date", head + "last_checked: yesterday\n", `x.yaml:4: last_checked: "yesterday" is not a date`},
		{"embedded without id", "name: a\nembedded: {script: s, fields: {title: t}}\nscroll: {strategy: none}\n", "x.yaml:2: embedded.fields.id: missing"},
		{"embedded only, scrolling", "name: a\nembedded: {script: s, fields: {id: i}}\n", "scroll.strategy: an adapter without an item selector reads only the embedded or captured JSON"},
		{"negative wait", head + "wait_for: {network_idle: -1s}\n", "x.yaml:4: wait_for: durations must not be negative"},
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
}

// TestExtractEmbedded reads initial state in the shapes platforms ship it.
func TestExtractEmbedded(t *testing.T) {
	a, err := ParseAdapter("e.yaml", []byte(`name: e
embedded:
  script: 'script:contains("__STATE__")'
  items: feed.list
  fields: {id: aweme_id, title: desc, author: author.nickname, url: share.0, sponsored: is_ads, synthetic: aigc}
scroll: {strategy: none}
`))
	if err != nil {
		t.Fatal(err)
	}
	page := `<html><body><script>var other = 1;</script>
<script>window.__STATE__ = {"feed": {"list": [
  {"aweme_id": 7312345678901234567, "desc": "  long   id ", "author": {"nickname": "甲"}, "share": ["/v/1"], "is_ads": 0, "aigc": "true"},
  {"desc": "no id: skipped"},
  {"aweme_id": "x2", "desc": "<b>ad</b>", "is_ads": 1}
]}};(function(){ window.boot(); })()</script></body></html>`
	items, err := a.ExtractHTML(strings.NewReader(page), nil)
	if err != nil || len(items) != 0 {
		t.Fatalf("ExtractHTML (elements only) = %v, %v; want none: this adapter has no item selector", items, err)
	}
	base, _ := url.Parse("https://example.com/")
	doc := mustDoc(t, page)
	items, err = a.ExtractPage(doc, base)
	if err != nil {
		t.Fatal(err)
	}
	want := []feed.Item{
		{ID: "7312345678901234567", Title: "long id", Author: "甲", URL: "https://example.com/v/1", Synthetic: true},
		{ID: "x2", Title: "<b>ad</b>", Sponsored: true},
	}
	if len(items) != len(want) {
		t.Fatalf("got %d items %+v, want %d", len(items), items, len(want))
	}
	for i := range want {
		if items[i] != want[i] {
			t.Errorf("item %d = %+v, want %+v", i, items[i], want[i])
		}
	}
	for _, bad := range []string{`<script>window.__STATE__ = nope</script>`, `<script>__STATE__</script>`, `<script>x={"__STATE__":1}</script>`} {
		if _, err := a.ExtractEmbedded(mustDoc(t, bad), nil); err == nil {
			t.Errorf("ExtractEmbedded(%q) gave no error", bad)
		}
	}
}

// TestExtractFieldJSON reads fields from JSON in a data attribute.
func TestExtractFieldJSON(t *testing.T) {
	a, err := BuiltinAdapter("simfeed-grid")
	if err != nil {
		t.Fatal(err)
	}
	page := `<div class="sf-tile" data-id="it-1" data-topic="pets" data-author="Ann" data-meta='{"ad":true,"aigc":false,"price":"19.90","price_text":"¥19.90"}'><a class="sf-tile-link" href="/item/it-1"><h3 class="sf-tile-title">Cat</h3></a></div>
<div class="sf-tile" data-id="it-2" data-meta='not json'><h3 class="sf-tile-title">Dog</h3></div>`
	items, err := a.ExtractHTML(strings.NewReader(page), nil)
	if err != nil {
		t.Fatal(err)
	}
	want := []feed.Item{
		{ID: "it-1", Title: "Cat", Author: "Ann", Topic: "pets", URL: "/item/it-1", Sponsored: true, PriceText: "¥19.90", Price: 19.9},
		{ID: "it-2", Title: "Dog"},
	}
	if len(items) != 2 || items[0] != want[0] || items[1] != want[1] {
		t.Errorf("ExtractHTML = %+v, want %+v", items, want)
	}
}

func TestParseCookieFile(t *testing.T) {
	txt := "# Netscape HTTP Cookie File\n.example.com\tTRUE\t/\tTRUE\t1900000000\tsid\tabc\n#HttpOnly_example.com\tFALSE\t/app\tFALSE\t0\ttok\tx y\n\n"
	cs, err := ParseCookieFile("c.txt", []byte(txt))
	if err != nil {
		t.Fatal(err)
	}
	if len(cs) != 2 || cs[0].Name != "sid" || cs[0].Domain != ".example.com" || !cs[0].Secure || cs[0].Expires != 1900000000 || cs[0].Session ||
		cs[1].Name != "tok" || cs[1].Value != "x y" || !cs[1].HTTPOnly || !cs[1].Session || cs[1].Path != "/app" {
		t.Errorf("cookies.txt parsed as %+v %+v", *cs[0], *cs[1])
	}
	js := `[{"name":"sf_login","value":"p1","domain":"127.0.0.1","path":"/","httpOnly":true,"sameSite":"lax","expirationDate":1900000000.5},
{"name":"s","value":"v","domain":"example.com","session":true}]`
	cs, err = ParseCookieFile("c.json", []byte(js))
	if err != nil {
		t.Fatal(err)
	}
	if len(cs) != 2 || cs[0].Expires != 1900000000 || cs[0].SameSite != "Lax" || !cs[0].HTTPOnly || !cs[1].Session || cs[1].Path != "/" {
		t.Errorf("JSON cookies parsed as %+v %+v", *cs[0], *cs[1])
	}
	for _, bad := range []struct{ data, want string }{
		{"", "c: no cookies"},
		{"a\tb\tc\n", "c:1: want 7 tab-separated fields"},
		{"# only\n\nx\tTRUE\t/\tFALSE\tsoon\tn\tv\n", `c:3: expiry "soon"`},
		{`[{"value":"v"}]`, "c: cookie 1: needs a name and a domain"},
	} {
		if _, err := ParseCookieFile("c", []byte(bad.data)); err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("ParseCookieFile(%q) error = %v, want %q", bad.data, err, bad.want)
		}
	}
}

func mustDoc(t *testing.T, page string) *goquery.Document {
	t.Helper()
	doc, err := goquery.NewDocumentFromReader(strings.NewReader(page))
	if err != nil {
		t.Fatal(err)
	}
	return doc
}
