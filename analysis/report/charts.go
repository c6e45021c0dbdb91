package report

import (
	"bytes"
	"errors"
	"fmt"
	"html/template"
	"image/color"
	"math"
	"regexp"
	"slices"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgsvg"

	"github.com/feedprobe/feedprobe/analysis"
)

// chart is one drawn chart, or the reason it was not drawn. Its legend
// is HTML beside the plot, never inside it.
type chart struct {
	Title   string
	Caption string
	SVG     template.HTML
	Legend  []legendItem
}

// legendItem is one entry of a chart's legend: a swatch of Color (CSS),
// dashed for the control line.
type legendItem struct {
	Color  string
	Label  string
	Dashed bool
}

// Chart colours: one per series, colour-blind safe (Okabe–Ito); the
// control line is black and dashed.
var palette = []color.RGBA{{0, 114, 178, 255}, {213, 94, 0, 255}, {0, 158, 115, 255}, {204, 121, 167, 255}, {230, 159, 0, 255}, {86, 180, 233, 255}}

var controlColor = color.RGBA{0, 0, 0, 255}

// controlDashes is the dash pattern of the control line.
var controlDashes = []vg.Length{vg.Points(6), vg.Points(3)}

func cssColor(c color.RGBA) string { return fmt.Sprintf("#%02x%02x%02x", c.R, c.G, c.B) }

// newPlot returns a plot whose text is sans-serif (the SVG text inherits
// the page's font; these metrics lay it out).
func newPlot() *plot.Plot {
	p := plot.New()
	sans := func(f *font.Font) { f.Typeface, f.Variant = "Liberation", "Sans" }
	sans(&p.Title.TextStyle.Font)
	sans(&p.X.Label.TextStyle.Font)
	sans(&p.Y.Label.TextStyle.Font)
	sans(&p.X.Tick.Label.Font)
	sans(&p.Y.Tick.Label.Font)
	sans(&p.Legend.TextStyle.Font)
	return p
}

// charts draws the report's charts from the audit, with text in lang.
func charts(a analysis.Audit, lang Lang) []chart {
	var out []chart
	add := func(title, caption string, p *plot.Plot, legend []legendItem, err error) {
		if err != nil || p == nil {
			why := text(lang, "chart.nodata")
			if err != nil && !errors.Is(err, errNoData) {
				why = err.Error()
			}
			out = append(out, chart{Title: title, Caption: text(lang, "chart.notdrawn", why)})
			return
		}
		svg, err := svgOf(p, 16*vg.Centimeter, 8*vg.Centimeter)
		if err != nil {
			out = append(out, chart{Title: title, Caption: text(lang, "chart.notdrawn", err.Error())})
			return
		}
		out = append(out, chart{Title: title, Caption: caption, SVG: svg, Legend: legend})
	}
	note := func(caption string, hasControl bool) string {
		if hasControl {
			return caption
		}
		return caption + " " + text(lang, "chart.nocontrol")
	}
	p, leg, ctl, err := bandChart(a, "reference_share", text(lang, "axis.session"), text(lang, "axis.share"), lang)
	add(text(lang, "chart.share"), note(text(lang, "chart.sharecap"), ctl), p, leg, err)
	p, leg, ctl, err = bandChart(a, "evenness", text(lang, "axis.session"), text(lang, "axis.even"), lang)
	add(text(lang, "chart.even"), note(text(lang, "chart.evencap"), ctl), p, leg, err)
	p, leg, ctl, err = harmChart(a, lang)
	add(text(lang, "chart.harm"), note(text(lang, "chart.harmcap"), ctl), p, leg, err)
	p, leg, err = noiseChart(a, lang)
	add(text(lang, "chart.noise"), text(lang, "chart.noisecap"), p, leg, err)
	return out
}

var errNoData = errors.New("no data for this chart")

var svgFontFamily = regexp.MustCompile(`font-family:[^;"]*`)

func finite(v analysis.Num) bool { return !math.IsNaN(float64(v)) && !math.IsInf(float64(v), 0) }

