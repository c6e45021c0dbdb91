package daemon

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/feedprobe/feedprobe/storage"
)

// Registry returns a Prometheus registry holding the Go runtime's, the
// process's and db's connection pools' collectors; the probe's metrics
// (probe.NewMetrics) are added to it by the caller.
func Registry(db *storage.DB) *prometheus.Registry {
	reg := prometheus.NewRegistry()
	reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		db.StatsCollector(),
	)
	return reg
}

// MetricsHandler serves reg's metrics (/metrics); errors of a scrape are
// logged.
func MetricsHandler(reg *prometheus.Registry, logger *slog.Logger) http.Handler {
	return promhttp.HandlerFor(reg, promhttp.HandlerOpts{ErrorLog: slog.NewLogLogger(logger.Handler(), slog.LevelError)})
}

// Handler serves serve's endpoints: /metrics, /healthz (the process is
// alive) and /readyz (d.Ready: the database writable, the browser
// running), and Prometheus's own /-/healthy and /-/ready spellings.
func Handler(d *Daemon, work context.Context, reg *prometheus.Registry, logger *slog.Logger) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/metrics", MetricsHandler(reg, logger))
	healthy := func(w http.ResponseWriter, _ *http.Request) { fmt.Fprintln(w, "ok") }
	mux.HandleFunc("/healthz", healthy)
	mux.HandleFunc("/-/healthy", healthy)
	ready := func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 5*time.Second)
		defer cancel()
		if err := d.Ready(ctx, work); err != nil {
			http.Error(w, err.Error(), http.StatusServiceUnavailable)
			return
		}
		fmt.Fprintln(w, "ok")
	}
	mux.HandleFunc("/readyz", ready)
	mux.HandleFunc("/-/ready", ready)
	return mux
}

// Listen listens on addr and serves h in the background until the
// returned server is closed; a serving error is logged. It returns the
// address it listens on (addr with its port chosen when it was 0).
func Listen(addr string, h http.Handler, logger *slog.Logger) (string, *http.Server, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", nil, err
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			logger.Error("http server stopped", "error", err)
		}
	}()
	return ln.Addr().String(), srv, nil
}

// CheckLoopback refuses a listen address off loopback unless allow is
// set: the endpoints have no authentication.
func CheckLoopback(addr string, allow bool) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("%q: %w", addr, err)
	}
	if host == "localhost" {
		return nil
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return nil
	}
	if allow {
		return nil
	}
	return fmt.Errorf("%q is not a loopback address; pass --allow-non-loopback to serve beyond this machine", addr)
}
