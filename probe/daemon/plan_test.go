package daemon

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/feedprobe/feedprobe/probe"
	"github.com/feedprobe/feedprobe/storage"
)

// TestCountErrorsKeepsRetrier checks that the metrics wrapper changes no
// behaviour: a Store that can retry sessions still can once wrapped (a
// Runner retries only through probe.Retrier), and one that cannot does not
// gain the method.
func TestCountErrorsKeepsRetrier(t *testing.T) {
	ctx := context.Background()
	db, err := storage.Open(ctx, filepath.Join(t.TempDir(), "wrap.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	m := probe.NewMetrics(prometheus.NewRegistry(), "test")
	if _, ok := CountErrors(db, m).(probe.Retrier); !ok {
		t.Error("CountErrors(*storage.DB) is not a probe.Retrier: a run with metrics would never retry")
	}
	type plainStore struct{ probe.Store }
	if _, ok := CountErrors(plainStore{db}, m).(probe.Retrier); ok {
		t.Error("CountErrors of a Store without RetrySession is a probe.Retrier")
	}
}
