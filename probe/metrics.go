package probe

import (
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"
)

// Metric outcome labels: the closed set of feedprobe_sessions_total's
// outcome label, blackbox_exporter style.
const (
	MetricOutcomeSuccess = "success"
	MetricOutcomeError   = "error"
	MetricOutcomeBlocked = "blocked"
)

// MetricOutcome maps a session outcome (OutcomeDone, OutcomeFailed,
// OutcomeBlocked) to its metric label.
func MetricOutcome(outcome string) string {
	switch outcome {
	case OutcomeDone:
		return MetricOutcomeSuccess
	case OutcomeBlocked:
		return MetricOutcomeBlocked
	}
	return MetricOutcomeError
}

// Metrics are feedprobe's Prometheus metrics. Labels come only from closed
// sets: platform (an adapter name), phase and outcome. Metrics is safe for
// concurrent use.
type Metrics struct {
	sessions         *prometheus.CounterVec
	sessionDuration  *prometheus.HistogramVec
	phaseDuration    *prometheus.HistogramVec
	items            *prometheus.CounterVec
	scrolls          *prometheus.CounterVec
	emptyExtractions *prometheus.CounterVec
	lastSuccess      *prometheus.GaugeVec
	lastSuccessTime  *prometheus.GaugeVec
	browserRestarts  prometheus.Counter
	storageErrors    prometheus.Counter
	scheduleLag      prometheus.Histogram
	missedSlots      prometheus.Counter
	running          prometheus.Gauge
	queued           prometheus.Gauge
	orders           *prometheus.GaugeVec
	reinspections    *prometheus.CounterVec
	reinspecting     prometheus.Gauge
	reloadOK         prometheus.Gauge
	reloadTime       prometheus.Gauge
	now              func() time.Time

	browserMu  sync.Mutex
	browserPID func() int // WatchBrowser's; nil: no browser
}

// browserMemoryDesc is feedprobe_browser_memory_bytes, collected at each
// scrape (browserMemory).
var browserMemoryDesc = prometheus.NewDesc("feedprobe_browser_memory_bytes",
	"Proportional set size (PSS) of the shared Chromium's process tree (browser, zygotes, renderers, utilities), read from /proc at each scrape; absent when no browser runs.",
	nil, nil)

// browserMemory collects feedprobe_browser_memory_bytes.
type browserMemory struct{ m *Metrics }

func (c browserMemory) Describe(ch chan<- *prometheus.Desc) { ch <- browserMemoryDesc }

func (c browserMemory) Collect(ch chan<- prometheus.Metric) {
	c.m.browserMu.Lock()
	pid := c.m.browserPID
	c.m.browserMu.Unlock()
	if pid == nil {
		return
	}
	p := pid()
	if p <= 0 {
		return
	}
	pss, err := ProcessTreePSS(p)
	if err != nil {
		return
	}
	ch <- prometheus.MustNewConstMetric(browserMemoryDesc, prometheus.GaugeValue, float64(pss))
}

// WatchBrowser makes feedprobe_browser_memory_bytes report the memory of
// the browser whose process id pid returns at each scrape (0: none now);
// nil stops it. pid is called from the scraping goroutine.
func (m *Metrics) WatchBrowser(pid func() int) {
	m.browserMu.Lock()
	defer m.browserMu.Unlock()
	m.browserPID = pid
}

