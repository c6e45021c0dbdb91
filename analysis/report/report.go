package report

import (
	"embed"
	"encoding/base64"
	"fmt"
	"html/template"
	"io"
	"maps"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/feedprobe/feedprobe/analysis"
	"github.com/feedprobe/feedprobe/personas"
)

//go:embed templates/*.html
var templates embed.FS

// funcs are the template functions both documents share; the language
// and time zone dependent ones are bound per document by bind.
func funcs() template.FuncMap {
	return template.FuncMap{
		"num":         fmtNum,
		"effect":      fmtEffect,
		"joinmap":     joinWeights,
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
		// Bound per document (bind): these panic if left unbound.
		"t":       func(string, ...any) string { panic("unbound") },
		"v":       func(string) string { panic("unbound") },
		"when":    func(time.Time) string { panic("unbound") },
		"article": func(string) string { panic("unbound") },
		"clip":    func(string) string { panic("unbound") },
		"say":     func(analysis.Text, string) string { panic("unbound") },
		"english": func(string) string { panic("unbound") },
		"check":   func(string) string { panic("unbound") },
	}
}

var reportTemplate = template.Must(template.New("report.html").Funcs(funcs()).ParseFS(templates, "templates/report.html"))

// bind returns tmpl with its language and time zone functions bound: t
// (a fixed text), v (a value such as a verdict, in lang when the table has
// it), when (a time in loc) and article (an article reference spelled
// out), say (a text of the analysis, with its English as recorded),
// english (an English sentence of the analysis as stored) and check (a
// check's code and name).
func bind(tmpl *template.Template, lang Lang, loc *time.Location) (*template.Template, error) {
	c, err := tmpl.Clone()
	if err != nil {
		return nil, err
	}
	return c.Funcs(template.FuncMap{
		"t": func(key string, args ...any) string { return text(lang, key, args...) },
		"v": func(s string) string {
			if _, ok := texts["v."+s]; ok {
				return text(lang, "v."+s)
			}
			return s
		},
		"when":    func(t time.Time) string { return when(t, loc) },
		"article": func(ref string) string { return ArticleName(ref, lang) },
		"clip":    func(s string) string { return clipTitle(s, lang) },
		"say":     func(t analysis.Text, s string) string { return say(lang, t, s) },
		"english": func(s string) string { return sayEnglish(lang, s) },
		"check":   func(c string) string { return checkLabel(lang, c) },
	}), nil
}

// when prints t in loc with its offset; "" for a zero time.
func when(t time.Time, loc *time.Location) string {
	if t.IsZero() {
		return ""
	}
	if loc == nil {
		loc = time.UTC
	}
	return t.In(loc).Format("2006-01-02 15:04:05 -07:00")
}

// Limitations is the statement every audit report carries, in English
// (the report prints it in its language).
var Limitations = []string{text(English, "limits.1"), text(English, "limits.2"), text(English, "limits.3"),
	text(English, "limits.4"), text(English, "limits.5"), text(English, "limits.6")}

