package probe

import (
	"context"
	"time"

	"github.com/feedprobe/feedprobe/probe/feed"
)

// Phases of a session, the closed label set of phase metrics.
const (
	PhaseLaunch   = "launch"   // open the tab, restore the identity, apply settings
	PhaseNavigate = "navigate" // load the feed page
	PhaseScroll   = "scroll"   // scroll and wait for new items (includes the page's own loading)
	PhaseExtract  = "extract"  // parse new items with goquery
	PhaseStore    = "store"    // hand impressions and actions to the sink
)

// Observer sees what sessions do, for metrics and progress. Methods are
// called from many sessions at once, must be safe for concurrent use and
// must return quickly.
type Observer interface {
	// ObservePhase reports the time one step of a phase took.
	ObservePhase(phase string, d time.Duration)
	// ObserveScroll reports one scroll step and how many new items it
	// brought; 0 counts as an empty extraction (selector health).
	ObserveScroll(newItems int)
}

// EvidenceSink keeps evidence. The evidence store of the storage package
// satisfies it.
type EvidenceSink interface {
	SaveEvidence(ctx context.Context, sessionID int64, ev feed.Evidence) error
}

// nopObserver is the Observer used when none is given.
type nopObserver struct{}

func (nopObserver) ObservePhase(string, time.Duration) {}
func (nopObserver) ObserveScroll(int)                  {}
