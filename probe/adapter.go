package probe

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/andybalholm/cascadia"
	"go.yaml.in/yaml/v3"
)

//go:embed adapters/*.yaml
var builtinFS embed.FS

// Adapter describes how to read one platform's feed: where the feed is, which
// elements are items, where each field sits, and how to scroll, open, like and
// go back. Adapters are data (YAML), so a platform's layout change is fixed by
// editing a file, not code.
type Adapter struct {
	Name     string           `yaml:"name" json:"name"`
	FeedURL  string           `yaml:"feed_url" json:"feed_url"`
	Item     string           `yaml:"item" json:"item"`
	Fields   map[string]Field `yaml:"fields" json:"fields"`
	Scroll   Scroll           `yaml:"scroll" json:"scroll"`
	Actions  Actions          `yaml:"actions" json:"actions"`
	Settings Settings         `yaml:"settings" json:"settings"`

	// Source is where the adapter came from: "builtin:simfeed" or a path.
	Source string `yaml:"-" json:"source"`

	item   cascadia.Selector
	fields map[string]compiledField
}

// Field locates one field of an item, relative to the item element.
type Field struct {
	// Selector finds the element within the item; empty means the item
	// element itself.
	Selector string `yaml:"selector" json:"selector,omitempty"`
	// Attr reads an attribute; empty reads the element's text.
	Attr string `yaml:"attr" json:"attr,omitempty"`
}

// Scroll says how the feed loads more items.
type Scroll struct {
	Wait    time.Duration `yaml:"wait" json:"wait"`
	Nudge   time.Duration `yaml:"nudge" json:"nudge"`
	MaxIdle int           `yaml:"max_idle" json:"max_idle"`
}

// Actions are the selectors a persona uses to engage with an item.
type Actions struct {
	Open Action2 `yaml:"open" json:"open"`
	Like Action2 `yaml:"like" json:"like"`
	Back Action2 `yaml:"back" json:"back"`
}

// Action2 is one click and what to wait for after it.
type Action2 struct {
	Click string `yaml:"click" json:"click,omitempty"`
	Wait  string `yaml:"wait" json:"wait,omitempty"` // a selector that must appear
	Gone  string `yaml:"gone" json:"gone,omitempty"` // a selector that must disappear
}

// Settings locates the platform's settings page and its switches.
type Settings struct {
	URL     string            `yaml:"url" json:"url,omitempty"`
	Toggles map[string]string `yaml:"toggles" json:"toggles,omitempty"` // name -> checkbox selector
	Save    string            `yaml:"save" json:"save,omitempty"`
	Saved   string            `yaml:"saved" json:"saved,omitempty"`
}

// The fields an adapter can extract. Booleans are true when their selector
// matches an element inside the item.
var (
	stringFields = []string{"id", "title", "author", "url", "topic", "price", "price_text"}
	boolFields   = []string{"sponsored", "synthetic"}
)

type compiledField struct {
	sel  cascadia.Selector // nil: the item element itself
	attr string
}

// AdapterError is an error in an adapter file, with its position.
type AdapterError struct {
	File  string
	Line  int
	Field string
	Msg   string
}

func (e *AdapterError) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Line)
	}
	if e.Field != "" {
		b.WriteString(": ")
		b.WriteString(e.Field)
	}
	b.WriteString(": ")
	b.WriteString(e.Msg)
	return b.String()
}

// BuiltinAdapters lists the names of the adapters embedded in the binary.
func BuiltinAdapters() []string {
	ents, _ := builtinFS.ReadDir("adapters")
	var names []string
	for _, e := range ents {
		names = append(names, strings.TrimSuffix(e.Name(), ".yaml"))
	}
	return names
}

// BuiltinAdapter returns the embedded adapter of that name.
func BuiltinAdapter(name string) (*Adapter, error) {
	data, err := builtinFS.ReadFile("adapters/" + name + ".yaml")
	if err != nil {
		return nil, fmt.Errorf("no built-in adapter %q (have %s)", name, strings.Join(BuiltinAdapters(), ", "))
	}
	a, err := ParseAdapter("builtin:"+name, data)
	if err != nil {
		return nil, err
	}
	return a, nil
}

// LoadAdapter reads and validates an adapter file.
func LoadAdapter(path string) (*Adapter, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read adapter: %w", err)
	}
	return ParseAdapter(filepath.Clean(path), data)
}

var yamlLineRE = regexp.MustCompile(`line (\d+): (.*)`)

