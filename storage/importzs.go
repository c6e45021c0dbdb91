package storage

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"path/filepath"

	"github.com/feedprobe/feedprobe/personas"
	"github.com/feedprobe/feedprobe/probe/feed"
)

// ZeeschuimerImport turns a parsed Zeeschuimer export (probe.ParseZeeschuimer
// of file, whose bytes are data) into an import for DB.Import: one persona
// (the person who browsed, "zeeschuimer"), one session per page view,
// ranks in the order collected, each item's JSON in the raw column, the
// file's name and SHA-256 in the campaign's spec. platform "" takes the
// export's. An export without items is an error.
func ZeeschuimerImport(file string, data []byte, ex feed.ZeeschuimerExport, campaign, platform string) (Import, error) {
	if platform == "" {
		platform = ex.Platform
	}
	const persona = "zeeschuimer"
	sum := sha256.Sum256(data)
	spec, err := json.Marshal(map[string]any{"imported_from": filepath.Base(file), "format": "zeeschuimer",
		"source_platform": ex.SourcePlatform, "sha256": hex.EncodeToString(sum[:])})
	if err != nil {
		return Import{}, err
	}
	pspec, err := json.Marshal(personas.Spec{Name: persona, Role: personas.RoleTest, Interests: map[string]float64{}, Keywords: map[string][]string{}})
	if err != nil {
		return Import{}, err
	}
	im := Import{
		Campaign: Campaign{Name: campaign, Platform: platform, BaseURL: "import:" + filepath.Base(file), Spec: spec, SpecHash: hex.EncodeToString(sum[:])},
		Personas: []Persona{{Name: persona, Role: personas.RoleTest, Spec: pspec}},
	}
	for v, view := range ex.Views {
		for r, it := range view.Items {
			im.Impressions = append(im.Impressions, ImportedImpression{
				Persona: persona, Session: v + 1, Rank: r + 1, Surface: "feed", ItemID: it.ID,
				Title: it.Title, Topic: it.Topic, SeenAt: it.CollectedAt,
				Sponsored: it.Sponsored, Synthetic: it.Synthetic, Raw: it.Raw,
			})
		}
	}
	if len(im.Impressions) == 0 {
		return im, fmt.Errorf("%s: no items", file)
	}
	return im, nil
}
