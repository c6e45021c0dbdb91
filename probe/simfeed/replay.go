package simfeed

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// Replay pages: /replay/NAME is a page shaped like a real platform's feed
// as seen from the network. Its script fetches the platform's response path
// with the platform's JSON shape (as publicly documented; see each
// real-platform template's header for the source) and draws cards from it.
// The content is simfeed's own catalogue; the platforms' field names are
// the only thing borrowed. Each replay serves ReplayPages pages of
// ReplayBatch items, with ads, AI-generated labels and items that lack some
// fields planted by position (ReplayTruth), so a capture adapter can be
// checked field by field.
const (
	ReplayBatch = 8
	ReplayPages = 2
)

// ReplayNames lists the replay pages, one per real-platform template.
var ReplayNames = []string{"douyin", "tiktok", "xiaohongshu", "bilibili", "youtube", "youtube-shorts", "weibo"}

// ReplayItem is one item a replay page serves, as a capture adapter should
// read it: empty strings are fields the response leaves out.
type ReplayItem struct {
	ID, Title, Author, Topic, URL string
	Sponsored, Synthetic          bool
	Page                          int
}

// ReplayTruth returns what the replay page NAME serves, in served order.
// It is safe for concurrent use.
func (s *Server) ReplayTruth(name string) []ReplayItem {
	if !slices.Contains(ReplayNames, name) {
		return nil
	}
	off := 0
	for _, c := range name {
		off = (off*31 + int(c)) % 997
	}
	out := make([]ReplayItem, 0, ReplayPages*ReplayBatch)
	for i := range ReplayPages * ReplayBatch {
		it := &s.items[(off*7+i*13)%len(s.items)]
		ri := ReplayItem{ID: it.ID, Title: it.Title, Author: it.Author, Topic: it.Topic, URL: "/item/" + it.ID,
			Sponsored: i%5 == 2, Synthetic: i%4 == 1, Page: i/ReplayBatch + 1}
		if i%7 == 5 {
			ri.Title = "" // planted: a card without a title
		}
		if i%6 == 3 {
			ri.Author = "" // planted: a card without an author
		}
		switch name {
		case "weibo": // a hot-search line: the words are the id; no author, no AI label
			ri.ID = it.Title + " · " + it.ID
			ri.Title = it.Title
			ri.Author, ri.Topic, ri.URL, ri.Synthetic = "", "", "", false
		case "youtube-shorts": // the sequence carries ids only
			ri.Title, ri.Author, ri.Topic, ri.URL, ri.Synthetic = "", "", "", "", false
		case "youtube":
			ri.Topic, ri.URL = "", ""
			if ri.Sponsored { // an ad slot has an id and nothing else the adapter reads
				ri.ID, ri.Title, ri.Author, ri.Synthetic = "ad-"+it.ID, "", "", false
			}
		case "tiktok", "xiaohongshu":
			ri.URL = ""
		case "bilibili":
			ri.Topic = ""
		}
		out = append(out, ri)
	}
	return out
}

// replayAPI is where each replay's script fetches a page: the method, the
// path and the query or body field that carries the page number.
var replayAPI = map[string]struct{ method, path string }{
	"douyin":         {"GET", "/aweme/v1/web/tab/feed/"},
	"tiktok":         {"GET", "/api/recommend/item_list/"},
	"xiaohongshu":    {"POST", "/api/sns/web/v1/homefeed"},
	"bilibili":       {"GET", "/x/web-interface/wbi/index/top/feed/rcmd"},
	"youtube":        {"POST", "/youtubei/v1/browse"},
	"youtube-shorts": {"POST", "/youtubei/v1/reel/reel_watch_sequence"},
	"weibo":          {"GET", "/ajax/side/hotSearch"},
}

func (s *Server) replayRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /replay/{name}", s.handleReplayPage)
	for name, api := range replayAPI {
		mux.HandleFunc(api.method+" "+api.path, func(w http.ResponseWriter, r *http.Request) { s.handleReplayAPI(w, r, name) })
	}
	// Weibo's second page is the full hot band, another response shape.
	mux.HandleFunc("GET /ajax/statuses/hot_band", func(w http.ResponseWriter, r *http.Request) { s.handleReplayAPI(w, r, "weibo") })
}

// replayPage reads the page number a replay request asks for (1 when none).
func replayPage(r *http.Request) int {
	v := r.URL.Query().Get("page")
	if r.Method == http.MethodPost {
		var body struct {
			Page         int    `json:"page"`
			CursorScore  string `json:"cursor_score"`
			Continuation string `json:"continuation"`
		}
		if err := json.NewDecoder(http.MaxBytesReader(nil, r.Body, maxBodyBytes)).Decode(&body); err == nil && body.Page > 0 {
			return body.Page
		}
	}
	if n, err := strconv.Atoi(v); err == nil && n > 0 {
		return n
	}
	return 1
}

