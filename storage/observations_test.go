package storage

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/feedprobe/feedprobe/probe/feed"
)

func TestSaveImpressionsRoundTrip(t *testing.T) {
	ctx := context.Background()
	db := mustOpenDB(t)
	f := mustFixture(t, db, "c", 1)
	id := f.sessions[0].ID
	mustStart(t, db, id)
	imps := []feed.Impression{
		{Item: feed.Item{ID: "b", Title: "B", Author: "ann", URL: "http://127.0.0.1/b", Topic: "news", Sponsored: true, PriceText: "¥19.99", Price: 19.99}, Rank: 2, SeenAt: t0.Add(time.Second), Surface: "feed"},
		{Item: feed.Item{ID: "a", Title: "A", Synthetic: true}, Rank: 1, SeenAt: t0, Surface: "feed"},
		{Item: feed.Item{ID: "free", Title: "Zero", PriceText: "free", Price: 0}, Rank: 1, SeenAt: t0, Surface: "hot"},
	}
	if err := db.SaveImpressions(ctx, id, imps); err != nil {
		t.Fatalf("SaveImpressions: %v", err)
	}
	got, err := db.Impressions(ctx, id)
	if err != nil {
		t.Fatalf("Impressions: %v", err)
	}
	want := []feed.Impression{imps[1], imps[0], imps[2]} // by surface, rank
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Impressions =\n%+v\nwant\n%+v", got, want)
	}
}

// TestSaveImpressionsCapture stores the capture columns (source, displayed
// time, served and displayed ranks) and reads them back; NULL stays nil.
func TestSaveImpressionsCapture(t *testing.T) {
	ctx := context.Background()
	db := mustOpenDB(t)
	f := mustFixture(t, db, "c", 1)
	id := f.sessions[0].ID
	mustStart(t, db, id)
	shown := t0.Add(3 * time.Second).UTC()
	imps := []feed.Impression{
		{Item: feed.Item{ID: "a", Title: "A"}, Rank: 1, SeenAt: t0, Surface: "feed", Source: feed.SourceBoth, DisplayedAt: &shown, ServedRank: 1, DisplayedRank: 1},
		{Item: feed.Item{ID: "b", Title: "B", Sponsored: true}, Rank: 2, SeenAt: t0, Surface: "feed", Source: feed.SourceNetwork, ServedRank: 2},
		{Item: feed.Item{ID: "c", Title: "C"}, Rank: 3, SeenAt: t0, Surface: "feed", Source: feed.SourceDOM},
	}
	if err := db.SaveImpressions(ctx, id, imps); err != nil {
		t.Fatalf("SaveImpressions: %v", err)
	}
	got, err := db.Impressions(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, imps) {
		t.Errorf("Impressions =\n%+v\nwant\n%+v", got, imps)
	}
	var nullDisplayed, nullServed int
	if err := db.r.QueryRowContext(ctx, `SELECT count(*) FILTER (WHERE displayed_at IS NULL), count(*) FILTER (WHERE served_rank IS NULL)
		FROM impressions WHERE session_id = ?`, id).Scan(&nullDisplayed, &nullServed); err != nil {
		t.Fatal(err)
	}
	if nullDisplayed != 2 || nullServed != 1 {
		t.Errorf("NULL displayed_at %d, NULL served_rank %d; want 2 and 1", nullDisplayed, nullServed)
	}
	bad := []feed.Impression{{Item: feed.Item{ID: "d"}, Rank: 4, Surface: "feed", Source: "guess"}}
	if err := db.SaveImpressions(ctx, id, bad); err == nil {
		t.Error("SaveImpressions with source \"guess\" gave no error")
	}
}

