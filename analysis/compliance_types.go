package analysis

import "encoding/json"

// Verdicts of a compliance Finding.
const (
	// VerdictViolation: the observed outcome differs from what the article
	// asks, beyond the margin and significantly (p < α).
	VerdictViolation = "violation evidence"
	// VerdictClean: the effect is at or below the margin.
	VerdictClean = "no evidence"
	// VerdictInconclusive: missing comparison groups, an undefined effect,
	// or an effect above the margin that is not significant.
	VerdictInconclusive = "inconclusive"
	// VerdictUnderpowered: the design has too few personas for the test
	// ever to reach α (see SmallestSignFlipP); the finding's
	// MinimumPersonas says how many it needs. It replaces every other
	// verdict, "no evidence" included: a design that cannot detect a
	// violation cannot clear one either.
	VerdictUnderpowered = "underpowered"
)

// Compliance checks, the names of the campaign templates that run them.
const (
	CheckArt17Off    = "art17-off"
	CheckArt17Tags   = "art17-tags"
	CheckArt18Minors = "art18-minors"
	CheckArt21Prices = "art21-prices"
	CheckArt11Key    = "art11-key-positions"
	CheckArt12Div    = "art12-diversity"
)

// ComplianceInput is a campaign as the compliance checks need it.
type ComplianceInput struct {
	Personas    []CompliancePersona
	Impressions []ComplianceImpression
	// Experiments names the checks the campaign is designed for (its
	// template, or its spec's analysis block). When it is not empty only
	// those checks run; when it is empty every check whose experiment the
	// data shows runs, except CheckArt21Prices, which needs a declared
	// price experiment: twins that happen to see priced items are not one.
	Experiments []string
}

// CompliancePersona is a persona with what was in force in each session.
type CompliancePersona struct {
	Name string
	// Role is "test" or "control".
	Role string
	// TwinOf names the test persona this control twins.
	TwinOf string
	// Arm, on a control that is nobody's twin, names the test persona the
	// design matches it to (see AuditPersona.Arm).
	Arm      string
	AgeGroup string
	// Sessions lists the settings and interests of each planned session.
	Sessions []ComplianceSession
}

// ComplianceSession is what persona did in one session: its phase, the
// interests it acted on, and its settings.
type ComplianceSession struct {
	Session   int
	Phase     string
	Interests map[string]float64
	// PersonalizationOff is true when the persona switched
	// personalization off for the session.
	PersonalizationOff bool
	// MinorMode is true when the persona switched minor mode on.
	MinorMode bool
}

// ComplianceImpression is one item served in a session.
type ComplianceImpression struct {
	Persona string
	Session int
	// Surface is the page ("feed", "hot", "grid", ...).
	Surface string
	Rank    int
	ItemID  string
	Title   string
	Topic   string
	Harmful bool
	// Price is meaningful when HasPrice.
	Price    float64
	HasPrice bool
}

// ComplianceOptions are the margins and statistics of the checks. Zero
// fields take DefaultComplianceOptions' values.
type ComplianceOptions struct {
	Resamples int     `json:"resamples"`
	Level     float64 `json:"ci_level"`
	Alpha     float64 `json:"alpha"`
	// ShareMargin is the topic-share difference (0.05 = 5 points) below
	// which a difference is not treated as evidence.
	ShareMargin float64 `json:"share_margin"`
	// HarmMargin is the harmful items per 100 a minor may see before it
	// counts (1 per 100: the lexicon's false positives).
	HarmMargin float64 `json:"harm_margin_per_100"`
	// PriceEpsilon is the relative price difference (0.01 = 1 %) below
	// which two prices count as equal.
	PriceEpsilon float64 `json:"price_epsilon"`
	// ListMargin is the Jaccard distance between key-position lists, over
	// the controls' own, below which lists count as the same.
	ListMargin float64 `json:"list_margin"`
	// RunMargin is the longest single-topic run, in items, by which test
	// personas may exceed controls before it counts.
	RunMargin float64 `json:"run_margin"`
	// FirstScreen is how many feed items make the first screen, the key
	// position of a feed without a hot or grid surface.
	FirstScreen int `json:"first_screen"`
	// Examples is how many example impressions a finding keeps.
	Examples int `json:"examples"`
}

// DefaultComplianceOptions returns 2,000 resamples, 95 % intervals,
// α = 0.05, margins of 5 share points, 1 harmful item per 100, 1 % of
// price, 0.1 Jaccard distance and 2 items of run length, a first screen
// of 10 items and 5 examples per finding.
func DefaultComplianceOptions() ComplianceOptions {
	return ComplianceOptions{Resamples: DefaultResamples, Level: DefaultLevel, Alpha: 0.05, ShareMargin: 0.05,
		HarmMargin: 1, PriceEpsilon: 0.01, ListMargin: 0.1, RunMargin: 2, FirstScreen: 10, Examples: 5}
}

