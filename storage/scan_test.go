package storage

import (
	"context"
	"errors"
	"fmt"
	"os"
	"reflect"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/feedprobe/feedprobe/probe/feed"
)

// scanRow is what EachImpression and EachSessionImpressions both report of
// one impression, for comparing them.
type scanRow struct {
	CampaignID, PersonaID, SessionID int64
	Persona, Role                    string
	Seq                              int
	Surface                          string
	Rank                             int
	ItemID, Topic, Title             string
	SeenAt                           int64 // -1 for NULL
}

// mustEachImpression returns EachImpression's rows of the campaign.
func mustEachImpression(tb testing.TB, db *DB, campaignID int64) []scanRow {
	tb.Helper()
	var rows []scanRow
	err := db.EachImpression(context.Background(), campaignID, func(r ImpressionRow) error {
		seen := int64(-1)
		if !r.SeenAt.IsZero() {
			seen = r.SeenAt.UnixMilli()
		}
		rows = append(rows, scanRow{r.CampaignID, r.PersonaID, r.SessionID, r.Persona, r.Role, r.Seq,
			r.Surface, r.Rank, r.ItemID, r.Topic, r.Title, seen})
		return nil
	})
	if err != nil {
		tb.Fatalf("EachImpression(%d): %v", campaignID, err)
	}
	return rows
}

// scanned is what one EachSessionImpressions call returned: the sessions
// in order and their impressions flattened into rows.
type scanned struct {
	sessions []Session
	rows     []scanRow
}

func collect(ctx context.Context, db *DB, campaignID int64, opt scanOptions) (scanned, error) {
	var got scanned
	err := db.eachSessionImpressions(ctx, campaignID, opt, func(s *SessionImpressions) error {
		got.sessions = append(got.sessions, s.Session)
		n := s.Len()
		if len(s.Surface) != n || len(s.SeenAt) != n || len(s.ItemID) != n || len(s.Topic) != n || len(s.Title) != n {
			return fmt.Errorf("session %d: column lengths %d %d %d %d %d %d differ", s.Session.ID,
				len(s.Surface), n, len(s.SeenAt), len(s.ItemID), len(s.Topic), len(s.Title))
		}
		for i := range n {
			got.rows = append(got.rows, scanRow{s.Session.CampaignID, s.Session.PersonaID, s.Session.ID,
				s.Persona, s.Role, s.Session.Seq, s.Surface[i], int(s.Rank[i]), s.ItemID[i], s.Topic[i], s.Title[i], s.SeenAt[i]})
		}
		return nil
	})
	return got, err
}

// scanFixture is a campaign with every kind of session EachSessionImpressions
// must tell apart, and hostile text.
type scanFixture struct {
	campaign   Campaign
	other      Campaign // a second campaign with done sessions
	done       []Session
	impsOfDone int
}

// hostileTexts are item ids, topics and titles that a separator-based
// encoding would get wrong.
func hostileTexts() []string {
	return []string{
		"12,3:", "1,2,3,4,5:abc", ",", ":", "", "a,b:c", "unit\x1fsep", "nul\x00inside\x00",
		"line\nbreak\r\n", "中文标题，带逗号：和冒号", "emoji 🫠👩‍👩‍👧", "\xff\xfe invalid \xc3\x28",
		"-1,-1,-1:", "%s ? ?1 '; DROP TABLE impressions; --", "7",
	}
}