// Input is everything an audit report shows, as plain values.
type Input struct {
	// Generated is when the report was made; it is printed in Location.
	Generated time.Time
	// Lang is the report's language (English when empty).
	Lang Lang
	// Location is the case's time zone, every time is printed in; nil
	// means UTC. ZoneSet says whether the case set it (the header says
	// when UTC is a default).
	Location *time.Location
	ZoneSet  bool
	// Case is the inspection the campaign belongs to, nil when none.
	Case *Inspection
	// Tool is the feedprobe build that made the report.
	Tool Tool
	// SpecHash is the SHA-256 (hex) of the campaign specification as
	// stored.
	SpecHash string
	// ChainHead is the hash of the last row of the campaign's evidence
	// chain ("" without evidence) and ChainRows its length.
	ChainHead string
	ChainRows int
	// Options are the settings the findings were computed with.
	Options analysis.ComplianceOptions
	// ClosedNetwork says whether the campaign ran in closed-network mode.
	ClosedNetwork bool
	// StartGap is the largest start-time gap measured between matched
	// personas' sessions of the same number; nil when none was measured.
	StartGap *StartGap
	// Pictures are the screenshots where the findings' example items were
	// seen.
	Pictures []Picture
	// Signature fills the signature block; empty fields are lines to sign
	// on.
	Signature Signature
	// Campaign is the campaign reported on, with its findings.
	Campaign CampaignFindings
	// Baseline, when set, makes the report a re-inspection: its findings
	// are set beside Campaign's with analysis.CompareFindings.
	Baseline *CampaignFindings
	// Compliance is the personas and impressions Campaign's findings were
	// computed from: the report counts its impressions and shows each
	// persona's first screen.
	Compliance analysis.ComplianceInput
	// Audit is the analysis the charts draw.
	Audit analysis.Audit
	// Lexicon lists the harm categories, printed in sorted order.
	Lexicon []string
	// Sessions counts the campaign's sessions by outcome.
	Sessions Sessions
	// Disclosures are the surfaces of the inspections the campaign belongs
	// to, read beside the findings.
	Disclosures []Disclosure
	// Egress is the address each persona's sessions came from and the
	// addresses personas share.
	Egress analysis.EgressReport
}

// Tool is the build of feedprobe that made a document: its version and
// the source revision it was built from (Modified: from a working tree
// with uncommitted changes).
type Tool struct {
	Version  string `json:"version"`
	Revision string `json:"revision,omitempty"`
	Modified bool   `json:"modified,omitempty"`
}

// Picture is a screenshot from the evidence store that shows a finding's
// example item: the example it belongs to (Check, Persona, Session,
// Surface, Rank), the image (MIME and Data), the SHA-256 of Data as the
// evidence row records it, the row's hash in the chain, and when and why
// it was taken.
type Picture struct {
	Check   string
	Persona string
	Session int
	Surface string
	Rank    int
	MIME    string
	Data    []byte
	SHA256  string
	RowHash string
	At      time.Time
	Reason  string
}

// Signature is what the signature block of a report or notice prints:
// the inspectors' names, the place and the date. Empty fields leave a line
// to fill in by hand; two inspector lines at least.
type Signature struct {
	Inspectors []string `json:"inspectors,omitempty"`
	Place      string   `json:"place,omitempty"`
	Date       string   `json:"date,omitempty"`
}

// signers returns the inspector lines: the names, and blank lines up to
// two.
func (s Signature) signers() []string {
	out := slices.Clone(s.Inspectors)
	for len(out) < 2 {
		out = append(out, "")
	}
	return out
}

// Campaign identifies a campaign.
type Campaign struct {
	ID       int64  `json:"id"`
	Name     string `json:"name"`
	Platform string `json:"platform"`
	BaseURL  string `json:"base_url"`
}

// CampaignFindings is a campaign as recorded (design, plan, personas) with
// its compliance findings.
type CampaignFindings struct {
	Campaign Campaign
	Spec     personas.Campaign
	Findings []analysis.Finding
}

// Sessions counts a campaign's sessions by outcome and gives the period
// they ran.
type Sessions struct {
	Done, Failed, Blocked int
	// First is the earliest start and Last the latest finish; the period
	// is printed when both are set.
	First, Last time.Time
}

// Disclosure is one surface of an inspection a campaign belongs to.
type Disclosure struct {
	Case string
	Surface
}

// page is what the report template gets.
type page struct {
	Lang         Lang
	Generated    time.Time
	Zone         string
	ZoneSet      bool
	Case         *Inspection
	Tool         Tool
	SpecHash     string
	ChainHead    string
	ChainRows    int
	Method       []string
	Campaign     CampaignFindings
	Findings     []findingView
	Done, Failed int
	Blocked      int
	Personas     []personaRow
	Charts       []chart
	Baseline     *CampaignFindings
	Reinspection []analysis.Reinspection
	Limitations  []string
	Impressions  int
	Lexicon      string
	First, Last  time.Time
	// FirstScreens are the first items of each persona's first session.
	FirstScreens []firstScreen
	Disclosures  []Disclosure
	Signers      []string
	Signature    Signature
	// Network is each persona's network identity and egress; Shared the
	// addresses personas share; EgressChecked whether any echo was read.
	Network       []networkRow
	Shared        []analysis.SharedEgress
	EgressChecked bool
}

