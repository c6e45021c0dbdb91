package storage

import (
	"database/sql"

	"github.com/prometheus/client_golang/prometheus"
)

// StatsCollector returns a Prometheus collector of the database's
// connection pools (the writer's and the readers'), with the names of
// client_golang's DBStatsCollector (go_sql_*) and db_name "writer" and
// "reader". It is safe for concurrent use.
func (db *DB) StatsCollector() prometheus.Collector { return dbStatsCollector{db} }

// dbStatsCollector exports the database pools' statistics.
type dbStatsCollector struct{ db *DB }

var dbStatsDescs = struct {
	maxOpen, open, inUse, idle, waitCount, waitDur *prometheus.Desc
}{
	maxOpen:   prometheus.NewDesc("go_sql_max_open_connections", "Maximum number of open connections to the database.", []string{"db_name"}, nil),
	open:      prometheus.NewDesc("go_sql_open_connections", "The number of established connections both in use and idle.", []string{"db_name"}, nil),
	inUse:     prometheus.NewDesc("go_sql_in_use_connections", "The number of connections currently in use.", []string{"db_name"}, nil),
	idle:      prometheus.NewDesc("go_sql_idle_connections", "The number of idle connections.", []string{"db_name"}, nil),
	waitCount: prometheus.NewDesc("go_sql_wait_count_total", "The total number of connections waited for.", []string{"db_name"}, nil),
	waitDur:   prometheus.NewDesc("go_sql_wait_duration_seconds_total", "The total time blocked waiting for a new connection.", []string{"db_name"}, nil),
}

func (c dbStatsCollector) Describe(ch chan<- *prometheus.Desc) {
	ds := dbStatsDescs
	for _, d := range []*prometheus.Desc{ds.maxOpen, ds.open, ds.inUse, ds.idle, ds.waitCount, ds.waitDur} {
		ch <- d
	}
}

func (c dbStatsCollector) Collect(ch chan<- prometheus.Metric) {
	ds := dbStatsDescs
	for name, s := range map[string]sql.DBStats{"writer": c.db.Stats(), "reader": c.db.ReaderStats()} {
		ch <- prometheus.MustNewConstMetric(ds.maxOpen, prometheus.GaugeValue, float64(s.MaxOpenConnections), name)
		ch <- prometheus.MustNewConstMetric(ds.open, prometheus.GaugeValue, float64(s.OpenConnections), name)
		ch <- prometheus.MustNewConstMetric(ds.inUse, prometheus.GaugeValue, float64(s.InUse), name)
		ch <- prometheus.MustNewConstMetric(ds.idle, prometheus.GaugeValue, float64(s.Idle), name)
		ch <- prometheus.MustNewConstMetric(ds.waitCount, prometheus.CounterValue, float64(s.WaitCount), name)
		ch <- prometheus.MustNewConstMetric(ds.waitDur, prometheus.CounterValue, s.WaitDuration.Seconds(), name)
	}
}
