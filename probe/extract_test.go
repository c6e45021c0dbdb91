package probe

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/feedprobe/feedprobe/probe/feed"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// TestExtractGolden parses saved simfeed pages with the built-in adapter and
// compares the items with the golden JSON beside each page.
func TestExtractGolden(t *testing.T) {
	a, err := BuiltinAdapter("simfeed")
	if err != nil {
		t.Fatal(err)
	}
	pages, err := filepath.Glob("testdata/simfeed/*.html")
	if err != nil {
		t.Fatal(err)
	}
	if len(pages) == 0 {
		t.Fatal("no saved pages in testdata/simfeed")
	}
	base, _ := url.Parse("http://127.0.0.1:8080/")
	for _, page := range pages {
		t.Run(filepath.Base(page), func(t *testing.T) {
			f, err := os.Open(page)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			items, err := a.ExtractHTML(f, base)
			if err != nil {
				t.Fatal(err)
			}
			got, err := json.MarshalIndent(items, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, '\n')
			golden := strings.TrimSuffix(page, ".html") + ".golden.json"
			if *update {
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("items from %s differ from %s:\ngot:\n%s", page, golden, got)
			}
		})
	}
}

func TestExtractFields(t *testing.T) {
	a, err := BuiltinAdapter("simfeed")
	if err != nil {
		t.Fatal(err)
	}
	const page = `<main id="feed">
<article class="fp-item" data-item-id="it-1">
  <a class="fp-link" href="/item/it-1"><h2 class="fp-title">  Two
   words </h2></a>
  <div class="fp-meta"><span class="fp-author">Ann</span> · <span class="fp-topic">shopping</span></div>
  <span class="fp-label fp-sponsored">广告</span>
  <span class="fp-price" data-price="1299.50">¥1,299.50</span>
</article>
<article class="fp-item" data-item-id="it-2">
  <a class="fp-link" href="/item/it-2"><h2 class="fp-title">&lt;script&gt;alert(1)&lt;/script&gt;</h2></a>
  <span class="fp-label fp-synthetic">AI-generated</span>
</article>
<article class="fp-item"><h2 class="fp-title">no id: skipped</h2></article>
</main>`
	base, _ := url.Parse("http://127.0.0.1:9/")
	items, err := a.ExtractHTML(strings.NewReader(page), base)
	if err != nil {
		t.Fatal(err)
	}
	want := []feed.Item{
		{ID: "it-1", Title: "Two words", Author: "Ann", URL: "http://127.0.0.1:9/item/it-1", Topic: "shopping", Sponsored: true, PriceText: "¥1,299.50", Price: 1299.5},
		{ID: "it-2", Title: "<script>alert(1)</script>", URL: "http://127.0.0.1:9/item/it-2", Synthetic: true},
	}
	if len(items) != len(want) {
		t.Fatalf("ExtractHTML gave %d items, want %d: %+v", len(items), len(want), items)
	}
	for i := range want {
		if items[i] != want[i] {
			t.Errorf("item %d = %+v, want %+v", i, items[i], want[i])
		}
	}
}

func TestParsePrice(t *testing.T) {
	tests := []struct {
		in   string
		want float64
		ok   bool
	}{
		{"19.99", 19.99, true},
		{"¥1,299.50", 1299.5, true},
		{"19,99 €", 19.99, true},
		{"US$ 1,000", 1000, true},
		{"free", 0, false},
		{"", 0, false},
	}
	for _, tc := range tests {
		got, ok := ParsePrice(tc.in)
		if got != tc.want || ok != tc.ok {
			t.Errorf("ParsePrice(%q) = %v, %v, want %v, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

func TestParseAdapterErrors(t *testing.T) {
	tests := []struct {
		name string
		yaml string
		want []string
	}{
		{"empty", "", []string{"x.yaml: empty adapter file"}},
		{"syntax", "name: a\n  item: [", []string{"x.yaml:2: "}},
		{"unknown key", "name: a\nitem: .i\nfields: {id: {attr: x}}\nscrol: {}\n", []string{"x.yaml:4: field scrol not found"}},
		{"missing item and id", "name: a\nfields: {title: {selector: .t}}\n", []string{
			"x.yaml:1: item: missing", "x.yaml:2: fields.id: missing"}},
		{"bad selector", "name: a\nitem: .i\nfields:\n  id: {attr: x}\n  title: {selector: \"a[\"}\n", []string{
			`x.yaml:5: fields.title.selector: bad CSS selector "a["`}},
		{"unknown field", "name: a\nitem: .i\nfields:\n  id: {attr: x}\n  colour: {selector: .c}\n", []string{
			"x.yaml:5: fields.colour: unknown field"}},
		{"bool field without selector", "name: a\nitem: .i\nfields:\n  id: {attr: x}\n  sponsored: {attr: y}\n", []string{
			"x.yaml:5: fields.sponsored: a boolean field needs a selector"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseAdapter("x.yaml", []byte(tc.yaml))
			if err == nil {
				t.Fatalf("ParseAdapter accepted %q", tc.yaml)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("ParseAdapter error = %q, want it to contain %q", err, w)
				}
			}
			var ae *AdapterError
			if !errors.As(err, &ae) {
				t.Errorf("ParseAdapter error %T is not an *AdapterError", err)
			}
		})
	}
}

func TestBuiltinAdapters(t *testing.T) {
	names := BuiltinAdapters()
	if len(names) == 0 {
		t.Fatal("no built-in adapters")
	}
	for _, n := range names {
		if _, err := BuiltinAdapter(n); err != nil {
			t.Errorf("built-in adapter %s: %v", n, err)
		}
	}
	if _, err := BuiltinAdapter("nope"); err == nil {
		t.Error("BuiltinAdapter(nope) gave no error")
	}
}
