package main

import (
	"bytes"
	"context"
	"embed"
	"fmt"
	"html/template"
	"image/color"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgsvg"

	"github.com/feedprobe/feedprobe/analysis"
	"github.com/feedprobe/feedprobe/storage"
)

//go:embed report/*.html
var reportAssets embed.FS

var reportTemplate = template.Must(template.New("report.html").Funcs(template.FuncMap{
	"num":         analysis.FormatFinding,
	"effect":      analysis.FormatEffect,
	"joinmap":     joinWeights,
	"clip":        clipTitle,
	"statusClass": func(s string) string { return strings.ReplaceAll(s, " ", "-") },
	"verdictClass": func(v string) string {
		switch v {
		case analysis.VerdictViolation:
			return "violation"
		case analysis.VerdictClean:
			return "clean"
		}
		return "inconclusive"
	},
}).ParseFS(reportAssets, "report/report.html"))

// limitations is the statement every report carries (shared/REGULATION.md).
var limitations = []string{
	"A black-box probe gives evidence of observable outcomes for scripted personas: never intent, internal data, population prevalence or legal \"unreasonableness\".",
	"Personas are scripted accounts, not a population sample.",
	"Confounders (time, region, A/B buckets, fingerprint, account age) are controlled only by time-matched, replicated twins and blank controls on the same network egress.",
	"Bot detection (captcha, forced logout) is recorded as data: blocked sessions are listed, not silently dropped.",
	"\"Harmful\" and \"mainstream\" have no legal thresholds: the harm lexicon and label sources are published with the numbers, and the margins each verdict is held to are stated beside it.",
	"The unit of most tests is the persona-session; sessions of one persona are not independent, so p-values from few personas deserve caution.",
}

func cmdReport(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "report", "--db FILE [--campaign ID|NAME] [--baseline ID|NAME] -o report.html", `
Write the audit report of a campaign as one self-contained HTML file (no
scripts, no network fetches: charts are inline SVG drawn with gonum/plot):
the campaign design (rationale, sampling frame, period, personas), the
findings table of "feedprobe findings" with effects, intervals, p-values and
n, charts (reference-topic share per session with 95 % bands by role,
evenness, harmful items per 100 by group, personalization against the
noise floor), example items for each finding and the limitations statement.

With --baseline the report is a re-inspection: the earlier campaign's
findings are set beside this one's, and each check is "fixed", "not
fixed", "worse", "clean in both" or "not comparable".

All platform text (titles, topics, persona names) is escaped.`)
	db := fs.String("db", "feedprobe.db", "SQLite database to read")
	campaign := fs.String("campaign", "", "campaign id or name (default: the latest)")
	baseline := fs.String("baseline", "", "campaign id or name of the earlier inspection to compare with")
	out := fs.StringP("output", "o", "report.html", "HTML file to write (- for stdout)")
	seed := fs.Uint64("seed", 1, "seed of the bootstrap and permutation resampling")
	if err := fs.Parse(args); err != nil {
		return err
	}
	store, camp, err := openCampaign(ctx, *db, *campaign)
	if err != nil {
		return err
	}
	defer store.Close()
	var base *storage.Campaign
	if *baseline != "" {
		b, err := findCampaign(ctx, store, *baseline)
		if err != nil {
			return fmt.Errorf("--baseline: %w", err)
		}
		if b.ID == camp.ID {
			return fmt.Errorf("--baseline %q is the campaign itself", *baseline)
		}
		base = &b
	}
	var buf bytes.Buffer
	if err := writeReport(ctx, &buf, store, camp, base, *seed); err != nil {
		return err
	}
	if *out == "-" {
		_, err := e.stdout.Write(buf.Bytes())
		return err
	}
	tmp := *out + ".tmp"
	if err := os.WriteFile(tmp, buf.Bytes(), 0o644); err != nil {
		return err
	}
	if err := os.Rename(tmp, *out); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "wrote %s (%d bytes)\n", filepath.Clean(*out), buf.Len())
	return nil
}