func TestSaveImpressionsUpsertsItems(t *testing.T) {
	ctx := context.Background()
	db := mustOpenDB(t)
	f := mustFixture(t, db, "c", 2)
	s1, s2 := f.sessions[0].ID, f.sessions[1].ID
	save := func(session int64, im feed.Impression) {
		t.Helper()
		if err := db.SaveImpressions(ctx, session, []feed.Impression{im}); err != nil {
			t.Fatalf("SaveImpressions: %v", err)
		}
	}
	// Seen first without author or topic, then with them and another title,
	// then earlier (a concurrent session's clock) with yet another author.
	save(s1, feed.Impression{Item: feed.Item{ID: "x", Title: "first"}, Rank: 1, Surface: "feed", SeenAt: t0.Add(time.Hour)})
	save(s1, feed.Impression{Item: feed.Item{ID: "x", Title: "second", Author: "ann", Topic: "news"}, Rank: 2, Surface: "feed", SeenAt: t0.Add(2 * time.Hour)})
	save(s2, feed.Impression{Item: feed.Item{ID: "x", Title: "third", Author: "bob", URL: "http://127.0.0.1/x"}, Rank: 1, Surface: "feed", SeenAt: t0})

	var (
		n                        int
		title, author, url, topc string
		first, last              int64
	)
	if err := db.r.QueryRowContext(ctx, "SELECT count(*) FROM items").Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 1 {
		t.Errorf("items rows = %d, want 1", n)
	}
	err := db.r.QueryRowContext(ctx, "SELECT title, author, url, topic, first_seen_at, last_seen_at FROM items WHERE platform = 'simfeed' AND item_id = 'x'").
		Scan(&title, &author, &url, &topc, &first, &last)
	if err != nil {
		t.Fatal(err)
	}
	if title != "first" || author != "ann" || url != "http://127.0.0.1/x" || topc != "news" {
		t.Errorf("item = %q %q %q %q, want first, ann, the URL, news (kept, filled when empty)", title, author, url, topc)
	}
	if first != t0.UnixMilli() || last != t0.Add(2*time.Hour).UnixMilli() {
		t.Errorf("first/last seen = %d/%d, want %d/%d", first, last, t0.UnixMilli(), t0.Add(2*time.Hour).UnixMilli())
	}
	// Each impression keeps the title it was seen with.
	got, err := db.Impressions(ctx, s1)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Title != "first" || got[1].Title != "second" {
		t.Errorf("impression titles = %+v, want first and second", got)
	}
}

func TestSaveImpressionsRejectsAndRollsBack(t *testing.T) {
	ctx := context.Background()
	db := mustOpenDB(t)
	f := mustFixture(t, db, "c", 2)
	id := f.sessions[0].ID
	mustStart(t, db, id)
	if err := db.SaveImpressions(ctx, id, makeImpressions("feed", 3)); err != nil {
		t.Fatal(err)
	}
	fresh := func(id, title string, rank int) feed.Impression {
		return feed.Impression{Item: feed.Item{ID: id, Title: title}, Rank: rank, Surface: "feed", SeenAt: t0}
	}
	tests := []struct {
		name    string
		session int64
		imps    []feed.Impression
		wantErr error
	}{
		{"rank already stored", id, []feed.Impression{fresh("new-1", "n", 4), fresh("new-2", "n", 2)}, errAny},
		{"rank twice in batch", id, []feed.Impression{fresh("new-1", "n", 10), fresh("new-2", "n", 10)}, errAny},
		{"empty item id", id, []feed.Impression{fresh("new-1", "n", 11), fresh("", "n", 12)}, errAny},
		{"rank zero", id, []feed.Impression{fresh("new-1", "n", 0)}, errAny},
		{"unknown session", 9999, []feed.Impression{fresh("new-1", "n", 1)}, ErrNotFound},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := db.SaveImpressions(ctx, tc.session, tc.imps)
			if err == nil || (tc.wantErr != errAny && !errors.Is(err, tc.wantErr)) {
				t.Fatalf("SaveImpressions = %v, want %v", err, tc.wantErr)
			}
			got, err := db.Impressions(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != 3 {
				t.Errorf("session has %d impressions after a failed batch, want 3", len(got))
			}
			var items int
			if err := db.r.QueryRowContext(ctx, "SELECT count(*) FROM items WHERE item_id LIKE 'new-%'").Scan(&items); err != nil {
				t.Fatal(err)
			}
			if items != 0 {
				t.Errorf("%d items of the failed batch kept, want 0", items)
			}
		})
	}
	// A stored rank keeps its original content.
	got, err := db.Impressions(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if got[1].ID != "item-2" {
		t.Errorf("rank 2 = %s, want item-2 (not overwritten)", got[1].ID)
	}
	// A finished session takes no more observations.
	mustFinish(t, db, id, StatusDone)
	if err := db.SaveImpressions(ctx, id, []feed.Impression{fresh("late", "l", 50)}); !errors.Is(err, ErrSessionState) {
		t.Errorf("SaveImpressions(done session) = %v, want ErrSessionState", err)
	}
	if err := db.SaveActions(ctx, id, []feed.Action{{Kind: feed.ActionLike}}); !errors.Is(err, ErrSessionState) {
		t.Errorf("SaveActions(done session) = %v, want ErrSessionState", err)
	}
}

