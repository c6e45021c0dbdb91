package storage

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestInspectionLifecycle(t *testing.T) {
	ctx := context.Background()
	db := mustOpenDB(t)
	f := mustFixture(t, db, "inspected", 1)

	in, err := db.CreateInspection(ctx, Inspection{Case: "CAC-2026-017", Platform: "simfeed", Body: "CAC Beijing",
		Kind: KindOnSite, Start: t0, Created: t0})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.CreateInspection(ctx, Inspection{Case: "CAC-2026-017", Platform: "x", Body: "y", Kind: KindOnSite}); !errors.Is(err, ErrCaseExists) {
		t.Errorf("CreateInspection(same case) = %v, want ErrCaseExists", err)
	}
	if _, err := db.CreateInspection(ctx, Inspection{Case: "bad-kind", Platform: "x", Body: "y", Kind: "audit"}); err == nil {
		t.Error("CreateInspection(kind audit) succeeded, want the CHECK to refuse it")
	}
	got, err := db.InspectionByCase(ctx, "CAC-2026-017")
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != in.ID || !got.Start.Equal(t0.Truncate(time.Millisecond)) || got.Kind != KindOnSite || !got.End.IsZero() {
		t.Errorf("InspectionByCase = %+v, want %+v", got, in)
	}
	if _, err := db.Inspection(ctx, 999); !errors.Is(err, ErrNotFound) {
		t.Errorf("Inspection(999) = %v, want ErrNotFound", err)
	}

	// Surfaces: the disclosure is stored byte-exact with its hash; setting
	// it again replaces it.
	text := "本平台的推荐算法…\n<script>alert(1)</script>"
	for _, d := range []string{"old text", text} {
		if _, err := db.SetSurface(ctx, Surface{InspectionID: in.ID, Surface: "feed", FilingNumber: "网信算备110000000000001", Disclosure: d, Source: "https://example.test/algo", RetrievedAt: t0}); err != nil {
			t.Fatal(err)
		}
	}
	ss, err := db.Surfaces(ctx, in.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(ss) != 1 || ss[0].Disclosure != text || ss[0].DisclosureHash != HashDisclosure(text) || ss[0].DisclosureHash == HashDisclosure("old text") {
		t.Errorf("Surfaces = %+v, want one feed surface with the new text and its hash", ss)
	}

	for range 2 {
		if err := db.AttachCampaign(ctx, in.ID, f.campaign.ID, t0); err != nil {
			t.Fatal(err)
		}
	}
	cs, err := db.InspectionCampaigns(ctx, in.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(cs) != 1 || cs[0].Campaign.Name != "inspected" {
		t.Errorf("InspectionCampaigns = %+v, want the one campaign once", cs)
	}

	deadline := t0.Add(48 * time.Hour)
	o, err := db.IssueOrder(ctx, Order{InspectionID: in.ID, CampaignID: f.campaign.ID, Finding: "art17-off", Article: "17(1)",
		Verdict: "violation evidence", Evidence: []byte(`{"effect":0.4}`), Deadline: deadline, IssuedAt: t0})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.IssueOrder(ctx, Order{InspectionID: in.ID, CampaignID: f.campaign.ID, Finding: "art17-off", Deadline: deadline}); !errors.Is(err, ErrOrderExists) {
		t.Errorf("IssueOrder(same finding) = %v, want ErrOrderExists", err)
	}
	o2, err := db.IssueOrder(ctx, Order{InspectionID: in.ID, CampaignID: f.campaign.ID, Finding: "art18-minors", Deadline: deadline.Add(time.Hour), IssuedAt: t0})
	if err != nil {
		t.Fatal(err)
	}

	next, ok, err := db.NextDeadline(ctx)
	if err != nil || !ok || !next.Equal(deadline.Truncate(time.Millisecond)) {
		t.Errorf("NextDeadline = %s, %v, %v; want %s", next, ok, err, deadline)
	}
	due, err := db.DueOrders(ctx, deadline.Add(-time.Second))
	if err != nil || len(due) != 0 {
		t.Errorf("DueOrders before the deadline = %d orders, %v; want none", len(due), err)
	}
	due, err = db.DueOrders(ctx, deadline)
	if err != nil || len(due) != 1 || due[0].ID != o.ID || string(due[0].Evidence) != `{"effect":0.4}` {
		t.Fatalf("DueOrders at the deadline = %+v, %v; want order %d", due, err, o.ID)
	}

	re, err := db.CreateInspection(ctx, Inspection{Case: "CAC-2026-017/re-1", Platform: "simfeed", Body: "CAC Beijing", Kind: KindReinspection, ParentID: in.ID})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.StartReinspection(ctx, o.ID, re.ID, f.campaign.ID, deadline); err != nil {
		t.Fatal(err)
	}
	// A restart resumes the same re-inspection; another one is refused.
	if err := db.StartReinspection(ctx, o.ID, re.ID, f.campaign.ID, deadline.Add(time.Minute)); err != nil {
		t.Errorf("StartReinspection again = %v, want nil", err)
	}
	if err := db.StartReinspection(ctx, o.ID, in.ID, f.campaign.ID, deadline); !errors.Is(err, ErrOrderState) {
		t.Errorf("StartReinspection(other inspection) = %v, want ErrOrderState", err)
	}
	if err := db.CloseOrder(ctx, o.ID, "fixed", "fixed", nil, "", deadline); err == nil {
		t.Error("CloseOrder(status fixed) succeeded, want an error")
	}
	if err := db.CloseOrder(ctx, o.ID, OrderRectified, "fixed", []byte(`{"verdict":"no evidence"}`), "clean", deadline.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := db.CloseOrder(ctx, o.ID, OrderNotRectified, "not fixed", nil, "", deadline); !errors.Is(err, ErrOrderState) {
		t.Errorf("CloseOrder(closed) = %v, want ErrOrderState", err)
	}
	got1, err := db.Order(ctx, o.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got1.Status != OrderRectified || !got1.Closed() || got1.ReinspectionID != re.ID || got1.Comparison != "fixed" ||
		string(got1.Recheck) != `{"verdict":"no evidence"}` || got1.StartedAt.IsZero() || !got1.StartedAt.Equal(deadline.Truncate(time.Millisecond)) {
		t.Errorf("closed order = %+v", got1)
	}
	next, ok, err = db.NextDeadline(ctx)
	if err != nil || !ok || !next.Equal(o2.Deadline.Truncate(time.Millisecond)) {
		t.Errorf("NextDeadline after closing = %s, %v, %v; want %s", next, ok, err, o2.Deadline)
	}
	all, err := db.Orders(ctx, in.ID)
	if err != nil || len(all) != 2 || all[1].Status != OrderOpen || all[1].Closed() {
		t.Errorf("Orders = %+v, %v; want two, the second open", all, err)
	}
}

func TestInspectionTablesInDictionary(t *testing.T) {
	tables, err := mustOpenDB(t).Tables(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	seen := 0
	for _, tb := range tables {
		switch tb.Name {
		case "inspections", "inspection_surfaces", "inspection_campaigns", "rectification_orders", "reinspection_attempts":
			seen++
			if tb.Meaning == "" {
				t.Errorf("table %s has no meaning", tb.Name)
			}
			for _, c := range tb.Columns {
				if c.Meaning == "" && c.Name != "id" {
					t.Errorf("column %s.%s has no meaning", tb.Name, c.Name)
				}
			}
		}
	}
	if seen != 5 {
		t.Errorf("dictionary has %d inspection tables, want 5", seen)
	}
}
