package schedule

import (
	"fmt"
	"hash/fnv"
	"time"

	"github.com/robfig/cron/v3"

	// Time zones are embedded so that a machine without tzdata can still
	// run "Asia/Shanghai" schedules.
	_ "time/tzdata"
)

// Policy says what happens to a slot that could not start on time.
type Policy string

// Missed-slot policies.
const (
	// RunOnce runs one catch-up slot for a run of missed slots, however many
	// were missed; the others are recorded as missed.
	RunOnce Policy = "run-once"
	// Skip records every missed slot as missed and waits for the next one.
	Skip Policy = "skip"
)

// maxTolerance caps the default tolerance.
const maxTolerance = 5 * time.Minute

// Spec is a schedule as written in a campaign file.
type Spec struct {
	// Cron is a five-field cron expression or descriptor; empty when Every
	// is set.
	Cron string `json:"cron,omitempty"`
	// Every is a fixed interval between slots; 0 when Cron is set. Interval
	// slots are counted from Start, or from when the daemon first saw the
	// schedule.
	Every time.Duration `json:"every_ns,omitempty"`
	// TimeZone is the IANA zone cron fields and dates are read in; "UTC" by
	// default.
	TimeZone string `json:"time_zone"`
	// Jitter delays each slot by a random duration in [0, Jitter), the same
	// for a given campaign and slot on every run.
	Jitter time.Duration `json:"jitter_ns,omitempty"`
	// Start and End bound the slots (inclusive); zero means unbounded.
	Start time.Time `json:"start,omitzero"`
	End   time.Time `json:"end,omitzero"`
	// Missed is the missed-slot policy; RunOnce by default.
	Missed Policy `json:"missed"`
	// Tolerance is how late a slot may start and still count as on time.
	// Zero means half the gap to the next slot, at most five minutes.
	Tolerance time.Duration `json:"tolerance_ns,omitempty"`
}

// Schedule computes the slots of a Spec. It is immutable and safe for
// concurrent use.
type Schedule struct {
	spec Spec
	loc  *time.Location
	cron cron.Schedule
}

// cronParser accepts the standard five fields and descriptors, not seconds
// and not @every (use every: instead).
var cronParser = cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)

// New checks spec and returns its Schedule.
func New(spec Spec) (*Schedule, error) {
	if spec.TimeZone == "" {
		spec.TimeZone = "UTC"
	}
	if spec.Missed == "" {
		spec.Missed = RunOnce
	}
	loc, err := time.LoadLocation(spec.TimeZone)
	if err != nil {
		return nil, fmt.Errorf("time zone %q: %w", spec.TimeZone, err)
	}
	s := &Schedule{spec: spec, loc: loc}
	switch {
	case spec.Cron != "" && spec.Every != 0:
		return nil, fmt.Errorf("give cron or every, not both")
	case spec.Cron != "":
		c, err := parseCron(spec.Cron)
		if err != nil {
			return nil, err
		}
		s.cron = c
	case spec.Every > 0:
		if spec.Every < time.Second {
			return nil, fmt.Errorf("every %s: must be at least 1s", spec.Every)
		}
	default:
		return nil, fmt.Errorf("give cron (\"0 9 * * *\") or every (6h)")
	}
	if spec.Jitter < 0 || spec.Tolerance < 0 {
		return nil, fmt.Errorf("jitter and tolerance must not be negative")
	}
	if spec.Missed != RunOnce && spec.Missed != Skip {
		return nil, fmt.Errorf("missed %q: want run-once or skip", spec.Missed)
	}
	if !spec.Start.IsZero() && !spec.End.IsZero() && spec.End.Before(spec.Start) {
		return nil, fmt.Errorf("end %s is before start %s", spec.End.Format(time.RFC3339), spec.Start.Format(time.RFC3339))
	}
	return s, nil
}

func parseCron(expr string) (cron.Schedule, error) {
	if len(expr) > 0 && expr[0] == '@' && len(expr) > 6 && expr[:6] == "@every" {
		return nil, fmt.Errorf("cron %q: write every: instead of @every", expr)
	}
	for _, p := range []string{"TZ=", "CRON_TZ="} {
		if len(expr) >= len(p) && expr[:len(p)] == p {
			return nil, fmt.Errorf("cron %q: give the zone in time_zone, not in the expression", expr)
		}
	}
	c, err := cronParser.Parse(expr)
	if err != nil {
		return nil, fmt.Errorf("cron %q: %w (want five fields: minute hour day-of-month month day-of-week)", expr, err)
	}
	return c, nil
}

