package probe

import (
	"bytes"
	"embed"
	"encoding/json"
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
	"unicode/utf8"

	"github.com/feedprobe/feedprobe/probe/feed"

	"github.com/PuerkitoBio/goquery"
	"github.com/andybalholm/cascadia"
	"github.com/chromedp/chromedp/kb"
	"go.yaml.in/yaml/v3"

	"github.com/feedprobe/feedprobe/personas"
)

//go:embed adapters/*.yaml
var builtinFS embed.FS

// templateFS holds the real-platform templates: experimental adapters that
// cannot be tested here against the live sites. They are kept apart from the
// built-in adapters, which are all tested against simfeed.
//
//go:embed adapters/templates/*.yaml
var templateFS embed.FS

// Adapter describes how to read one platform's feed: where the feed is, which
// elements are items, where each field sits, and how to scroll, open, like and
// go back. Adapters are data (YAML), so a platform's layout change is fixed by
// editing a file, not code.
type Adapter struct {
	Name    string `yaml:"name" json:"name"`
	FeedURL string `yaml:"feed_url" json:"feed_url"`
	// Surface names what the page is ("feed", "hot", "grid", ...); it is
	// stored with every impression. Empty means "feed".
	Surface string `yaml:"surface" json:"surface,omitempty"`
	// Experimental marks an adapter that was not tested against its
	// platform (the real-platform templates). Drafted is when it was
	// written and LastChecked when its selectors were last seen to work on
	// the live site (empty: never).
	Experimental bool   `yaml:"experimental" json:"experimental,omitempty"`
	Drafted      string `yaml:"drafted" json:"drafted,omitempty"`
	LastChecked  string `yaml:"last_checked" json:"last_checked,omitempty"`

	// Item is the CSS selector of one item element. It may be empty when
	// Embedded gives the items.
	Item     string           `yaml:"item" json:"item"`
	Fields   map[string]Field `yaml:"fields" json:"fields"`
	Embedded *Embedded        `yaml:"embedded" json:"embedded,omitempty"`
	// Capture reads items from what the platform sent (network responses
	// and the JSON its HTML embeds); see Capture.
	Capture *Capture `yaml:"capture" json:"capture,omitempty"`
	WaitFor WaitFor  `yaml:"wait_for" json:"wait_for"`
	// Dismiss are selectors of buttons that close what stands in front of
	// the feed (a cookie-consent dialog, an app-install banner). When one
	// is shown, the session clicks it, then goes on.
	Dismiss []string `yaml:"dismiss" json:"dismiss,omitempty"`
	// Blocked are selectors of a login wall or a CAPTCHA: when one is
	// shown, the session ends with ErrBlocked.
	Blocked  []string `yaml:"blocked" json:"blocked,omitempty"`
	Scroll   Scroll   `yaml:"scroll" json:"scroll"`
	Actions  Actions  `yaml:"actions" json:"actions"`
	Settings Settings `yaml:"settings" json:"settings"`
	// Login is the platform's login form. A persona with credentials that
	// meets a blocked page logs in through it and tries the feed again.
	Login Login `yaml:"login" json:"login,omitzero"`
	// Echo is a page that shows what the platform sees of a visitor (its
	// address, headers, time zone): each session opens it once, after
	// setting the persona's network identity, and records the page's text
	// as the persona's egress.
	Echo Echo `yaml:"echo" json:"echo,omitzero"`
	// Watch says where an item's page is (for watch lists naming item
	// ids) and which element plays its media.
	Watch WatchPage `yaml:"watch" json:"watch,omitzero"`
	// Search is the platform's search box, for personas' search lists.
	Search SearchPage `yaml:"search" json:"search,omitzero"`
	// UpNext is the up-next list of an item's page, recorded beside each
	// item the persona opens.
	UpNext UpNext `yaml:"up_next" json:"up_next,omitzero"`

	// Source is where the adapter came from: "builtin:simfeed" or a path.
	Source string `yaml:"-" json:"source"`

	item   cascadia.Selector
	fields map[string]compiledField
	script cascadia.Selector // Embedded.Script
}

