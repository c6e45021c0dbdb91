package daemon

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/url"

	"github.com/feedprobe/feedprobe/probe"
	"github.com/feedprobe/feedprobe/storage"
)

// Reextracted is what Reextract did.
type Reextracted struct {
	// Extraction is the finished extraction, with its counts.
	Extraction storage.Extraction
	// Original counts the impressions the sessions recorded live.
	Original int
	// Problems counts the bodies that could not be read; Empty the
	// sessions that kept no body nor page.
	Problems, Empty int
}

// Reextract extracts campaign camp's items again, offline, with adapter ad
// (spec is its file, stored with its SHA-256): from the response bodies
// and page snapshots its finished sessions kept in evidence, each checked
// against the hash chain before it is read. The items are written as a new
// extraction beside the live impressions, and the finished extraction is
// sealed; a run that fails leaves nothing behind. problem sees each body
// that could not be read, with its session.
func Reextract(ctx context.Context, db *storage.DB, evidence *storage.EvidenceStore, camp storage.Campaign, ad *probe.Adapter, spec []byte, problem func(session int64, msg string)) (Reextracted, error) {
	var res Reextracted
	var base *url.URL
	if u, err := ad.ResolveFeedURL(camp.BaseURL); err == nil {
		base, _ = url.Parse(u)
	}
	// A session stopped at the campaign's items_per_session: so does its
	// re-extraction.
	var design struct {
		ItemsPerSession int `json:"items_per_session"`
	}
	if err := json.Unmarshal(camp.Spec, &design); err != nil {
		return res, fmt.Errorf("campaign %q: read its spec: %w", camp.Name, err)
	}
	sum := sha256.Sum256(spec)
	ex, err := db.CreateExtraction(ctx, storage.Extraction{
		CampaignID: camp.ID, Adapter: ad.Name, AdapterHash: hex.EncodeToString(sum[:]), AdapterSpec: spec,
	})
	if err != nil {
		return res, err
	}
	finished := false
	defer func() {
		if !finished { // a failed run leaves nothing half-written
			_ = db.AbandonExtraction(context.WithoutCancel(ctx), ex.ID)
		}
	}()
	sessions, err := db.Sessions(ctx, camp.ID)
	if err != nil {
		return res, err
	}
	for _, s := range sessions {
		if s.Status == storage.StatusPlanned || s.Status == storage.StatusRunning {
			continue
		}
		files, err := db.SessionEvidence(ctx, s.ID, storage.EvidenceResponse, storage.EvidenceHTML)
		if err != nil {
			return res, err
		}
		pages := make([]probe.StoredPage, 0, len(files))
		for _, f := range files {
			body, err := evidence.ReadEvidence(f)
			if err != nil {
				return res, fmt.Errorf("session %d: %w (run feedprobe verify)", s.ID, err)
			}
			p := probe.StoredPage{Kind: f.Kind, At: f.At, Body: body}
			if f.Kind == storage.EvidenceResponse {
				if p.Method, p.URL, err = probe.ParseResponseReason(f.Reason); err != nil {
					return res, fmt.Errorf("session %d, evidence row %d: %w", s.ID, f.ID, err)
				}
			}
			pages = append(pages, p)
		}
		if len(pages) == 0 {
			res.Empty++
		}
		prior, err := db.Impressions(ctx, s.ID)
		if err != nil {
			return res, err
		}
		res.Original += len(prior)
		r := ad.Reextract(pages, prior, base, design.ItemsPerSession)
		for _, p := range r.Problems {
			problem(s.ID, p)
		}
		res.Problems += len(r.Problems)
		if err := db.SaveExtractionSession(ctx, ex.ID, s.ID, r.Bodies, r.Impressions); err != nil {
			return res, err
		}
	}
	if res.Extraction, err = db.FinishExtraction(ctx, ex.ID); err != nil {
		return res, err
	}
	finished = true
	return res, nil
}
