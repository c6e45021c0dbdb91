package report

import (
	"bytes"
	"errors"
	"fmt"
	"html/template"
	"image/color"
	"math"
	"slices"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgsvg"

	"github.com/feedprobe/feedprobe/analysis"
)

// chart is one drawn chart, or the reason it was not drawn.
type chart struct {
	Title   string
	Caption string
	SVG     template.HTML
}

// Chart colours: one per series, colour-blind safe (Okabe–Ito).
var palette = []color.RGBA{{0, 114, 178, 255}, {213, 94, 0, 255}, {0, 158, 115, 255}, {204, 121, 167, 255}, {230, 159, 0, 255}, {86, 180, 233, 255}}

// charts draws the report's charts from the audit.
func charts(a analysis.Audit) []chart {
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

var errNoData = errors.New("no data for this chart")

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
