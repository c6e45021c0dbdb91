package report

import (
	"html/template"
	"io"
	"strconv"
	"time"

	"github.com/feedprobe/feedprobe/analysis"
)

var noticeTemplate = template.Must(template.New("rectification-notice.html").Funcs(template.FuncMap{
	"when": func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.UTC().Format("2006-01-02 15:04:05 UTC")
	},
	"pct": func(v analysis.Num) string { return strconv.FormatFloat(100*float64(v), 'f', 1, 64) },
	"num": func(v analysis.Num) string { return strconv.FormatFloat(float64(v), 'g', 3, 64) },
}).ParseFS(templates, "templates/rectification-notice.html"))

// NoticeLimits is the limitations statement of every rectification notice.
const NoticeLimits = "The evidence is what scripted sock-puppet personas were served by the platform during the campaigns named: observable outcomes for those personas, not the platform's intent, internal data or what its users at large see. Personas are scripted accounts, not a population sample; confounders are controlled only by time-matched controls and twins on the same network."

// Notice is the rectification notice of an inspection: every order with
// the finding it rests on, its deadline and, once re-inspected, its
// verdict. Its JSON is what `feedprobe order notice --json` prints.
type Notice struct {
	Inspection Inspection `json:"inspection"`
	Surfaces   []Surface  `json:"surfaces"`
	Orders     []Order    `json:"orders"`
	Generated  time.Time  `json:"generated_at"`
	Limits     string     `json:"limitations"`
}

// WriteNotice renders n as one self-contained HTML file.
func WriteNotice(w io.Writer, n Notice) error {
	return noticeTemplate.Execute(w, n)
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