// bandChart draws metric per session for each role group, with bands.
// It reports whether a control group was drawn (as a black dashed line).
func bandChart(a analysis.Audit, metric, xLabel, yLabel string, lang Lang) (*plot.Plot, []legendItem, bool, error) {
	p := newPlot()
	p.X.Label.Text, p.Y.Label.Text = xLabel, yLabel
	var legend []legendItem
	hasControl := false
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
		control := g.Value == "control"
		if control {
			c, hasControl = controlColor, true
		}
		if len(lo) > 1 {
			poly := append(plotter.XYs{}, lo...)
			for i := len(hi) - 1; i >= 0; i-- {
				poly = append(poly, hi[i])
			}
			band, err := plotter.NewPolygon(poly)
			if err != nil {
				return nil, nil, false, err
			}
			band.Color = color.RGBA{c.R, c.G, c.B, 60}
			band.LineStyle.Width = 0
			p.Add(band)
		}
		l, pts, err := plotter.NewLinePoints(line)
		if err != nil {
			return nil, nil, false, err
		}
		l.Color, pts.Color = c, c
		l.Width = vg.Points(2)
		if control {
			l.Dashes = controlDashes
		}
		p.Add(l, pts)
		legend = append(legend, legendItem{Color: cssColor(c), Label: text(lang, "legend.group", valueText(g.Value, lang), g.Personas), Dashed: control})
		drawn++
	}
	if drawn == 0 {
		return nil, nil, false, errNoData
	}
	p.X.Tick.Marker = integerTicks{}
	return p, legend, hasControl, nil
}

// valueText is a value (a role) in lang when the table has it.
func valueText(v string, lang Lang) string {
	if _, ok := texts["v."+v]; ok {
		return text(lang, "v."+v)
	}
	return v
}

// dimensionText is a grouping dimension (role, age_group, ...) in lang
// when the table has it.
func dimensionText(d string, lang Lang) string {
	if _, ok := texts["dim."+d]; ok {
		return text(lang, "dim."+d)
	}
	return d
}

// harmChart draws harmful items per 100 by group with error bars.
// The control group's value is a black dashed line across the chart.
func harmChart(a analysis.Audit, lang Lang) (*plot.Plot, []legendItem, bool, error) {
	control := math.NaN()
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
			names = append(names, fmt.Sprintf("%s=%s", dimensionText(g.Dimension, lang), valueText(g.Value, lang)))
			if g.Dimension == "role" && g.Value == "control" {
				control = float64(est.Mean)
			}
		}
	}
	if len(vals) == 0 {
		return nil, nil, false, errNoData
	}
	p := newPlot()
	p.Y.Label.Text = text(lang, "axis.harm")
	bars, err := plotter.NewBarChart(vals, vg.Points(18))
	if err != nil {
		return nil, nil, false, err
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
		return nil, nil, false, err
	}
	p.Add(eb)
	legend := []legendItem{{Color: cssColor(palette[1]), Label: text(lang, "legend.bars")}}
	xMin, xMax := -0.6, float64(len(vals))-0.4
	hasControl := !math.IsNaN(control)
	if hasControl {
		l, err := plotter.NewLine(plotter.XYs{{X: xMin, Y: control}, {X: xMax, Y: control}})
		if err != nil {
			return nil, nil, false, err
		}
		l.Color, l.Dashes, l.Width = controlColor, controlDashes, vg.Points(1.5)
		p.Add(l)
		legend = append(legend, legendItem{Color: cssColor(controlColor), Label: text(lang, "legend.control"), Dashed: true})
	}
	p.NominalX(names...)
	p.X.Min, p.X.Max = xMin, xMax
	p.X.Tick.Label.Rotation = math.Pi / 6
	p.X.Tick.Label.XAlign = draw.XRight
	p.Y.Min = 0
	return p, legend, hasControl, nil
}

// noiseChart draws Jaccard test-vs-control and control-vs-control per
// session.
// The noise floor (controls among themselves) is the control line.
func noiseChart(a analysis.Audit, lang Lang) (*plot.Plot, []legendItem, error) {
	p := newPlot()
	p.X.Label.Text, p.Y.Label.Text = text(lang, "axis.session"), text(lang, "axis.jaccard")
	var legend []legendItem
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
			return nil, nil, err
		}
		c, label := palette[0], text(lang, "legend.tc")
		if i == 1 {
			c, label = controlColor, text(lang, "legend.cc")
			l.Dashes = controlDashes
		}
		l.Color, pts.Color = c, c
		l.Width = vg.Points(2)
		p.Add(l, pts)
		legend = append(legend, legendItem{Color: cssColor(c), Label: label, Dashed: i == 1})
		drawn++
	}
	if drawn == 0 {
		return nil, nil, errNoData
	}
	p.X.Tick.Marker = integerTicks{}
	p.Y.Min, p.Y.Max = 0, 1
	return p, legend, nil
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
	// The text takes the page's font: the plot's own fonts only measure it.
	s = svgFontFamily.ReplaceAllString(s, "font-family:inherit")
	// The SVG is generated here and its text is escaped by vgsvg.
	return template.HTML(s), nil //nolint:gosec
}