// Embedded reads items from JSON embedded in the page: the initial state a
// single-page application ships in a script tag (`<script
// id="__INITIAL_STATE__" type="application/json">` or `window.__STATE__ =
// {...}`). Paths are dot-separated keys and array indexes ("feed.items",
// "data.0.author.name").
type Embedded struct {
	// Script is the CSS selector of the element whose text is the JSON.
	Script string `yaml:"script" json:"script"`
	// Items is the path to the array of items; empty means the document
	// itself is the array.
	Items string `yaml:"items" json:"items"`
	// Fields maps an item field (id, title, ...) to its path in one
	// element of the array. A boolean field is true when the value is
	// true, a non-zero number or a non-empty string other than "false"/"0".
	Fields map[string]string `yaml:"fields" json:"fields"`
}

// WaitFor says what to wait for after the feed page loads and before the
// first items are read.
type WaitFor struct {
	// Selector must appear (for example the feed's container).
	Selector string `yaml:"selector" json:"selector,omitempty"`
	// NetworkIdle waits until no request has been in flight for this long.
	NetworkIdle time.Duration `yaml:"network_idle" json:"network_idle,omitempty"`
	// Timeout bounds both waits; zero means 15s. A selector that does not
	// appear in time fails the session; a network that never goes idle
	// (a stream, long polling) only ends the wait.
	Timeout time.Duration `yaml:"timeout" json:"timeout,omitempty"`
}

// Field locates one field of an item, relative to the item element.
type Field struct {
	// Selector finds the element within the item; empty means the item
	// element itself.
	Selector string `yaml:"selector" json:"selector,omitempty"`
	// Attr reads an attribute; empty reads the element's text.
	Attr string `yaml:"attr" json:"attr,omitempty"`
	// JSON, when set, parses the value read as JSON and takes this path
	// in it ("author.name", "tags.0"): for a data attribute or a script
	// tag that holds JSON.
	JSON string `yaml:"json" json:"json,omitempty"`
}

// Scroll strategies: how a session gets more items.
const (
	// StrategyWindow scrolls the window to the end (an infinite list).
	StrategyWindow = "window"
	// StrategyContainer scrolls an element with its own scroll bar.
	StrategyContainer = "container"
	// StrategyButton clicks a "load more" button.
	StrategyButton = "button"
	// StrategyKey presses a key to go to the next item (a one-at-a-time
	// vertical video feed). Items are captured as they pass.
	StrategyKey = "key"
	// StrategyNone reads the page as it is (a hot-search list, a first
	// screen): a session ends without error when it has read every item.
	StrategyNone = "none"
)

var strategies = []string{StrategyWindow, StrategyContainer, StrategyButton, StrategyKey, StrategyNone}

// Scroll says how the feed loads more items.
type Scroll struct {
	// Strategy is one of window (default), container, button, key, none.
	Strategy string `yaml:"strategy" json:"strategy,omitempty"`
	// Container is the scrolling element of the container strategy.
	Container string `yaml:"container" json:"container,omitempty"`
	// Button is the "load more" button of the button strategy.
	Button string `yaml:"button" json:"button,omitempty"`
	// Key is the key of the key strategy: ArrowDown (default), ArrowRight,
	// PageDown, Space, or one character ("j").
	Key     string        `yaml:"key" json:"key,omitempty"`
	Wait    time.Duration `yaml:"wait" json:"wait"`
	Nudge   time.Duration `yaml:"nudge" json:"nudge"`
	MaxIdle int           `yaml:"max_idle" json:"max_idle"`
}

// Actions are the selectors a persona uses to engage with an item.
type Actions struct {
	Open Action2 `yaml:"open" json:"open"`
	Like Action2 `yaml:"like" json:"like"`
	Back Action2 `yaml:"back" json:"back"`
	// NotInterested tells the platform the persona does not want the
	// open item's kind (a "not interested" button, deleting a tag).
	NotInterested Action2 `yaml:"not_interested" json:"not_interested,omitzero"`
	// Follow follows (subscribes to) the open item's author or channel.
	Follow Action2 `yaml:"follow" json:"follow,omitzero"`
}