// Spec returns the schedule's spec with defaults filled in.
func (s *Schedule) Spec() Spec { return s.spec }

// Location returns the schedule's time zone.
func (s *Schedule) Location() *time.Location { return s.loc }

// Next returns the first slot strictly after t, not before Start and not
// after End; the zero time when there is none.
func (s *Schedule) Next(t time.Time, origin time.Time) time.Time {
	if !s.spec.Start.IsZero() && t.Before(s.spec.Start) {
		t = s.spec.Start.Add(-time.Nanosecond)
	}
	var n time.Time
	if s.cron != nil {
		n = s.cron.Next(t.In(s.loc))
	} else {
		o := origin
		if !s.spec.Start.IsZero() {
			o = s.spec.Start
		}
		if t.Before(o) {
			n = o
		} else {
			k := t.Sub(o)/s.spec.Every + 1
			n = o.Add(k * s.spec.Every)
		}
	}
	if n.IsZero() || (!s.spec.End.IsZero() && n.After(s.spec.End)) {
		return time.Time{}
	}
	return n.UTC()
}

// Jitter returns the delay of slot for key (the campaign's name): uniform
// in [0, Jitter), the same on every run.
func (s *Schedule) Jitter(key string, slot time.Time) time.Duration {
	if s.spec.Jitter <= 0 {
		return 0
	}
	h := fnv.New64a()
	fmt.Fprintf(h, "%s\x00%d", key, slot.UnixNano())
	return time.Duration(h.Sum64() % uint64(s.spec.Jitter))
}

// tolerance is how late slot may start and still be on time.
func (s *Schedule) tolerance(slot, origin time.Time) time.Duration {
	if s.spec.Tolerance > 0 {
		return s.spec.Tolerance
	}
	next := s.Next(slot, origin)
	if next.IsZero() {
		return maxTolerance
	}
	return min(next.Sub(slot)/2, maxTolerance)
}

// Decision is what to do about a campaign's schedule at a moment.
type Decision struct {
	// Missed counts the slots that will not run, the first and the last of
	// them; they must be recorded as missed (and logged).
	Missed              int
	FirstMiss, LastMiss time.Time
	// Run is the slot to run now (its nominal time); zero when none is due.
	Run time.Time
	// CatchUp says Run is late: a missed slot run once under RunOnce.
	CatchUp bool
	// Next is the first slot after the last one decided about (after Run,
	// or after the missed ones); zero when the schedule has ended.
	Next time.Time
}

// maxScan bounds how many past slots Decide walks (a per-second interval
// after months of downtime); beyond it the older slots are counted in one
// jump for interval schedules and walked in chunks for cron ones.
const maxScan = 1 << 20

// Decide says which slots are due at now for a campaign whose last decided
// slot is last (zero for none yet) and whose schedule began at origin (the
// time the daemon first saw it; interval slots count from it). Slots at or
// before last are never returned again, so a slot runs at most once. The
// returned Run is due at Run + Jitter(key, Run); callers wait for that.
func (s *Schedule) Decide(last, origin, now time.Time) Decision {
	var d Decision
	after := last
	if after.IsZero() {
		after = origin.Add(-time.Nanosecond)
	}
	var due []time.Time // the last two due slots at most
	n := 0
	for t := s.Next(after, origin); !t.IsZero() && !t.After(now); t = s.Next(t, origin) {
		n++
		if n == 1 {
			d.FirstMiss = t
		}
		due = append(due, t)
		if len(due) > 2 {
			due = due[1:]
		}
		if n >= maxScan {
			break
		}
	}
	if n == 0 {
		d.Next = s.Next(after, origin)
		return d
	}
	latest := due[len(due)-1]
	onTime := now.Sub(latest) <= s.tolerance(latest, origin)
	switch {
	case onTime || s.spec.Missed == RunOnce:
		d.Run, d.CatchUp = latest, !onTime
		d.Missed = n - 1
		if d.Missed > 0 {
			d.LastMiss = due[len(due)-2]
		} else {
			d.FirstMiss = time.Time{}
		}
		d.Next = s.Next(latest, origin)
	default: // Skip, late
		d.Missed, d.LastMiss = n, latest
		d.Next = s.Next(latest, origin)
	}
	return d
}