func mustScanFixture(tb testing.TB, db *DB) scanFixture {
	tb.Helper()
	ctx := context.Background()
	ensure := func(name string) Campaign {
		c, _, err := db.EnsureCampaign(ctx, Campaign{Name: name, Platform: "simfeed", BaseURL: "http://127.0.0.1:1", Spec: []byte(`{}`), SpecHash: "h"})
		if err != nil {
			tb.Fatalf("EnsureCampaign: %v", err)
		}
		return c
	}
	persona := func(c Campaign, name, role string, n int) []Session {
		p, err := db.EnsurePersona(ctx, Persona{CampaignID: c.ID, Name: name, Role: role, Spec: []byte(`{}`)})
		if err != nil {
			tb.Fatalf("EnsurePersona: %v", err)
		}
		if err := db.PlanSessions(ctx, p.ID, n); err != nil {
			tb.Fatalf("PlanSessions: %v", err)
		}
		return mustSessionsOf(tb, db, c.ID, p.ID)
	}
	run := func(id int64, status string, batches ...[]feed.Impression) {
		tb.Helper()
		mustStart(tb, db, id)
		for _, b := range batches {
			if err := db.SaveImpressions(ctx, id, b); err != nil {
				tb.Fatalf("SaveImpressions(%d): %v", id, err)
			}
		}
		if status != StatusRunning {
			mustFinish(tb, db, id, status)
		}
	}
	hostile := hostileTexts()
	var hostileImps []feed.Impression
	for i, h := range hostile {
		im := feed.Impression{Item: feed.Item{ID: h + fmt.Sprint(i), Title: h, Topic: hostile[len(hostile)-1-i]},
			Rank: len(hostile) - i, Surface: "feed"}
		if i%3 != 0 {
			im.SeenAt = t0.Add(time.Duration(i) * time.Millisecond)
		}
		hostileImps = append(hostileImps, im)
	}
	huge := strings.Repeat("1,2:\x1f\x00中", 1<<20/8) // about 1 MB
	hugeImps := []feed.Impression{
		{Item: feed.Item{ID: "huge", Title: huge, Topic: "big"}, Rank: 2, Surface: "feed", SeenAt: t0},
		{Item: feed.Item{ID: "small", Title: "after the huge one", Topic: ""}, Rank: 3, Surface: "feed"},
		{Item: feed.Item{ID: "x", Title: "12,3:", Topic: "12,3:"}, Rank: 1, Surface: "feed", SeenAt: time.UnixMilli(-5)},
	}
	// Hostile surface names, and one that sorts before "feed".
	odd := []feed.Impression{
		{Item: feed.Item{ID: "o1", Title: "t"}, Rank: 1, Surface: "a,b:c\x1f", SeenAt: t0},
		{Item: feed.Item{ID: "o2", Title: "t"}, Rank: 1, Surface: "Feed", SeenAt: t0},
		{Item: feed.Item{ID: "o3", Title: "t"}, Rank: 4, Surface: "搜索", SeenAt: t0},
	}

	c := ensure("scan")
	other := ensure("other")
	// p2 is planned before p1's sessions, so session ids do not follow
	// persona order.
	persona(c, "p1", "treatment", 0)
	p2 := persona(c, "p2", "control", 3)
	p1 := persona(c, "p1", "treatment", 4)
	p3 := persona(c, "p3 ,:\x1f", "treatment", 2)
	o := persona(other, "p1", "treatment", 1)

	// Saved out of rank order and in several batches.
	run(p2[2].ID, StatusDone, makeImpressions("hot", 3), makeImpressions("feed", 5)[2:], makeImpressions("feed", 2))
	run(p2[0].ID, StatusDone, hostileImps, odd)
	run(p2[1].ID, StatusDone) // done, no impressions
	run(p1[0].ID, StatusDone, hugeImps)
	run(p1[1].ID, StatusFailed, makeImpressions("feed", 4)) // failed: left out
	retry, err := db.RetrySession(ctx, p1[1].ID)
	if err != nil {
		tb.Fatalf("RetrySession: %v", err)
	}
	run(retry, StatusDone, makeImpressions("search", 2), makeImpressions("feed", 3))
	run(p1[2].ID, StatusBlocked, makeImpressions("feed", 2)) // blocked: left out
	run(p1[3].ID, StatusRunning, makeImpressions("feed", 6)) // unfinished: left out
	run(p3[0].ID, StatusDone, makeImpressions("feed", 7))
	// p3[1] stays planned.
	run(o[0].ID, StatusDone, makeImpressions("feed", 9))

	all, err := db.Sessions(ctx, c.ID)
	if err != nil {
		tb.Fatalf("Sessions: %v", err)
	}
	f := scanFixture{campaign: c, other: other}
	for _, s := range all {
		if s.Status == StatusDone {
			f.done = append(f.done, s)
			f.impsOfDone += s.Items
		}
	}
	return f
}