// Action2 is one click and what to wait for after it.
//
// For a like and a "not interested" press, Wait and Response say what
// confirms that the platform received the action: an element matching Wait
// that was not on the page before the click (a new element, an element
// that gained a class, or any match on the page a form POST led to), and a
// network response (2xx or a redirect) to a URL matching the regular
// expression Response. With both, both must come. An action nothing
// confirms within ten seconds, or whose adapter names no confirmation, is
// stored as unconfirmed (Action.Unconfirmed). Skip, present before the
// click, means the action was done before (an item liked in an earlier
// session): the click is skipped, as a person would not undo it.
type Action2 struct {
	Click    string `yaml:"click" json:"click,omitempty"`
	Wait     string `yaml:"wait" json:"wait,omitempty"`         // a selector that must appear
	Gone     string `yaml:"gone" json:"gone,omitempty"`         // a selector that must disappear
	Response string `yaml:"response" json:"response,omitempty"` // a URL pattern (regular expression) of the confirming response
	Skip     string `yaml:"skip" json:"skip,omitempty"`         // a selector: the action was done already
}

// Login locates a login form: the page, the username and password inputs,
// the submit button, and optionally an element shown once logged in. Only
// URL and Submit are required: a passwordless form has no Password, and a
// login link (Submit alone) neither Username nor Password.
type Login struct {
	URL      string `yaml:"url" json:"url,omitempty"`
	Username string `yaml:"username" json:"username,omitempty"`
	Password string `yaml:"password" json:"password,omitempty"`
	Submit   string `yaml:"submit" json:"submit,omitempty"`
	Done     string `yaml:"done" json:"done,omitempty"`
}

// Echo is a page that shows a visitor what the platform sees of it.
type Echo struct {
	// URL is the page, relative to the base URL or absolute.
	URL string `yaml:"url" json:"url,omitempty"`
	// Select is the element whose text is the echo, waited for until it
	// appears (up to 10 s); empty means the page's body once loaded. When
	// the text is a JSON object, its "ip" (else "client_ip" or "origin")
	// field is the egress address.
	Select string `yaml:"select" json:"select,omitempty"`
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
	json []string // path into the value parsed as JSON; nil: the value itself
}

// AdapterError is an error in an adapter file, with its position: the
// same "file:line: field: msg" error as a persona or campaign file's.
type AdapterError = personas.Error

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

// Templates lists the names of the embedded real-platform templates
// (experimental adapters for live sites; see AdapterTemplate).
func Templates() []string {
	ents, _ := templateFS.ReadDir("adapters/templates")
	var names []string
	for _, e := range ents {
		names = append(names, strings.TrimSuffix(e.Name(), ".yaml"))
	}
	return names
}

// TemplateSource returns the YAML text of a real-platform template, to be
// copied and adjusted by an auditor.
func TemplateSource(name string) ([]byte, error) {
	data, err := templateFS.ReadFile("adapters/templates/" + name + ".yaml")
	if err != nil {
		return nil, fmt.Errorf("no template %q (have %s)", name, strings.Join(Templates(), ", "))
	}
	return data, nil
}