// reportData is what the report template gets.
type reportData struct {
	Generated    string
	Campaign     storage.Findings
	Sessions     []storage.Session
	Done, Failed int
	Blocked      int
	Personas     []personaRow
	Charts       []chart
	Baseline     *storage.Findings
	Reinspection []analysis.Reinspection
	Limitations  []string
	Impressions  int
	Lexicon      []string
	// Observed is the period the sessions actually ran.
	Observed string
	// FirstScreens are the first items of each persona's first session.
	FirstScreens []firstScreen
	// Disclosures are the surfaces, filing numbers and disclosure texts of
	// the inspections the campaign belongs to, to read beside the findings.
	Disclosures []disclosureRow
}

// disclosureRow is one surface of an inspection the campaign belongs to.
type disclosureRow struct {
	Case string
	storage.Surface
}

// campaignDisclosures returns the surfaces of every inspection the
// campaign is attached to, by case and surface.
func campaignDisclosures(ctx context.Context, db *storage.DB, campaignID int64) ([]disclosureRow, error) {
	ins, err := db.Inspections(ctx)
	if err != nil {
		return nil, err
	}
	var out []disclosureRow
	for _, in := range ins {
		cs, err := db.InspectionCampaigns(ctx, in.ID)
		if err != nil {
			return nil, err
		}
		if !slices.ContainsFunc(cs, func(c storage.InspectionCampaign) bool { return c.Campaign.ID == campaignID }) {
			continue
		}
		ss, err := db.Surfaces(ctx, in.ID)
		if err != nil {
			return nil, err
		}
		for _, s := range ss {
			out = append(out, disclosureRow{Case: in.Case, Surface: s})
		}
	}
	return out, nil
}

// firstScreen is what one persona was shown first.
type firstScreen struct {
	Persona string
	Session int
	Items   []analysis.ComplianceImpression
}

// firstScreenItems is how many items of each persona's first session the
// report shows.
const firstScreenItems = 5

type personaRow struct {
	Name, Role, TwinOf string
	Interests          map[string]float64
	Traits             string
	Settings           string
	Phases             []string
}

type chart struct {
	Title   string
	Caption string
	SVG     template.HTML
}

func writeReport(ctx context.Context, w io.Writer, db *storage.DB, camp storage.Campaign, base *storage.Campaign, seed uint64) error {
	fr, err := db.Findings(ctx, camp, rand.New(rand.NewPCG(seed, 0)))
	if err != nil {
		return err
	}
	rep, err := db.Analyze(ctx, camp, rand.New(rand.NewPCG(seed, 0)))
	if err != nil {
		return err
	}
	data := reportData{Generated: time.Now().UTC().Format(time.RFC3339), Campaign: fr, Limitations: limitations,
		Impressions: len(fr.Input.Impressions)}
	for c := range rep.Lexicon {
		data.Lexicon = append(data.Lexicon, c)
	}
	slices.Sort(data.Lexicon)
	if data.Sessions, err = db.Sessions(ctx, camp.ID); err != nil {
		return err
	}
	var first, last time.Time
	for _, s := range data.Sessions {
		switch s.Status {
		case storage.StatusDone:
			data.Done++
		case storage.StatusBlocked:
			data.Blocked++
		case storage.StatusFailed:
			data.Failed++
		}
		if !s.StartedAt.IsZero() && (first.IsZero() || s.StartedAt.Before(first)) {
			first = s.StartedAt
		}
		if s.FinishedAt.After(last) {
			last = s.FinishedAt
		}
	}
	if !first.IsZero() && !last.IsZero() {
		data.Observed = first.UTC().Format(time.RFC3339) + " to " + last.UTC().Format(time.RFC3339)
	}
	for _, p := range fr.Spec.Personas {
		row := personaRow{Name: p.Name, Role: p.Role, TwinOf: p.TwinOf, Interests: p.Interests,
			Traits:   fmt.Sprintf("%s, %s, %s", p.Traits.AgeGroup, p.Traits.Locale, p.Traits.Device),
			Settings: settingsText(p.Settings.Personalization, p.Settings.MinorMode)}
		for i, ph := range p.Phases {
			row.Phases = append(row.Phases, fmt.Sprintf("%d. %s: %d sessions, interests %s%s", i+1, ph.Name, ph.Sessions,
				joinWeights(ph.Interests), settingsSuffix(ph.Settings.Personalization, ph.Settings.MinorMode)))
		}
		data.Personas = append(data.Personas, row)
	}
	if data.Disclosures, err = campaignDisclosures(ctx, db, camp.ID); err != nil {
		return err
	}
	data.Charts = reportCharts(rep.Audit)
	data.FirstScreens = firstScreens(fr.Input)
	if base != nil {
		bf, err := db.Findings(ctx, *base, rand.New(rand.NewPCG(seed, 0)))
		if err != nil {
			return fmt.Errorf("baseline: %w", err)
		}
		data.Baseline = &bf
		data.Reinspection = analysis.CompareFindings(bf.Findings, fr.Findings)
	}
	return reportTemplate.Execute(w, data)
}