// findingView is a finding with its evidence pictures.
type findingView struct {
	analysis.Finding
	Pictures []pictureView
	// Missing names the examples no screenshot was kept for.
	Missing []string
}

// pictureView is a picture as the template shows it.
type pictureView struct {
	Caption string
	SHA256  string
	RowHash string
	Src     template.URL
}

// networkRow is one persona's network identity as designed and as the
// platform saw it.
type networkRow struct {
	Name, Proxy, Place, Egress string
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
	Interests          string
	Traits             string
	Settings           string
	Phases             []string
}

// Write renders the audit report of in as one self-contained HTML file
// in in.Lang: the header (case, campaign, tool, hashes), the methodology,
// the campaign design, the findings with their details, examples and
// evidence pictures, what the platform discloses, the re-inspection
// comparison when in.Baseline is set, the charts, each persona's first
// screen, the limitations and the signature block.
func Write(w io.Writer, in Input) error {
	lang := in.Lang
	if lang == "" {
		lang = English
	}
	loc := in.Location
	if loc == nil {
		loc = time.UTC
	}
	p := page{Lang: lang, Generated: in.Generated, Zone: loc.String(), ZoneSet: in.ZoneSet, Case: in.Case, Tool: in.Tool,
		SpecHash: in.SpecHash, ChainHead: in.ChainHead, ChainRows: in.ChainRows, Campaign: in.Campaign,
		Impressions: len(in.Compliance.Impressions), Done: in.Sessions.Done, Failed: in.Sessions.Failed,
		Blocked: in.Sessions.Blocked, Lexicon: strings.Join(slices.Sorted(slices.Values(in.Lexicon)), ", "), Disclosures: in.Disclosures,
		First: in.Sessions.First, Last: in.Sessions.Last, Signers: in.Signature.signers(), Signature: in.Signature}
	for i := 1; i <= 6; i++ {
		p.Limitations = append(p.Limitations, text(lang, fmt.Sprintf("limits.%d", i)))
	}
	p.Method = methodology(in, lang)
	for _, ps := range in.Campaign.Spec.Personas {
		row := personaRow{Name: ps.Name, Role: ps.Role, TwinOf: ps.TwinOf, Interests: weights(ps.Interests, lang),
			Traits:   fmt.Sprintf("%s, %s, %s", ps.Traits.AgeGroup, ps.Traits.Locale, ps.Traits.Device),
			Settings: settingsText(ps.Settings.Personalization, ps.Settings.MinorMode, lang)}
		for i, ph := range ps.Phases {
			s := text(lang, "set.phase", i+1, ph.Name, ph.Sessions, weights(ph.Interests, lang))
			if x := settingsList(ph.Settings.Personalization, ph.Settings.MinorMode, lang); x != "" {
				s += ", " + x
			}
			row.Phases = append(row.Phases, s)
		}
		p.Personas = append(p.Personas, row)
	}
	for _, f := range in.Campaign.Findings {
		p.Findings = append(p.Findings, viewFinding(f, in.Pictures, lang, loc))
	}
	p.Network, p.Shared, p.EgressChecked = network(in.Campaign.Spec.Personas, in.Egress, lang), in.Egress.Shared, in.Egress.Checked
	p.Charts = charts(in.Audit, lang)
	p.FirstScreens = firstScreens(in.Compliance)
	if in.Baseline != nil {
		p.Baseline = in.Baseline
		p.Reinspection = analysis.CompareFindings(in.Baseline.Findings, in.Campaign.Findings)
	}
	tmpl, err := bind(reportTemplate, lang, loc)
	if err != nil {
		return err
	}
	return tmpl.Execute(w, p)
}

