package inspection

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/feedprobe/feedprobe/storage"
)

// TestOpenAndCandidates opens an inspection with a campaign, then checks
// which campaigns an order may name, and what the list and case file print.
func TestOpenAndCandidates(t *testing.T) {
	ctx := context.Background()
	db, first, audit, other := fixture(t)
	in, err := Open(ctx, db, storage.Inspection{Case: "CAC-2", Platform: "simfeed", Body: "CAC", Kind: storage.KindOnSite}, []string{"other"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Open(ctx, db, storage.Inspection{Case: "CAC-3", Platform: "simfeed", Body: "CAC", Kind: storage.KindOnSite}, []string{"nope"}); err == nil || !strings.Contains(err.Error(), `no campaign "nope"`) {
		t.Errorf("Open with an unknown campaign = %v, want an error naming it", err)
	}
	if _, err := db.FindInspection(ctx, "CAC-3"); err == nil {
		t.Error("Open with an unknown campaign created the inspection anyway")
	}
	if _, err := Open(ctx, db, storage.Inspection{Case: "CAC-1", Platform: "simfeed", Body: "CAC", Kind: storage.KindOnSite}, nil); !errors.Is(err, storage.ErrCaseExists) {
		t.Errorf("Open of a taken case = %v, want ErrCaseExists", err)
	}
	for _, tc := range []struct {
		in   storage.Inspection
		ref  string
		want int64 // 0: an error
	}{{in, "", other.ID}, {in, "other", other.ID}, {in, "audit-1", 0}, {first, "", audit.ID}} {
		ics, err := Candidates(ctx, db, tc.in, tc.ref)
		switch {
		case tc.want == 0 && (err == nil || !strings.Contains(err.Error(), "is not attached")):
			t.Errorf("Candidates(%s, %q) = %v, %v, want not attached", tc.in.Case, tc.ref, ics, err)
		case tc.want != 0 && (err != nil || len(ics) != 1 || ics[0].Campaign.ID != tc.want):
			t.Errorf("Candidates(%s, %q) = %v, %v, want campaign %d", tc.in.Case, tc.ref, ics, err, tc.want)
		}
	}
	rows, err := List(ctx, db)
	if err != nil || len(rows) != 2 || rows[0].Campaigns != 1 {
		t.Fatalf("List = %+v, %v, want 2 inspections of one campaign each", rows, err)
	}
	var buf bytes.Buffer
	if err := WriteList(&buf, rows); err != nil || !strings.Contains(buf.String(), "CAC-2") {
		t.Errorf("WriteList = %q, %v", buf.String(), err)
	}
	cf, err := Load(ctx, db, first, fixedFindings)
	if err != nil {
		t.Fatal(err)
	}
	buf.Reset()
	if err := cf.WriteText(&buf, first); err != nil || !strings.Contains(buf.String(), `feed: filing number "F-1"`) || !strings.Contains(buf.String(), "timeline:") {
		t.Errorf("WriteText = %q, %v, want the surface and the timeline", buf.String(), err)
	}
}