// Finding is the result of one compliance check: what was asked, the
// verdict, the effect it rests on and the impressions that show it.
//
// Every sentence of a finding (Question, Reason, Test, the effect's Name,
// Unit and Note, each detail's Name and Note, each example's Note) is the
// English of the Text beside it (QuestionText, ReasonText, ...), which a
// report prints in its own language. The Texts are not in the JSON: a
// finding read back from JSON gets them from its sentences (ParseText).
type Finding struct {
	Check    string `json:"check"`
	Article  string `json:"article"`
	Question string `json:"question"`
	Verdict  string `json:"verdict"`
	// Reason says in one sentence why the verdict is what it is.
	Reason string `json:"reason"`
	// QuestionText, ReasonText and TestText are Question, Reason and Test
	// as Texts.
	QuestionText Text `json:"-"`
	ReasonText   Text `json:"-"`
	TestText     Text `json:"-"`
	// MinimumPersonas is, for an underpowered finding, the fewest units
	// (personas, see CheckUnit) whose test could reach α; 0 otherwise.
	MinimumPersonas int           `json:"minimum_personas,omitempty"`
	Effect          FindingEffect `json:"effect"`
	PValue          Num           `json:"p_value"`
	// Test names the test behind PValue and its unit.
	Test     string           `json:"test"`
	N        FindingN         `json:"n"`
	Details  []FindingDetail  `json:"details"`
	Examples []FindingExample `json:"examples"`
}

// FindingEffect is the effect a verdict rests on, with its percentile
// bootstrap interval over personas (the test's units) and the margin it is
// held to. Over one persona there is no interval: Lo and Hi are null and
// Note says "one persona: no interval".
type FindingEffect struct {
	Name   string  `json:"name"`
	Unit   string  `json:"unit"`
	Value  Num     `json:"value"`
	Lo     Num     `json:"lo"`
	Hi     Num     `json:"hi"`
	Margin float64 `json:"margin"`
	Note   string  `json:"note,omitempty"`
	// NameText, UnitText and NoteText are Name, Unit and Note as Texts.
	NameText Text `json:"-"`
	UnitText Text `json:"-"`
	NoteText Text `json:"-"`
}

// NoIntervalNote is the note of an interval over one persona (the Text
// note.nointerval).
const NoIntervalNote = "one persona: no interval"

// NoIntervalGroupNote is the note of a noise floor (control vs twin)
// measured on one control group: every test persona matched with it shares
// that one value.
const NoIntervalGroupNote = "one control group: no interval"

// FindingN counts what a finding rests on, personas first: Units are the
// test's units, always personas (UnitName says which), each contributing
// the mean of its sessions; Sessions and Impressions are what those
// personas' values rest on.
type FindingN struct {
	Personas    int    `json:"personas"`
	Sessions    int    `json:"sessions"`
	Impressions int    `json:"impressions"`
	Units       int    `json:"units"`
	UnitName    string `json:"unit"`
}

// FindingDetail is a further number of a finding, for the report.
type FindingDetail struct {
	Name  string `json:"name"`
	Value Num    `json:"value"`
	Note  string `json:"note,omitempty"`
	// NameText and NoteText are Name and Note as Texts.
	NameText Text `json:"-"`
	NoteText Text `json:"-"`
}

// FindingExample is an impression that shows a finding.
type FindingExample struct {
	Persona string `json:"persona"`
	Session int    `json:"session"`
	Surface string `json:"surface"`
	Rank    int    `json:"rank"`
	ItemID  string `json:"item_id"`
	Title   string `json:"title"`
	Topic   string `json:"topic"`
	Note    string `json:"note"`
	// NoteText is Note as a Text.
	NoteText Text `json:"-"`
}

// Re-inspection statuses of CompareFindings.
const (
	StatusFixed         = "fixed"
	StatusNotFixed      = "not fixed"
	StatusWorse         = "worse"
	StatusNotComparable = "not comparable"
	StatusClean         = "clean in both"
)

// Reinspection sets a finding beside the same check of a baseline
// campaign.
type Reinspection struct {
	Check   string `json:"check"`
	Article string `json:"article"`
	Status  string `json:"status"`
	Reason  string `json:"reason"`
	// ReasonText is Reason as a Text.
	ReasonText Text     `json:"-"`
	Baseline   *Finding `json:"baseline"`
	Current    *Finding `json:"current"`
}

// spell sets every sentence of f to the English of its Text.
func (f *Finding) spell() {
	f.Question, f.Reason, f.Test = f.QuestionText.String(), f.ReasonText.String(), f.TestText.String()
	e := &f.Effect
	e.Name, e.Unit, e.Note = e.NameText.String(), e.UnitText.String(), e.NoteText.String()
	for i := range f.Details {
		d := &f.Details[i]
		d.Name, d.Note = d.NameText.String(), d.NoteText.String()
	}
	for i := range f.Examples {
		f.Examples[i].Note = f.Examples[i].NoteText.String()
	}
}

// UnmarshalJSON decodes a finding and gives each sentence its Text
// (ParseText); a sentence no format matches keeps the zero Text.
func (f *Finding) UnmarshalJSON(b []byte) error {
	type plain Finding
	if err := json.Unmarshal(b, (*plain)(f)); err != nil {
		return err
	}
	parse := func(s string) Text {
		t, _ := ParseText(s)
		return t
	}
	f.QuestionText, f.ReasonText, f.TestText = parse(f.Question), parse(f.Reason), parse(f.Test)
	e := &f.Effect
	e.NameText, e.UnitText, e.NoteText = parse(e.Name), parse(e.Unit), parse(e.Note)
	for i := range f.Details {
		d := &f.Details[i]
		d.NameText, d.NoteText = parse(d.Name), parse(d.Note)
	}
	for i := range f.Examples {
		f.Examples[i].NoteText = parse(f.Examples[i].Note)
	}
	return nil
}
