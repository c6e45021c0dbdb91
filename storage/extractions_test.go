package storage

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/feedprobe/feedprobe/probe/feed"
)

// TestResponseEvidence lists a session's response bodies in chain order,
// reads them back checked against the chain, and shows an altered body is
// refused by ReadEvidence and named by Verify.
func TestResponseEvidence(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "feedprobe.db")
	db := mustOpenPath(t, path)
	f := mustFixture(t, db, "c", 1)
	ev := NewEvidenceStore(db, EvidenceDir(path))
	sid := f.sessions[0].ID
	mustStart(t, db, sid)
	bodies := []feed.Evidence{
		{Kind: EvidenceResponse, Reason: "GET http://127.0.0.1/api/feed?page=1", At: t0, Data: []byte(`{"items":[{"id":"a"}]}`)},
		{Kind: EvidenceHTML, Reason: "end", At: t0, Data: []byte("<html></html>")},
		{Kind: EvidenceResponse, Reason: "POST http://127.0.0.1/api/feed", At: t0, Data: []byte(`{"items":[{"id":"b"}]}`)},
	}
	for _, b := range bodies {
		if err := ev.SaveEvidence(ctx, sid, b); err != nil {
			t.Fatal(err)
		}
	}
	mustFinish(t, db, sid, StatusDone)
	if err := ev.SealSession(ctx, sid); err != nil {
		t.Fatal(err)
	}
	got, err := db.SessionEvidence(ctx, sid, EvidenceResponse)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Reason != bodies[0].Reason || got[1].Reason != bodies[2].Reason || got[0].Seq >= got[1].Seq {
		t.Fatalf("SessionEvidence(response) = %+v, want the two bodies in chain order", got)
	}
	all, err := db.SessionEvidence(ctx, sid)
	if err != nil || len(all) != 3 {
		t.Fatalf("SessionEvidence() = %d files, %v; want 3", len(all), err)
	}
	data, err := ev.ReadEvidence(got[1])
	if err != nil || string(data) != string(bodies[2].Data) {
		t.Fatalf("ReadEvidence = %q, %v", data, err)
	}
	file := filepath.Join(ev.Dir(), got[1].File)
	os.Chmod(file, 0o644)
	if err := os.WriteFile(file, []byte(`{"items":[{"id":"forged"}]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := ev.ReadEvidence(got[1]); err == nil || !strings.Contains(err.Error(), "altered") {
		t.Errorf("ReadEvidence of an altered body = %v, want refused", err)
	}
	v := mustVerify(t, ev)
	if len(v.Problems) != 1 || v.Problems[0].Kind != ProblemFileAltered || v.Problems[0].Path != file || !strings.Contains(v.Problems[0].Msg, "response of \"POST ") {
		t.Errorf("Verify after altering a response body = %v, want one %q naming %s", v.Problems, ProblemFileAltered, file)
	}
}

// TestExtractions writes a re-extraction beside a session's impressions and
// reads it through ReadingExtraction; the original stays the default, an
// unfinished or foreign extraction is refused, and a finished one is sealed.
func TestExtractions(t *testing.T) {
	ctx := context.Background()
	x := mustEvidenceFixture(t)
	db, camp := x.db, x.f.campaign
	ex, err := db.CreateExtraction(ctx, Extraction{CampaignID: camp.ID, Adapter: "a", AdapterHash: "h", AdapterSpec: []byte("name: a\n")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.ReadingExtraction(ctx, camp.ID, ex.ID); !errors.Is(err, ErrExtractionUnfinished) {
		t.Errorf("ReadingExtraction of an unfinished extraction = %v, want ErrExtractionUnfinished", err)
	}
	// An abandoned extraction leaves no row; an unfinished one is not
	// sealed, so verify does not flag it.
	gone, err := db.CreateExtraction(ctx, Extraction{CampaignID: camp.ID, Adapter: "a", AdapterHash: "h"})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.SaveExtractionSession(ctx, gone.ID, x.session, 1, []RawImpression{{Impression: makeImpressions("feed", 1)[0]}}); err != nil {
		t.Fatal(err)
	}
	if v := mustVerify(t, x.ev); !v.OK() {
		t.Errorf("Verify with an unfinished extraction: %v", v.Problems)
	}
	if err := db.AbandonExtraction(ctx, gone.ID); err != nil {
		t.Fatal(err)
	}
	var left int
	if err := db.r.QueryRow("SELECT count(*) FROM extraction_impressions WHERE extraction_id = ?", gone.ID).Scan(&left); err != nil || left != 0 {
		t.Errorf("abandoned extraction left %d rows (%v)", left, err)
	}
	imps := makeImpressions("feed", 3)
	var raws []RawImpression
	for i, im := range imps {
		im.Topic = "fixed"
		im.Source, im.ServedRank = feed.SourceNetwork, i+1
		raws = append(raws, RawImpression{Impression: im, Raw: []byte(`{"id":"` + im.ID + `"}`)})
	}
	if err := db.SaveExtractionSession(ctx, ex.ID, x.session, 2, raws); err != nil {
		t.Fatal(err)
	}
	if err := db.SaveExtractionSession(ctx, ex.ID, x.session, 2, raws); err == nil {
		t.Error("the same session saved twice in one extraction succeeded")
	}
	ex, err = db.FinishExtraction(ctx, ex.ID)
	if err != nil {
		t.Fatal(err)
	}
	if ex.FinishedAt == nil || ex.Sessions != 1 || ex.Bodies != 2 || ex.Items != 3 {
		t.Errorf("finished extraction = %+v, want 1 session, 2 bodies, 3 items", ex)
	}
	if _, err := db.ReadingExtraction(ctx, camp.ID+1, ex.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("ReadingExtraction for another campaign = %v, want ErrNotFound", err)
	}
	view, err := db.ReadingExtraction(ctx, camp.ID, ex.ID)
	if err != nil {
		t.Fatal(err)
	}
	topics := func(d *DB) string {
		var got []string
		err := d.EachSessionImpressions(ctx, camp.ID, func(s *SessionImpressions) error {
			got = append(got, s.Topic...)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return strings.Join(got, ",")
	}
	if got := topics(view); got != "fixed,fixed,fixed" {
		t.Errorf("topics through the view = %s, want the extraction's", got)
	}
	if got := topics(db); got != "news,sport,music,news,sport" {
		t.Errorf("topics of the original = %s, want the session's own", got)
	}
	var rows int
	if err := view.EachImpression(ctx, camp.ID, func(r ImpressionRow) error { rows++; return nil }); err != nil || rows != 3 {
		t.Errorf("EachImpression through the view = %d rows, %v; want 3", rows, err)
	}
	got, err := view.Impressions(ctx, x.session)
	if err != nil || len(got) != 3 || got[0].Author != "author" || got[0].ServedRank != 1 || got[0].Source != feed.SourceNetwork {
		t.Errorf("Impressions through the view = %+v, %v", got, err)
	}
	if err := view.SaveImpressions(ctx, x.session, imps); !errors.Is(err, ErrReadOnly) {
		t.Errorf("a write through the view = %v, want ErrReadOnly", err)
	}
	if v := mustVerify(t, x.ev); !v.OK() {
		t.Fatalf("Verify after an extraction: %v", v.Problems)
	}
	if err := db.AbandonExtraction(ctx, ex.ID); err == nil {
		t.Error("abandoning a finished extraction succeeded")
	}
	mustExecDB(t, db, "UPDATE extraction_impressions SET topic = 'forged' WHERE rank = 2")
	v := mustVerify(t, x.ev)
	if len(v.Problems) != 1 || v.Problems[0].Kind != ProblemSealedChanged || v.Problems[0].Table != "extraction_impressions" ||
		!strings.Contains(v.Problems[0].Key, `(extraction_id, session_id, surface, rank) = ("1", "1", "feed", "2")`) {
		t.Errorf("Verify after changing a re-extracted row = %v", v.Problems)
	}
}

func mustExecDB(t *testing.T, db *DB, q string) {
	t.Helper()
	if _, err := db.w.Exec(q); err != nil {
		t.Fatal(err)
	}
}