// clipRunes is the longest title the report shows whole.
const clipRunes = 300

// clipTitle shortens s to clipRunes characters, saying how many it left out.
func clipTitle(s string) string {
	r := []rune(s)
	if len(r) <= clipRunes {
		return s
	}
	return string(r[:clipRunes]) + fmt.Sprintf("… (%d more characters)", len(r)-clipRunes)
}

// firstScreens returns, per persona in order, the first feed items of its
// earliest session.
func firstScreens(in analysis.ComplianceInput) []firstScreen {
	var out []firstScreen
	for _, p := range in.Personas {
		fs := firstScreen{Persona: p.Name}
		for _, imp := range in.Impressions {
			if imp.Persona != p.Name || imp.Surface != "feed" || imp.Rank > firstScreenItems {
				continue
			}
			if fs.Session == 0 || imp.Session < fs.Session {
				fs.Session, fs.Items = imp.Session, nil
			}
			if imp.Session == fs.Session {
				fs.Items = append(fs.Items, imp)
			}
		}
		slices.SortFunc(fs.Items, func(a, b analysis.ComplianceImpression) int { return a.Rank - b.Rank })
		if len(fs.Items) > 0 {
			out = append(out, fs)
		}
	}
	return out
}

func settingsText(pers, minor *bool) string {
	s := settingsSuffix(pers, minor)
	if s == "" {
		return "platform defaults"
	}
	return strings.TrimPrefix(s, ", ")
}

func settingsSuffix(pers, minor *bool) string {
	var parts []string
	if pers != nil {
		parts = append(parts, fmt.Sprintf("personalization %v", *pers))
	}
	if minor != nil {
		parts = append(parts, fmt.Sprintf("minor mode %v", *minor))
	}
	if len(parts) == 0 {
		return ""
	}
	return ", " + strings.Join(parts, ", ")
}

func joinWeights(m map[string]float64) string {
	if len(m) == 0 {
		return "none (blank)"
	}
	var keys []string
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var parts []string
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%s %g", k, m[k]))
	}
	return strings.Join(parts, ", ")
}

// Chart colours: one per series, colour-blind safe (Okabe–Ito).
var palette = []color.RGBA{{0, 114, 178, 255}, {213, 94, 0, 255}, {0, 158, 115, 255}, {204, 121, 167, 255}, {230, 159, 0, 255}, {86, 180, 233, 255}}

