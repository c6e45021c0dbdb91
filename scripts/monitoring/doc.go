// Package monitoring holds feedprobe's monitoring kit: the Grafana dashboard
// (dashboard.json) and the Prometheus alerting rules (alerts.yml). Its test
// parses both and checks that every metric and label they use exists in
// feedprobe's metrics.
package monitoring
