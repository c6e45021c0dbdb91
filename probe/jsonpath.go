package probe

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/feedprobe/feedprobe/probe/feed"
)

// JSONPath is a compiled path into a JSON document, the syntax of the
// capture block's item and field paths:
//
//	data.items             key "data", then key "items"
//	data.items[0]          ... then the first element of the array
//	data.items[*]          ... then every element of the array, in order
//	data.items[*].aweme_info
//	                       the aweme_info of every element
//	data.*.title           the title of every value of the object data (by key order)
//	data["a.b"].c          a key holding a dot or a bracket, quoted as a JSON string
//	items.0                a number after a dot is an array index too
//
// An empty path (or ".") is the document itself. There is no recursive
// descent ($..) and no filter: a path names where a value sits, so that an
// adapter says exactly which part of a response it trusts. A step that does
// not apply (a key on an array, an index out of range) yields nothing rather
// than an error: platforms leave fields out.
type JSONPath struct {
	src   string
	steps []pathStep
}

type pathStep struct {
	key   string
	index int // >= 0: array index; -1: key; -2: wildcard
}

const (
	stepKey      = -1
	stepWildcard = -2
)

// maxPathSteps bounds a path's length.
const maxPathSteps = 64

// CompileJSONPath parses a path (see JSONPath).
func CompileJSONPath(p string) (JSONPath, error) {
	jp := JSONPath{src: p}
	s := strings.TrimSpace(p)
	if s == "" || s == "." {
		return jp, nil
	}
	s = strings.TrimPrefix(s, "$.")
	i := 0
	expectSep := false
	for i < len(s) {
		if len(jp.steps) >= maxPathSteps {
			return jp, fmt.Errorf("path %q has more than %d steps", p, maxPathSteps)
		}
		c := s[i]
		switch {
		case c == '.':
			if !expectSep || i == len(s)-1 {
				return jp, fmt.Errorf("path %q: empty step at offset %d", p, i)
			}
			i++
			expectSep = false
			continue
		case c == '[':
			end := strings.IndexByte(s[i:], ']')
			if end < 0 {
				return jp, fmt.Errorf("path %q: unclosed [ at offset %d", p, i)
			}
			inner := s[i+1 : i+end]
			if strings.HasPrefix(inner, `"`) {
				// A quoted key may hold "]": find the closing quote.
				var key string
				dec := json.NewDecoder(strings.NewReader(s[i+1:]))
				if err := dec.Decode(&key); err != nil {
					return jp, fmt.Errorf("path %q: bad quoted key at offset %d: %w", p, i, err)
				}
				j := i + 1 + int(dec.InputOffset())
				if j >= len(s) || s[j] != ']' {
					return jp, fmt.Errorf("path %q: want ] after the quoted key at offset %d", p, j)
				}
				jp.steps = append(jp.steps, pathStep{key: key, index: stepKey})
				i = j + 1
				expectSep = true
				continue
			}
			switch {
			case inner == "*":
				jp.steps = append(jp.steps, pathStep{index: stepWildcard})
			default:
				n, err := strconv.Atoi(inner)
				if err != nil || n < 0 {
					return jp, fmt.Errorf("path %q: [%s] is neither [*], an index nor a quoted key", p, inner)
				}
				jp.steps = append(jp.steps, pathStep{index: n})
			}
			i += end + 1
			expectSep = true
			continue
		}
		if expectSep {
			return jp, fmt.Errorf("path %q: want . or [ at offset %d", p, i)
		}
		j := i
		for j < len(s) && s[j] != '.' && s[j] != '[' {
			j++
		}
		tok := s[i:j]
		switch n, err := strconv.Atoi(tok); {
		case tok == "*":
			jp.steps = append(jp.steps, pathStep{index: stepWildcard})
		case err == nil && n >= 0 && tok == strconv.Itoa(n):
			jp.steps = append(jp.steps, pathStep{key: tok, index: n})
		default:
			jp.steps = append(jp.steps, pathStep{key: tok, index: stepKey})
		}
		i = j
		expectSep = true
	}
	return jp, nil
}