func TestSaveImpressionsCancelled(t *testing.T) {
	db := mustOpenDB(t)
	f := mustFixture(t, db, "c", 1)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := db.SaveImpressions(ctx, f.sessions[0].ID, makeImpressions("feed", 10)); err == nil {
		t.Fatal("SaveImpressions with a cancelled context succeeded")
	}
	got, err := db.Impressions(context.Background(), f.sessions[0].ID)
	if err != nil || len(got) != 0 {
		t.Errorf("Impressions after a cancelled save = %d, %v, want none", len(got), err)
	}
	// The writer is still usable.
	if err := db.SaveImpressions(context.Background(), f.sessions[0].ID, makeImpressions("feed", 10)); err != nil {
		t.Errorf("SaveImpressions after a cancelled one: %v", err)
	}
}

func TestActionsRoundTrip(t *testing.T) {
	ctx := context.Background()
	db := mustOpenDB(t)
	f := mustFixture(t, db, "c", 1)
	id := f.sessions[0].ID
	acts := []feed.Action{
		{Kind: feed.ActionScroll, At: t0, Value: 1200},
		{ItemID: "a", Kind: feed.ActionOpen, At: t0.Add(time.Second)},
		{ItemID: "a", Kind: feed.ActionLike, At: t0.Add(1500 * time.Millisecond), Unconfirmed: true},
		{ItemID: "a", Kind: feed.ActionDwell, At: t0.Add(2 * time.Second), Value: 7.5, Detail: "read"},
	}
	if err := db.SaveActions(ctx, id, acts[:2]); err != nil {
		t.Fatal(err)
	}
	if err := db.SaveActions(ctx, id, acts[2:]); err != nil {
		t.Fatal(err)
	}
	got, err := db.Actions(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, acts) {
		t.Errorf("Actions = %+v, want %+v", got, acts)
	}
	if err := db.SaveActions(ctx, 9999, acts); !errors.Is(err, ErrNotFound) {
		t.Errorf("SaveActions(unknown session) = %v, want ErrNotFound", err)
	}
	if err := db.SaveActions(ctx, id, []feed.Action{{At: t0}}); err == nil {
		t.Error("SaveActions(action without kind) succeeded")
	}
}

func TestIdentityRoundTrip(t *testing.T) {
	ctx := context.Background()
	db := mustOpenDB(t)
	f := mustFixture(t, db, "c", 1)
	pid := f.persona.ID
	got, err := db.LoadIdentity(ctx, pid)
	if err != nil || got != nil {
		t.Fatalf("LoadIdentity(no identity) = %q, %v, want nil, nil", got, err)
	}
	for _, ident := range [][]byte{
		[]byte(`{"cookies":[{"name":"sid","value":"s3cr3t"}]}`),
		{0, 1, 2, 0xff, 0xfe, '\'', '"'},
		[]byte(`{"cookies":[]}`),
	} {
		if err := db.SaveIdentity(ctx, pid, ident); err != nil {
			t.Fatalf("SaveIdentity: %v", err)
		}
		got, err := db.LoadIdentity(ctx, pid)
		if err != nil || !bytes.Equal(got, ident) {
			t.Errorf("LoadIdentity = %q, %v, want %q", got, err, ident)
		}
	}
	if err := db.SaveIdentity(ctx, 9999, []byte("x")); !errors.Is(err, ErrNotFound) {
		t.Errorf("SaveIdentity(unknown persona) = %v, want ErrNotFound", err)
	}
}

