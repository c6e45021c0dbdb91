package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"strconv"

	"github.com/feedprobe/feedprobe/analysis"
	"github.com/feedprobe/feedprobe/personas"
	"github.com/feedprobe/feedprobe/storage"
)

func cmdAnalyze(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "analyze", "--db FILE [--campaign ID|NAME] [--json]", `
Summarize what each persona was served, session by session: topic shares,
normalized Shannon entropy (evenness), the share of the persona's top
interest, harmful items per 100 (titles matched by the built-in harm
lexicon), drift from the first session (Jensen-Shannon divergence), then
group means with bootstrap intervals over personas, and each trained
persona against the controls on its own topic. Only finished sessions
count. The database is opened read-only.`)
	db := fs.String("db", "feedprobe.db", "SQLite database to read")
	campaign := fs.String("campaign", "", "campaign id or name (default: the latest)")
	asJSON := fs.Bool("json", false, "print JSON instead of tables")
	seed := fs.Uint64("seed", 1, "seed of the bootstrap resampling")
	if err := fs.Parse(args); err != nil {
		return err
	}
	store, err := storage.OpenReadOnly(ctx, *db)
	if err != nil {
		return err
	}
	defer store.Close()
	camp, err := findCampaign(ctx, store, *campaign)
	if err != nil {
		return err
	}
	rep, err := analyzeCampaign(ctx, store, camp, rand.New(rand.NewPCG(*seed, 0)))
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	}
	return rep.writeTable(e.stdout)
}

func findCampaign(ctx context.Context, db *storage.DB, ref string) (storage.Campaign, error) {
	if ref == "" {
		c, err := db.LatestCampaign(ctx)
		if errors.Is(err, storage.ErrNotFound) {
			return c, errors.New("the database has no campaign yet (run one with feedprobe run or feedprobe demo)")
		}
		return c, err
	}
	if id, err := strconv.ParseInt(ref, 10, 64); err == nil {
		c, err := db.Campaign(ctx, id)
		if !errors.Is(err, storage.ErrNotFound) {
			return c, err
		}
	}
	c, err := db.CampaignByName(ctx, ref)
	if errors.Is(err, storage.ErrNotFound) {
		return c, fmt.Errorf("no campaign %q in the database", ref)
	}
	return c, err
}

// report is what analyze prints; its JSON field names are documented in the
// README and stable.
type report struct {
	Campaign   campaignInfo     `json:"campaign"`
	Summary    analysis.Summary `json:"summary"`
	Comparison []comparisonRow  `json:"comparison"`
	Lexicon    analysis.Lexicon `json:"harm_lexicon"`
}

type campaignInfo struct {
	ID       int64  `json:"id"`
	Name     string `json:"name"`
	Platform string `json:"platform"`
	BaseURL  string `json:"base_url"`
}

// comparisonRow sets a trained persona's share of its top interest beside
// the controls' share of the same topic in the same session.
type comparisonRow struct {
	Persona      string  `json:"persona"`
	Topic        string  `json:"topic"`
	Session      int     `json:"session"`
	PersonaShare float64 `json:"persona_share"`
	ControlShare float64 `json:"control_share"` // mean over control personas
	Controls     int     `json:"controls"`      // how many controls had this session
	Difference   float64 `json:"difference"`
}

func analyzeCampaign(ctx context.Context, db *storage.DB, camp storage.Campaign, r *rand.Rand) (report, error) {
	rep := report{
		Campaign: campaignInfo{ID: camp.ID, Name: camp.Name, Platform: camp.Platform, BaseURL: camp.BaseURL},
		Lexicon:  analysis.DefaultLexicon(),
	}
	ps, err := db.Personas(ctx, camp.ID)
	if err != nil {
		return rep, err
	}
	var infos []analysis.PersonaInfo
	for _, p := range ps {
		var spec personas.Spec
		if err := json.Unmarshal(p.Spec, &spec); err != nil {
			return rep, fmt.Errorf("decode persona %s: %w", p.Name, err)
		}
		infos = append(infos, analysis.PersonaInfo{
			Name: p.Name, Role: p.Role, Interests: spec.Interests,
			Traits: map[string]string{"age_group": spec.Traits.AgeGroup, "locale": spec.Traits.Locale, "device": spec.Traits.Device},
		})
	}
	acc := analysis.NewAccumulator(infos, nil)
	lex := rep.Lexicon
	err = db.EachImpression(ctx, camp.ID, func(row storage.ImpressionRow) error {
		acc.Add(analysis.Impression{
			Persona: row.Persona, Session: row.Seq, Rank: row.Rank, ItemID: row.ItemID,
			Title: row.Title, Topic: row.Topic, Harmful: len(lex.Match(row.Title)) > 0,
		})
		return nil
	})
	if err != nil {
		return rep, err
	}
	rep.Summary = acc.Summary(r)
	rep.Comparison = compareWithControls(rep.Summary)
	return rep, nil
}

// compareWithControls pairs every test persona's top-interest share with the
// mean share of that topic among control personas, session by session.
func compareWithControls(s analysis.Summary) []comparisonRow {
	var controls []analysis.PersonaSummary
	for _, p := range s.Personas {
		if p.Role == personas.RoleControl {
			controls = append(controls, p)
		}
	}
	var rows []comparisonRow
	for _, p := range s.Personas {
		if p.Role == personas.RoleControl || p.TopInterest == "" {
			continue
		}
		for _, ss := range p.Sessions {
			row := comparisonRow{Persona: p.Name, Topic: p.TopInterest, Session: ss.Session, PersonaShare: ss.TopicShares[p.TopInterest]}
			sum := 0.0
			for _, c := range controls {
				for _, cs := range c.Sessions {
					if cs.Session == ss.Session {
						sum += cs.TopicShares[p.TopInterest]
						row.Controls++
					}
				}
			}
			if row.Controls > 0 {
				row.ControlShare = sum / float64(row.Controls)
			}
			row.Difference = row.PersonaShare - row.ControlShare
			rows = append(rows, row)
		}
	}
	return rows
}

func (r report) writeTable(w io.Writer) error {
	if _, err := fmt.Fprintf(w, "campaign %d %q on %s (%s)\n", r.Campaign.ID, r.Campaign.Name, r.Campaign.Platform, r.Campaign.BaseURL); err != nil {
		return err
	}
	if err := r.Summary.WriteTable(w); err != nil {
		return err
	}
	if len(r.Comparison) == 0 {
		return nil
	}
	if _, err := fmt.Fprintf(w, "\ntrained personas vs controls, share of the persona's top interest\n  %-16s %-10s %7s %8s %8s %8s\n",
		"persona", "topic", "session", "persona", "controls", "diff"); err != nil {
		return err
	}
	for _, c := range r.Comparison {
		if _, err := fmt.Fprintf(w, "  %-16s %-10s %7d %8.3f %8.3f %+8.3f\n", c.Persona, c.Topic, c.Session, c.PersonaShare, c.ControlShare, c.Difference); err != nil {
			return err
		}
	}
	return nil
}
