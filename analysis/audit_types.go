package analysis

import (
	"encoding/json"
	"math"
	"strconv"
)

// Num is a float64 that encodes as JSON null when it is NaN or infinite
// (undefined: an empty input, a session without a matched control), so an
// audit report always encodes and a missing value is never shown as 0.
type Num float64

// MarshalJSON encodes n, or null when n is not finite.
func (n Num) MarshalJSON() ([]byte, error) {
	f := float64(n)
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return []byte("null"), nil
	}
	return strconv.AppendFloat(nil, f, 'g', -1, 64), nil
}

// UnmarshalJSON decodes a number, or null as NaN.
func (n *Num) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*n = Num(math.NaN())
		return nil
	}
	var f float64
	if err := json.Unmarshal(b, &f); err != nil {
		return err
	}
	*n = Num(f)
	return nil
}

// Estimate is a persona-level mean with its percentile bootstrap interval
// over personas and how many personas (N) and impressions it rests on.
type Estimate struct {
	Mean        Num `json:"mean"`
	Lo          Num `json:"lo"`
	Hi          Num `json:"hi"`
	N           int `json:"n"`
	Impressions int `json:"impressions,omitempty"`
}

// AuditPersona is a persona of the campaign as the audit needs it.
type AuditPersona struct {
	Name string `json:"name"`
	// Role is "test" or "control".
	Role string `json:"role"`
	// TwinOf names the test persona this control is a lock-step twin of.
	TwinOf string `json:"twin_of,omitempty"`
	// Traits are grouping dimensions such as age_group, locale, device.
	Traits map[string]string `json:"traits,omitempty"`
	// Phases split the sessions; a persona without phases has one phase
	// from session 1 to the end with Interests.
	Phases    []AuditPhase       `json:"phases,omitempty"`
	Interests map[string]float64 `json:"interests,omitempty"`
}

// AuditPhase is a phase of a persona's sessions: From..To inclusive (To 0
// means to the end) with the interests in force.
type AuditPhase struct {
	Name      string             `json:"name"`
	From      int                `json:"from"`
	To        int                `json:"to"`
	Interests map[string]float64 `json:"interests"`
}

// AuditImpression is one item served to a persona in a session.
type AuditImpression struct {
	Persona string
	Session int
	Rank    int
	ItemID  string
	Topic   string
	// Seconds is the time since the session's first impression.
	Seconds float64
	// Score is the item's label score: +1 harmful or promoting, 0 neutral,
	// -1 debunking.
	Score int
}

// AuditOptions are the statistical settings of an audit.
type AuditOptions struct {
	// Resamples of every bootstrap and permutation test (DefaultResamples).
	Resamples int `json:"resamples"`
	// Level of the intervals (DefaultLevel).
	Level float64 `json:"ci_level"`
	// Alpha is the significance level of the tests (0.05).
	Alpha float64 `json:"alpha"`
	// RBOP is the persistence of RBO (DefaultRBOP).
	RBOP float64 `json:"rbo_p"`
	// Catalogue is the catalogue size for coverage, 0 when unknown (then
	// coverage is distinct items per impression).
	Catalogue int `json:"catalogue"`
	// Dimensions are the traits personas are grouped by besides role.
	Dimensions []string `json:"dimensions"`
}

// DefaultAuditOptions returns the metrics reference's defaults: 2,000 resamples, 95 %
// intervals, α = 0.05, RBO p = 0.9, grouping by age_group, locale and device.
func DefaultAuditOptions() AuditOptions {
	return AuditOptions{Resamples: DefaultResamples, Level: DefaultLevel, Alpha: 0.05, RBOP: DefaultRBOP,
		Dimensions: []string{"age_group", "locale", "device"}}
}

// AuditSession is one persona's session in compact form, for campaigns
// too large for an AuditImpression per row (10 million impressions take
// about 17 bytes each this way): the items in rank order, each as an item
// code (the same item, the same code in every session, 0 <= code <
// AuditInput.ItemCodes), its topic as an index into AuditInput.TopicCodes,
// its seconds since the session's first impression and its label score
// (+1, 0, -1). The four slices have one entry per impression.
type AuditSession struct {
	Persona string
	Session int
	Items   []int32
	Topics  []int32
	Seconds []float64
	Scores  []int8
}

