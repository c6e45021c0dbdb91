// Package simfeedtest starts simfeed for tests of other packages.
package simfeedtest

import (
	"context"
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
