package probe

import (
	"context"
	"errors"
	"time"
)

// Sentinel errors a session can end with. Match them with errors.Is.
var (
	// ErrBlocked means the platform put a login wall or a CAPTCHA in front of
	// the feed. The session is recorded as blocked and not retried at once.
	ErrBlocked = errors.New("blocked by the platform")
	// ErrNoItems means the adapter's item selector found nothing on a page
	// that loaded: the platform changed its layout or the adapter is wrong.
	ErrNoItems = errors.New("item selector found no items")
	// ErrRendererCrashed means the tab's renderer process crashed (killed,
	// out of memory): the session ends within a second instead of at its
	// deadline, and counts as failed, so the runner retries it.
	ErrRendererCrashed = errors.New("renderer crashed")
)

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
type Impression struct {
	Item
	Rank    int       `json:"rank"`
	SeenAt  time.Time `json:"seen_at"`
	Surface string    `json:"surface"` // "feed", "hot", "search", ...
}

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
	// confirm (see Action2): it may never have reached the platform, so
	// training history counts only confirmed actions.
	Unconfirmed bool `json:"unconfirmed,omitempty"`
}

// Sink receives what a session observed. *storage.DB satisfies it.
// Implementations must be safe for concurrent use by several sessions.
type Sink interface {
	SaveImpressions(ctx context.Context, sessionID int64, imps []Impression) error
	SaveActions(ctx context.Context, sessionID int64, acts []Action) error
}

// IdentityStore keeps a persona's browser identity (cookies and local
// storage, as an opaque JSON document) between sessions. LoadIdentity returns
// nil and no error for a persona that has none yet.
type IdentityStore interface {
	LoadIdentity(ctx context.Context, personaID int64) ([]byte, error)
	SaveIdentity(ctx context.Context, personaID int64, identity []byte) error
}
