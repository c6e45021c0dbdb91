package probe

import (
	"errors"
	"net/url"
	"reflect"
	"strings"
	"testing"

	"github.com/feedprobe/feedprobe/probe/feed"
)

const pathDoc = `{"data": {"items": [
  {"aweme_info": {"aweme_id": "7301", "desc": "first", "author": {"nickname": "a1"}, "tags": [{"name": "cats"}, {"name": "pets"}], "is_ads": true}},
  {"aweme_info": {"aweme_id": 7302, "desc": "second", "aigc_info": {"created_by_ai": 1}}},
  {"card": {"id": "no aweme"}},
  {"aweme_info": {"desc": "no id"}}
 ], "a.b": {"c": "dotted"}, "m": {"z": 2, "a": 1}}, "top": null}`

func TestJSONPathEval(t *testing.T) {
	doc, err := DecodeJSONBody([]byte(pathDoc), CaptureLimits{})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		path string
		want []string
	}{
		{"data.items[*].aweme_info.aweme_id", []string{"7301", "7302"}},
		{"data.items[0].aweme_info.desc", []string{"first"}},
		{"data.items.1.aweme_info.desc", []string{"second"}},
		{"data.items[9].aweme_info", nil},
		{"data.items[*].aweme_info.tags[*].name", []string{"cats", "pets"}},
		{`data["a.b"].c`, []string{"dotted"}},
		{"data.m.*", []string{"1", "2"}}, // sorted keys
		{"data.m[*]", []string{"1", "2"}},
		{"top", nil},          // null is no value
		{"data.items.x", nil}, // a key on an array
		{"$.data.a\\.b", nil},
	} {
		t.Run(tc.path, func(t *testing.T) {
			p, err := CompileJSONPath(tc.path)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, v := range p.Eval(doc) {
				got = append(got, jsonString(v))
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("Eval(%q) = %q, want %q", tc.path, got, tc.want)
			}
		})
	}
}

func TestCompileJSONPathErrors(t *testing.T) {
	for _, p := range []string{"a..b", "a.", ".a", "a[", "a[x]", "a[-1]", `a["b"`, `a["b"x]`, "a[0]b", strings.Repeat("a.", 70) + "a"} {
		if _, err := CompileJSONPath(p); err == nil {
			t.Errorf("CompileJSONPath(%q) = nil error, want one", p)
		}
	}
}

