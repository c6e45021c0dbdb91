package report

import (
	"html/template"
	"io"
	"strings"
	"time"

	"github.com/feedprobe/feedprobe/analysis"
)

var noticeTemplate = template.Must(template.New("rectification-notice.html").Funcs(funcs()).ParseFS(templates, "templates/rectification-notice.html"))

// NoticeLimits is the limitations statement of every rectification
// notice, in English (the notice prints it in its language).
var NoticeLimits = text(English, "notice.limitstext")

// LimitsText returns the limitations statement of a notice in lang.
func LimitsText(lang Lang) string { return text(lang, "notice.limitstext") }

// Notice is the rectification notice of an inspection: every order with
// the finding it rests on, its deadline and, once re-inspected, its
// verdict. Its JSON is what `feedprobe order notice --json` prints.
type Notice struct {
	Inspection Inspection `json:"inspection"`
	Surfaces   []Surface  `json:"surfaces"`
	Orders     []Order    `json:"orders"`
	Generated  time.Time  `json:"generated_at"`
	Limits     string     `json:"limitations"`
	// Lang is the notice's language (English when empty).
	Lang Lang `json:"lang"`
	// Location is the case's time zone, which every time is printed in;
	// nil means UTC (the inspection's TimeZone names it in the JSON).
	Location *time.Location `json:"-"`
	// Signature fills the signatory lines; empty fields are lines to sign
	// on.
	Signature Signature `json:"signature"`
	// Tool is the build that wrote the notice.
	Tool Tool `json:"tool"`
}

// noticePage is what the notice template gets.
type noticePage struct {
	Notice
	Zone     string
	Basis    []string
	Signers  []string
	Provides string
}

// WriteNotice renders n as one self-contained HTML file in n.Lang, every
// time in n.Location.
func WriteNotice(w io.Writer, n Notice) error {
	lang := n.Lang
	if lang == "" {
		lang = English
	}
	loc := n.Location
	if loc == nil {
		loc = time.UTC
	}
	n.Lang = lang
	p := noticePage{Notice: n, Zone: loc.String(), Signers: n.Signature.signers(), Provides: provisions[lang]}
	seen := map[string]bool{}
	for _, o := range n.Orders {
		for _, part := range strings.Split(o.Article, ";") {
			name := ArticleName(strings.TrimSpace(part), lang)
			if !seen[name] {
				seen[name] = true
				p.Basis = append(p.Basis, name)
			}
		}
	}
	tmpl, err := bind(noticeTemplate, lang, loc)
	if err != nil {
		return err
	}
	return tmpl.Execute(w, p)
}

// Inspection is an inspection case as the notice and `feedprobe
// inspection show|list --json` print it.
type Inspection struct {
	ID       int64      `json:"id"`
	Case     string     `json:"case"`
	Platform string     `json:"platform"`
	Body     string     `json:"body"`
	Kind     string     `json:"kind"`
	ParentID int64      `json:"parent_id,omitempty"`
	Start    *time.Time `json:"start,omitempty"`
	End      *time.Time `json:"end,omitempty"`
	Note     string     `json:"note,omitempty"`
	Created  time.Time  `json:"created"`
	// TimeZone is the case's IANA time zone ("" is UTC) and Locale the
	// language of its documents ("" is en).
	TimeZone string `json:"time_zone,omitempty"`
	Locale   string `json:"locale,omitempty"`
}

// Surface is what a platform publishes about one surface's algorithm:
// its filing number and disclosure text, with the text's SHA-256 (hex),
// its length in bytes, where it came from and when.
type Surface struct {
	Surface         string    `json:"surface"`
	FilingNumber    string    `json:"filing_number"`
	Disclosure      string    `json:"disclosure"`
	DisclosureHash  string    `json:"disclosure_sha256"`
	DisclosureBytes int       `json:"disclosure_bytes"`
	Source          string    `json:"source"`
	RetrievedAt     time.Time `json:"retrieved_at"`
}

// Order is a rectification order with the finding it was issued for
// (Evidence) and, once closed, the finding at the re-inspection (Recheck).
type Order struct {
	ID                int64             `json:"id"`
	Inspection        int64             `json:"inspection"`
	Campaign          string            `json:"campaign"`
	CampaignID        int64             `json:"campaign_id"`
	Finding           string            `json:"finding"`
	Article           string            `json:"article"`
	Question          string            `json:"question"`
	Verdict           string            `json:"verdict"`
	IssuedAt          time.Time         `json:"issued_at"`
	Deadline          time.Time         `json:"deadline"`
	Status            string            `json:"status"`
	Evidence          *analysis.Finding `json:"evidence"`
	Reinspection      int64             `json:"reinspection,omitempty"`
	RecheckCampaign   string            `json:"recheck_campaign,omitempty"`
	RecheckCampaignID int64             `json:"recheck_campaign_id,omitempty"`
	StartedAt         *time.Time        `json:"reinspection_started_at,omitempty"`
	Comparison        string            `json:"comparison,omitempty"`
	Recheck           *analysis.Finding `json:"recheck,omitempty"`
	ClosedAt          *time.Time        `json:"closed_at,omitempty"`
	Note              string            `json:"note,omitempty"`
}
