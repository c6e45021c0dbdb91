package report

import (
	"embed"
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

var reportTemplate = template.Must(template.New("report.html").Funcs(template.FuncMap{
	"num":         fmtNum,
	"effect":      fmtEffect,
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
}).ParseFS(templates, "templates/report.html"))

// Limitations is the statement every audit report carries.
var Limitations = []string{
	"A black-box probe gives evidence of observable outcomes for scripted personas: never intent, internal data, population prevalence or legal \"unreasonableness\".",
	"Personas are scripted accounts, not a population sample.",
	"Confounders (time, region, A/B buckets, fingerprint, account age) are controlled only by time-matched, replicated twins and blank controls on the same network egress.",
	"Bot detection (captcha, forced logout) is recorded as data: blocked sessions are listed, not silently dropped.",
	"\"Harmful\" and \"mainstream\" have no legal thresholds: the harm lexicon and label sources are published with the numbers, and the margins each verdict is held to are stated beside it.",
	"The unit of most tests is the persona-session; sessions of one persona are not independent, so p-values from few personas deserve caution.",
}

// Input is everything an audit report shows, as plain values.
type Input struct {
	// Generated is when the report was made; it is printed in UTC.
	Generated time.Time
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
	Generated    string
	Campaign     CampaignFindings
	Done, Failed int
	Blocked      int
	Personas     []personaRow
	Charts       []chart
	Baseline     *CampaignFindings
	Reinspection []analysis.Reinspection
	Limitations  []string
	Impressions  int
	Lexicon      []string
	// Observed is the period the sessions actually ran.
	Observed string
	// FirstScreens are the first items of each persona's first session.
	FirstScreens []firstScreen
	Disclosures  []Disclosure
	// Network is each persona's network identity and egress; Shared the
	// addresses personas share; EgressChecked whether any echo was read.
	Network       []networkRow
	Shared        []analysis.SharedEgress
	EgressChecked bool
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
	Interests          map[string]float64
	Traits             string
	Settings           string
	Phases             []string
}

// Write renders the audit report of in as one self-contained HTML file:
// the campaign design, the findings with their details and examples, what
// the platform discloses, the re-inspection comparison when in.Baseline is
// set, the charts, each persona's first screen and the limitations.
func Write(w io.Writer, in Input) error {
	p := page{Generated: in.Generated.UTC().Format(time.RFC3339), Campaign: in.Campaign, Limitations: Limitations,
		Impressions: len(in.Compliance.Impressions), Done: in.Sessions.Done, Failed: in.Sessions.Failed,
		Blocked: in.Sessions.Blocked, Lexicon: slices.Sorted(slices.Values(in.Lexicon)), Disclosures: in.Disclosures}
	if s := in.Sessions; !s.First.IsZero() && !s.Last.IsZero() {
		p.Observed = s.First.UTC().Format(time.RFC3339) + " to " + s.Last.UTC().Format(time.RFC3339)
	}
	for _, ps := range in.Campaign.Spec.Personas {
		row := personaRow{Name: ps.Name, Role: ps.Role, TwinOf: ps.TwinOf, Interests: ps.Interests,
			Traits:   fmt.Sprintf("%s, %s, %s", ps.Traits.AgeGroup, ps.Traits.Locale, ps.Traits.Device),
			Settings: settingsText(ps.Settings.Personalization, ps.Settings.MinorMode)}
		for i, ph := range ps.Phases {
			row.Phases = append(row.Phases, fmt.Sprintf("%d. %s: %d sessions, interests %s%s", i+1, ph.Name, ph.Sessions,
				joinWeights(ph.Interests), settingsSuffix(ph.Settings.Personalization, ph.Settings.MinorMode)))
		}
		p.Personas = append(p.Personas, row)
	}
	p.Network, p.Shared, p.EgressChecked = network(in.Campaign.Spec.Personas, in.Egress), in.Egress.Shared, in.Egress.Checked
	p.Charts = charts(in.Audit)
	p.FirstScreens = firstScreens(in.Compliance)
	if in.Baseline != nil {
		p.Baseline = in.Baseline
		p.Reinspection = analysis.CompareFindings(in.Baseline.Findings, in.Campaign.Findings)
	}
	return reportTemplate.Execute(w, p)
}

// network lists each persona's proxy (its server, never credentials),
// time zone, languages and position, and the addresses its sessions came
// from.
func network(ps []personas.Spec, eg analysis.EgressReport) []networkRow {
	seen := map[string]analysis.PersonaEgress{}
	for _, e := range eg.Personas {
		seen[e.Persona] = e
	}
	var rows []networkRow
	for _, ps := range ps {
		tr := ps.Traits
		row := networkRow{Name: ps.Name, Proxy: "none (the probe's own address)"}
		if !ps.Proxy.IsZero() {
			row.Proxy = ps.Proxy.Server
		}
		place := []string{or(tr.Timezone, "machine time zone"), or(tr.AcceptLanguage, tr.Locale)}
		if g := tr.Geolocation; g != nil {
			place = append(place, fmt.Sprintf("%.4f, %.4f", g.Latitude, g.Longitude))
		}
		row.Place = strings.Join(place, "; ")
		e := seen[ps.Name]
		switch {
		case e.Sessions == 0:
			row.Egress = "not recorded"
		case len(e.IPs) == 0:
			row.Egress = fmt.Sprintf("no address in %d echo(es)", e.Sessions)
		default:
			row.Egress = strings.Join(e.IPs, ", ")
			if e.Unknown > 0 {
				row.Egress += fmt.Sprintf(" (%d echo(es) without an address)", e.Unknown)
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