// ParseAdapter parses and validates an adapter; name is used in errors. Every
// problem found is reported, each as an *AdapterError joined with errors.Join.
func ParseAdapter(name string, data []byte) (*Adapter, error) {
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, yamlError(name, err)
	}
	if root.Kind == 0 || len(root.Content) == 0 {
		return nil, &AdapterError{File: name, Msg: "empty adapter file"}
	}
	a := &Adapter{Source: name}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(a); err != nil && !errors.Is(err, io.EOF) {
		return nil, yamlError(name, err)
	}
	if err := a.compile(name, root.Content[0]); err != nil {
		return nil, err
	}
	return a, nil
}

func yamlError(name string, err error) error {
	var te *yaml.TypeError
	if errors.As(err, &te) {
		var errs []error
		for _, m := range te.Errors {
			if sub := yamlLineRE.FindStringSubmatch(m); sub != nil {
				line, _ := strconv.Atoi(sub[1])
				errs = append(errs, &AdapterError{File: name, Line: line, Msg: sub[2]})
				continue
			}
			errs = append(errs, &AdapterError{File: name, Msg: m})
		}
		return errors.Join(errs...)
	}
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	if sub := yamlLineRE.FindStringSubmatch(msg); sub != nil {
		line, _ := strconv.Atoi(sub[1])
		return &AdapterError{File: name, Line: line, Msg: sub[2]}
	}
	return &AdapterError{File: name, Msg: msg}
}

// nodeLine returns the line of the node at the path of mapping keys, or of
// the deepest node found on the way.
func nodeLine(n *yaml.Node, path ...string) int {
	line := n.Line
	for _, key := range path {
		if n.Kind != yaml.MappingNode {
			return line
		}
		found := false
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == key {
				n = n.Content[i+1]
				line = n.Line
				found = true
				break
			}
		}
		if !found {
			return line
		}
	}
	return line
}

func (a *Adapter) compile(name string, root *yaml.Node) error {
	var errs []error
	fail := func(msg string, path ...string) {
		errs = append(errs, &AdapterError{File: name, Line: nodeLine(root, path...), Field: strings.Join(path, "."), Msg: msg})
	}
	compileSel := func(s string, path ...string) cascadia.Selector {
		sel, err := cascadia.Compile(s)
		if err != nil {
			fail(fmt.Sprintf("bad CSS selector %q: %v", s, err), path...)
			return nil
		}
		return sel
	}
	if a.Name == "" {
		fail("missing: give the adapter a name", "name")
	}
	if a.Item == "" {
		fail("missing: the CSS selector of one item element", "item")
	} else {
		a.item = compileSel(a.Item, "item")
	}
	if a.FeedURL == "" {
		a.FeedURL = "/"
	}
	if _, err := url.Parse(a.FeedURL); err != nil {
		fail(fmt.Sprintf("bad URL: %v", err), "feed_url")
	}
	a.fields = make(map[string]compiledField)
	keys := make([]string, 0, len(a.Fields))
	for k := range a.Fields {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		f := a.Fields[k]
		if !slices.Contains(stringFields, k) && !slices.Contains(boolFields, k) {
			fail(fmt.Sprintf("unknown field (known: %s)", strings.Join(append(slices.Clone(stringFields), boolFields...), ", ")), "fields", k)
			continue
		}
		if f.Selector == "" && f.Attr == "" && !slices.Contains(boolFields, k) {
			fail("needs a selector, an attr, or both", "fields", k)
			continue
		}
		if slices.Contains(boolFields, k) && f.Selector == "" {
			fail("a boolean field needs a selector (true when it matches)", "fields", k)
			continue
		}
		cf := compiledField{attr: f.Attr}
		if f.Selector != "" {
			cf.sel = compileSel(f.Selector, "fields", k, "selector")
		}
		a.fields[k] = cf
	}
	if _, ok := a.Fields["id"]; !ok {
		fail("missing: an item needs an id field (used to dedupe and to join with other data)", "fields", "id")
	}
	for _, s := range []struct {
		v    string
		path []string
	}{
		{a.Actions.Open.Click, []string{"actions", "open", "click"}},
		{a.Actions.Open.Wait, []string{"actions", "open", "wait"}},
		{a.Actions.Like.Click, []string{"actions", "like", "click"}},
		{a.Actions.Like.Wait, []string{"actions", "like", "wait"}},
		{a.Actions.Back.Click, []string{"actions", "back", "click"}},
		{a.Actions.Back.Gone, []string{"actions", "back", "gone"}},
		{a.Settings.Save, []string{"settings", "save"}},
		{a.Settings.Saved, []string{"settings", "saved"}},
	} {
		if s.v != "" {
			compileSel(s.v, s.path...)
		}
	}
	for k, v := range a.Settings.Toggles {
		compileSel(v, "settings", "toggles", k)
	}
	if a.Scroll.Wait == 0 {
		a.Scroll.Wait = 4 * time.Second
	}
	if a.Scroll.Nudge == 0 {
		a.Scroll.Nudge = a.Scroll.Wait / 2
	}
	if a.Scroll.MaxIdle == 0 {
		a.Scroll.MaxIdle = 3
	}
	if a.Scroll.Wait < 0 || a.Scroll.Nudge < 0 || a.Scroll.MaxIdle < 0 {
		fail("durations and counts must not be negative", "scroll")
	}
	return errors.Join(errs...)
}