func TestEachSessionImpressionsMatchesEachImpression(t *testing.T) {
	ctx := context.Background()
	db := mustOpenDB(t)
	f := mustScanFixture(t, db)
	want := mustEachImpression(t, db, f.campaign.ID)
	if len(want) != f.impsOfDone || len(want) < 40 || len(f.done) != 6 {
		t.Fatalf("fixture: EachImpression gave %d rows of %d done sessions, want %d rows (at least 40) of 6",
			len(want), len(f.done), f.impsOfDone)
	}
	tests := []struct {
		name string
		opt  scanOptions
	}{
		{"defaults", db.defaultScanOptions()},
		{"one session per chunk, 3 workers", scanOptions{chunkSessions: 1, chunkImpressions: 1 << 20, workers: 3}},
		{"two sessions per chunk, 2 workers", scanOptions{chunkSessions: 2, chunkImpressions: 1 << 20, workers: 2}},
		{"chunks cut by impressions, 4 workers", scanOptions{chunkSessions: 100, chunkImpressions: 8, workers: 4}},
		{"one worker", scanOptions{chunkSessions: 3, chunkImpressions: 1 << 20, workers: 1}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := collect(ctx, db, f.campaign.ID, tc.opt)
			if err != nil {
				t.Fatalf("eachSessionImpressions: %v", err)
			}
			if !reflect.DeepEqual(got.sessions, f.done) {
				t.Errorf("sessions =\n%+v\nwant the done ones\n%+v", got.sessions, f.done)
			}
			if len(got.rows) != len(want) {
				t.Fatalf("%d impressions, want %d", len(got.rows), len(want))
			}
			for i := range got.rows {
				if got.rows[i] != want[i] {
					t.Fatalf("impression %d = %s, want %s (EachImpression's)", i, abbrev(got.rows[i]), abbrev(want[i]))
				}
			}
		})
	}
	// The exported entry point, and the other campaign is separate.
	var n, sessions int
	err := db.EachSessionImpressions(ctx, f.other.ID, func(s *SessionImpressions) error {
		sessions++
		n += s.Len()
		return nil
	})
	if err != nil || sessions != 1 || n != 9 {
		t.Errorf("EachSessionImpressions(other) = %v after %d sessions, %d impressions, want nil after 1, 9", err, sessions, n)
	}
}

// abbrev shortens a row's long texts for a failure message.
func abbrev(r scanRow) string {
	short := func(s string) string {
		if len(s) > 40 {
			return fmt.Sprintf("%q...(%d bytes)", s[:40], len(s))
		}
		return fmt.Sprintf("%q", s)
	}
	return fmt.Sprintf("{session %d persona %q seq %d %s #%d item %s topic %s title %s seen %d}",
		r.SessionID, r.Persona, r.Seq, short(r.Surface), r.Rank, short(r.ItemID), short(r.Topic), short(r.Title), r.SeenAt)
}

func TestEachSessionImpressionsNoSessions(t *testing.T) {
	ctx := context.Background()
	db := mustOpenDB(t)
	f := mustFixture(t, db, "c", 2) // planned only
	for _, id := range []int64{f.campaign.ID, 999} {
		calls := 0
		err := db.EachSessionImpressions(ctx, id, func(*SessionImpressions) error { calls++; return nil })
		if err != nil || calls != 0 {
			t.Errorf("EachSessionImpressions(%d) = %v after %d calls, want nil after 0", id, err, calls)
		}
	}
}

