package main

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/feedprobe/feedprobe/analysis"
	"github.com/feedprobe/feedprobe/personas"
	"github.com/feedprobe/feedprobe/probe/simfeed"
)

// TestTemplatesValidateOnceEdited: every template's placeholder is named
// by validate with its line, and the template validates once it is
// written.
func TestTemplatesValidateOnceEdited(t *testing.T) {
	dir := t.TempDir()
	for _, name := range personas.TemplateNames() {
		path := filepath.Join(dir, name+".yaml")
		if _, logs, err := runCLI(t, "init", "--template", name, "-o", path); err != nil {
			t.Fatalf("init %s: %v\n%s", name, err, logs)
		}
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		line, edited := 0, []string{}
		for i, l := range strings.Split(string(data), "\n") {
			if strings.Contains(l, "period: edit me") {
				line = i + 1
				l = "  period: 2026-03-01 to 2026-03-03"
			}
			edited = append(edited, l)
		}
		if line == 0 {
			t.Errorf("template %s has no period placeholder", name)
			continue
		}
		_, errs, err := runCLI(t, "validate", path)
		if want := fmt.Sprintf("%s.yaml:%d: design.period: template placeholder", name, line); err == nil || !strings.Contains(errs, want) {
			t.Errorf("validate of the unedited %s = %v, want %q:\n%s", name, err, want, errs)
		}
		if err := os.WriteFile(path, []byte(strings.Join(edited, "\n")), 0o644); err != nil {
			t.Fatal(err)
		}
		if out, errs, err := runCLI(t, "validate", path); err != nil || !strings.Contains(out, "ok (campaign)") {
			t.Errorf("validate of the edited %s = %v\n%s%s", name, err, out, errs)
		}
	}
}