// ResolveFeedURL returns the feed URL of the adapter for a campaign's base URL.
func (a *Adapter) ResolveFeedURL(base string) (string, error) {
	return resolveURL(base, a.FeedURL)
}

func resolveURL(base, ref string) (string, error) {
	b, err := url.Parse(base)
	if err != nil {
		return "", fmt.Errorf("parse base URL %q: %w", base, err)
	}
	r, err := url.Parse(ref)
	if err != nil {
		return "", fmt.Errorf("parse URL %q: %w", ref, err)
	}
	return b.ResolveReference(r).String(), nil
}

// ExtractDocument extracts every item of a whole saved page. base resolves
// relative item URLs; it may be nil. Items without an id are skipped.
func (a *Adapter) ExtractDocument(doc *goquery.Document, base *url.URL) []Item {
	var items []Item
	doc.FindMatcher(a.item).Each(func(_ int, s *goquery.Selection) {
		if it, ok := a.extractItem(s, base); ok {
			items = append(items, it)
		}
	})
	return items
}

// ExtractHTML parses a page or a fragment and extracts its items.
func (a *Adapter) ExtractHTML(r io.Reader, base *url.URL) ([]Item, error) {
	doc, err := goquery.NewDocumentFromReader(r)
	if err != nil {
		return nil, fmt.Errorf("parse HTML: %w", err)
	}
	return a.ExtractDocument(doc, base), nil
}

func (a *Adapter) extractItem(s *goquery.Selection, base *url.URL) (Item, bool) {
	get := func(name string) (string, bool) {
		f, ok := a.fields[name]
		if !ok {
			return "", false
		}
		target := s
		if f.sel != nil {
			target = s.FindMatcher(f.sel).First()
			if target.Length() == 0 {
				return "", false
			}
		}
		if f.attr != "" {
			v, ok := target.Attr(f.attr)
			return strings.TrimSpace(v), ok
		}
		return collapseSpace(target.Text()), true
	}
	var it Item
	it.ID, _ = get("id")
	if it.ID == "" {
		return it, false
	}
	it.Title, _ = get("title")
	it.Author, _ = get("author")
	it.Topic, _ = get("topic")
	if u, ok := get("url"); ok && u != "" {
		it.URL = u
		if base != nil {
			if r, err := base.Parse(u); err == nil {
				it.URL = r.String()
			}
		}
	}
	_, it.Sponsored = get("sponsored")
	_, it.Synthetic = get("synthetic")
	priceText, hasText := get("price_text")
	priceRaw, hasRaw := get("price")
	if hasText && priceText != "" {
		it.PriceText = priceText
	} else if hasRaw && priceRaw != "" {
		it.PriceText = priceRaw
	}
	if it.PriceText != "" {
		src := priceRaw
		if src == "" {
			src = priceText
		}
		it.Price, _ = ParsePrice(src)
	}
	return it, true
}

var priceRE = regexp.MustCompile(`[0-9][0-9.,]*`)

// ParsePrice reads the first number in a price text such as "¥1,299.50" or
// "19.99 €". A comma followed by exactly two digits at the end is taken as a
// decimal comma.
func ParsePrice(s string) (float64, bool) {
	m := priceRE.FindString(s)
	if m == "" {
		return 0, false
	}
	if i := strings.LastIndexByte(m, ','); i >= 0 && len(m)-i == 3 && !strings.Contains(m, ".") {
		m = m[:i] + "." + m[i+1:]
	}
	m = strings.ReplaceAll(m, ",", "")
	v, err := strconv.ParseFloat(strings.TrimRight(m, "."), 64)
	return v, err == nil
}

func collapseSpace(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
