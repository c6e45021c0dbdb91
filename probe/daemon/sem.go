package daemon

import (
	"context"
	"slices"
	"sync"

	"github.com/feedprobe/feedprobe/probe"
)

// fairSem lets at most limit sessions run at once over all campaigns, and
// at most a campaign's own concurrency per campaign. When a place frees up
// it goes to the waiting session whose campaign has the fewest sessions
// running (earliest arrival first among equals), so a big campaign cannot
// starve a small one.
type fairSem struct {
	mu       sync.Mutex
	limit    int
	running  int
	inflight map[string]int
	waiters  []*semWaiter
	m        *probe.Metrics
}

type semWaiter struct {
	key   string
	limit int
	ready chan struct{}
}

func newFairSem(limit int, m *probe.Metrics) *fairSem {
	return &fairSem{limit: limit, inflight: map[string]int{}, m: m}
}

// Acquire waits for a place for a session of campaign key (whose own limit
// is perKey) and returns its release. It returns ctx's error when ctx is
// done first.
func (s *fairSem) Acquire(ctx context.Context, key string, perKey int) (func(), error) {
	w := &semWaiter{key: key, limit: max(1, perKey), ready: make(chan struct{})}
	s.mu.Lock()
	s.waiters = append(s.waiters, w)
	s.dispatch()
	s.mu.Unlock()
	release := func() {
		s.mu.Lock()
		s.running--
		s.inflight[key]--
		s.dispatch()
		s.mu.Unlock()
	}
	select {
	case <-w.ready:
		return release, nil
	case <-ctx.Done():
	}
	s.mu.Lock()
	select {
	case <-w.ready:
		s.mu.Unlock()
		release()
		return nil, ctx.Err()
	default:
	}
	s.waiters = slices.DeleteFunc(s.waiters, func(x *semWaiter) bool { return x == w })
	s.report()
	s.mu.Unlock()
	return nil, ctx.Err()
}

// dispatch hands free places to waiters; s.mu is held.
func (s *fairSem) dispatch() {
	for s.running < s.limit {
		best := -1
		for i, w := range s.waiters {
			if s.inflight[w.key] >= w.limit {
				continue
			}
			if best < 0 || s.inflight[w.key] < s.inflight[s.waiters[best].key] {
				best = i
			}
		}
		if best < 0 {
			break
		}
		w := s.waiters[best]
		s.waiters = slices.Delete(s.waiters, best, best+1)
		s.running++
		s.inflight[w.key]++
		close(w.ready)
	}
	s.report()
}

func (s *fairSem) report() {
	if s.m != nil {
		s.m.SetQueue(s.running, len(s.waiters))
	}
}
