package feed

import "time"

// Item is one recommended item as the adapter extracted it from the page.
// Every field is platform text: untrusted, stored as seen.
type Item struct {
	ID        string `json:"id"`
	Title     string `json:"title"`
	Author    string `json:"author,omitempty"`
	URL       string `json:"url,omitempty"`
	Topic     string `json:"topic,omitempty"` // the platform's own topic hint, when it shows one
	Sponsored bool   `json:"sponsored"`       // visibly labelled as an advertisement
	Synthetic bool   `json:"synthetic"`       // visibly labelled as AI-generated
	// PriceText is the price as shown ("¥19.99"); empty when the item has none.
	PriceText string `json:"price_text,omitempty"`
	// Price is PriceText parsed as a number in the platform's currency; it is
	// meaningful only when PriceText is not empty.
	Price float64 `json:"price,omitempty"`
}

// Impression is an item served to a persona at a rank in one session. Rank
// starts at 1 and is the order of first appearance in the session.
//
// A session whose adapter has a capture block also records where the item
// was observed and when it reached the screen (see probe.Capture for the
// rank rules); without one, Source is empty (the page) and the rest zero.
type Impression struct {
	Item
	Rank    int       `json:"rank"`
	SeenAt  time.Time `json:"seen_at"`
	Surface string    `json:"surface"` // "feed", "hot", "search", ...
	// Source is SourceNetwork, SourceDOM or SourceBoth; empty for a
	// session without capture (the page only).
	Source string `json:"source,omitempty"`
	// DisplayedAt is when the item's element was first seen in the
	// viewport; nil when it never was (or the session did not track it).
	DisplayedAt *time.Time `json:"displayed_at"`
	// ServedRank is the item's position, from 1, in the platform's
	// traffic; 0 when it never came in a captured response.
	ServedRank int `json:"served_rank,omitempty"`
	// DisplayedRank is the item's position, from 1, in the order items
	// first reached the viewport; 0 when it never did.
	DisplayedRank int `json:"displayed_rank,omitempty"`
	// Raw is the item's JSON as the platform sent it (the element of a
	// captured response's item list, re-encoded with sorted keys); nil for
	// an item read only from the page. Exports leave it out unless asked.
	Raw []byte `json:"raw,omitempty"`
	// BesideItemID is the item whose page showed this one (an up-next or
	// related list); "" for an impression of a feed, a list or a search.
	BesideItemID string `json:"beside_item_id,omitempty"`
}

// Impression sources.
const (
	SourceNetwork = "network" // in what the platform sent, never drawn
	SourceDOM     = "dom"     // drawn by the page, not in captured traffic
	SourceBoth    = "both"    // sent and drawn
)

// ActionKind names what a persona did.
type ActionKind string

// The actions a persona can take.
const (
	ActionOpen   ActionKind = "open"
	ActionDwell  ActionKind = "dwell"
	ActionLike   ActionKind = "like"
	ActionBack   ActionKind = "back"
	ActionScroll ActionKind = "scroll"
	ActionSearch ActionKind = "search"
	ActionToggle ActionKind = "toggle"
	ActionLogin  ActionKind = "login"
	// ActionNotInterested is a "not interested" press on the open item.
	ActionNotInterested ActionKind = "not_interested"
	// ActionWatch is an item watched: its value is the media time played
	// (seconds), or the time looked at a page without media.
	ActionWatch ActionKind = "watch"
	// ActionFollow is a follow of (subscription to) the open item's author.
	ActionFollow ActionKind = "follow"
)

// Action is one thing a persona did during a session.
type Action struct {
	ItemID string     `json:"item_id,omitempty"`
	Kind   ActionKind `json:"kind"`
	At     time.Time  `json:"at"`
	// Value is the action's quantity: seconds for a dwell, pixels or a count
	// for a scroll, 1/0 for a toggle set on/off.
	Value  float64 `json:"value,omitempty"`
	Detail string  `json:"detail,omitempty"`
	// Unconfirmed marks an action the probe took but the platform did not
	// confirm (no confirming response or page change within the wait): it
	// may never have reached the platform. Training history counts only
	// confirmed actions.
	Unconfirmed bool `json:"unconfirmed,omitempty"`
}

// Evidence is one piece of evidence a session captured.
type Evidence struct {
	Kind   string // "screenshot" (PNG) or "html"
	Reason string // "scroll 5", "error: ...", "end"
	At     time.Time
	Data   []byte
}

// EvidenceResponse is the evidence kind of a raw response body that a
// capture rule matched (JSON, or the HTML document for embedded rules).
const EvidenceResponse = "response"

// RawItem is an item with its JSON as the platform sent it: the element of
// a response's item list (re-encoded, keys sorted), or the item a
// Zeeschuimer export holds. Raw is nil for an item read from the page.
type RawItem struct {
	Item
	Raw []byte
}

// RawImpression is an impression with the item's JSON as the platform sent
// it (see RawItem); Raw is nil for an item read from the page.
type RawImpression struct {
	Impression
	Raw []byte
}

// Egress is what the platform saw of a persona's session: the address its
// requests came from and the platform's echo of the visit (the adapter's
// echo page: headers, time zone, locale, position as the page saw them).
type Egress struct {
	// IP is the client address the echo page reported; empty when the echo
	// named none.
	IP string `json:"ip"`
	// Echo is the echo page's text, at most MaxEcho bytes.
	Echo string `json:"echo"`
	// At is when the echo was read.
	At time.Time `json:"at"`
}

// MaxEcho caps the stored text of an echo page (bytes).
const MaxEcho = 8 << 10
