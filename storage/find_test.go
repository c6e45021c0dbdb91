package storage

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"
)

// TestFindCampaignAndInspection checks the references commands take: an
// id, a name (a name that looks like an id but is none falls back to the
// name), "" for the latest campaign, and an error naming what is missing.
func TestFindCampaignAndInspection(t *testing.T) {
	ctx := context.Background()
	db := mustOpenDB(t)
	if _, err := db.FindCampaign(ctx, ""); err == nil || !strings.Contains(err.Error(), "no campaign yet") {
		t.Errorf("FindCampaign(\"\") on an empty database = %v, want no campaign yet", err)
	}
	a := mustFixture(t, db, "alpha", 1).campaign
	b := mustFixture(t, db, "4242", 1).campaign
	for _, tc := range []struct {
		ref  string
		want int64
	}{{"", b.ID}, {"alpha", a.ID}, {fmt.Sprint(a.ID), a.ID}, {"4242", b.ID}} {
		if c, err := db.FindCampaign(ctx, tc.ref); err != nil || c.ID != tc.want {
			t.Errorf("FindCampaign(%q) = %d, %v, want %d", tc.ref, c.ID, err, tc.want)
		}
	}
	if _, err := db.FindCampaign(ctx, "beta"); err == nil || !strings.Contains(err.Error(), `no campaign "beta"`) {
		t.Errorf("FindCampaign(beta) = %v, want an error naming it", err)
	}
	in, err := db.CreateInspection(ctx, Inspection{Case: "case-1", Platform: "simfeed", Body: "b", Kind: KindOnSite, TimeZone: "UTC", Start: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	for _, ref := range []string{"case-1", fmt.Sprint(in.ID)} {
		if got, err := db.FindInspection(ctx, ref); err != nil || got.ID != in.ID {
			t.Errorf("FindInspection(%q) = %d, %v, want %d", ref, got.ID, err, in.ID)
		}
	}
	if _, err := db.FindInspection(ctx, "case-2"); err == nil || !strings.Contains(err.Error(), `no inspection "case-2"`) {
		t.Errorf("FindInspection(case-2) = %v, want an error naming it", err)
	}
}