// viewFinding attaches to f the pictures of its examples, one per
// screenshot (examples seen on the same screenshot share it).
func viewFinding(f analysis.Finding, pics []Picture, lang Lang, loc *time.Location) findingView {
	v := findingView{Finding: f}
	seen := map[string]bool{}
	for _, ex := range f.Examples {
		i := slices.IndexFunc(pics, func(p Picture) bool {
			return p.Check == f.Check && p.Persona == ex.Persona && p.Session == ex.Session && p.Surface == ex.Surface && p.Rank == ex.Rank
		})
		if i < 0 {
			v.Missing = append(v.Missing, text(lang, "pic.none", ex.Persona, ex.Session))
			continue
		}
		pic := pics[i]
		if seen[pic.SHA256] {
			continue
		}
		seen[pic.SHA256] = true
		mime := pic.MIME
		if mime == "" {
			mime = "image/png"
		}
		v.Pictures = append(v.Pictures, pictureView{
			Caption: text(lang, "pic.caption", ex.Persona, ex.Session, ex.Surface, ex.Rank, when(pic.At, loc), pic.Reason),
			SHA256:  pic.SHA256, RowHash: pic.RowHash,
			// The bytes come from the evidence store, base64 cannot
			// break out of the attribute, and the page's CSP allows
			// data: images only.
			Src: template.URL("data:" + mime + ";base64," + base64.StdEncoding.EncodeToString(pic.Data)), //nolint:gosec
		})
	}
	slices.Sort(v.Missing)
	v.Missing = slices.Compact(v.Missing)
	return v
}

// methodology is the report's methodology, one paragraph per subject,
// generated from the campaign and the analysis options.
func methodology(in Input, lang Lang) []string {
	spec := in.Campaign.Spec
	var test, blank, twins int
	for _, ps := range spec.Personas {
		switch {
		case ps.TwinOf != "":
			twins++
		case ps.Role == "control":
			blank++
		default:
			test++
		}
	}
	o := in.Options
	d := analysis.DefaultComplianceOptions()
	if o.Resamples == 0 {
		o = d
	}
	ao := in.Audit.Options
	if ao.Resamples == 0 {
		ao = analysis.DefaultAuditOptions()
	}
	k := ao.Taxonomy
	if k == 0 {
		k = len(in.Audit.Topics)
	}
	conc := spec.Concurrency
	if conc <= 0 {
		conc = len(spec.Personas)
	}
	rbo := text(lang, "method.rbowhole")
	if ao.RBODepth > 0 {
		rbo = text(lang, "method.rbodepth", ao.RBODepth)
	}
	var srcs []string
	for _, s := range slices.SortedFunc(slices.Values(analysis.SourcePrecedence), func(a, b string) int {
		return analysis.LabelPrecedence(a) - analysis.LabelPrecedence(b)
	}) {
		srcs = append(srcs, text(lang, "src."+s))
	}
	sep := " > "
	network := text(lang, "method.open")
	if in.ClosedNetwork {
		network = text(lang, "method.closed")
	}
	return []string{
		text(lang, "method.personas", len(spec.Personas), test, blank, twins),
		text(lang, "method.sessions", spec.Sessions, spec.ItemsPerSession, conc),
		text(lang, "method.units"),
		text(lang, "method.tests", o.Resamples, o.Alpha, 100*o.Level, o.Resamples),
		text(lang, "method.margins", 100*o.ShareMargin, o.HarmMargin, 100*o.PriceEpsilon, o.ListMargin, o.RunMargin, o.FirstScreen),
		text(lang, "method.conv", k, ao.SERPMSDepth, rbo, ao.RBOP),
		text(lang, "method.labels", strings.Join(srcs, sep)),
		startGap(lang, in.StartGap),
		network,
		text(lang, "method.limits"),
	}
}

