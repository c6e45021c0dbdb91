package main

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/feedprobe/feedprobe/personas"
	"github.com/feedprobe/feedprobe/probe"
	"github.com/feedprobe/feedprobe/storage"
)

// zeeschuimerImport reads a Zeeschuimer NDJSON export into an import: one
// persona (the person who browsed), one session per page view, ranks in
// the order collected, each item's JSON in the raw column.
func zeeschuimerImport(file, campaign, platform string) (storage.Import, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return storage.Import{}, err
	}
	f, err := os.Open(file)
	if err != nil {
		return storage.Import{}, err
	}
	defer f.Close()
	ex, err := probe.ParseZeeschuimer(file, f)
	if err != nil {
		return storage.Import{}, err
	}
	if platform == "" {
		platform = ex.Platform
	}
	const persona = "zeeschuimer"
	sum := sha256.Sum256(data)
	spec, err := json.Marshal(map[string]any{"imported_from": filepath.Base(file), "format": "zeeschuimer",
		"source_platform": ex.SourcePlatform, "sha256": hex.EncodeToString(sum[:])})
	if err != nil {
		return storage.Import{}, err
	}
	pspec, err := json.Marshal(personas.Spec{Name: persona, Role: personas.RoleTest, Interests: map[string]float64{}, Keywords: map[string][]string{}})
	if err != nil {
		return storage.Import{}, err
	}
	im := storage.Import{
		Campaign: storage.Campaign{Name: campaign, Platform: platform, BaseURL: "import:" + filepath.Base(file), Spec: spec, SpecHash: hex.EncodeToString(sum[:])},
		Personas: []storage.Persona{{Name: persona, Role: personas.RoleTest, Spec: pspec}},
	}
	for v, view := range ex.Views {
		for r, it := range view.Items {
			im.Impressions = append(im.Impressions, storage.ImportedImpression{
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
