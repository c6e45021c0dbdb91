package probe

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"testing"

	"github.com/feedprobe/feedprobe/probe/feed"

	"github.com/feedprobe/feedprobe/probe/simfeed"
	"github.com/feedprobe/feedprobe/probe/simfeed/simfeedtest"
)

// testBrowser is the one browser of this package's tests, started in
// TestMain; browserErr says why there is none.
var (
	testBrowser *Browser
	browserErr  error
)

func TestMain(m *testing.M) {
	code := func() int {
		// testing.Short is not usable before m.Run parses flags, so
		// look at the arguments ourselves.
		for _, a := range os.Args[1:] {
			if a == "-test.short" || a == "-test.short=true" {
				browserErr = fmt.Errorf("-short")
				return m.Run()
			}
		}
		b, err := Launch(context.Background(), BrowserOptions{ClosedNetwork: true, Logger: testLog})
		if err != nil {
			browserErr = err
			if os.Getenv("CI") == "true" {
				fmt.Fprintln(os.Stderr, "CI=true but the browser does not start:", err)
				return 1
			}
		} else {
			testBrowser = b
			defer b.Close()
		}
		return m.Run()
	}()
	os.Exit(code)
}

// needBrowser returns the package's browser or skips the test (fails it
// under CI=true).
func needBrowser(t *testing.T) *Browser {
	t.Helper()
	if testBrowser == nil {
		simfeedtest.RequireBrowser(t, browserErr)
	}
	return testBrowser
}

// memSink keeps what sessions store, for tests.
type memSink struct {
	mu   sync.Mutex
	imps map[int64][]feed.Impression
	acts map[int64][]feed.Action
	// failImps, when set, is returned by SaveImpressions.
	failImps error
}

func newMemSink() *memSink {
	return &memSink{imps: map[int64][]feed.Impression{}, acts: map[int64][]feed.Action{}}
}

func (m *memSink) SaveImpressions(_ context.Context, id int64, imps []feed.Impression) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.failImps != nil {
		return m.failImps
	}
	m.imps[id] = append(m.imps[id], imps...)
	return nil
}

func (m *memSink) SaveActions(_ context.Context, id int64, acts []feed.Action) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.acts[id] = append(m.acts[id], acts...)
	return nil
}

func startSimfeed(t *testing.T, mod func(*simfeed.Config)) (*simfeed.Server, string) {
	t.Helper()
	cfg := simfeed.DefaultConfig()
	if mod != nil {
		mod(&cfg)
	}
	return simfeedtest.Start(t, cfg)
}

// testLog shows the browser's debug output (page console, chromedp errors)
// when FEEDPROBE_TEST_DEBUG=1.
var testLog = func() *slog.Logger {
	if os.Getenv("FEEDPROBE_TEST_DEBUG") == "1" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return nil
}()