func TestEachImpression(t *testing.T) {
	ctx := context.Background()
	db := mustOpenDB(t)
	f := mustFixture(t, db, "c", 3)
	p2 := mustPersona(t, db, f.campaign.ID, "p2", 2)
	p2s := mustSessionsOf(t, db, f.campaign.ID, p2.ID)
	other := mustFixture(t, db, "other", 1)

	// Sessions are run and saved out of order to check the ordering.
	run := func(id int64, status string, imps ...[]feed.Impression) {
		t.Helper()
		mustStart(t, db, id)
		for _, batch := range imps {
			if err := db.SaveImpressions(ctx, id, batch); err != nil {
				t.Fatal(err)
			}
		}
		if status != StatusRunning {
			mustFinish(t, db, id, status)
		}
	}
	run(p2s[0].ID, StatusDone, makeImpressions("feed", 2))
	run(f.sessions[1].ID, StatusDone, makeImpressions("hot", 1), makeImpressions("feed", 2))
	run(f.sessions[0].ID, StatusDone, makeImpressions("feed", 3)[1:], makeImpressions("feed", 1))
	run(f.sessions[2].ID, StatusFailed, makeImpressions("feed", 4))
	run(p2s[1].ID, StatusRunning, makeImpressions("feed", 4))
	run(other.sessions[0].ID, StatusDone, makeImpressions("feed", 4))

	type row struct {
		persona  string
		seq      int
		surface  string
		rank     int
		campaign int64
	}
	var got []row
	err := db.EachImpression(ctx, f.campaign.ID, func(r ImpressionRow) error {
		got = append(got, row{r.Persona, r.Seq, r.Surface, r.Rank, r.CampaignID})
		return nil
	})
	if err != nil {
		t.Fatalf("EachImpression: %v", err)
	}
	c := f.campaign.ID
	want := []row{
		{"p1", 1, "feed", 1, c}, {"p1", 1, "feed", 2, c}, {"p1", 1, "feed", 3, c},
		{"p1", 2, "feed", 1, c}, {"p1", 2, "feed", 2, c}, {"p1", 2, "hot", 1, c},
		{"p2", 1, "feed", 1, c}, {"p2", 1, "feed", 2, c},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("EachImpression rows =\n%v\nwant\n%v", got, want)
	}

	// The fields of one row.
	var first ImpressionRow
	stop := errors.New("stop")
	calls := 0
	err = db.EachImpression(ctx, f.campaign.ID, func(r ImpressionRow) error {
		calls++
		first = r
		return stop
	})
	if err != stop || calls != 1 {
		t.Errorf("EachImpression with fn failing = %v after %d calls, want fn's error after 1", err, calls)
	}
	wantFirst := ImpressionRow{CampaignID: c, PersonaID: f.persona.ID, Persona: "p1", Role: "treatment",
		SessionID: f.sessions[0].ID, Seq: 1, Rank: 1, Surface: "feed", ItemID: "item-1", Title: "Title 1", Topic: "news", SeenAt: t0}
	if first != wantFirst {
		t.Errorf("first row = %+v, want %+v", first, wantFirst)
	}
}