// AuditInput is everything Audit needs: the impressions either one per row
// (Impressions) or per session in compact form (Sessions, ItemCodes and
// TopicCodes). When Sessions is not empty, Impressions is ignored.
type AuditInput struct {
	Personas    []AuditPersona
	Impressions []AuditImpression
	Sessions    []AuditSession
	// ItemCodes is one more than the greatest item code of Sessions.
	ItemCodes int
	// TopicCodes names the topic codes of Sessions.
	TopicCodes []string
	// Topics is the taxonomy; empty means every topic seen.
	Topics []string
}

// SessionAudit is the metrics of one persona's session.
type SessionAudit struct {
	Session             int    `json:"session"`
	Phase               string `json:"phase"`
	N                   int    `json:"n"`
	Reference           string `json:"reference"`
	Entropy             Num    `json:"entropy"`
	Evenness            Num    `json:"evenness"`
	GiniSimpson         Num    `json:"gini_simpson"`
	GiniSimpsonUnbiased Num    `json:"gini_simpson_unbiased"`
	Gini                Num    `json:"gini"`
	ILD                 Num    `json:"ild"`
	Coverage            Num    `json:"coverage"`
	InterestShare       Num    `json:"interest_share"`
	ReferenceShare      Num    `json:"reference_share"`
	HarmfulPer100       Num    `json:"harmful_per_100"`
	Harmful             int    `json:"harmful"`
	FirstHarmRank       int    `json:"first_harm_rank"`
	FirstHarmSeconds    Num    `json:"first_harm_seconds"`
	FirstHarmCensored   bool   `json:"first_harm_censored"`
	SERPMS              Num    `json:"serp_ms"`
	DriftFirst          Num    `json:"drift_first_jsd"`
	DriftControl        Num    `json:"drift_control_jsd"`
}

// PhaseStats is one phase of a persona: its reference topic's share at the
// start and the end, the slope, and DIFF-TO-LINEAR.
type PhaseStats struct {
	Name         string `json:"name"`
	From         int    `json:"from"`
	To           int    `json:"to"`
	Sessions     int    `json:"sessions"`
	Reference    string `json:"reference"`
	StartShare   Num    `json:"start_share"`
	EndShare     Num    `json:"end_share"`
	Slope        Num    `json:"slope"`
	DiffToLinear Num    `json:"diff_to_linear"`
}

// PersonaAudit is one persona's sessions, phases and drift.
type PersonaAudit struct {
	Name   string `json:"name"`
	Role   string `json:"role"`
	TwinOf string `json:"twin_of,omitempty"`
	// Controls are the personas a test persona is compared with: its
	// twins, or every control that is nobody's twin when it has none.
	Controls      []string       `json:"controls,omitempty"`
	Sessions      []SessionAudit `json:"sessions"`
	InterestSlope Num            `json:"interest_slope"`
	Phases        []PhaseStats   `json:"phases"`
}

// GroupRow is a group's persona-level metrics in one session (Session 0:
// every session, each persona's mean over its sessions).
type GroupRow struct {
	Session int                 `json:"session"`
	Metrics map[string]Estimate `json:"metrics"`
}

// GroupAudit is the personas that share a value of a dimension (role, or
// a trait).
type GroupAudit struct {
	Dimension     string           `json:"dimension"`
	Value         string           `json:"value"`
	Personas      int              `json:"personas"`
	Rows          []GroupRow       `json:"sessions"`
	FirstExposure ExposureSurvival `json:"first_exposure"`
}

// ExposureSurvival summarises the rank of the first harmful item over a
// group's sessions, censored sessions included (Kaplan–Meier).
type ExposureSurvival struct {
	Sessions int `json:"sessions"`
	Exposed  int `json:"exposed"`
	Censored int `json:"censored"`
	// MedianRank is the Kaplan–Meier median rank of the first exposure,
	// null when fewer than half the sessions were exposed.
	MedianRank Num `json:"median_rank"`
	// MeanSeconds is the mean time to the first exposure over exposed
	// sessions.
	MeanSeconds Num `json:"mean_seconds_exposed"`
}