func TestEachSessionImpressionsStops(t *testing.T) {
	db := mustOpenDB(t)
	ctx := context.Background()
	c, _, err := db.EnsureCampaign(ctx, Campaign{Name: "c", Platform: "simfeed", SpecHash: "h"})
	if err != nil {
		t.Fatal(err)
	}
	const sessions = 40
	p := mustPersona(t, db, c.ID, "p", sessions)
	for _, s := range mustSessionsOf(t, db, c.ID, p.ID) {
		mustStart(t, db, s.ID)
		if err := db.SaveImpressions(ctx, s.ID, makeImpressions("feed", 20)); err != nil {
			t.Fatal(err)
		}
		mustFinish(t, db, s.ID, StatusDone)
	}
	opt := scanOptions{chunkSessions: 2, chunkImpressions: 1 << 20, workers: 3}
	stop := errors.New("stop")
	// Warm the read pool up so its connections are not counted as leaks.
	if _, err := collect(ctx, db, c.ID, opt); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name      string
		stopAfter int  // fn stops at its stopAfter-th call
		cancel    bool // by cancelling ctx instead of returning stop
		wantCalls int
		wantErr   error
	}{
		{"fn fails at once", 1, false, 1, stop},
		{"fn fails mid-way", 7, false, 7, stop},
		{"fn fails at the last", sessions, false, sessions, stop},
		{"ctx cancelled at once", 1, true, 1, context.Canceled},
		{"ctx cancelled mid-way", 13, true, 13, context.Canceled},
		{"ctx cancelled before", 0, true, 0, context.Canceled},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before := runtime.NumGoroutine()
			ctx, cancel := context.WithCancel(ctx)
			defer cancel()
			if tc.stopAfter == 0 {
				cancel()
			}
			calls := 0
			err := db.eachSessionImpressions(ctx, c.ID, opt, func(*SessionImpressions) error {
				calls++
				if calls == tc.stopAfter {
					if tc.cancel {
						cancel()
						return nil
					}
					return stop
				}
				return nil
			})
			if !errors.Is(err, tc.wantErr) || calls != tc.wantCalls {
				t.Errorf("eachSessionImpressions = %v after %d calls, want %v after %d", err, calls, tc.wantErr, tc.wantCalls)
			}
			if !tc.cancel && err != stop {
				t.Errorf("eachSessionImpressions = %v, want fn's error unwrapped", err)
			}
			if after := waitGoroutines(before); after > before {
				t.Errorf("goroutines: %d after, %d before", after, before)
			}
			// The DB still works.
			got, err := collect(context.Background(), db, c.ID, opt)
			if err != nil || len(got.sessions) != sessions || len(got.rows) != sessions*20 {
				t.Errorf("second call = %v with %d sessions, %d impressions, want nil, %d, %d",
					err, len(got.sessions), len(got.rows), sessions, sessions*20)
			}
		})
	}
}

// waitGoroutines waits up to a second for the number of goroutines to fall
// to at most n, and returns it.
func waitGoroutines(n int) int {
	deadline := time.Now().Add(time.Second)
	for {
		got := runtime.NumGoroutine()
		if got <= n || time.Now().After(deadline) {
			return got
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestEachSessionImpressionsMalformedNamesSession(t *testing.T) {
	ctx := context.Background()
	db := mustOpenDB(t)
	f := mustFixture(t, db, "c", 2)
	for _, s := range f.sessions {
		mustStart(t, db, s.ID)
		if err := db.SaveImpressions(ctx, s.ID, makeImpressions("feed", 3)); err != nil {
			t.Fatal(err)
		}
		mustFinish(t, db, s.ID, StatusDone)
	}
	bad := f.sessions[1].ID
	if _, err := db.w.ExecContext(ctx, "UPDATE impressions SET seen_at = 'noon' WHERE session_id = ? AND rank = 2", bad); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name      string
		opt       scanOptions
		wantCalls int
	}{
		{"one chunk", db.defaultScanOptions(), 0},
		{"a chunk per session", scanOptions{chunkSessions: 1, chunkImpressions: 1 << 20, workers: 2}, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var calls int
			err := db.eachSessionImpressions(ctx, f.campaign.ID, tc.opt, func(*SessionImpressions) error { calls++; return nil })
			if !errors.Is(err, errMalformed) || !strings.Contains(err.Error(), fmt.Sprintf("session %d:", bad)) {
				t.Errorf("eachSessionImpressions = %v, want an error wrapping errMalformed naming session %d", err, bad)
			}
			if calls != tc.wantCalls {
				t.Errorf("fn called %d times, want %d (the sessions of the chunks before the bad one)", calls, tc.wantCalls)
			}
		})
	}
}

func TestParseRecords(t *testing.T) {
	rec := func(rank, seen, item, topic, title string) string {
		return fmt.Sprintf("%s,%s,%d,%d,%d:%s%s%s", rank, seen, len(item), len(topic), len(title), item, topic, title)
	}
	type imp struct {
		rank               int32
		seen               int64
		item, topic, title string
	}
	tests := []struct {
		name    string
		n       int
		rec     string
		want    []imp
		wantErr bool
	}{
		{"sorted", 2, rec("1", "5", "a", "b", "c") + rec("2", "", "", "", ""),
			[]imp{{1, 5, "a", "b", "c"}, {2, -1, "", "", ""}}, false},
		{"unsorted is sorted by rank", 3, rec("3", "30", "c", "", "3,0,0,0:") + rec("1", "-10", "a", "1:", "") + rec("2", "", "b", ",", "\x00"),
			[]imp{{1, -10, "a", "1:", ""}, {2, -1, "b", ",", "\x00"}, {3, 30, "c", "", "3,0,0,0:"}}, false},
		{"fewer records than counted", 3, rec("1", "5", "a", "b", "c") + rec("2", "", "", "", ""), nil, true},
		{"more records than counted", 1, rec("1", "5", "a", "b", "c") + rec("2", "", "", "", ""), nil, true},
		{"trailing byte", 1, rec("1", "5", "a", "b", "c") + "x", nil, true},
		{"length past the end", 1, "1,5,1,1,9:abc", nil, true},
		{"negative length", 1, "1,5,-1,1,1:ab", nil, true},
		{"no colon", 1, "1,5,1,1,1,abc", nil, true},
		{"rank zero", 1, rec("0", "5", "a", "b", "c"), nil, true},
		{"rank past int32", 1, rec("2147483648", "5", "a", "b", "c"), nil, true},
		{"rank not a number", 1, rec("1.5", "5", "a", "b", "c"), nil, true},
		{"seen_at not an integer", 1, rec("1", "1.5", "a", "b", "c"), nil, true},
		{"seen_at past int64", 1, rec("1", "99999999999999999999", "a", "b", "c"), nil, true},
		{"empty", 1, "", nil, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := &SessionImpressions{}
			err := s.fill([]surfaceRecord{{surface: "feed", n: tc.n, rec: tc.rec}})
			if tc.wantErr {
				if !errors.Is(err, errMalformed) {
					t.Fatalf("fill(%q) = %v, want errMalformed", tc.rec, err)
				}
				return
			}
			if err != nil {
				t.Fatalf("fill(%q): %v", tc.rec, err)
			}
			var got []imp
			for i := range s.Len() {
				if s.Surface[i] != "feed" {
					t.Errorf("Surface[%d] = %q, want feed", i, s.Surface[i])
				}
				got = append(got, imp{s.Rank[i], s.SeenAt[i], s.ItemID[i], s.Topic[i], s.Title[i]})
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("fill(%q) =\n%+v\nwant\n%+v", tc.rec, got, tc.want)
			}
		})
	}
}

