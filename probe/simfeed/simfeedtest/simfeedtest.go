// Package simfeedtest starts simfeed for the end-to-end tests of other
// packages, and holds the rule those browser tests follow (RequireBrowser).
package simfeedtest

import (
	"context"
	"os"
	"testing"

	"github.com/feedprobe/feedprobe/probe/simfeed"
)

// Start serves simfeed with cfg and its ground truth on a loopback port
// for the test's lifetime, and returns the server and its base URL.
func Start(tb testing.TB, cfg simfeed.Config) (*simfeed.Server, string) {
	tb.Helper()
	cfg.Truth = true
	srv, err := simfeed.New(cfg, nil)
	if err != nil {
		tb.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	u, wait, err := simfeed.Listen(ctx, "127.0.0.1:0", srv)
	if err != nil {
		cancel()
		tb.Fatal(err)
	}
	tb.Cleanup(func() { cancel(); _ = wait() })
	return srv, u
}

// RequireBrowser applies the browser tests' rule, given what looking for a
// browser returned (probe.FindChrome, or a failed launch): a browser test
// skips under -short and where no browser is found, except under CI=true,
// where a missing browser fails it.
func RequireBrowser(tb testing.TB, err error) {
	tb.Helper()
	if testing.Short() {
		tb.Skip("browser test skipped with -short")
	}
	if err == nil {
		return
	}
	if os.Getenv("CI") == "true" {
		tb.Fatalf("CI=true but no browser: %v", err)
	}
	tb.Skipf("no browser: %v", err)
}
