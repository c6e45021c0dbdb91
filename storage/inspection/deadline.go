package inspection

import (
	"fmt"
	"time"
)

// ParseDay parses a date (2026-03-01, the start of that day in loc) or an
// RFC 3339 time.
func ParseDay(s string, loc *time.Location) (time.Time, error) {
	if t, err := time.ParseInLocation("2006-01-02", s, loc); err == nil {
		return t, nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q: want a date (2026-12-31) or an RFC 3339 time (2026-12-31T18:00:00+08:00)", s)
	}
	return t, nil
}

// ParseDeadline parses a deadline: a date means the end of that day (24:00)
// in loc, an RFC 3339 time is exact.
func ParseDeadline(s string, loc *time.Location) (time.Time, error) {
	if t, err := time.ParseInLocation("2006-01-02", s, loc); err == nil {
		return t.AddDate(0, 0, 1), nil
	}
	return ParseDay(s, loc)
}