// MustCompileJSONPath is CompileJSONPath for paths known to be good (tests).
func MustCompileJSONPath(p string) JSONPath {
	jp, err := CompileJSONPath(p)
	if err != nil {
		panic(err)
	}
	return jp
}

// String returns the path as written.
func (p JSONPath) String() string { return p.src }

// Wild reports whether the path can yield more than one value.
func (p JSONPath) Wild() bool {
	return slices.ContainsFunc(p.steps, func(s pathStep) bool { return s.index == stepWildcard })
}

// Eval returns every value the path reaches in v, in document order (object
// wildcards go by sorted key, since Go maps have no order). JSON null is not
// a value: a path that ends on null yields nothing.
func (p JSONPath) Eval(v any) []any {
	var out []any
	p.eval(v, p.steps, &out)
	return out
}

// First returns the first value the path reaches.
func (p JSONPath) First(v any) (any, bool) {
	vals := p.Eval(v)
	if len(vals) == 0 {
		return nil, false
	}
	return vals[0], true
}

func (p JSONPath) eval(v any, steps []pathStep, out *[]any) {
	for k, st := range steps {
		switch st.index {
		case stepWildcard:
			switch x := v.(type) {
			case []any:
				for _, e := range x {
					p.eval(e, steps[k+1:], out)
				}
			case map[string]any:
				keys := make([]string, 0, len(x))
				for key := range x {
					keys = append(keys, key)
				}
				slices.Sort(keys)
				for _, key := range keys {
					p.eval(x[key], steps[k+1:], out)
				}
			}
			return
		default:
			switch x := v.(type) {
			case map[string]any:
				key := st.key
				if st.index >= 0 && key == "" {
					key = strconv.Itoa(st.index)
				}
				var ok bool
				if v, ok = x[key]; !ok {
					return
				}
			case []any:
				if st.index < 0 || st.index >= len(x) {
					return
				}
				v = x[st.index]
			default:
				return
			}
		}
	}
	if v != nil {
		*out = append(*out, v)
	}
}

// CaptureLimits bound what capture reads from one response body.
type CaptureLimits struct {
	// MaxBodyBytes is the largest body read; larger bodies are skipped
	// whole (never truncated: half a JSON document is not evidence).
	MaxBodyBytes int64
	// MaxDepth is the deepest nesting of arrays and objects accepted.
	MaxDepth int
	// MaxItems is how many items one body may yield; the rest are dropped.
	MaxItems int
}

// Default capture limits: a feed page is tens of kilobytes; YouTube's
// initial data is about 1 MiB.
const (
	DefaultMaxBodyBytes = 8 << 20
	DefaultMaxDepth     = 128
	DefaultMaxItems     = 1000
)

// Errors of capture extraction. Match them with errors.Is.
var (
	// ErrBodyTooLarge: a body over CaptureLimits.MaxBodyBytes.
	ErrBodyTooLarge = errors.New("body over the size cap")
	// ErrTooDeep: JSON nested deeper than CaptureLimits.MaxDepth.
	ErrTooDeep = errors.New("JSON nested too deep")
)