// NewMetrics registers feedprobe's metrics with reg (it panics when they
// are registered already, as promauto does) and sets feedprobe_build_info
// to 1 with version.
func NewMetrics(reg prometheus.Registerer, version string) *Metrics {
	f := promauto.With(reg)
	m := &Metrics{
		sessions: f.NewCounterVec(prometheus.CounterOpts{
			Name: "feedprobe_sessions_total",
			Help: "Persona sessions finished, by platform and outcome (success, error, blocked: login wall or CAPTCHA).",
		}, []string{"platform", "outcome"}),
		sessionDuration: f.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "feedprobe_session_duration_seconds",
			Help:    "Wall time of finished persona sessions.",
			Buckets: []float64{1, 2.5, 5, 10, 20, 30, 60, 120, 300, 600, 1200},
		}, []string{"platform"}),
		phaseDuration: f.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "feedprobe_phase_duration_seconds",
			Help:    "Time of one step of a session phase (launch, navigate, scroll, extract, store).",
			Buckets: []float64{.001, .005, .01, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}, []string{"phase"}),
		items: f.NewCounterVec(prometheus.CounterOpts{
			Name: "feedprobe_items_extracted_total",
			Help: "Feed items extracted and stored by finished sessions.",
		}, []string{"platform"}),
		scrolls: f.NewCounterVec(prometheus.CounterOpts{
			Name: "feedprobe_scrolls_total",
			Help: "Scroll steps of sessions (the denominator of empty extractions).",
		}, []string{"platform"}),
		emptyExtractions: f.NewCounterVec(prometheus.CounterOpts{
			Name: "feedprobe_empty_extractions_total",
			Help: "Scroll steps whose extraction found no new item: a rising share means the adapter's selectors drifted.",
		}, []string{"platform"}),
		lastSuccess: f.NewGaugeVec(prometheus.GaugeOpts{
			Name: "feedprobe_last_session_success",
			Help: "1 when the platform's last finished session succeeded, else 0 (blackbox_exporter's probe_success).",
		}, []string{"platform"}),
		lastSuccessTime: f.NewGaugeVec(prometheus.GaugeOpts{
			Name: "feedprobe_last_success_timestamp_seconds",
			Help: "Unix time of the platform's last successful session.",
		}, []string{"platform"}),
		browserRestarts: f.NewCounter(prometheus.CounterOpts{
			Name: "feedprobe_browser_restarts_total",
			Help: "Times the shared Chromium was found dead and launched again.",
		}),
		storageErrors: f.NewCounter(prometheus.CounterOpts{
			Name: "feedprobe_storage_errors_total",
			Help: "Failed database writes.",
		}),
		scheduleLag: f.NewHistogram(prometheus.HistogramOpts{
			Name:    "feedprobe_schedule_lag_seconds",
			Help:    "How late scheduled slots started, after their time plus jitter.",
			Buckets: []float64{.1, .5, 1, 5, 15, 60, 300, 900, 3600, 4 * 3600},
		}),
		missedSlots: f.NewCounter(prometheus.CounterOpts{
			Name: "feedprobe_schedule_missed_slots_total",
			Help: "Schedule slots that did not run (daemon down or busy), whatever the missed-slot policy.",
		}),
		running: f.NewGauge(prometheus.GaugeOpts{
			Name: "feedprobe_sessions_running",
			Help: "Persona sessions running now.",
		}),
		queued: f.NewGauge(prometheus.GaugeOpts{
			Name: "feedprobe_sessions_queued",
			Help: "Persona sessions waiting for a free browser slot.",
		}),
		orders: f.NewGaugeVec(prometheus.GaugeOpts{
			Name: "feedprobe_rectification_orders",
			Help: "Rectification orders in the database by state (open, reinspecting, rectified, not_rectified, inconclusive).",
		}, []string{"state"}),
		reinspections: f.NewCounterVec(prometheus.CounterOpts{
			Name: "feedprobe_reinspections_total",
			Help: "Re-inspection attempts finished, by outcome (done: the orders closed; failed: retried, or closed inconclusive after five; cut_short: stopped, resumed at the next start).",
		}, []string{"outcome"}),
		reinspecting: f.NewGauge(prometheus.GaugeOpts{
			Name: "feedprobe_reinspections_running",
			Help: "Re-inspections running now.",
		}),
		reloadOK: f.NewGauge(prometheus.GaugeOpts{
			Name: "feedprobe_config_last_reload_successful",
			Help: "1 when the last load of the campaign files (at start or on SIGHUP) took every file, 0 when one was rejected.",
		}),
		reloadTime: f.NewGauge(prometheus.GaugeOpts{
			Name: "feedprobe_config_last_reload_success_timestamp_seconds",
			Help: "Unix time of the last load of the campaign files that took every file.",
		}),
		now: time.Now,
	}
	reg.MustRegister(browserMemory{m})
	f.NewGaugeVec(prometheus.GaugeOpts{
		Name: "feedprobe_build_info",
		Help: "Always 1; the labels name the feedprobe version and the Go version it was built with.",
	}, []string{"version", "goversion"}).WithLabelValues(version, runtime.Version()).Set(1)
	return m
}

// ObserveSession counts a finished session of platform.
func (m *Metrics) ObserveSession(platform string, rep SessionReport) {
	out := MetricOutcome(rep.Outcome)
	m.sessions.WithLabelValues(platform, out).Inc()
	m.sessionDuration.WithLabelValues(platform).Observe(rep.Duration.Seconds())
	m.items.WithLabelValues(platform).Add(float64(rep.Result.Items))
	if out == MetricOutcomeSuccess {
		m.lastSuccess.WithLabelValues(platform).Set(1)
		m.lastSuccessTime.WithLabelValues(platform).Set(float64(m.now().UnixMilli()) / 1000)
	} else {
		m.lastSuccess.WithLabelValues(platform).Set(0)
	}
}

// Init makes the platform's series exist at zero before its first session,
// so rates and absent() alerts work from the start.
func (m *Metrics) Init(platform string) {
	for _, o := range []string{MetricOutcomeSuccess, MetricOutcomeError, MetricOutcomeBlocked} {
		m.sessions.WithLabelValues(platform, o)
	}
	m.items.WithLabelValues(platform)
	m.scrolls.WithLabelValues(platform)
	m.emptyExtractions.WithLabelValues(platform)
}

