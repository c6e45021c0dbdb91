package schedule

import (
	"strings"
	"testing"
	"time"

	"github.com/feedprobe/feedprobe/personas"
)

func mustNew(t *testing.T, spec Spec) *Schedule {
	t.Helper()
	s, err := New(spec)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func ts(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t.UTC()
}

func TestNextCronTimeZone(t *testing.T) {
	tests := []struct {
		name  string
		spec  Spec
		after string
		want  string
	}{
		{"shanghai 9:00 is 01:00 UTC", Spec{Cron: "0 9 * * *", TimeZone: "Asia/Shanghai"}, "2026-03-01T00:00:00Z", "2026-03-01T01:00:00Z"},
		{"same day already past", Spec{Cron: "0 9 * * *", TimeZone: "Asia/Shanghai"}, "2026-03-01T01:00:00Z", "2026-03-02T01:00:00Z"},
		{"utc default", Spec{Cron: "30 6 * * 1"}, "2026-03-01T00:00:00Z", "2026-03-02T06:30:00Z"},
		{"new york before DST", Spec{Cron: "0 9 * * *", TimeZone: "America/New_York"}, "2026-03-07T00:00:00Z", "2026-03-07T14:00:00Z"},
		{"new york after DST", Spec{Cron: "0 9 * * *", TimeZone: "America/New_York"}, "2026-03-08T00:00:00Z", "2026-03-08T13:00:00Z"},
		{"descriptor", Spec{Cron: "@daily", TimeZone: "Asia/Shanghai"}, "2026-03-01T00:00:00Z", "2026-03-01T16:00:00Z"},
		{"start clamps", Spec{Cron: "0 * * * *", Start: ts("2026-05-01T00:00:00Z")}, "2026-03-01T00:00:00Z", "2026-05-01T00:00:00Z"},
		{"end stops", Spec{Cron: "0 * * * *", End: ts("2026-03-01T00:30:00Z")}, "2026-03-01T00:00:00Z", ""},
		{"interval from start", Spec{Every: 6 * time.Hour, Start: ts("2026-03-01T03:00:00Z")}, "2026-03-01T10:00:00Z", "2026-03-01T15:00:00Z"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := mustNew(t, tc.spec)
			got := s.Next(ts(tc.after), ts("2026-01-01T00:00:00Z"))
			var want time.Time
			if tc.want != "" {
				want = ts(tc.want)
			}
			if !got.Equal(want) {
				t.Fatalf("Next(%s) = %s, want %s", tc.after, got, want)
			}
		})
	}
}