func (s *Server) handleReplayAPI(w http.ResponseWriter, r *http.Request, name string) {
	page := replayPage(r)
	if name == "weibo" && r.URL.Path == "/ajax/statuses/hot_band" {
		page = 2
	}
	var items []ReplayItem
	for _, it := range s.ReplayTruth(name) {
		if it.Page == page {
			items = append(items, it)
		}
	}
	writeJSON(w, replayBody(name, page, items))
}

// replayBody builds one page of a replay in the platform's JSON shape.
func replayBody(name string, page int, items []ReplayItem) any {
	more := page < ReplayPages
	list := make([]any, 0, len(items))
	for i, it := range items {
		list = append(list, replayEntry(name, (page-1)*ReplayBatch+i, it))
	}
	switch name {
	case "douyin":
		return map[string]any{"status_code": 0, "has_more": b2i(more), "max_cursor": page, "aweme_list": list}
	case "tiktok":
		return map[string]any{"statusCode": 0, "status_code": 0, "hasMore": more, "cursor": strconv.Itoa(page), "itemList": list}
	case "xiaohongshu":
		return map[string]any{"code": 0, "success": true, "msg": "ok", "data": map[string]any{"cursor_score": strconv.Itoa(page), "items": list}}
	case "bilibili":
		return map[string]any{"code": 0, "message": "0", "ttl": 1, "data": map[string]any{"item": list}}
	case "youtube":
		return map[string]any{"onResponseReceivedActions": []any{map[string]any{"appendContinuationItemsAction": map[string]any{"continuationItems": list}}}}
	case "youtube-shorts":
		return map[string]any{"entries": list, "continuationEndpoint": map[string]any{"continuationCommand": map[string]any{"token": strconv.Itoa(page + 1)}}}
	case "weibo":
		if page == 2 {
			return map[string]any{"ok": 1, "data": map[string]any{"band_list": list}}
		}
		return map[string]any{"ok": 1, "data": map[string]any{"realtime": list}}
	}
	return nil
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// put sets key to v unless v is empty (a planted missing field).
func put(m map[string]any, key string, v any) {
	if s, ok := v.(string); ok && s == "" {
		return
	}
	m[key] = v
}

func runs(text string) any {
	if text == "" {
		return nil
	}
	return map[string]any{"runs": []any{map[string]any{"text": text}}}
}

// replayEntry is one item in the platform's shape.
func replayEntry(name string, i int, it ReplayItem) any {
	m := map[string]any{}
	switch name {
	case "douyin":
		m["aweme_id"] = it.ID
		put(m, "desc", it.Title)
		if it.Author != "" {
			m["author"] = map[string]any{"nickname": it.Author}
		}
		m["share_url"] = it.URL
		m["is_ads"] = it.Sponsored
		m["aigc_info"] = map[string]any{"created_by_ai": it.Synthetic}
		m["video_tag"] = []any{map[string]any{"tag_name": it.Topic}}
	case "tiktok":
		m["id"] = it.ID
		put(m, "desc", it.Title)
		if it.Author != "" {
			m["author"] = map[string]any{"uniqueId": it.Author, "nickname": it.Author}
		}
		m["isAd"] = it.Sponsored
		if it.Synthetic {
			m["AIGCDescription"] = "AI-generated by the simfeed catalogue"
		} else {
			m["AIGCDescription"] = ""
		}
		m["challenges"] = []any{map[string]any{"title": it.Topic}}
	case "xiaohongshu":
		m["id"] = it.ID
		m["model_type"] = "note"
		if it.Sponsored {
			m["model_type"] = "ads"
		}
		card := map[string]any{"type": "normal", "interact_info": map[string]any{"liked": false, "liked_count": "0"},
			"tag_list": []any{map[string]any{"name": it.Topic, "type": "topic"}}}
		put(card, "display_title", it.Title)
		if it.Author != "" {
			card["user"] = map[string]any{"nickname": it.Author, "user_id": "u" + strconv.Itoa(i)}
		}
		if it.Synthetic {
			card["ai_label"] = map[string]any{"text": "AI-generated"}
		}
		m["note_card"] = card
	case "bilibili":
		m["id"] = 1000 + i
		m["bvid"] = it.ID
		m["goto"] = "av"
		if it.Sponsored {
			m["goto"] = "ad"
		}
		m["uri"] = it.URL
		put(m, "title", it.Title)
		m["owner"] = nil
		if it.Author != "" {
			m["owner"] = map[string]any{"name": it.Author, "mid": 1 + i}
		}
		m["is_aigc"] = b2i(it.Synthetic)
	case "youtube":
		content := map[string]any{}
		if it.Sponsored {
			content["adSlotRenderer"] = map[string]any{"adSlotMetadata": map[string]any{"slotId": it.ID}}
		} else {
			vr := map[string]any{"videoId": it.ID}
			if t := runs(it.Title); t != nil {
				vr["title"] = t
			}
			if a := runs(it.Author); a != nil {
				vr["ownerText"] = a
			}
			if it.Synthetic {
				vr["badges"] = []any{map[string]any{"metadataBadgeRenderer": map[string]any{"label": "Altered or synthetic content"}}}
			}
			content["videoRenderer"] = vr
		}
		m["richItemRenderer"] = map[string]any{"content": content}
	case "youtube-shorts":
		ep := map[string]any{"videoId": it.ID}
		if it.Sponsored {
			ep["adClientParams"] = map[string]any{"isAd": true}
		}
		m["command"] = map[string]any{"reelWatchEndpoint": ep}
	case "weibo":
		m["word"] = it.ID
		m["note"] = it.Title
		m["num"] = 100000 - i*997
		m["rank"] = i
		if it.Sponsored {
			m["is_ad"] = 1
		}
		if i%3 == 0 {
			m["label_name"] = "hot"
		}
	}
	return m
}

// handleReplayPage serves the replay page: YouTube's home embeds its first
// page as `var ytInitialData = {...}`, as the real page does; the others
// fetch every page.
func (s *Server) handleReplayPage(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	api, ok := replayAPI[name]
	if !ok {
		http.NotFound(w, r)
		return
	}
	cfg, _ := json.Marshal(map[string]any{"name": name, "method": api.method, "path": api.path, "pages": ReplayPages})
	var b bytes.Buffer
	fmt.Fprintf(&b, `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>replay %s</title>
<link rel="stylesheet" href="/static/replay.css"></head>
<body><main id="rp-feed" class="rp-feed"></main><div id="rp-sentinel" class="rp-sentinel"></div>
<script>window.__rp = %s;</script>
`, html.EscapeString(name), cfg)
	if name == "youtube" {
		var first []ReplayItem
		for _, it := range s.ReplayTruth(name) {
			if it.Page == 1 {
				first = append(first, it)
			}
		}
		cont := replayBody(name, 1, first).(map[string]any)["onResponseReceivedActions"].([]any)[0].(map[string]any)["appendContinuationItemsAction"].(map[string]any)["continuationItems"]
		data, _ := json.Marshal(map[string]any{"contents": map[string]any{"twoColumnBrowseResultsRenderer": map[string]any{"tabs": []any{
			map[string]any{"tabRenderer": map[string]any{"content": map[string]any{"richGridRenderer": map[string]any{"contents": cont}}}}}}}})
		fmt.Fprintf(&b, "<script>var ytInitialData = %s;</script>\n", data)
	}
	b.WriteString(`<script src="/static/replay.js"></script></body></html>` + "\n")
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Write(b.Bytes())
}

// Class scrambling (Config.ScrambleClasses): every "fp-" and "rp-" name in
// the HTML, CSS and JavaScript simfeed sends becomes "<prefix>-", the same
// in all three, so the pages work while no class or id the adapters name
// exists. The embedded state's id (fp-state) is kept: it is data, not
// presentation. JSON answers are untouched.
var scrambleRE = regexp.MustCompile(`\b(fp|rp)-`)

func (s *Server) scramblePrefix() string {
	return fmt.Sprintf("z%x", uint32(s.cfg.Seed)*2654435761)
}

// scrambleWriter holds a response so its body can be rewritten.
type scrambleWriter struct {
	h      http.Header
	status int
	buf    bytes.Buffer
}

func (sw *scrambleWriter) Header() http.Header { return sw.h }
func (sw *scrambleWriter) WriteHeader(code int) {
	if sw.status == 0 {
		sw.status = code
	}
}
func (sw *scrambleWriter) Write(p []byte) (int, error) {
	if sw.status == 0 {
		sw.status = http.StatusOK
	}
	return sw.buf.Write(p)
}

func (s *Server) serveScrambled(w http.ResponseWriter, r *http.Request) {
	sw := &scrambleWriter{h: http.Header{}}
	s.mux.ServeHTTP(sw, r)
	body := sw.buf.Bytes()
	ct := sw.h.Get("Content-Type")
	if strings.Contains(ct, "html") || strings.Contains(ct, "css") || strings.Contains(ct, "javascript") {
		prefix := s.scramblePrefix()
		body = scrambleRE.ReplaceAll(body, []byte(prefix+"-"))
		body = bytes.ReplaceAll(body, []byte(prefix+"-state"), []byte("fp-state"))
		sw.h.Del("Content-Length")
		sw.h.Del("Etag")
		sw.h.Del("Last-Modified")
	}
	for k, v := range sw.h {
		w.Header()[k] = v
	}
	if sw.status == 0 {
		sw.status = http.StatusOK
	}
	w.WriteHeader(sw.status)
	w.Write(body)
}