// AdapterTemplate parses and validates a real-platform template. Templates
// are experimental: they parse and validate, but their selectors were not
// tested against the live site here, and platforms change their pages.
func AdapterTemplate(name string) (*Adapter, error) {
	data, err := TemplateSource(name)
	if err != nil {
		return nil, err
	}
	return ParseAdapter("template:"+name, data)
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
		if i, err := strconv.Atoi(key); err == nil && n.Kind == yaml.SequenceNode {
			if i < 0 || i >= len(n.Content) {
				return line
			}
			n = n.Content[i]
			line = n.Line
			continue
		}
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
	if a.Item == "" && a.Embedded == nil && a.Capture == nil {
		fail("missing: the CSS selector of one item element (or an embedded: or capture: block)", "item")
	} else if a.Item != "" {
		a.item = compileSel(a.Item, "item")
	}
	if a.FeedURL == "" {
		a.FeedURL = "/"
	}
	for _, u := range []struct{ v, section, key string }{{a.FeedURL, "feed_url", ""}, {a.Login.URL, "login", "url"}, {a.Settings.URL, "settings", "url"}, {a.Echo.URL, "echo", "url"}, {strings.ReplaceAll(a.Watch.ItemURL, "{id}", "id"), "watch", "item_url"}, {a.Search.URL, "search", "url"}} {
		if err := checkFeedScheme(u.v); err != nil {
			path := []string{u.section}
			if u.key != "" {
				path = append(path, u.key)
			}
			fail(err.Error(), path...)
		}
	}
	if a.Capture != nil {
		a.Capture.compile(fail)
	}
	if a.Surface == "" {
		a.Surface = "feed"
	}
	for _, d := range []struct{ v, key string }{{a.Drafted, "drafted"}, {a.LastChecked, "last_checked"}} {
		if d.v != "" {
			if _, err := time.Parse(time.DateOnly, d.v); err != nil {
				fail(fmt.Sprintf("%q is not a date (YYYY-MM-DD)", d.v), d.key)
			}
		}
	}
	known := strings.Join(append(slices.Clone(stringFields), boolFields...), ", ")
	a.fields = make(map[string]compiledField)
	keys := make([]string, 0, len(a.Fields))
	for k := range a.Fields {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		f := a.Fields[k]
		isBool := slices.Contains(boolFields, k)
		if !slices.Contains(stringFields, k) && !isBool {
			fail(fmt.Sprintf("unknown field (known: %s)", known), "fields", k)
			continue
		}
		if f.Selector == "" && f.Attr == "" && !isBool {
			fail("needs a selector, an attr, or both", "fields", k)
			continue
		}
		if isBool && f.Selector == "" && f.JSON == "" {
			fail("a boolean field needs a selector (true when it matches) or a json path (true when truthy)", "fields", k)
			continue
		}
		cf := compiledField{attr: f.Attr}
		if f.Selector != "" {
			cf.sel = compileSel(f.Selector, "fields", k, "selector")
		}
		if f.JSON != "" {
			cf.json = splitPath(f.JSON)
		}
		a.fields[k] = cf
	}
	if _, ok := a.Fields["id"]; !ok && (a.Item != "" || (a.Embedded == nil && a.Capture == nil)) {
		fail("missing: an item needs an id field (used to dedupe and to join with other data)", "fields", "id")
	}
	if e := a.Embedded; e != nil {
		if e.Script == "" {
			fail("missing: the CSS selector of the element holding the JSON", "embedded", "script")
		} else {
			a.script = compileSel(e.Script, "embedded", "script")
		}
		if _, ok := e.Fields["id"]; !ok {
			fail("missing: embedded items need an id path", "embedded", "fields", "id")
		}
		for k, v := range e.Fields {
			if !slices.Contains(stringFields, k) && !slices.Contains(boolFields, k) {
				fail(fmt.Sprintf("unknown field (known: %s)", known), "embedded", "fields", k)
			} else if v == "" {
				fail("needs a path", "embedded", "fields", k)
			}
		}
	}
	if a.UpNext.Depth < 0 || a.UpNext.Depth > 100 {
		fail("depth must be between 0 (the default, 5) and 100", "up_next", "depth")
	}
	if a.UpNext.List != "" && a.Item == "" {
		fail("an up-next list is read with the item selector: give item", "up_next", "list")
	}
	if (a.Search.Box == "") != (a.Search.Results == "") {
		fail("a search needs both box and results", "search")
	}
	if a.Echo.Select != "" && a.Echo.URL == "" {
		fail("missing: the echo page's url", "echo", "url")
	}
	if a.WaitFor.Selector != "" {
		compileSel(a.WaitFor.Selector, "wait_for", "selector")
	}
	if a.WaitFor.Timeout == 0 {
		a.WaitFor.Timeout = 15 * time.Second
	}
	if a.WaitFor.Timeout < 0 || a.WaitFor.NetworkIdle < 0 {
		fail("durations must not be negative", "wait_for")
	}
	for i, d := range a.Dismiss {
		compileSel(d, "dismiss", strconv.Itoa(i))
	}
	for i, b := range a.Blocked {
		compileSel(b, "blocked", strconv.Itoa(i))
	}
	if a.Login != (Login{}) {
		// username and password are optional: a passwordless form asks for
		// a name only, and a login link asks for nothing.
		for _, f := range []struct{ v, name string }{{a.Login.URL, "url"}, {a.Login.Submit, "submit"}} {
			if f.v == "" {
				fail("missing: a login form needs url and submit", "login", f.name)
			}
		}
		if a.Login.Password != "" && a.Login.Username == "" {
			fail("a login form with a password needs a username too", "login", "username")
		}
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
		{a.Actions.NotInterested.Click, []string{"actions", "not_interested", "click"}},
		{a.Actions.NotInterested.Wait, []string{"actions", "not_interested", "wait"}},
		{a.Actions.Like.Skip, []string{"actions", "like", "skip"}},
		{a.Actions.NotInterested.Skip, []string{"actions", "not_interested", "skip"}},
		{a.Actions.Follow.Click, []string{"actions", "follow", "click"}},
		{a.Actions.Follow.Wait, []string{"actions", "follow", "wait"}},
		{a.Actions.Follow.Skip, []string{"actions", "follow", "skip"}},
		{a.Login.Username, []string{"login", "username"}},
		{a.Login.Password, []string{"login", "password"}},
		{a.Login.Submit, []string{"login", "submit"}},
		{a.Login.Done, []string{"login", "done"}},
		{a.Echo.Select, []string{"echo", "select"}},
		{a.Watch.Media, []string{"watch", "media"}},
		{a.Search.Box, []string{"search", "box"}},
		{a.Search.Submit, []string{"search", "submit"}},
		{a.Search.Results, []string{"search", "results"}},
		{a.UpNext.List, []string{"up_next", "list"}},
		{a.Scroll.Container, []string{"scroll", "container"}},
		{a.Scroll.Button, []string{"scroll", "button"}},
	} {
		if s.v != "" {
			compileSel(s.v, s.path...)
		}
	}
	for k, v := range a.Settings.Toggles {
		compileSel(v, "settings", "toggles", k)
	}
	for _, r := range []struct {
		v    string
		name string
	}{{a.Actions.Like.Response, "like"}, {a.Actions.NotInterested.Response, "not_interested"}, {a.Actions.Follow.Response, "follow"}, {a.Actions.Open.Response, "open"}, {a.Actions.Back.Response, "back"}} {
		if r.v == "" {
			continue
		}
		if r.name == "open" || r.name == "back" {
			fail("only like, not_interested and follow wait for a response", "actions", r.name, "response")
		} else if _, err := regexp.Compile(r.v); err != nil {
			fail("not a regular expression: "+err.Error(), "actions", r.name, "response")
		}
	}
	sc := &a.Scroll
	if sc.Strategy == "" {
		sc.Strategy = StrategyWindow
	}
	switch sc.Strategy {
	case StrategyContainer:
		if sc.Container == "" {
			fail("the container strategy needs scroll.container, the selector of the scrolling element", "scroll", "container")
		}
	case StrategyButton:
		if sc.Button == "" {
			fail(`the button strategy needs scroll.button, the selector of the "load more" button`, "scroll", "button")
		}
	case StrategyKey:
		if sc.Key == "" {
			sc.Key = "ArrowDown"
		}
		if _, ok := keyCode(sc.Key); !ok {
			fail(fmt.Sprintf("unknown key %q (want ArrowDown, ArrowUp, ArrowRight, ArrowLeft, PageDown, Space, Enter or one character)", sc.Key), "scroll", "key")
		}
	case StrategyWindow, StrategyNone:
	default:
		fail(fmt.Sprintf("unknown strategy %q (want %s)", sc.Strategy, strings.Join(strategies, ", ")), "scroll", "strategy")
	}
	if sc.Strategy != StrategyKey && sc.Key != "" {
		fail("key is only used by the key strategy", "scroll", "key")
	}
	if a.Item == "" && sc.Strategy != StrategyNone {
		fail("an adapter without an item selector reads only the embedded or captured JSON: use strategy none", "scroll", "strategy")
	}
	if sc.Wait == 0 {
		sc.Wait = 4 * time.Second
	}
	if sc.Nudge == 0 {
		sc.Nudge = sc.Wait / 2
	}
	if sc.MaxIdle == 0 {
		sc.MaxIdle = 3
	}
	if sc.Wait < 0 || sc.Nudge < 0 || sc.MaxIdle < 0 {
		fail("durations and counts must not be negative", "scroll")
	}
	return errors.Join(errs...)
}