func TestDecide(t *testing.T) {
	origin := ts("2026-03-01T00:00:00Z")
	hourly := Spec{Every: time.Hour} // slots at 00:00, 01:00, ...; tolerance 5m
	tests := []struct {
		name       string
		spec       Spec
		last, now  string
		wantRun    string
		wantCatch  bool
		wantMissed int
		wantNext   string
	}{
		{"nothing due", Spec{Every: time.Hour, Start: ts("2026-03-01T06:00:00Z")}, "", "2026-03-01T00:30:00Z", "", false, 0, "2026-03-01T06:00:00Z"},
		{"first slot at origin", hourly, "", "2026-03-01T00:00:05Z", "2026-03-01T00:00:00Z", false, 0, "2026-03-01T01:00:00Z"},
		{"already ran", hourly, "2026-03-01T01:00:00Z", "2026-03-01T01:10:00Z", "", false, 0, "2026-03-01T02:00:00Z"},
		{"late within tolerance", hourly, "2026-03-01T01:00:00Z", "2026-03-01T02:04:00Z", "2026-03-01T02:00:00Z", false, 0, "2026-03-01T03:00:00Z"},
		{"late run-once", hourly, "2026-03-01T01:00:00Z", "2026-03-01T02:31:00Z", "2026-03-01T02:00:00Z", true, 0, "2026-03-01T03:00:00Z"},
		{"late skip", Spec{Every: time.Hour, Missed: Skip}, "2026-03-01T01:00:00Z", "2026-03-01T02:31:00Z", "", false, 1, "2026-03-01T03:00:00Z"},
		{"down 3 slots run-once", hourly, "2026-03-01T01:00:00Z", "2026-03-01T04:45:00Z", "2026-03-01T04:00:00Z", true, 2, "2026-03-01T05:00:00Z"},
		{"down 3 slots skip", Spec{Every: time.Hour, Missed: Skip}, "2026-03-01T01:00:00Z", "2026-03-01T04:45:00Z", "", false, 3, "2026-03-01T05:00:00Z"},
		{"down, latest on time", Spec{Every: time.Hour, Missed: Skip}, "2026-03-01T01:00:00Z", "2026-03-01T04:01:00Z", "2026-03-01T04:00:00Z", false, 2, "2026-03-01T05:00:00Z"},
		{"explicit tolerance", Spec{Every: time.Hour, Missed: Skip, Tolerance: time.Minute}, "2026-03-01T01:00:00Z", "2026-03-01T02:02:00Z", "", false, 1, "2026-03-01T03:00:00Z"},
		{"ended", Spec{Every: time.Hour, End: ts("2026-03-01T02:00:00Z")}, "2026-03-01T02:00:00Z", "2026-03-01T09:00:00Z", "", false, 0, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := mustNew(t, tc.spec)
			var last time.Time
			if tc.last != "" {
				last = ts(tc.last)
			}
			d := s.Decide(last, origin, ts(tc.now))
			opt := func(s string) time.Time {
				if s == "" {
					return time.Time{}
				}
				return ts(s)
			}
			if !d.Run.Equal(opt(tc.wantRun)) || d.CatchUp != tc.wantCatch || d.Missed != tc.wantMissed || !d.Next.Equal(opt(tc.wantNext)) {
				t.Fatalf("Decide = run %s catch-up %v missed %d next %s, want run %s catch-up %v missed %d next %s",
					d.Run, d.CatchUp, d.Missed, d.Next, tc.wantRun, tc.wantCatch, tc.wantMissed, tc.wantNext)
			}
			if d.Missed > 0 && (d.FirstMiss.IsZero() || d.LastMiss.Before(d.FirstMiss)) {
				t.Fatalf("Decide missed range = %s..%s", d.FirstMiss, d.LastMiss)
			}
		})
	}
}

// TestDecideNeverRepeats walks a day minute by minute, recording what
// Decide runs or misses: every slot is decided exactly once.
func TestDecideNeverRepeats(t *testing.T) {
	s := mustNew(t, Spec{Cron: "*/7 * * * *", TimeZone: "Asia/Shanghai"})
	origin := ts("2026-03-01T00:00:00Z")
	var last time.Time
	seen := 0
	for now := origin; now.Before(origin.Add(24 * time.Hour)); now = now.Add(3 * time.Minute) {
		d := s.Decide(last, origin, now)
		if d.Missed > 0 {
			seen += d.Missed
			last = d.LastMiss
		}
		if !d.Run.IsZero() {
			if !d.Run.After(last) {
				t.Fatalf("Decide ran %s again (last %s)", d.Run, last)
			}
			seen++
			last = d.Run
		}
	}
	want := 0
	for x := s.Next(origin.Add(-1), origin); x.Before(origin.Add(24*time.Hour - 3*time.Minute)); x = s.Next(x, origin) {
		want++
	}
	if seen != want {
		t.Errorf("decided %d slots, want %d", seen, want)
	}
}

