package probe

import (
	"context"
	"errors"

	"github.com/feedprobe/feedprobe/probe/feed"
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

// Sink receives what a session observed. *storage.DB satisfies it.
// Implementations must be safe for concurrent use by several sessions.
type Sink interface {
	SaveImpressions(ctx context.Context, sessionID int64, imps []feed.Impression) error
	SaveActions(ctx context.Context, sessionID int64, acts []feed.Action) error
}

// IdentityStore keeps a persona's browser identity (cookies and local
// storage, as an opaque JSON document) between sessions. LoadIdentity returns
// nil and no error for a persona that has none yet.
type IdentityStore interface {
	LoadIdentity(ctx context.Context, personaID int64) ([]byte, error)
	SaveIdentity(ctx context.Context, personaID int64, identity []byte) error
}