// TestWatchHistoryTemplateBrowser runs the watch-history template, scaled
// down (two sessions of ten items, half-second watches), in headless
// Chromium against simfeed with the contested topic the template's watch
// lists name planted, labels what was seen with the truth and checks that
// the analysis scores the histories in the planted order (promoting >
// neutral > debunking by SERP-MS, on the feed and on up-next) and exactly
// as the truth's served lists score them.
func TestWatchHistoryTemplateBrowser(t *testing.T) {
	needBrowser(t)
	cfg := simfeed.DefaultConfig()
	cfg.Stance = &simfeed.Stance{Topic: "vaccines"}
	cfg.Confidence = 0 // two sessions: the lean from the first watch
	srv, base := startSimfeed(t, cfg)
	dir := t.TempDir()
	path := filepath.Join(dir, "wh.yaml")
	if _, logs, err := runCLI(t, "init", "--template", "watch-history", "-o", path, "--base-url", base); err != nil {
		t.Fatalf("init: %v\n%s", err, logs)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	text := strings.NewReplacer("sessions: 3\n", "sessions: 2\n", "items_per_session: 20\n", "items_per_session: 10\n",
		"time: 30s", "time: 500ms", "session_timeout: 10m", "session_timeout: 90s").Replace(string(data))
	text = strings.Replace(text, "period: edit me", "period: test", 1)
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, errs, err := runCLI(t, "validate", path); err != nil {
		t.Fatalf("validate: %v\n%s%s", err, out, errs)
	}
	db := filepath.Join(dir, "wh.db")
	start := time.Now()
	if out, logs, err := runCLI(t, "run", path, "--db", db); err != nil {
		t.Fatalf("run: %v\n%s\n%s", err, out, logs)
	}
	ran := time.Since(start)
	if _, logs, err := runCLI(t, "label", "truth", "--db", db, "--url", base); err != nil {
		t.Fatalf("label truth: %v\n%s", err, logs)
	}
	out, logs, err := runCLI(t, "analyze", "--db", db, "--json")
	if err != nil {
		t.Fatalf("analyze: %v\n%s", err, logs)
	}
	var rep struct {
		Audit analysis.Audit `json:"audit"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("analyze JSON: %v", err)
	}
	got := map[[2]string]analysis.HistoryScores{}
	for _, h := range rep.Audit.Histories {
		got[[2]string{h.History, h.Surface}] = h
	}

	// The truth's figures: each user's served feed (the top
	// items_per_session of each visit) and up-next lists, scored by the
	// planted stances and harms; a user's history is the stance of the
	// items it watched (the items its up-next lists were beside).
	catalogue, err := simfeed.FetchTruthItems(context.Background(), base)
	if err != nil {
		t.Fatal(err)
	}
	score, stance := map[string]int8{}, map[string]string{}
	for _, it := range catalogue {
		score[it.ID], stance[it.ID] = int8(it.Score()), it.Stance
	}
	scores := func(served []simfeed.Served, n int) []int8 {
		var out []int8
		for _, s := range served[:min(n, len(served))] {
			out = append(out, score[s.Item])
		}
		return out
	}
	const depth = 10
	type fig struct{ serp, mean []float64 } // per user: the mean over its lists
	truth := map[[2]string]*fig{}
	add := func(history, surface string, lists [][]int8) {
		if len(lists) == 0 {
			return
		}
		var serp, mean float64
		for _, l := range lists {
			serp += analysis.SERPMS(toInts(l[:min(depth, len(l))]))
			mean += analysis.Mean(toFloats(l))
		}
		k := [2]string{history, surface}
		if truth[k] == nil {
			truth[k] = &fig{}
		}
		truth[k].serp = append(truth[k].serp, serp/float64(len(lists)))
		truth[k].mean = append(truth[k].mean, mean/float64(len(lists)))
	}
	for _, u := range srv.Truth().Users {
		history := "blank"
		var up [][]int8
		for _, l := range u.UpNext {
			history = stance[l.Beside]
			up = append(up, scores(l.Served, len(l.Served)))
		}
		var feed [][]int8
		for _, v := range u.Visits {
			if len(v.Served) > 0 {
				feed = append(feed, scores(v.Served, 10))
			}
		}
		add(history, "feed", feed)
		add(history, "up_next", up)
	}
	for k, f := range truth {
		h, ok := got[k]
		if !ok {
			t.Errorf("no %s/%s scores in the analysis: %+v", k[0], k[1], rep.Audit.Histories)
			continue
		}
		serp, mean := h.Metrics[analysis.SERPMSName(depth)], h.Metrics["mean_label_score"]
		t.Logf("%-9s %-7s serp_ms_10 %6.3f [%6.3f, %6.3f] truth %6.3f; mean label score %6.3f truth %6.3f; %d personas, %d lists",
			k[0], k[1], float64(serp.Mean), float64(serp.Lo), float64(serp.Hi), analysis.Mean(f.serp), float64(mean.Mean), analysis.Mean(f.mean), serp.N, h.Lists)
		if serp.N != len(f.serp) || math.Abs(float64(serp.Mean)-analysis.Mean(f.serp)) > 1e-9 || math.Abs(float64(mean.Mean)-analysis.Mean(f.mean)) > 1e-9 {
			t.Errorf("%s/%s: analysis serp_ms_10 %v, mean %v over %d personas; truth %v, %v over %d users", k[0], k[1],
				serp.Mean, mean.Mean, serp.N, analysis.Mean(f.serp), analysis.Mean(f.mean), len(f.serp))
		}
	}
	if len(got) != len(truth) {
		t.Errorf("the analysis scores %d history/surface pairs, the truth %d", len(got), len(truth))
	}
	for _, surface := range []string{"feed", "up_next"} {
		p, n, d := got[[2]string{"promoting", surface}], got[[2]string{"neutral", surface}], got[[2]string{"debunking", surface}]
		name := analysis.SERPMSName(depth)
		if !(p.Metrics[name].Mean > n.Metrics[name].Mean && n.Metrics[name].Mean > d.Metrics[name].Mean) {
			t.Errorf("%s: serp_ms_10 promoting %v, neutral %v, debunking %v; want them in that order", surface,
				p.Metrics[name].Mean, n.Metrics[name].Mean, d.Metrics[name].Mean)
		}
	}
	out, _, err = runCLI(t, "analyze", "--db", db)
	if err != nil || !strings.Contains(out, "watch histories") || !strings.Contains(out, "debunking") {
		t.Errorf("analyze's tables lack the watch histories (%v):\n%s", err, out)
	}
	t.Logf("campaign ran in %s", ran.Round(100*time.Millisecond))
}

func toInts(s []int8) []int {
	out := make([]int, len(s))
	for i, v := range s {
		out[i] = int(v)
	}
	return out
}

func toFloats(s []int8) []float64 {
	out := make([]float64, len(s))
	for i, v := range s {
		out[i] = float64(v)
	}
	return out
}