func TestJitter(t *testing.T) {
	s := mustNew(t, Spec{Every: time.Hour, Jitter: 10 * time.Minute})
	slot := ts("2026-03-01T01:00:00Z")
	a, b := s.Jitter("c1", slot), s.Jitter("c1", slot)
	if a != b {
		t.Errorf("Jitter not reproducible: %s then %s", a, b)
	}
	distinct := map[time.Duration]bool{}
	for i := range 50 {
		j := s.Jitter("c1", slot.Add(time.Duration(i)*time.Hour))
		if j < 0 || j >= 10*time.Minute {
			t.Fatalf("Jitter = %s, want in [0, 10m)", j)
		}
		distinct[j] = true
	}
	if len(distinct) < 40 {
		t.Errorf("Jitter gave %d distinct values over 50 slots, want spread", len(distinct))
	}
	if j := mustNew(t, Spec{Every: time.Hour}).Jitter("c1", slot); j != 0 {
		t.Errorf("Jitter without jitter = %s, want 0", j)
	}
}

func TestSplitCampaign(t *testing.T) {
	src := "campaign: daily\nplatform: simfeed\nschedule:\n  cron: \"0 9 * * *\"\n  time_zone: Asia/Shanghai\n  jitter: 10m\n  start: 2026-03-01\n  end: 2026-03-31\n  missed: skip\nbase_url: http://127.0.0.1:1\n"
	s, rest, err := SplitCampaign("c.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := strings.Count(string(rest), "\n"), strings.Count(src, "\n"); got != want {
		t.Errorf("rest has %d lines, want %d", got, want)
	}
	if strings.Contains(string(rest), "cron") || !strings.Contains(string(rest), "base_url") {
		t.Errorf("rest = %q, want the schedule block blanked and the rest kept", rest)
	}
	sp := s.Spec()
	if sp.Missed != Skip || sp.Jitter != 10*time.Minute || !sp.Start.Equal(ts("2026-02-28T16:00:00Z")) || !sp.End.Equal(ts("2026-03-31T16:00:00Z").Add(-1)) {
		t.Errorf("spec = %+v", sp)
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name, yaml, want string
	}{
		{"missing", "campaign: x\n", "c.yaml:1: schedule: required field is missing"},
		{"bad cron", "schedule:\n  cron: \"0 25 * * *\"\n", "c.yaml:2: schedule.cron: cron \"0 25 * * *\""},
		{"both", "schedule:\n  cron: \"0 9 * * *\"\n  every: 1h\n", "c.yaml:3: schedule.every: give cron or every, not both"},
		{"neither", "schedule:\n  jitter: 1m\n", "c.yaml:2: schedule.cron: required"},
		{"zone", "schedule:\n  every: 1h\n  time_zone: Mars/Olympus\n", "c.yaml:3: schedule.time_zone: unknown time zone"},
		{"duration", "schedule:\n  every: often\n", "c.yaml:2: schedule.every: \"often\" is not a duration"},
		{"policy", "schedule:\n  every: 1h\n  missed: later\n", "c.yaml:3: schedule.missed: \"later\""},
		{"unknown", "schedule:\n  every: 1h\n  when: now\n", "c.yaml:3: schedule.when: unknown field"},
		{"dates", "schedule:\n  every: 1h\n  start: 2026-03-02\n  end: 2026-03-01\n", "c.yaml:4: schedule.end: is before start"},
		{"tz in cron", "schedule:\n  cron: \"CRON_TZ=UTC 0 9 * * *\"\n", "give the zone in time_zone"},
		{"every too short", "schedule:\n  every: 10ms\n", "c.yaml:2: schedule.every: must be at least 1s"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := SplitCampaign("c.yaml", []byte(tc.yaml))
			if err == nil {
				t.Fatalf("SplitCampaign(%q) = nil error, want %q", tc.yaml, tc.want)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("SplitCampaign error = %q, want it to contain %q", err, tc.want)
			}
			if len(personas.Errors(err)) == 0 {
				t.Fatalf("error %v holds no *personas.Error", err)
			}
		})
	}
}

func TestBlank(t *testing.T) {
	in := "campaign: c\nschedule:\n  cron: nonsense\n\n  # a comment\n  every: x\nsessions: 2\n"
	want := "campaign: c\n\n\n\n\n\nsessions: 2\n"
	if got := string(Blank([]byte(in))); got != want {
		t.Errorf("Blank(%q) = %q, want %q", in, got, want)
	}
}