// StartGap is the largest start-time gap between a test persona's session
// and the same-numbered session of a persona matched to it.
type StartGap struct {
	Seconds        float64
	Persona, Other string
	Session, Pairs int
}

// startGap is the methodology's line on the time matching measured.
func startGap(lang Lang, g *StartGap) string {
	if g == nil {
		return text(lang, "method.gapnone")
	}
	return text(lang, "method.gap", g.Seconds, g.Persona, g.Other, g.Session, g.Pairs)
}

// network lists each persona's proxy (its server, never credentials),
// time zone, languages and position, and the addresses its sessions came
// from.
func network(ps []personas.Spec, eg analysis.EgressReport, lang Lang) []networkRow {
	seen := map[string]analysis.PersonaEgress{}
	for _, e := range eg.Personas {
		seen[e.Persona] = e
	}
	var rows []networkRow
	for _, ps := range ps {
		tr := ps.Traits
		row := networkRow{Name: ps.Name, Proxy: text(lang, "net.noproxy")}
		if !ps.Proxy.IsZero() {
			row.Proxy = ps.Proxy.Server
		}
		place := []string{or(tr.Timezone, text(lang, "net.machinezone")), or(tr.AcceptLanguage, tr.Locale)}
		if g := tr.Geolocation; g != nil {
			place = append(place, fmt.Sprintf("%.4f, %.4f", g.Latitude, g.Longitude))
		}
		row.Place = strings.Join(place, "; ")
		e := seen[ps.Name]
		switch {
		case e.Sessions == 0:
			row.Egress = text(lang, "net.notrecorded")
		case len(e.IPs) == 0:
			row.Egress = text(lang, "net.noaddress", e.Sessions)
		default:
			row.Egress = strings.Join(e.IPs, ", ")
			if e.Unknown > 0 {
				row.Egress += text(lang, "net.someunknown", e.Unknown)
			}
		}
		rows = append(rows, row)
	}
	return rows
}

func or(s, alt string) string {
	if s == "" {
		return alt
	}
	return s
}

// clipRunes is the longest title the report shows whole.
const clipRunes = 300

// clipTitle shortens s to clipRunes characters, saying how many it left out.
func clipTitle(s string, lang Lang) string {
	r := []rune(s)
	if len(r) <= clipRunes {
		return s
	}
	return string(r[:clipRunes]) + text(lang, "clip", len(r)-clipRunes)
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

func settingsText(pers, minor *bool, lang Lang) string {
	if s := settingsList(pers, minor, lang); s != "" {
		return s
	}
	return text(lang, "set.defaults")
}

func settingsList(pers, minor *bool, lang Lang) string {
	onOff := func(b bool) string {
		if b {
			return text(lang, "set.on")
		}
		return text(lang, "set.off")
	}
	var parts []string
	if pers != nil {
		parts = append(parts, text(lang, "set.pers", onOff(*pers)))
	}
	if minor != nil {
		parts = append(parts, text(lang, "set.minor", onOff(*minor)))
	}
	return strings.Join(parts, ", ")
}

// weights prints topic weights sorted by topic.
func weights(m map[string]float64, lang Lang) string {
	if len(m) == 0 {
		return text(lang, "set.blank")
	}
	return joinWeights(m)
}

func joinWeights(m map[string]float64) string {
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(m)) {
		parts = append(parts, fmt.Sprintf("%s %g", k, m[k]))
	}
	return strings.Join(parts, ", ")
}

// fmtNum prints a finding's number with 3 significant digits, or "-" when
// it is undefined.
func fmtNum(v analysis.Num) string {
	f := float64(v)
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return "-"
	}
	return fmt.Sprintf("%.3g", f)
}

func fmtEffect(f analysis.Finding) string {
	return fmt.Sprintf("%s [%s, %s]", fmtNum(f.Effect.Value), fmtNum(f.Effect.Lo), fmtNum(f.Effect.Hi))
}
