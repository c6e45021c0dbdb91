package probe

import (
	"errors"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzParseAdapter feeds arbitrary YAML to the adapter parser: it must never
// panic, and every error must be an *AdapterError naming the file.
func FuzzParseAdapter(f *testing.F) {
	seeds, _ := filepath.Glob("adapters/*.yaml")
	more, _ := filepath.Glob("testdata/adapters/*.yaml")
	for _, p := range append(seeds, more...) {
		if data, err := os.ReadFile(p); err == nil {
			f.Add(data)
		}
	}
	f.Add([]byte("name: a\nitem: .i\nfields: {id: {attr: x}}\n"))
	f.Add([]byte("name: [\n"))
	f.Add([]byte("\t\tname: a"))
	f.Add([]byte("item: *x\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		a, err := ParseAdapter("fuzz.yaml", data)
		if err == nil {
			if a == nil || (a.Item == "" && a.Embedded == nil && a.Capture == nil) {
				t.Fatalf("ParseAdapter returned no error and adapter %+v", a)
			}
			return
		}
		var ae *AdapterError
		if !errors.As(err, &ae) {
			t.Fatalf("ParseAdapter error %T %q is not an *AdapterError", err, err)
		}
		if !strings.HasPrefix(err.Error(), "fuzz.yaml") {
			t.Fatalf("error %q does not name the file", err)
		}
	})
}

// FuzzExtractHTML feeds arbitrary markup to the built-in adapter: no panic,
// every item has an id, and extracted text is valid UTF-8 when the input was.
func FuzzExtractHTML(f *testing.F) {
	pages, _ := filepath.Glob("testdata/simfeed/*.html")
	for _, p := range pages {
		if data, err := os.ReadFile(p); err == nil {
			f.Add(string(data))
		}
	}
	f.Add(`<article class="fp-item" data-item-id="x"><h2 class="fp-title">` + strings.Repeat("<b>", 200) + `</h2></article>`)
	f.Add(`<article class="fp-item" data-item-id="&#x202e;evil"><span class="fp-price" data-price="1e309">∞</span></article>`)
	f.Add("<article class=\"fp-item\" data-item-id=\"\xff\xfe\">\x00</article>")
	a, err := BuiltinAdapter("simfeed")
	if err != nil {
		f.Fatal(err)
	}
	base, _ := url.Parse("http://127.0.0.1/")
	f.Fuzz(func(t *testing.T, page string) {
		items, err := a.ExtractHTML(strings.NewReader(page), base)
		if err != nil {
			return
		}
		for _, it := range items {
			if it.ID == "" {
				t.Fatalf("item without id: %+v", it)
			}
			if utf8.ValidString(page) && !utf8.ValidString(it.Title) {
				t.Fatalf("title %q is not valid UTF-8 from valid input", it.Title)
			}
		}
	})
}