func (l CaptureLimits) withDefaults() CaptureLimits {
	if l.MaxBodyBytes <= 0 {
		l.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if l.MaxDepth <= 0 {
		l.MaxDepth = DefaultMaxDepth
	}
	if l.MaxItems <= 0 {
		l.MaxItems = DefaultMaxItems
	}
	return l
}

// jsonDepth returns the deepest nesting of arrays and objects in data,
// counting brackets outside strings; it stops early past max.
func jsonDepth(data []byte, max int) int {
	depth, deepest := 0, 0
	inStr, esc := false, false
	for _, c := range data {
		if inStr {
			switch {
			case esc:
				esc = false
			case c == '\\':
				esc = true
			case c == '"':
				inStr = false
			}
			continue
		}
		switch c {
		case '"':
			inStr = true
		case '{', '[':
			depth++
			if depth > deepest {
				deepest = depth
				if deepest > max {
					return deepest
				}
			}
		case '}', ']':
			depth--
		}
	}
	return deepest
}

// DecodeJSONBody decodes one JSON document within the limits, numbers as
// json.Number (long ids stay exact). A "for(;;);" or ")]}'" anti-hijacking
// prefix is skipped.
func DecodeJSONBody(data []byte, lim CaptureLimits) (any, error) {
	lim = lim.withDefaults()
	if int64(len(data)) > lim.MaxBodyBytes {
		return nil, fmt.Errorf("%d bytes: %w", len(data), ErrBodyTooLarge)
	}
	data = bytes.TrimSpace(data)
	for _, prefix := range []string{")]}'", "for(;;);", "while(1);"} {
		data = bytes.TrimSpace(bytes.TrimPrefix(data, []byte(prefix)))
	}
	if d := jsonDepth(data, lim.MaxDepth); d > lim.MaxDepth {
		return nil, fmt.Errorf("depth over %d: %w", lim.MaxDepth, ErrTooDeep)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("decode JSON: %w", err)
	}
	return v, nil
}

// ItemPaths are the compiled paths of one capture rule: where the list of
// items is, and where each field sits in one item.
type ItemPaths struct {
	// Items reaches the items. Each value it reaches that is an array
	// contributes its elements; any other value is one item.
	Items JSONPath
	// Fields maps an item field (id, title, author, url, topic, sponsored,
	// synthetic, price, price_text) to its path in one item. A path that
	// reaches several values (tags[*].name) joins string fields with ", "
	// and makes a boolean field true when any value is truthy. A field
	// written `a.b | c.d` has alternatives: the first that reaches a value
	// is used (an ad card and a video card keep their ids apart).
	Fields map[string][]JSONPath
	// Equals holds, for a boolean field written `path == value`
	// (`labels[*].kind == sponsored`), the value: the field is true when
	// any value the path reaches, as text, equals it.
	Equals map[string]string
}

// CompileItemPaths compiles an item list path and field paths; errors name
// the field.
func CompileItemPaths(items string, fields map[string]string) (ItemPaths, error) {
	var ip ItemPaths
	var errs []error
	var err error
	if ip.Items, err = CompileJSONPath(items); err != nil {
		errs = append(errs, fmt.Errorf("items: %w", err))
	}
	ip.Fields = make(map[string][]JSONPath, len(fields))
	for _, k := range slices.Sorted(mapKeys(fields)) {
		if !slices.Contains(stringFields, k) && !slices.Contains(boolFields, k) {
			errs = append(errs, fmt.Errorf("fields.%s: unknown field (known: %s)", k, strings.Join(append(slices.Clone(stringFields), boolFields...), ", ")))
			continue
		}
		src := fields[k]
		if path, want, ok := strings.Cut(src, "=="); ok {
			if !slices.Contains(boolFields, k) {
				errs = append(errs, fmt.Errorf("fields.%s: only a boolean field may compare with ==", k))
				continue
			}
			if ip.Equals == nil {
				ip.Equals = map[string]string{}
			}
			ip.Equals[k] = strings.Trim(strings.TrimSpace(want), `"'`)
			src = strings.TrimSpace(path)
		}
		if fields[k] == "" {
			errs = append(errs, fmt.Errorf("fields.%s: needs a path", k))
			continue
		}
		var alts []JSONPath
		for _, alt := range strings.Split(src, "|") {
			jp, err := CompileJSONPath(strings.TrimSpace(alt))
			if err != nil {
				errs = append(errs, fmt.Errorf("fields.%s: %w", k, err))
				alts = nil
				break
			}
			alts = append(alts, jp)
		}
		if alts != nil {
			ip.Fields[k] = alts
		}
	}
	return ip, errors.Join(errs...)
}

func mapKeys[V any](m map[string]V) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// ItemsFrom returns the items of a decoded document, in list order, at
// most max (0: DefaultMaxItems); items without an id are skipped. base
// resolves relative item URLs; it may be nil.
func (ip ItemPaths) ItemsFrom(doc any, base *url.URL, max int) []feed.Item {
	items, _ := ip.itemsFrom(doc, base, max, false)
	return items
}

// RawItemsFrom is ItemsFrom that also returns each item's element of the
// list, re-encoded as JSON (keys sorted, numbers as written).
func (ip ItemPaths) RawItemsFrom(doc any, base *url.URL, max int) []feed.RawItem {
	items, raws := ip.itemsFrom(doc, base, max, true)
	out := make([]feed.RawItem, len(items))
	for i := range items {
		out[i] = feed.RawItem{Item: items[i], Raw: raws[i]}
	}
	return out
}

func (ip ItemPaths) itemsFrom(doc any, base *url.URL, max int, withRaw bool) ([]feed.Item, [][]byte) {
	if max <= 0 {
		max = DefaultMaxItems
	}
	var items []feed.Item
	var raws [][]byte
	for _, v := range ip.Items.Eval(doc) {
		list, ok := v.([]any)
		if !ok {
			list = []any{v}
		}
		for _, el := range list {
			if len(items) >= max {
				return items, raws
			}
			if it, ok := buildItem(func(name string) (string, bool) { return ip.field(el, name) }, base); ok {
				items = append(items, it)
				if withRaw {
					raw, err := json.Marshal(el)
					if err != nil {
						raw = nil
					}
					raws = append(raws, raw)
				}
			}
		}
	}
	return items, raws
}

func (ip ItemPaths) field(el any, name string) (string, bool) {
	alts, ok := ip.Fields[name]
	if !ok {
		return "", false
	}
	var vals []any
	for _, p := range alts {
		if vals = p.Eval(el); len(vals) > 0 {
			break
		}
	}
	if len(vals) == 0 {
		return "", false
	}
	if want, ok := ip.Equals[name]; ok {
		if slices.ContainsFunc(vals, func(v any) bool { return jsonString(v) == want }) {
			return "true", true
		}
		return "", false
	}
	if slices.Contains(boolFields, name) {
		if slices.ContainsFunc(vals, truthy) {
			return "true", true
		}
		return "", false
	}
	parts := make([]string, 0, len(vals))
	for _, v := range vals {
		if s := collapseSpace(jsonString(v)); s != "" {
			parts = append(parts, s)
		}
	}
	if len(parts) == 0 {
		return "", false
	}
	return strings.Join(parts, ", "), true
}

// pushedJSON returns the JSON arguments of every `NAME.push(...)` call in a
// script's text: the chunks a page streams into a global array
// (`self.__next_f.push([1,"..."])`, `(window.__x = window.__x || []).push({...})`).
// name is the array's expression as written before ".push(".
func pushedJSON(text, name string, lim CaptureLimits) []any {
	var out []any
	const needle = ".push("
	for {
		i := strings.Index(text, needle)
		if i < 0 {
			return out
		}
		// The statement before .push( must name the array.
		stmt := text[:i]
		if j := strings.LastIndexAny(stmt, ";\n}"); j >= 0 {
			stmt = stmt[j+1:]
		}
		text = text[i+len(needle):]
		if !strings.Contains(stmt, name) {
			continue
		}
		v, err := DecodeJSONBody([]byte(firstJSONValue(text)), lim)
		if err == nil {
			out = append(out, v)
		}
	}
}

// firstJSONValue returns the prefix of s that is its first JSON value
// (balanced brackets outside strings), or s when it finds no end.
func firstJSONValue(s string) string {
	depth := 0
	inStr, esc := false, false
	for i := 0; i < len(s); i++ {
		c := s[i]
		if inStr {
			switch {
			case esc:
				esc = false
			case c == '\\':
				esc = true
			case c == '"':
				inStr = false
			}
			continue
		}
		switch c {
		case '"':
			inStr = true
		case '{', '[':
			depth++
		case '}', ']':
			depth--
			if depth == 0 {
				return s[:i+1]
			}
		}
	}
	return s
}