// keyCode maps an adapter's key name to what chromedp.KeyEvent sends.
func keyCode(name string) (string, bool) {
	switch name {
	case "ArrowDown":
		return kb.ArrowDown, true
	case "ArrowUp":
		return kb.ArrowUp, true
	case "ArrowRight":
		return kb.ArrowRight, true
	case "ArrowLeft":
		return kb.ArrowLeft, true
	case "PageDown":
		return kb.PageDown, true
	case "Space":
		return " ", true
	case "Enter":
		return kb.Enter, true
	}
	if utf8.RuneCountInString(name) == 1 {
		return name, true
	}
	return "", false
}

func splitPath(p string) []string {
	if p == "" || p == "." {
		return nil
	}
	return strings.Split(p, ".")
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
func (a *Adapter) ExtractDocument(doc *goquery.Document, base *url.URL) []feed.Item {
	if a.item == nil { // an adapter that reads only embedded JSON
		return nil
	}
	var items []feed.Item
	doc.FindMatcher(a.item).Each(func(_ int, s *goquery.Selection) {
		if it, ok := a.extractItem(s, base); ok {
			items = append(items, it)
		}
	})
	return items
}

// ExtractHTML parses a page or a fragment and extracts its items.
func (a *Adapter) ExtractHTML(r io.Reader, base *url.URL) ([]feed.Item, error) {
	doc, err := goquery.NewDocumentFromReader(r)
	if err != nil {
		return nil, fmt.Errorf("parse HTML: %w", err)
	}
	return a.ExtractDocument(doc, base), nil
}

func (a *Adapter) extractItem(s *goquery.Selection, base *url.URL) (feed.Item, bool) {
	return buildItem(func(name string) (string, bool) { return a.fieldValue(s, name) }, base)
}

// fieldValue reads one field of the item element s; ok is false when the
// field is not configured or its element, attribute or JSON path is
// missing (for a boolean field: when it is false).
func (a *Adapter) fieldValue(s *goquery.Selection, name string) (string, bool) {
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
	var v string
	if f.attr != "" {
		raw, ok := target.Attr(f.attr)
		if !ok {
			return "", false
		}
		v = strings.TrimSpace(raw)
	} else if f.json != nil {
		v = target.Text() // JSON in a script tag: keep it as is
	} else {
		v = collapseSpace(target.Text())
	}
	if f.json == nil {
		return v, true
	}
	doc, err := parseEmbeddedJSON(v)
	if err != nil {
		return "", false
	}
	jv, ok := jsonLookup(doc, f.json)
	if !ok {
		return "", false
	}
	if slices.Contains(boolFields, name) {
		if truthy(jv) {
			return "true", true
		}
		return "", false
	}
	return collapseSpace(jsonString(jv)), true
}

// buildItem makes an item from a field getter; ok is false without an id.
// A boolean field is true when get reports it found.
func buildItem(get func(name string) (string, bool), base *url.URL) (feed.Item, bool) {
	var it feed.Item
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

// ExtractEmbedded reads the items of the adapter's embedded JSON from a
// page; it returns nil and no error when the adapter has no embedded block
// or the page has no such element.
func (a *Adapter) ExtractEmbedded(doc *goquery.Document, base *url.URL) ([]feed.Item, error) {
	if a.Embedded == nil || a.script == nil {
		return nil, nil
	}
	el := doc.FindMatcher(a.script).First()
	if el.Length() == 0 {
		return nil, nil
	}
	return a.extractEmbeddedText(el.Text(), base)
}

// extractEmbeddedText parses the text of the embedded element.
func (a *Adapter) extractEmbeddedText(text string, base *url.URL) ([]feed.Item, error) {
	doc, err := parseEmbeddedJSON(text)
	if err != nil {
		return nil, fmt.Errorf("embedded JSON in %s: %w", a.Embedded.Script, err)
	}
	v, ok := jsonLookup(doc, splitPath(a.Embedded.Items))
	if !ok {
		return nil, fmt.Errorf("embedded JSON in %s has no %q", a.Embedded.Script, a.Embedded.Items)
	}
	list, ok := v.([]any)
	if !ok {
		return nil, fmt.Errorf("embedded JSON in %s: %q is not an array", a.Embedded.Script, a.Embedded.Items)
	}
	var items []feed.Item
	for _, el := range list {
		get := func(name string) (string, bool) {
			p, ok := a.Embedded.Fields[name]
			if !ok {
				return "", false
			}
			v, ok := jsonLookup(el, splitPath(p))
			if !ok {
				return "", false
			}
			if slices.Contains(boolFields, name) {
				if truthy(v) {
					return "true", true
				}
				return "", false
			}
			return collapseSpace(jsonString(v)), true
		}
		if it, ok := buildItem(get, base); ok {
			items = append(items, it)
		}
	}
	return items, nil
}

// ExtractPage extracts every item of a saved page: the embedded JSON's items
// first (the initial state is the first screen), then the item elements,
// each id once.
func (a *Adapter) ExtractPage(doc *goquery.Document, base *url.URL) ([]feed.Item, error) {
	emb, err := a.ExtractEmbedded(doc, base)
	var dom []feed.Item
	if a.item != nil {
		dom = a.ExtractDocument(doc, base)
	}
	seen := map[string]bool{}
	var out []feed.Item
	for _, it := range append(emb, dom...) {
		if !seen[it.ID] {
			seen[it.ID] = true
			out = append(out, it)
		}
	}
	return out, err
}

// parseEmbeddedJSON reads the first JSON value of a script's text: a bare
// JSON document, or a JavaScript assignment such as
// `window.__INITIAL_STATE__ = {...};(function(){...})()`. Numbers are kept
// as json.Number so long ids stay exact.
func parseEmbeddedJSON(text string) (any, error) {
	t := strings.TrimSpace(text)
	if !strings.HasPrefix(t, "{") && !strings.HasPrefix(t, "[") {
		i := strings.IndexByte(t, '=')
		if i < 0 {
			return nil, errors.New("neither JSON nor an assignment of JSON")
		}
		t = strings.TrimSpace(t[i+1:])
	}
	dec := json.NewDecoder(strings.NewReader(t))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	return v, nil
}

// jsonLookup follows a path of object keys and array indexes.
func jsonLookup(v any, path []string) (any, bool) {
	for _, k := range path {
		switch x := v.(type) {
		case map[string]any:
			var ok bool
			if v, ok = x[k]; !ok {
				return nil, false
			}
		case []any:
			i, err := strconv.Atoi(k)
			if err != nil || i < 0 || i >= len(x) {
				return nil, false
			}
			v = x[i]
		default:
			return nil, false
		}
	}
	return v, v != nil
}

// jsonString renders a JSON value as field text.
func jsonString(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case json.Number:
		return x.String()
	case bool:
		return strconv.FormatBool(x)
	case nil:
		return ""
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// truthy is JavaScript-like truth for boolean fields read from JSON.
func truthy(v any) bool {
	switch x := v.(type) {
	case bool:
		return x
	case json.Number:
		f, err := x.Float64()
		return err == nil && f != 0
	case string:
		return x != "" && x != "false" && x != "0"
	case nil:
		return false
	}
	return true
}