// RestoreLastSession sets the platform's last-session gauges from the
// database at start, so they exist before the first session of this
// process: success says whether the last finished session succeeded, and
// lastSuccess is the end of the last successful one (zero if none).
func (m *Metrics) RestoreLastSession(platform string, success bool, lastSuccess time.Time) {
	v := 0.0
	if success {
		v = 1
	}
	m.lastSuccess.WithLabelValues(platform).Set(v)
	if !lastSuccess.IsZero() {
		m.lastSuccessTime.WithLabelValues(platform).Set(float64(lastSuccess.UnixMilli()) / 1000)
	}
}

// OrderStates are the values of the state label of
// feedprobe_rectification_orders.
var OrderStates = []string{"open", "reinspecting", "rectified", "not_rectified", "inconclusive"}

// SetOrders sets feedprobe_rectification_orders from counts by state (as
// stored: "not rectified" is exported as not_rectified); every state of
// OrderStates is set, to 0 when absent.
func (m *Metrics) SetOrders(byState map[string]int) {
	for _, s := range OrderStates {
		m.orders.WithLabelValues(s).Set(float64(byState[strings.ReplaceAll(s, "_", " ")]))
	}
}

// ReinspectionFinished counts a finished re-inspection attempt with
// outcome done, failed or cut short.
func (m *Metrics) ReinspectionFinished(outcome string) {
	m.reinspections.WithLabelValues(strings.ReplaceAll(outcome, " ", "_")).Inc()
}

// InitReinspections makes the re-inspection series exist at zero.
func (m *Metrics) InitReinspections() {
	for _, o := range []string{"done", "failed", "cut_short"} {
		m.reinspections.WithLabelValues(o)
	}
	m.SetOrders(nil)
}

// SetReinspectionsRunning sets how many re-inspections run now.
func (m *Metrics) SetReinspectionsRunning(n int) { m.reinspecting.Set(float64(n)) }

// ConfigReloaded records a load of the campaign files: ok when every file
// was taken (as Prometheus's prometheus_config_last_reload_successful).
func (m *Metrics) ConfigReloaded(ok bool) {
	if ok {
		m.reloadOK.Set(1)
		m.reloadTime.Set(float64(m.now().UnixMilli()) / 1000)
		return
	}
	m.reloadOK.Set(0)
}

// BrowserRestarted counts a relaunch of the shared browser.
func (m *Metrics) BrowserRestarted() { m.browserRestarts.Inc() }

// StorageError counts a failed database write.
func (m *Metrics) StorageError() { m.storageErrors.Inc() }

// ObserveScheduleLag records how late a slot started.
func (m *Metrics) ObserveScheduleLag(d time.Duration) { m.scheduleLag.Observe(max(0, d.Seconds())) }

// MissedSlots counts slots that did not run.
func (m *Metrics) MissedSlots(n int) { m.missedSlots.Add(float64(n)) }

// SetQueue sets the number of sessions running and waiting.
func (m *Metrics) SetQueue(running, queued int) {
	m.running.Set(float64(running))
	m.queued.Set(float64(queued))
}

// Observer returns an Observer that records the phases and scrolls of the
// platform's sessions.
func (m *Metrics) Observer(platform string) Observer {
	return &platformObserver{
		m:      m,
		scroll: m.scrolls.WithLabelValues(platform),
		empty:  m.emptyExtractions.WithLabelValues(platform),
	}
}

type platformObserver struct {
	m             *Metrics
	scroll, empty prometheus.Counter
}

func (o *platformObserver) ObservePhase(phase string, d time.Duration) {
	switch phase {
	case PhaseLaunch, PhaseNavigate, PhaseScroll, PhaseExtract, PhaseStore:
	default:
		return // keep the label set closed
	}
	o.m.phaseDuration.WithLabelValues(phase).Observe(d.Seconds())
}

func (o *platformObserver) ObserveScroll(newItems int) {
	o.scroll.Inc()
	if newItems == 0 {
		o.empty.Inc()
	}
}

// Observers fans phase and scroll reports out to several observers (nil
// ones are left out).
func Observers(obs ...Observer) Observer {
	var out multiObserver
	for _, o := range obs {
		if o != nil {
			out = append(out, o)
		}
	}
	return out
}

type multiObserver []Observer

func (m multiObserver) ObservePhase(phase string, d time.Duration) {
	for _, o := range m {
		o.ObservePhase(phase, d)
	}
}

func (m multiObserver) ObserveScroll(n int) {
	for _, o := range m {
		o.ObserveScroll(n)
	}
}