func TestFillSortsSurfaces(t *testing.T) {
	s := &SessionImpressions{}
	err := s.fill([]surfaceRecord{
		{surface: "hot", n: 1, rec: "1,,1,0,0:h"},
		{surface: "Feed", n: 1, rec: "1,,1,0,0:F"},
		{surface: "feed", n: 2, rec: "2,,1,0,0:b1,,1,0,0:a"},
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"F", "a", "b", "h"}
	if !reflect.DeepEqual(s.ItemID, want) {
		t.Errorf("items = %q, want %q (surfaces by byte order, then rank)", s.ItemID, want)
	}
	if err := s.fill([]surfaceRecord{{surface: "x", n: 1, rec: "1,,0,0,0:"}, {surface: "x", n: 1, rec: "2,,0,0,0:"}}); err == nil {
		t.Errorf("fill with a surface twice = nil, want an error")
	}
}

// TestEachSessionImpressionsFile times EachSessionImpressions on the
// database FEEDPROBE_SCAN_DB names (read-only), such as the benchmark's 10M
// impressions, and checks the count against the sessions' Items. Skipped
// when the variable is unset.
func TestEachSessionImpressionsFile(t *testing.T) {
	path := os.Getenv("FEEDPROBE_SCAN_DB")
	if path == "" {
		t.Skip("FEEDPROBE_SCAN_DB not set")
	}
	ctx := context.Background()
	db, err := OpenReadOnly(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	cs, err := db.Campaigns(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cs {
		start := time.Now()
		var sessions, imps, items int
		err := db.EachSessionImpressions(ctx, c.ID, func(s *SessionImpressions) error {
			sessions++
			imps += s.Len()
			items += s.Session.Items
			return nil
		})
		elapsed := time.Since(start)
		if err != nil {
			t.Fatalf("EachSessionImpressions(%d): %v", c.ID, err)
		}
		if imps != items {
			t.Errorf("campaign %d: %d impressions, want the sessions' %d", c.ID, imps, items)
		}
		t.Logf("campaign %d %q: %d sessions, %d impressions in %v (%.0f ns/impression, GOMAXPROCS=%d, workers %d)",
			c.ID, c.Name, sessions, imps, elapsed, float64(elapsed.Nanoseconds())/float64(max(imps, 1)),
			runtime.GOMAXPROCS(0), db.defaultScanOptions().workers)
	}
}

// mustBenchDB fills a database with 200k impressions: 8 personas, 50 done
// sessions each, 500 impressions per session on two surfaces.
func mustBenchDB(b *testing.B) (*DB, int64, int) {
	b.Helper()
	ctx := context.Background()
	db := mustOpenDB(b)
	c, _, err := db.EnsureCampaign(ctx, Campaign{Name: "bench", Platform: "simfeed", SpecHash: "h"})
	if err != nil {
		b.Fatal(err)
	}
	total := 0
	for pi := range 8 {
		p := mustPersona(b, db, c.ID, fmt.Sprintf("p%d", pi), 50)
		for si, s := range mustSessionsOf(b, db, c.ID, p.ID) {
			imps := make([]feed.Impression, 500)
			for i := range imps {
				surface, rank := "feed", i+1
				if i >= 400 {
					surface, rank = "hot", i-399
				}
				n := (pi*7919 + si*104729 + i*31) % 5000
				imps[i] = feed.Impression{
					Item: feed.Item{
						ID:    fmt.Sprintf("item-%04d", n),
						Title: fmt.Sprintf("Item %d: a story about topic %d for everyone", n, n%12),
						Topic: fmt.Sprintf("topic-%d", n%12),
					},
					Rank: rank, Surface: surface, SeenAt: t0.Add(time.Duration(i) * 10 * time.Millisecond),
				}
			}
			mustStart(b, db, s.ID)
			if err := db.SaveImpressions(ctx, s.ID, imps); err != nil {
				b.Fatal(err)
			}
			mustFinish(b, db, s.ID, StatusDone)
			total += len(imps)
		}
	}
	return db, c.ID, total
}

func BenchmarkEachSessionImpressions(b *testing.B) {
	db, campaignID, total := mustBenchDB(b)
	ctx := context.Background()
	for b.Loop() {
		n := 0
		if err := db.EachSessionImpressions(ctx, campaignID, func(s *SessionImpressions) error {
			n += s.Len()
			return nil
		}); err != nil {
			b.Fatal(err)
		}
		if n != total {
			b.Fatalf("%d impressions, want %d", n, total)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*total), "ns/impression")
}

func BenchmarkEachImpression(b *testing.B) {
	db, campaignID, total := mustBenchDB(b)
	ctx := context.Background()
	for b.Loop() {
		n := 0
		if err := db.EachImpression(ctx, campaignID, func(ImpressionRow) error {
			n++
			return nil
		}); err != nil {
			b.Fatal(err)
		}
		if n != total {
			b.Fatalf("%d impressions, want %d", n, total)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*total), "ns/impression")
}

// TestNumberMatchesChecked compares number's unchecked path with
// numberChecked (the parser it replaced) on every length of digits around
// the 18 it sums without a check, signs, leading zeros, overflow and bad
// ends.
func TestNumberMatchesChecked(t *testing.T) {
	var cases []string
	for n := 0; n <= 22; n++ {
		for _, d := range []string{"1", "9", "0"} {
			digits := strings.Repeat(d, n)
			for _, sign := range []string{"", "-"} {
				cases = append(cases, sign+digits+",", sign+digits+":", sign+digits, sign+digits+"x,", sign+"0"+digits+",")
			}
		}
	}
	cases = append(cases, "9223372036854775807,", "9223372036854775808,", "-9223372036854775807,", "00000000000000000000042,",
		"1234567890123,", "-1,", ",", "-,", "--1,", "1-,", "+1,", " 1,", "12,3:")
	for _, c := range cases {
		for _, end := range []byte{',', ':'} {
			v, p, ok := number(c, 0, end)
			wv, wp, wok := numberChecked(c, 0, end)
			if v != wv || p != wp || ok != wok {
				t.Errorf("number(%q, %q) = %d, %d, %v; want %d, %d, %v", c, end, v, p, ok, wv, wp, wok)
			}
		}
	}
}
