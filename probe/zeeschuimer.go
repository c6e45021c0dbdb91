package probe

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/feedprobe/feedprobe/probe/feed"
)

// Zeeschuimer's NDJSON export (the Digital Methods Initiative's browser
// extension, github.com/digitalmethodsinitiative/zeeschuimer): one captured
// item per line, as the extension stores it in its items table and writes it
// out unchanged (popup/interface.js, get_blob: JSON.stringify(item) + "\n").
// The field names below are those of that record, set in
// js/zs-background.js (parse_request):
//
//	item_id              the item's id (the module sets data.id)
//	nav_index            "SESSION:TAB:INDEX": one page view of one tab
//	timestamp_collected  when it was captured, ms since the Unix epoch
//	source_platform      the module's domain: tiktok.com, douyin.com, xiaohongshu.com...
//	source_platform_url  the page the tab showed
//	source_url           the response the item came in
//	data                 the raw item, as the platform sent it
//
// The items' own fields are read with the capture paths of feedprobe's
// templates for the same responses (the data of a TikTok, Douyin or RedNote
// record is one element of the item list those templates read).
type zeeschuimerRecord struct {
	ItemID             json.RawMessage `json:"item_id"`
	NavIndex           json.RawMessage `json:"nav_index"`
	TimestampCollected json.RawMessage `json:"timestamp_collected"`
	SourcePlatform     string          `json:"source_platform"`
	SourcePlatformURL  string          `json:"source_platform_url"`
	SourceURL          string          `json:"source_url"`
	Data               json.RawMessage `json:"data"`
}

// zeeschuimerPlatforms maps a Zeeschuimer module's domain to feedprobe's
// platform name and the template whose capture fields read its items.
var zeeschuimerPlatforms = map[string]struct{ platform, template string }{
	"tiktok.com":      {"tiktok", "tiktok-foryou"},
	"douyin.com":      {"douyin", "douyin-web"},
	"xiaohongshu.com": {"xiaohongshu", "xiaohongshu-explore"},
}

// ZeeschuimerPlatforms lists the source platforms ImportZeeschuimer reads.
func ZeeschuimerPlatforms() []string { return slices.Sorted(maps.Keys(zeeschuimerPlatforms)) }

// ZeeschuimerView, ZeeschuimerItem and ZeeschuimerExport are the plain
// values of a parsed export (probe/feed), which storage imports.
type (
	ZeeschuimerView   = feed.ZeeschuimerView
	ZeeschuimerItem   = feed.ZeeschuimerItem
	ZeeschuimerExport = feed.ZeeschuimerExport
)

// ParseZeeschuimer reads a Zeeschuimer NDJSON export (name is used in
// errors). Page views are (nav_index, source_platform_url) pairs, in the
// order they first appear; items keep the file's order within a view (the
// order collected), an id collected twice in one view is kept once. Every
// line must be a JSON object of one supported platform, the same for the
// whole file; errors name the file and line.
func ParseZeeschuimer(name string, r io.Reader) (ZeeschuimerExport, error) {
	var ex ZeeschuimerExport
	var paths ItemPaths
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), 16<<20)
	type viewKey struct{ nav, page string }
	views := map[viewKey]int{}
	seen := map[viewKey]map[string]bool{}
	line := 0
	for sc.Scan() {
		line++
		text := bytes.TrimSpace(sc.Bytes())
		if len(text) == 0 {
			continue
		}
		at := fmt.Sprintf("%s:%d", name, line)
		var rec zeeschuimerRecord
		dec := json.NewDecoder(bytes.NewReader(text))
		dec.UseNumber()
		if err := dec.Decode(&rec); err != nil {
			return ex, fmt.Errorf("%s: not a Zeeschuimer item (a JSON object per line): %w", at, err)
		}
		p, ok := zeeschuimerPlatforms[rec.SourcePlatform]
		if !ok {
			return ex, fmt.Errorf("%s: source_platform %q is not supported (supported: %s)", at, rec.SourcePlatform, strings.Join(ZeeschuimerPlatforms(), ", "))
		}
		if ex.SourcePlatform == "" {
			ex.SourcePlatform, ex.Platform = rec.SourcePlatform, p.platform
			ip, err := zeeschuimerPaths(p.template)
			if err != nil {
				return ex, fmt.Errorf("%s: %w", at, err)
			}
			paths = ip
		} else if rec.SourcePlatform != ex.SourcePlatform {
			return ex, fmt.Errorf("%s: source_platform %q, but the file began with %q: import one platform per file", at, rec.SourcePlatform, ex.SourcePlatform)
		}
		id := jsonText(rec.ItemID)
		if id == "" {
			return ex, fmt.Errorf("%s: item_id is missing", at)
		}
		if len(rec.Data) == 0 || rec.Data[0] != '{' {
			return ex, fmt.Errorf("%s: data is not the item's JSON object", at)
		}
		ms, err := strconv.ParseInt(jsonText(rec.TimestampCollected), 10, 64)
		if err != nil {
			return ex, fmt.Errorf("%s: timestamp_collected %s is not milliseconds since the epoch", at, rec.TimestampCollected)
		}
		doc, err := DecodeJSONBody(rec.Data, CaptureLimits{})
		if err != nil {
			return ex, fmt.Errorf("%s: data: %w", at, err)
		}
		it := ZeeschuimerItem{Line: line, CollectedAt: time.UnixMilli(ms).UTC(), SourceURL: rec.SourceURL}
		if items := paths.ItemsFrom(doc, nil, 1); len(items) == 1 {
			it.Item = items[0]
		}
		it.ID = id // Zeeschuimer's id wins: it is what its modules chose
		it.Raw = append([]byte(nil), rec.Data...)
		k := viewKey{jsonText(rec.NavIndex), rec.SourcePlatformURL}
		vi, ok := views[k]
		if !ok {
			vi = len(ex.Views)
			views[k] = vi
			seen[k] = map[string]bool{}
			ex.Views = append(ex.Views, ZeeschuimerView{NavIndex: k.nav, PageURL: k.page})
		}
		if seen[k][id] {
			continue
		}
		seen[k][id] = true
		ex.Views[vi].Items = append(ex.Views[vi].Items, it)
	}
	if err := sc.Err(); err != nil {
		return ex, fmt.Errorf("%s:%d: %w", name, line+1, err)
	}
	if len(ex.Views) == 0 {
		return ex, fmt.Errorf("%s: no items", name)
	}
	return ex, nil
}

// zeeschuimerPaths compiles the field paths of a template's first response
// rule, for one item (the item list path is the item itself).
func zeeschuimerPaths(template string) (ItemPaths, error) {
	ad, err := AdapterTemplate(template)
	if err != nil {
		return ItemPaths{}, err
	}
	if ad.Capture == nil || len(ad.Capture.Responses) == 0 {
		return ItemPaths{}, fmt.Errorf("template %s has no response capture", template)
	}
	fields := maps.Clone(ad.Capture.Responses[0].Fields)
	if len(fields) == 0 {
		fields = maps.Clone(ad.Capture.Fields)
	}
	fields["id"] = "id"
	return CompileItemPaths("", fields)
}

// jsonText returns a JSON string or number as text, "" for anything else.
func jsonText(raw json.RawMessage) string {
	var v any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if dec.Decode(&v) != nil {
		return ""
	}
	switch v := v.(type) {
	case string:
		return v
	case json.Number:
		return v.String()
	}
	return ""
}
