package inspection

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/feedprobe/feedprobe/storage"
)

// Open creates inspection in and attaches the campaigns refs name (ids or
// names), each looked up before anything is written. A case name already
// taken is an error wrapping storage.ErrCaseExists.
func Open(ctx context.Context, db *storage.DB, in storage.Inspection, refs []string) (storage.Inspection, error) {
	var ids []int64
	for _, ref := range refs {
		c, err := db.FindCampaign(ctx, ref)
		if err != nil {
			return in, fmt.Errorf("campaign: %w", err)
		}
		ids = append(ids, c.ID)
	}
	in, err := db.CreateInspection(ctx, in)
	if err != nil {
		return in, err
	}
	for _, id := range ids {
		if err := db.AttachCampaign(ctx, in.ID, id, time.Time{}); err != nil {
			return in, err
		}
	}
	return in, nil
}

// Candidates returns the campaigns of inspection in that an order's
// finding may come from: every attached campaign, or only the one ref
// names (an id or a name; "" for all). An inspection without campaigns is
// an error, and so is a ref naming a campaign not attached.
func Candidates(ctx context.Context, db *storage.DB, in storage.Inspection, ref string) ([]storage.InspectionCampaign, error) {
	ics, err := db.InspectionCampaigns(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	if ref != "" {
		c, err := db.FindCampaign(ctx, ref)
		if err != nil {
			return nil, err
		}
		ics = slices.DeleteFunc(ics, func(ic storage.InspectionCampaign) bool { return ic.Campaign.ID != c.ID })
		if len(ics) == 0 {
			return nil, fmt.Errorf("campaign %s is not attached to inspection %s (feedprobe inspection attach)", c.Name, in.Case)
		}
	}
	if len(ics) == 0 {
		return nil, fmt.Errorf("inspection %s has no campaign; attach one with feedprobe inspection attach", in.Case)
	}
	return ics, nil
}