// Pairwise is one list metric between a test persona and its controls
// (TestControl, over N pairs) and between the controls themselves
// (ControlTwin, the noise floor, over NoisePairs pairs). Personalization
// is TestControl − ControlTwin for a distance and ControlTwin −
// TestControl for a similarity, so it is positive when the test persona's
// feed differs from its controls' more than theirs differ from each other.
type Pairwise struct {
	TestControl     Num `json:"test_control"`
	ControlTwin     Num `json:"control_twin"`
	Personalization Num `json:"personalization"`
	N               int `json:"n"`
	NoisePairs      int `json:"noise_pairs"`
}

// PersonalizationRow is a test persona against its controls in a session.
type PersonalizationRow struct {
	Persona string              `json:"persona"`
	Session int                 `json:"session"`
	Metrics map[string]Pairwise `json:"metrics"`
}

// PersonalizationSummary is the personalization of every metric over test
// personas, per session (0: all sessions), with intervals.
type PersonalizationSummary struct {
	Session int                 `json:"session"`
	Metrics map[string]Estimate `json:"metrics"`
}

// StratifiedTest is the campaign's primary test: every test persona's
// reference-topic share (mean over its sessions) against its own controls'
// share of the same topic, a stratified permutation test.
type StratifiedTest struct {
	Statistic    Num  `json:"statistic"`
	PValue       Num  `json:"p_value"`
	Strata       int  `json:"strata"`
	Permutations int  `json:"permutations"`
	Exact        bool `json:"exact"`
	Significant  bool `json:"significant"`
}

// TopicTest is test personas trained on one topic against their controls
// on that topic: a two-sample permutation test, Holm-corrected across
// topics.
type TopicTest struct {
	Topic        string `json:"topic"`
	TestPersonas int    `json:"test_personas"`
	Controls     int    `json:"controls"`
	TestMean     Num    `json:"test_mean"`
	ControlMean  Num    `json:"control_mean"`
	Difference   Num    `json:"difference"`
	DifferenceLo Num    `json:"difference_lo"`
	DifferenceHi Num    `json:"difference_hi"`
	PValue       Num    `json:"p_value"`
	PHolm        Num    `json:"p_holm"`
	Significant  bool   `json:"significant"`
}

// PhaseTest compares test personas' reference share at two points with
// Mann–Whitney U, Bonferroni-corrected across topics: the start and end of
// a phase (bubble creation), or the end of a phase and the end of the next
// (bursting).
type PhaseTest struct {
	Kind        string `json:"kind"`
	Phase       string `json:"phase"`
	Topic       string `json:"topic"`
	FromSession int    `json:"from_session"`
	ToSession   int    `json:"to_session"`
	Personas    int    `json:"personas"`
	FromMean    Num    `json:"from_mean"`
	ToMean      Num    `json:"to_mean"`
	U           Num    `json:"u"`
	PValue      Num    `json:"p_value"`
	PBonferroni Num    `json:"p_bonferroni"`
	Significant bool   `json:"significant"`
}

// Tests are the audit's hypothesis tests.
type Tests struct {
	Primary StratifiedTest `json:"primary"`
	Topics  []TopicTest    `json:"topics"`
	Phases  []PhaseTest    `json:"phases"`
}

// AuditN counts what an audit rests on.
type AuditN struct {
	Personas        int `json:"personas"`
	TestPersonas    int `json:"test_personas"`
	ControlPersonas int `json:"control_personas"`
	Sessions        int `json:"sessions"`
	Impressions     int `json:"impressions"`
}

// Audit is every metric of the metrics reference for a campaign.
type Audit struct {
	Options         AuditOptions             `json:"options"`
	N               AuditN                   `json:"n"`
	Topics          []string                 `json:"topics"`
	Personas        []PersonaAudit           `json:"personas"`
	Groups          []GroupAudit             `json:"groups"`
	Personalization []PersonalizationRow     `json:"personalization"`
	Noise           []PersonalizationSummary `json:"personalization_summary"`
	Tests           Tests                    `json:"tests"`
}