// reportCharts draws the report's charts from the audit.
func reportCharts(a analysis.Audit) []chart {
	var out []chart
	add := func(title, caption string, p *plot.Plot, err error) {
		if err != nil || p == nil {
			out = append(out, chart{Title: title, Caption: "not drawn: " + fmt.Sprint(err)})
			return
		}
		svg, err := svgOf(p, 16*vg.Centimeter, 8*vg.Centimeter)
		if err != nil {
			out = append(out, chart{Title: title, Caption: "not drawn: " + err.Error()})
			return
		}
		out = append(out, chart{Title: title, Caption: caption, SVG: svg})
	}
	p, err := bandChart(a, "reference_share", "session", "share of the reference topic")
	add("Interest share per session", "Mean share of each persona's reference topic (its top interest; for a control, its test persona's) by role, with the 95 % bootstrap band over personas.", p, err)
	p, err = bandChart(a, "evenness", "session", "evenness (H / ln K)")
	add("Diversity per session", "Normalized Shannon entropy of topics by role, with the 95 % band.", p, err)
	p, err = harmChart(a)
	add("Harmful exposure by group", "Harmful items per 100 over all sessions, per group (role and each trait that splits the personas), with 95 % intervals.", p, err)
	p, err = noiseChart(a)
	add("Personalization vs noise floor", "Jaccard similarity of item lists: test persona vs its controls, and controls among themselves (the noise floor). A gap means personalization.", p, err)
	return out
}

var errNoData = fmt.Errorf("no data for this chart")

func finite(v analysis.Num) bool { return !math.IsNaN(float64(v)) && !math.IsInf(float64(v), 0) }

// bandChart draws metric per session for each role group, with bands.
func bandChart(a analysis.Audit, metric, xLabel, yLabel string) (*plot.Plot, error) {
	p := plot.New()
	p.X.Label.Text, p.Y.Label.Text = xLabel, yLabel
	p.Legend.Top = true
	drawn := 0
	for gi, g := range a.Groups {
		if g.Dimension != "role" {
			continue
		}
		var line, lo, hi plotter.XYs
		for _, row := range g.Rows {
			if row.Session == 0 {
				continue
			}
			est, ok := row.Metrics[metric]
			if !ok || !finite(est.Mean) {
				continue
			}
			line = append(line, plotter.XY{X: float64(row.Session), Y: float64(est.Mean)})
			if finite(est.Lo) && finite(est.Hi) {
				lo = append(lo, plotter.XY{X: float64(row.Session), Y: float64(est.Lo)})
				hi = append(hi, plotter.XY{X: float64(row.Session), Y: float64(est.Hi)})
			}
		}
		if len(line) == 0 {
			continue
		}
		c := palette[gi%len(palette)]
		if len(lo) > 1 {
			poly := append(plotter.XYs{}, lo...)
			for i := len(hi) - 1; i >= 0; i-- {
				poly = append(poly, hi[i])
			}
			band, err := plotter.NewPolygon(poly)
			if err != nil {
				return nil, err
			}
			band.Color = color.RGBA{c.R, c.G, c.B, 60}
			band.LineStyle.Width = 0
			p.Add(band)
		}
		l, pts, err := plotter.NewLinePoints(line)
		if err != nil {
			return nil, err
		}
		l.Color, pts.Color = c, c
		l.Width = vg.Points(2)
		p.Add(l, pts)
		p.Legend.Add(fmt.Sprintf("%s (n=%d)", g.Value, g.Personas), l)
		drawn++
	}
	if drawn == 0 {
		return nil, errNoData
	}
	p.X.Tick.Marker = integerTicks{}
	return p, nil
}

