package monitoring

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"sort"
	"strings"
	"testing"
	"text/template"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/model"
	"go.yaml.in/yaml/v3"

	"github.com/feedprobe/feedprobe/probe"
)

// known returns every series name feedprobe serve exports (histograms
// with their _bucket, _sum and _count) and each one's label names.
func known(t *testing.T) map[string]map[string]bool {
	t.Helper()
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	m := probe.NewMetrics(reg, "test")
	m.Init("simfeed")
	m.ObserveSession("simfeed", probe.SessionReport{Outcome: probe.OutcomeDone, Duration: time.Second})
	m.Observer("simfeed").ObservePhase(probe.PhaseScroll, time.Second)
	m.InitReinspections()
	m.SetReinspectionsRunning(0)
	m.ConfigReloaded(true)
	m.WatchBrowser(os.Getpid) // the test's own process stands in for Chromium
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]map[string]bool{
		// Prometheus's own series for every target.
		"up": {"job": true, "instance": true},
	}
	for _, mf := range mfs {
		labels := map[string]bool{"job": true, "instance": true}
		for _, mt := range mf.Metric {
			for _, lp := range mt.Label {
				labels[lp.GetName()] = true
			}
		}
		names := []string{mf.GetName()}
		if mf.GetType() == dto.MetricType_HISTOGRAM {
			n := mf.GetName()
			names = []string{n + "_bucket", n + "_sum", n + "_count"}
			hl := map[string]bool{"le": true}
			for k := range labels {
				hl[k] = true
			}
			out[n+"_bucket"] = hl
			out[n+"_sum"], out[n+"_count"] = labels, labels
			continue
		}
		for _, n := range names {
			out[n] = labels
		}
	}
	return out
}

var (
	metricRE   = regexp.MustCompile(`\b(?:feedprobe|go|process)_[a-zA-Z0-9_]+|\bup\b`)
	selectorRE = regexp.MustCompile(`\b([a-zA-Z_][a-zA-Z0-9_]*)\{([^}]*)\}`)
	matcherRE  = regexp.MustCompile(`^\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*"[^"]*"\s*$`)
	groupingRE = regexp.MustCompile(`\b(?:by|without)\s*\(([^)]*)\)`)
	stringRE   = regexp.MustCompile(`"(?:[^"\\]|\\.)*"`)
)

// checkExpr checks a PromQL expression against the known series: balanced
// brackets, every metric name exported, every label in a selector or a
// by/without clause carried by a metric of the expression.
func checkExpr(expr string, series map[string]map[string]bool) error {
	var stack []rune
	pairs := map[rune]rune{')': '(', ']': '[', '}': '{'}
	for _, r := range stringRE.ReplaceAllString(expr, `""`) {
		switch r {
		case '(', '[', '{':
			stack = append(stack, r)
		case ')', ']', '}':
			if len(stack) == 0 || stack[len(stack)-1] != pairs[r] {
				return fmt.Errorf("unbalanced %q", r)
			}
			stack = stack[:len(stack)-1]
		}
	}
	if len(stack) > 0 {
		return fmt.Errorf("unclosed %q", stack[len(stack)-1])
	}
	bare := stringRE.ReplaceAllString(expr, `""`)
	used := map[string]bool{}
	for _, name := range metricRE.FindAllString(bare, -1) {
		if _, ok := series[name]; !ok {
			return fmt.Errorf("metric %s is not exported by feedprobe", name)
		}
		used[name] = true
	}
	if len(used) == 0 {
		return fmt.Errorf("uses no feedprobe metric")
	}
	for _, m := range selectorRE.FindAllStringSubmatch(expr, -1) {
		labels, ok := series[m[1]]
		if !ok {
			return fmt.Errorf("selector on unknown metric %s", m[1])
		}
		for _, part := range strings.Split(m[2], ",") {
			if strings.TrimSpace(part) == "" {
				continue
			}
			mm := matcherRE.FindStringSubmatch(part)
			if mm == nil {
				return fmt.Errorf("bad label matcher %q", part)
			}
			if !labels[mm[1]] {
				return fmt.Errorf("metric %s has no label %s", m[1], mm[1])
			}
		}
	}
	for _, g := range groupingRE.FindAllStringSubmatch(bare, -1) {
		for _, l := range strings.Split(g[1], ",") {
			l = strings.TrimSpace(l)
			if l == "" {
				continue
			}
			found := false
			for name := range used {
				found = found || series[name][l]
			}
			if !found {
				return fmt.Errorf("grouping label %s is on none of the expression's metrics", l)
			}
		}
	}
	return nil
}

func TestCheckExprCatchesMistakes(t *testing.T) {
	series := known(t)
	bad := []string{
		`rate(feedprobe_nonexistent_total[5m])`,
		`feedprobe_sessions_total{persona="x"}`,
		`sum by (campaign) (feedprobe_sessions_total)`,
		`rate(feedprobe_sessions_total[5m]`,
		`feedprobe_session_duration_seconds_bucket_total`,
	}
	for _, e := range bad {
		if err := checkExpr(e, series); err == nil {
			t.Errorf("checkExpr(%q) = nil, want an error", e)
		}
	}
	if err := checkExpr(`sum by (le) (rate(feedprobe_schedule_lag_seconds_bucket[5m]))`, series); err != nil {
		t.Errorf("checkExpr(histogram) = %v, want nil", err)
	}
}

