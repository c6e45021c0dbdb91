package daemon

import (
	"errors"
	"strconv"
	"sync"
)

// errBusy says that what a run needs is held by another run of this
// process; the caller tries again later, and it is not a failure.
var errBusy = errors.New("busy: another run in this process holds it")

// busySet is the daemon's guarantee of one run per order and per campaign
// in this process: a re-inspection holds its orders and its campaign, and a
// scheduled slot holds its campaign, for as long as they run. (A database
// lease excludes other processes.)
type busySet struct {
	mu   sync.Mutex
	held map[string]bool
}

func orderKey(id int64) string    { return "order/" + strconv.FormatInt(id, 10) }
func campaignKey(id int64) string { return "campaign/" + strconv.FormatInt(id, 10) }

// claim takes every key, or none when one is held already, and says which.
func (b *busySet) claim(keys ...string) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, k := range keys {
		if b.held[k] {
			return false
		}
	}
	if b.held == nil {
		b.held = map[string]bool{}
	}
	for _, k := range keys {
		b.held[k] = true
	}
	return true
}

func (b *busySet) release(keys ...string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, k := range keys {
		delete(b.held, k)
	}
}