// harmChart draws harmful items per 100 by group with error bars.
func harmChart(a analysis.Audit) (*plot.Plot, error) {
	var vals plotter.Values
	var errs plotter.YErrors
	var names []string
	for _, g := range a.Groups {
		for _, row := range g.Rows {
			if row.Session != 0 {
				continue
			}
			est, ok := row.Metrics["harmful_per_100"]
			if !ok || !finite(est.Mean) {
				continue
			}
			vals = append(vals, float64(est.Mean))
			lo, hi := float64(est.Mean), float64(est.Mean)
			if finite(est.Lo) && finite(est.Hi) {
				lo, hi = float64(est.Lo), float64(est.Hi)
			}
			errs = append(errs, struct{ Low, High float64 }{float64(est.Mean) - lo, hi - float64(est.Mean)})
			names = append(names, fmt.Sprintf("%s=%s", g.Dimension, g.Value))
		}
	}
	if len(vals) == 0 {
		return nil, errNoData
	}
	p := plot.New()
	p.Y.Label.Text = "harmful items per 100"
	bars, err := plotter.NewBarChart(vals, vg.Points(18))
	if err != nil {
		return nil, err
	}
	bars.Color = palette[1]
	bars.LineStyle.Width = 0
	p.Add(bars)
	xys := make(plotter.XYs, len(vals))
	for i, v := range vals {
		xys[i] = plotter.XY{X: float64(i), Y: v}
	}
	eb, err := plotter.NewYErrorBars(struct {
		plotter.XYs
		plotter.YErrors
	}{xys, errs})
	if err != nil {
		return nil, err
	}
	p.Add(eb)
	p.NominalX(names...)
	p.X.Min, p.X.Max = -0.6, float64(len(vals))-0.4
	p.X.Tick.Label.Rotation = math.Pi / 6
	p.X.Tick.Label.XAlign = draw.XRight
	p.Y.Min = 0
	return p, nil
}

// noiseChart draws Jaccard test-vs-control and control-vs-control per
// session.
func noiseChart(a analysis.Audit) (*plot.Plot, error) {
	p := plot.New()
	p.X.Label.Text, p.Y.Label.Text = "session", "Jaccard similarity of item lists"
	p.Legend.Top = true
	drawn := 0
	for i, key := range []string{"jaccard_test_control", "jaccard_control_twin"} {
		var line plotter.XYs
		for _, row := range a.Noise {
			if row.Session == 0 {
				continue
			}
			if est, ok := row.Metrics[key]; ok && finite(est.Mean) {
				line = append(line, plotter.XY{X: float64(row.Session), Y: float64(est.Mean)})
			}
		}
		if len(line) == 0 {
			continue
		}
		slices.SortFunc(line, func(x, y plotter.XY) int { return int(x.X - y.X) })
		l, pts, err := plotter.NewLinePoints(line)
		if err != nil {
			return nil, err
		}
		l.Color, pts.Color = palette[i], palette[i]
		l.Width = vg.Points(2)
		p.Add(l, pts)
		p.Legend.Add(map[int]string{0: "test vs controls", 1: "controls vs controls (noise floor)"}[i], l)
		drawn++
	}
	if drawn == 0 {
		return nil, errNoData
	}
	p.X.Tick.Marker = integerTicks{}
	p.Y.Min, p.Y.Max = 0, 1
	return p, nil
}

// integerTicks marks whole numbers only (sessions).
type integerTicks struct{}

func (integerTicks) Ticks(lo, hi float64) []plot.Tick {
	var out []plot.Tick
	step := math.Max(1, math.Ceil((hi-lo)/10))
	for v := math.Ceil(lo); v <= hi; v += step {
		out = append(out, plot.Tick{Value: v, Label: fmt.Sprint(v)})
	}
	return out
}

// svgOf renders p as an inline SVG element (no XML prelude, no embedded
// fonts, nothing fetched).
func svgOf(p *plot.Plot, w, h vg.Length) (template.HTML, error) {
	c := vgsvg.NewWith(vgsvg.UseWH(w, h))
	p.Draw(draw.New(c))
	var buf bytes.Buffer
	if _, err := c.WriteTo(&buf); err != nil {
		return "", err
	}
	s := buf.String()
	if i := strings.Index(s, "<svg"); i >= 0 {
		s = s[i:]
	}
	// The SVG is generated here and its text is escaped by vgsvg.
	return template.HTML(s), nil //nolint:gosec
}