type ruleFile struct {
	Groups []struct {
		Name     string `yaml:"name"`
		Interval string `yaml:"interval"`
		Rules    []struct {
			Alert       string            `yaml:"alert"`
			Record      string            `yaml:"record"`
			Expr        string            `yaml:"expr"`
			For         string            `yaml:"for"`
			Labels      map[string]string `yaml:"labels"`
			Annotations map[string]string `yaml:"annotations"`
		} `yaml:"rules"`
	} `yaml:"groups"`
}

// TestAlertRules parses alerts.yml as Prometheus does (unknown fields are
// errors) and checks every rule.
func TestAlertRules(t *testing.T) {
	data, err := os.ReadFile("alerts.yml")
	if err != nil {
		t.Fatal(err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	var rf ruleFile
	if err := dec.Decode(&rf); err != nil {
		t.Fatalf("alerts.yml: %v", err)
	}
	series := known(t)
	names := map[string]bool{}
	alerts := 0
	for _, g := range rf.Groups {
		if g.Name == "" || len(g.Rules) == 0 {
			t.Errorf("group %q: want a name and rules", g.Name)
		}
		for _, r := range g.Rules {
			alerts++
			id := g.Name + "/" + r.Alert
			if r.Alert == "" || r.Record != "" {
				t.Errorf("%s: want alerting rules only", id)
			}
			if names[r.Alert] {
				t.Errorf("%s: alert name used twice", id)
			}
			names[r.Alert] = true
			if err := checkExpr(r.Expr, series); err != nil {
				t.Errorf("%s: expr %q: %v", id, r.Expr, err)
			}
			if r.For != "" {
				if _, err := model.ParseDuration(r.For); err != nil {
					t.Errorf("%s: for %q: %v", id, r.For, err)
				}
			}
			if s := r.Labels["severity"]; s != "critical" && s != "warning" {
				t.Errorf("%s: severity %q, want critical or warning", id, s)
			}
			if r.Alert == "FeedprobeSelectorDrift" && !strings.Contains(r.Annotations["description"], "feedprobe adapter check") {
				t.Errorf("%s: the description should name feedprobe adapter check, the command that tests an adapter against a live page", id)
			}
			if r.Annotations["summary"] == "" {
				t.Errorf("%s: no summary annotation", id)
			}
			for k, v := range r.Annotations {
				// Prometheus defines these variables before expanding.
				src := "{{$labels := .Labels}}{{$externalLabels := .ExternalLabels}}{{$value := .Value}}" + v
				if _, err := template.New(k).Parse(src); err != nil {
					t.Errorf("%s: annotation %s: %v", id, k, err)
				}
			}
		}
	}
	for _, want := range []string{"FeedprobeDown", "FeedprobeNoSuccessfulSession", "FeedprobeSelectorDrift", "FeedprobeBlocked",
		"FeedprobeConfigReloadFailed", "FeedprobeReinspectionFailing", "FeedprobeBrowserMemoryHigh"} {
		if !names[want] {
			t.Errorf("alerts.yml has no %s rule", want)
		}
	}
	t.Logf("%d alerting rules checked", alerts)
}

// TestDashboard parses dashboard.json and checks every panel's queries.
func TestDashboard(t *testing.T) {
	data, err := os.ReadFile("dashboard.json")
	if err != nil {
		t.Fatal(err)
	}
	var dash struct {
		Title  string `json:"title"`
		UID    string `json:"uid"`
		Panels []struct {
			ID      int    `json:"id"`
			Title   string `json:"title"`
			Type    string `json:"type"`
			Targets []struct {
				RefID string `json:"refId"`
				Expr  string `json:"expr"`
			} `json:"targets"`
		} `json:"panels"`
	}
	if err := json.Unmarshal(data, &dash); err != nil {
		t.Fatalf("dashboard.json: %v", err)
	}
	if dash.UID == "" || dash.Title == "" {
		t.Error("dashboard has no uid or title")
	}
	series := known(t)
	ids := map[int]bool{}
	var covered []string
	for _, p := range dash.Panels {
		if ids[p.ID] {
			t.Errorf("panel id %d used twice", p.ID)
		}
		ids[p.ID] = true
		if len(p.Targets) == 0 {
			t.Errorf("panel %q has no query", p.Title)
		}
		for _, tg := range p.Targets {
			expr := strings.NewReplacer("$__rate_interval", "5m", "$platform", ".*").Replace(tg.Expr)
			if err := checkExpr(expr, series); err != nil {
				t.Errorf("panel %q query %s %q: %v", p.Title, tg.RefID, tg.Expr, err)
			}
			covered = append(covered, metricRE.FindAllString(expr, -1)...)
		}
	}
	sort.Strings(covered)
	joined := strings.Join(covered, " ")
	for _, want := range []string{"feedprobe_last_session_success", "feedprobe_items_extracted_total", "feedprobe_empty_extractions_total",
		"feedprobe_sessions_total", "feedprobe_schedule_lag_seconds_bucket", "feedprobe_rectification_orders",
		"feedprobe_reinspections_total", "feedprobe_config_last_reload_successful", "feedprobe_browser_memory_bytes"} {
		if !strings.Contains(joined, want) {
			t.Errorf("dashboard does not show %s", want)
		}
	}
}