func TestHostileStringsByteExact(t *testing.T) {
	ctx := context.Background()
	db := mustOpenDB(t)
	var tablesBefore int
	if err := db.r.QueryRowContext(ctx, "SELECT count(*) FROM sqlite_schema WHERE type = 'table'").Scan(&tablesBefore); err != nil {
		t.Fatal(err)
	}
	hostile := []string{
		"'; DROP TABLE impressions; --",
		`" OR 1=1 --`,
		"Robert'); DELETE FROM items WHERE ('1'='1",
		"<script>alert(document.cookie)</script>",
		"\xff\xfe invalid \xc3\x28 utf-8 \xed\xa0\x80",
		"nul\x00inside",
		"emoji 🫠 and RTL \u202e",
		"%s %d %w ? ?1 :name @x $y",
		"line\r\nbreak\ttab",
	}
	c, _, err := db.EnsureCampaign(ctx, Campaign{Name: hostile[0], Platform: hostile[4], BaseURL: hostile[3], Spec: []byte(hostile[5]), SpecHash: hostile[1]})
	if err != nil {
		t.Fatal(err)
	}
	p, err := db.EnsurePersona(ctx, Persona{CampaignID: c.ID, Name: hostile[2], Role: hostile[4], Spec: []byte(hostile[3])})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.PlanSessions(ctx, p.ID, 1); err != nil {
		t.Fatal(err)
	}
	ss, err := db.Sessions(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	id := ss[0].ID
	var imps []feed.Impression
	var acts []feed.Action
	for i, s := range hostile {
		imps = append(imps, feed.Impression{
			Item: feed.Item{ID: s, Title: s, Author: s, URL: s, Topic: s, PriceText: s, Price: float64(i)},
			Rank: i + 1, SeenAt: t0, Surface: "feed",
		})
		acts = append(acts, feed.Action{ItemID: s, Kind: feed.ActionKind(s), At: t0, Detail: s})
	}
	mustStart(t, db, id)
	if err := db.SaveImpressions(ctx, id, imps); err != nil {
		t.Fatalf("SaveImpressions(hostile): %v", err)
	}
	if err := db.SaveActions(ctx, id, acts); err != nil {
		t.Fatalf("SaveActions(hostile): %v", err)
	}
	if err := db.FinishSession(ctx, id, StatusDone, hostile[6], t0); err != nil {
		t.Fatal(err)
	}

	gotC, err := db.CampaignByName(ctx, hostile[0])
	if err != nil {
		t.Fatal(err)
	}
	if gotC.Platform != hostile[4] || gotC.BaseURL != hostile[3] || string(gotC.Spec) != hostile[5] || gotC.SpecHash != hostile[1] {
		t.Errorf("campaign = %#v, want hostile fields byte-exact", gotC)
	}
	ps, err := db.Personas(ctx, c.ID)
	if err != nil || len(ps) != 1 || ps[0].Name != hostile[2] || ps[0].Role != hostile[4] || string(ps[0].Spec) != hostile[3] {
		t.Errorf("Personas = %#v, %v, want hostile fields byte-exact", ps, err)
	}
	gotImps, err := db.Impressions(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(gotImps, imps) {
		t.Errorf("Impressions =\n%#v\nwant\n%#v", gotImps, imps)
	}
	gotActs, err := db.Actions(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(gotActs, acts) {
		t.Errorf("Actions =\n%#v\nwant\n%#v", gotActs, acts)
	}
	var titles []string
	if err := db.EachImpression(ctx, c.ID, func(r ImpressionRow) error {
		if r.ItemID != r.Title || r.Topic != r.Title {
			return fmt.Errorf("row %d: item %q, title %q, topic %q differ", r.Rank, r.ItemID, r.Title, r.Topic)
		}
		titles = append(titles, r.Title)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(titles, hostile) {
		t.Errorf("EachImpression titles = %q, want %q", titles, hostile)
	}
	s, err := db.Session(ctx, id)
	if err != nil || s.Error != hostile[6] {
		t.Errorf("session error = %q, %v, want %q", s.Error, err, hostile[6])
	}
	var tables int
	if err := db.r.QueryRowContext(ctx, "SELECT count(*) FROM sqlite_schema WHERE type = 'table'").Scan(&tables); err != nil || tables != tablesBefore {
		t.Errorf("tables = %d, %v, want all %d still there", tables, err, tablesBefore)
	}
}

func TestConcurrentSaveImpressions(t *testing.T) {
	ctx := context.Background()
	db := mustOpenDB(t)
	const (
		workers = 8
		batches = 10
		perOne  = 25
	)
	c, _, err := db.EnsureCampaign(ctx, Campaign{Name: "c", Platform: "simfeed", SpecHash: "h"})
	if err != nil {
		t.Fatal(err)
	}
	ids := make([]int64, workers)
	for w := range workers {
		p := mustPersona(t, db, c.ID, fmt.Sprintf("p%d", w), 1)
		ss := mustSessionsOf(t, db, c.ID, p.ID)
		ids[w] = ss[0].ID
		mustStart(t, db, ids[w])
	}
	var wg sync.WaitGroup
	errs := make(chan error, workers*batches)
	for w := range workers {
		wg.Go(func() {
			for b := range batches {
				imps := makeImpressions("feed", perOne)
				for i := range imps {
					imps[i].Rank += b * perOne
					imps[i].ID = fmt.Sprintf("w%d-%d", w%2, imps[i].Rank) // shared items across workers
				}
				if err := db.SaveImpressions(ctx, ids[w], imps); err != nil {
					errs <- err
					return
				}
				// Reads run alongside the writes.
				if _, err := db.Impressions(ctx, ids[w]); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("concurrent save: %v", err)
	}
	var imps, items int
	if err := db.r.QueryRowContext(ctx, "SELECT count(*) FROM impressions").Scan(&imps); err != nil {
		t.Fatal(err)
	}
	if err := db.r.QueryRowContext(ctx, "SELECT count(*) FROM items").Scan(&items); err != nil {
		t.Fatal(err)
	}
	if imps != workers*batches*perOne {
		t.Errorf("impressions = %d, want %d", imps, workers*batches*perOne)
	}
	if items != 2*batches*perOne {
		t.Errorf("items = %d, want %d", items, 2*batches*perOne)
	}
}

func TestSaveImpressionsAcrossChunks(t *testing.T) {
	ctx := context.Background()
	db := mustOpenDB(t)
	f := mustFixture(t, db, "c", 2)
	n := 263
	imps := makeImpressions("feed", n)
	if err := db.SaveImpressions(ctx, f.sessions[0].ID, imps); err != nil {
		t.Fatalf("SaveImpressions(%d): %v", n, err)
	}
	got, err := db.Impressions(ctx, f.sessions[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, imps) {
		t.Errorf("Impressions of a %d-impression batch differ from what was saved (got %d)", n, len(got))
	}
	// A duplicate in the last chunk discards the chunks before it too.
	bad := makeImpressions("hot", n)
	bad[n-1].Rank = 1
	if err := db.SaveImpressions(ctx, f.sessions[1].ID, bad); err == nil {
		t.Fatal("SaveImpressions with a duplicate rank in the last chunk succeeded")
	}
	if got, err := db.Impressions(ctx, f.sessions[1].ID); err != nil || len(got) != 0 {
		t.Errorf("Impressions after the failed batch = %d, %v, want none", len(got), err)
	}
}

// TestDigestCoversCapture: changing a capture column changes the session
// digest; an impression without capture hashes as before 0007.
func TestDigestCoversCapture(t *testing.T) {
	ctx := context.Background()
	db := mustOpenDB(t)
	f := mustFixture(t, db, "c", 1)
	id := f.sessions[0].ID
	mustStart(t, db, id)
	imps := []feed.Impression{
		{Item: feed.Item{ID: "a"}, Rank: 1, SeenAt: t0, Surface: "feed"},
		{Item: feed.Item{ID: "b"}, Rank: 2, SeenAt: t0, Surface: "feed", Source: feed.SourceDOM},
	}
	if err := db.SaveImpressions(ctx, id, imps); err != nil {
		t.Fatal(err)
	}
	before, err := digestSession(ctx, db.r, id)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.w.ExecContext(ctx, "UPDATE impressions SET source = 'network' WHERE session_id = ? AND rank = 2", id); err != nil {
		t.Fatal(err)
	}
	after, err := digestSession(ctx, db.r, id)
	if err != nil {
		t.Fatal(err)
	}
	if before.Impressions[0].Hash != after.Impressions[0].Hash {
		t.Error("an untouched impression's hash changed")
	}
	if before.Impressions[1].Hash == after.Impressions[1].Hash {
		t.Error("changing source left the digest unchanged")
	}
	if _, err := db.w.ExecContext(ctx, "UPDATE impressions SET source = '', displayed_at = 5 WHERE session_id = ? AND rank = 1", id); err != nil {
		t.Fatal(err)
	}
	if again, _ := digestSession(ctx, db.r, id); again.Impressions[0].Hash == before.Impressions[0].Hash {
		t.Error("setting displayed_at left the digest unchanged")
	}
}