func TestItemPathsItemsFrom(t *testing.T) {
	doc, err := DecodeJSONBody([]byte(pathDoc), CaptureLimits{})
	if err != nil {
		t.Fatal(err)
	}
	ip, err := CompileItemPaths("data.items[*].aweme_info", map[string]string{
		"id": "aweme_id", "title": "desc", "author": "author.nickname", "topic": "tags[*].name",
		"sponsored": "is_ads", "synthetic": "aigc_info.created_by_ai", "url": "aweme_id",
	})
	if err != nil {
		t.Fatal(err)
	}
	base, _ := url.Parse("https://example.test/video/")
	got := ip.ItemsFrom(doc, base, 0)
	want := []feed.Item{
		{ID: "7301", Title: "first", Author: "a1", Topic: "cats, pets", Sponsored: true, URL: "https://example.test/video/7301"},
		{ID: "7302", Title: "second", Synthetic: true, URL: "https://example.test/video/7302"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("ItemsFrom = %+v, want %+v", got, want)
	}
	if got := ip.ItemsFrom(doc, nil, 1); len(got) != 1 {
		t.Errorf("ItemsFrom(max 1) gave %d items, want 1", len(got))
	}
	// The list path may reach the array itself.
	ip2, _ := CompileItemPaths("data.items", map[string]string{"id": "card.id"})
	if got := ip2.ItemsFrom(doc, nil, 0); len(got) != 1 || got[0].ID != "no aweme" {
		t.Errorf("ItemsFrom(data.items) = %+v, want the one card", got)
	}
	ip3, err := CompileItemPaths("l[*]", map[string]string{"id": "id", "sponsored": "labels[*].kind == sponsored", "synthetic": `labels[*].kind == "aigc"`})
	if err != nil {
		t.Fatal(err)
	}
	eq, _ := DecodeJSONBody([]byte(`{"l": [{"id": "e1", "labels": [{"kind": "aigc"}]}, {"id": "e2", "labels": [{"kind": "x"}, {"kind": "sponsored"}]}]}`), CaptureLimits{})
	if got, want := ip3.ItemsFrom(eq, nil, 0), []feed.Item{{ID: "e1", Synthetic: true}, {ID: "e2", Sponsored: true}}; !reflect.DeepEqual(got, want) {
		t.Errorf("ItemsFrom with == = %+v, want %+v", got, want)
	}
	ip4, err := CompileItemPaths("l[*]", map[string]string{"id": "v.id | ad.slot", "title": "v.t"})
	if err != nil {
		t.Fatal(err)
	}
	alt, _ := DecodeJSONBody([]byte(`{"l": [{"v": {"id": "v1", "t": "T"}}, {"ad": {"slot": "s1"}}, {"x": 1}]}`), CaptureLimits{})
	if got, want := ip4.ItemsFrom(alt, nil, 0), []feed.Item{{ID: "v1", Title: "T"}, {ID: "s1"}}; !reflect.DeepEqual(got, want) {
		t.Errorf("ItemsFrom with alternatives = %+v, want %+v", got, want)
	}
	if _, err := CompileItemPaths("x", map[string]string{"id": "a == b"}); err == nil {
		t.Error("== on a string field gave no error")
	}
	if _, err := CompileItemPaths("x", map[string]string{"colour": "c", "id": ""}); err == nil ||
		!strings.Contains(err.Error(), "fields.colour") || !strings.Contains(err.Error(), "fields.id") {
		t.Errorf("CompileItemPaths with bad fields: error %v, want both named", err)
	}
}

func TestDecodeJSONBodyLimits(t *testing.T) {
	if _, err := DecodeJSONBody([]byte(`{"a":"`+strings.Repeat("x", 100)+`"}`), CaptureLimits{MaxBodyBytes: 50}); !errors.Is(err, ErrBodyTooLarge) {
		t.Errorf("big body: %v, want ErrBodyTooLarge", err)
	}
	deep := strings.Repeat("[", 40) + strings.Repeat("]", 40)
	if _, err := DecodeJSONBody([]byte(deep), CaptureLimits{MaxDepth: 30}); !errors.Is(err, ErrTooDeep) {
		t.Errorf("deep body: %v, want ErrTooDeep", err)
	}
	// Brackets inside strings do not count.
	if _, err := DecodeJSONBody([]byte(`{"s": "[[[[[[[[[[[[\"]]]"}`), CaptureLimits{MaxDepth: 2}); err != nil {
		t.Errorf("brackets in a string: %v", err)
	}
	if v, err := DecodeJSONBody([]byte(")]}'\n{\"a\": 1}"), CaptureLimits{}); err != nil || v.(map[string]any)["a"] == nil {
		t.Errorf("anti-hijack prefix: %v %v", v, err)
	}
}

func TestPushedJSON(t *testing.T) {
	text := `self.__pace = 1; (self.__feed = self.__feed || []).push({"items": [{"id": "p1"}]});
self.__feed.push({"items": [{"id": "p2", "t": "a ) ] } b"}]}); self.__feed.push(broken`
	got := pushedJSON(text, "self.__feed", CaptureLimits{})
	if len(got) != 2 {
		t.Fatalf("pushedJSON found %d chunks, want 2: %v", len(got), got)
	}
	ip, _ := CompileItemPaths("items", map[string]string{"id": "id", "title": "t"})
	if it := ip.ItemsFrom(got[1], nil, 0); len(it) != 1 || it[0].Title != "a ) ] } b" {
		t.Errorf("second chunk items = %+v", it)
	}
}

// FuzzJSONPath compiles arbitrary paths and evaluates them on arbitrary
// JSON: never a panic, and a compiled path evaluates without error.
func FuzzJSONPath(f *testing.F) {
	f.Add("data.items[*].aweme_info", []byte(pathDoc))
	f.Add(`a["b]"][0].*`, []byte(`{"a": {"b]": [[1]]}}`))
	f.Add("[*][*][*]", []byte(`[[[1,2],[3]],[[4]]]`))
	f.Add("x", []byte(strings.Repeat("[", 300)))
	f.Fuzz(func(t *testing.T, path string, body []byte) {
		p, err := CompileJSONPath(path)
		doc, derr := DecodeJSONBody(body, CaptureLimits{MaxBodyBytes: 1 << 16, MaxDepth: 64})
		if err != nil || derr != nil {
			return
		}
		for _, v := range p.Eval(doc) {
			if v == nil {
				t.Fatalf("Eval(%q) yielded nil", path)
			}
		}
		ip := ItemPaths{Items: p, Fields: map[string][]JSONPath{"id": {p}, "title": {p, p}}}
		if got := ip.ItemsFrom(doc, nil, 10); len(got) > 10 {
			t.Fatalf("ItemsFrom gave %d items over its cap", len(got))
		}
		_ = pushedJSON(string(body), "x", CaptureLimits{MaxDepth: 64})
	})
}
