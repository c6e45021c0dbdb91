package storage

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/feedprobe/feedprobe/probe/feed"
)

func TestEvidenceScreenshotHeadRead(t *testing.T) {
	ctx := context.Background()
	fx := mustEvidenceFixture(t)
	// The fixture's session is sealed; a second screenshot goes into a
	// fresh session's chain position after it, taken 3 s after t0.
	later := []byte("\x89PNG later screenshot")
	sid := fx.f.sessions[1].ID
	mustStart(t, fx.db, sid)
	if err := fx.db.SaveImpressions(ctx, sid, makeImpressions("feed", 2)); err != nil {
		t.Fatal(err)
	}
	if err := fx.ev.SaveEvidence(ctx, fx.session, feed.Evidence{Kind: "screenshot", Reason: "scroll 10", At: t0.Add(3 * time.Second), Data: later}); err != nil {
		t.Fatal(err)
	}
	camp, name := fx.f.campaign.ID, fx.f.persona.Name
	for _, tc := range []struct {
		name   string
		seq    int
		rank   int
		reason string
		ok     bool
	}{
		{"seen at the first screenshot", 1, 1, "scroll 5", true},
		{"seen before the second", 1, 3, "scroll 10", true},
		{"seen after every screenshot: the last", 1, 5, "scroll 10", true},
		{"no such impression", 1, 9, "", false},
		{"session without screenshots", 2, 1, "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, ok, err := fx.ev.Screenshot(ctx, camp, name, tc.seq, "feed", tc.rank)
			if err != nil {
				t.Fatal(err)
			}
			if ok != tc.ok || f.Reason != tc.reason {
				t.Fatalf("Screenshot(rank %d) = %q, %v, want %q, %v", tc.rank, f.Reason, ok, tc.reason, tc.ok)
			}
			if !ok {
				return
			}
			b, err := fx.ev.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			if sha256Hex(b) != f.ContentHash || f.Kind != EvidenceScreenshot {
				t.Fatalf("ReadFile = %d bytes hashing %s, want %s", len(b), sha256Hex(b), f.ContentHash)
			}
		})
	}
	head, n, err := fx.ev.Head(ctx, camp)
	if err != nil {
		t.Fatal(err)
	}
	v := mustVerify(t, fx.ev)
	if len(v.Chains) == 0 || head != v.Chains[0].Head || n != v.Chains[0].Rows {
		t.Errorf("Head = %q, %d rows, want verify's %+v", head, n, v.Chains)
	}
	if head, n, err := fx.ev.Head(ctx, 999); err != nil || head != "" || n != 0 {
		t.Errorf("Head(unknown) = %q, %d, %v, want empty", head, n, err)
	}

	f, _, err := fx.ev.Screenshot(ctx, camp, name, 1, "feed", 5)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(fx.ev.Dir(), filepath.FromSlash(f.File))
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte("forged"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := fx.ev.ReadFile(f); !errors.Is(err, ErrEvidenceAltered) {
		t.Errorf("ReadFile(altered) = %v, want ErrEvidenceAltered", err)
	}
}

func TestInspectionTimeZoneLocale(t *testing.T) {
	ctx := context.Background()
	db := mustOpenDB(t)
	in, err := db.CreateInspection(ctx, Inspection{Case: "CAC-TZ", Platform: "p", Body: "b", Kind: KindOnSite, TimeZone: "Asia/Shanghai", Locale: "zh-CN"})
	if err != nil {
		t.Fatal(err)
	}
	got, err := db.Inspection(ctx, in.ID)
	if err != nil {
		t.Fatal(err)
	}
	loc, set, err := got.Location()
	if err != nil || !set || loc.String() != "Asia/Shanghai" || got.Locale != "zh-CN" {
		t.Errorf("Location() = %v, %v, %v (locale %q), want Asia/Shanghai, true (zh-CN)", loc, set, err, got.Locale)
	}
	if loc, set, err := (Inspection{}).Location(); loc != time.UTC || set || err != nil {
		t.Errorf("Location() of no zone = %v, %v, %v, want UTC, false, nil", loc, set, err)
	}
	if _, _, err := (Inspection{TimeZone: "Mars/Olympus"}).Location(); err == nil {
		t.Error("Location(Mars/Olympus) = nil error, want one")
	}
}
