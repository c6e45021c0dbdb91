package analysis

import (
	"encoding/json"
	"math"
	"strconv"
)

var _ json.Marshaler = SessionAudit{}

// Num is a float64 that encodes as JSON null when it is NaN or infinite
// (undefined: an empty input, a session without a matched control), so an
// audit report always encodes and a missing value is never shown as 0.
type Num float64

// MarshalJSON encodes n, or null when n is not finite.
func (n Num) MarshalJSON() ([]byte, error) { return n.appendJSON(nil), nil }

// appendJSON appends what MarshalJSON encodes.
func (n Num) appendJSON(b []byte) []byte {
	f := float64(n)
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return append(b, "null"...)
	}
	return strconv.AppendFloat(b, f, 'g', -1, 64)
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
// Over one persona there is no interval: Lo and Hi are null and Note is
// NoIntervalNote.
type Estimate struct {
	Mean        Num    `json:"mean"`
	Lo          Num    `json:"lo"`
	Hi          Num    `json:"hi"`
	N           int    `json:"n"`
	Sessions    int    `json:"sessions,omitempty"`
	Impressions int    `json:"impressions,omitempty"`
	Note        string `json:"note,omitempty"`
}

// AuditPersona is a persona of the campaign as the audit needs it.
type AuditPersona struct {
	Name string `json:"name"`
	// Role is "test" or "control".
	Role string `json:"role"`
	// TwinOf names the test persona this control is a lock-step twin of.
	TwinOf string `json:"twin_of,omitempty"`
	// Arm, on a control that is nobody's twin, names the test persona the
	// design matches it to. A test persona's matched controls are its
	// twins and the controls whose Arm names it; one with neither is
	// matched to the controls that are nobody's twin and name no arm (a
	// design with one arm of blank controls).
	Arm string `json:"arm,omitempty"`
	// History names the watch history the persona was trained on; the
	// audit scores each history per surface (Audit.Histories). "" is
	// none.
	History string `json:"history,omitempty"`
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
	// coverage is distinct items per impression). When known, each group
	// also reports coverage and the exposure Gini over the whole
	// catalogue, items never served included.
	Catalogue int `json:"catalogue"`
	// Taxonomy is K, the number of topics evenness divides ln K by and
	// topic Gini pads to; 0 means the taxonomy's size (AuditInput.Topics,
	// or every topic seen). A K below the topics seen is raised to them.
	// The Audit echoes the K used.
	Taxonomy int `json:"taxonomy_size"`
	// SERPMSDepth is the depth n of SERP-MS (DefaultSERPMSDepth, the top
	// 10 as Hussein et al. score); the metric is named with it
	// (SERPMSName: serp_ms_10).
	SERPMSDepth int `json:"serp_ms_depth"`
	// RBODepth cuts both lists to their first RBODepth items before RBO;
	// 0 compares the whole lists.
	RBODepth int `json:"rbo_depth"`
	// Dimensions are the traits personas are grouped by besides role.
	Dimensions []string `json:"dimensions"`
}

// DefaultSERPMSDepth is the depth SERP-MS scores by default: the top 10,
// as Hussein et al. (CSCW 2020).
const DefaultSERPMSDepth = 10

// SERPMSName is the name of SERP-MS at depth n: serp_ms_10.
func SERPMSName(depth int) string { return "serp_ms_" + strconv.Itoa(depth) }

// DefaultAuditOptions returns the metrics reference's defaults: 2,000 resamples, 95 %
// intervals, α = 0.05, RBO p = 0.9 over whole lists, SERP-MS over the top
// 10, grouping by age_group, locale and device.
func DefaultAuditOptions() AuditOptions {
	return AuditOptions{Resamples: DefaultResamples, Level: DefaultLevel, Alpha: 0.05, RBOP: DefaultRBOP,
		SERPMSDepth: DefaultSERPMSDepth, Dimensions: []string{"age_group", "locale", "device"}}
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
	// Lists are the ranked lists of the personas with a History, split by
	// surface (SurfaceLists), for Audit.Histories; other personas' lists
	// are ignored.
	Lists []ScoredList
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
	// FirstHarmRank is the rank of the first harmful item, 0 when the
	// session had none (FirstHarmCensored: censored at depth N); JSON
	// encodes that as null, never as a rank.
	FirstHarmRank     int  `json:"-"`
	FirstHarmSeconds  Num  `json:"first_harm_seconds"`
	FirstHarmCensored bool `json:"first_harm_censored"`
	// MeanLabelScore is the mean of the label scores (+1/0/−1) of the
	// window.
	MeanLabelScore Num `json:"mean_label_score"`
	// SERPMS is SERP-MS over the top SERPMSDepth items; JSON names it with
	// its depth (serp_ms_10).
	SERPMS       Num `json:"-"`
	SERPMSDepth  int `json:"serp_ms_depth"`
	DriftFirst   Num `json:"drift_first_jsd"`
	DriftControl Num `json:"drift_control_jsd"`
}

// MarshalJSON encodes s with SERPMS under SERPMSName(SERPMSDepth) and
// first_harm_rank null for a censored session. It writes the fields
// itself, in the order and form encoding/json gives the struct (the
// analysis of a large campaign writes tens of thousands of these rows;
// through reflection and a MarshalJSON call per number they were most of
// the JSON's time): TestSessionAuditJSONAsReflection holds it to that.
func (s SessionAudit) MarshalJSON() ([]byte, error) {
	b := make([]byte, 0, 512)
	b = append(b, `{"session":`...)
	b = strconv.AppendInt(b, int64(s.Session), 10)
	b = append(b, `,"phase":`...)
	b = appendJSONString(b, s.Phase)
	b = append(b, `,"n":`...)
	b = strconv.AppendInt(b, int64(s.N), 10)
	b = append(b, `,"reference":`...)
	b = appendJSONString(b, s.Reference)
	for _, f := range [...]struct {
		name string
		v    Num
	}{
		{`,"entropy":`, s.Entropy}, {`,"evenness":`, s.Evenness}, {`,"gini_simpson":`, s.GiniSimpson},
		{`,"gini_simpson_unbiased":`, s.GiniSimpsonUnbiased}, {`,"gini":`, s.Gini}, {`,"ild":`, s.ILD},
		{`,"coverage":`, s.Coverage}, {`,"interest_share":`, s.InterestShare}, {`,"reference_share":`, s.ReferenceShare},
		{`,"harmful_per_100":`, s.HarmfulPer100},
	} {
		b = append(b, f.name...)
		b = f.v.appendJSON(b)
	}
	b = append(b, `,"harmful":`...)
	b = strconv.AppendInt(b, int64(s.Harmful), 10)
	b = append(b, `,"first_harm_seconds":`...)
	b = s.FirstHarmSeconds.appendJSON(b)
	b = append(b, `,"first_harm_censored":`...)
	b = strconv.AppendBool(b, s.FirstHarmCensored)
	b = append(b, `,"mean_label_score":`...)
	b = s.MeanLabelScore.appendJSON(b)
	b = append(b, `,"serp_ms_depth":`...)
	b = strconv.AppendInt(b, int64(s.SERPMSDepth), 10)
	b = append(b, `,"drift_first_jsd":`...)
	b = s.DriftFirst.appendJSON(b)
	b = append(b, `,"drift_control_jsd":`...)
	b = s.DriftControl.appendJSON(b)
	b = append(b, ',')
	b = strconv.AppendQuote(b, SERPMSName(s.SERPMSDepth))
	b = append(b, ':')
	b = s.SERPMS.appendJSON(b)
	b = append(b, `,"first_harm_rank":`...)
	if s.FirstHarmCensored || s.FirstHarmRank <= 0 {
		b = append(b, "null"...)
	} else {
		b = strconv.AppendInt(b, int64(s.FirstHarmRank), 10)
	}
	return append(b, '}'), nil
}

// appendJSONString appends s as encoding/json writes a string.
func appendJSONString(b []byte, s string) []byte {
	q, _ := json.Marshal(s) // a string always marshals
	return append(b, q...)
}

// UnmarshalJSON decodes what MarshalJSON encodes.
func (s *SessionAudit) UnmarshalJSON(b []byte) error {
	type plain SessionAudit
	var p plain
	if err := json.Unmarshal(b, &p); err != nil {
		return err
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	p.SERPMS = Num(math.NaN())
	if v, ok := raw["first_harm_rank"]; ok && string(v) != "null" {
		if err := json.Unmarshal(v, &p.FirstHarmRank); err != nil {
			return err
		}
	}
	if v, ok := raw[SERPMSName(p.SERPMSDepth)]; ok {
		if err := json.Unmarshal(v, &p.SERPMS); err != nil {
			return err
		}
	}
	*s = SessionAudit(p)
	return nil
}

// PhaseStats is one phase of a persona: its reference topic's share at the
// start and the end, the slope, and DIFF-TO-LINEAR over the phase's mean
// label scores (DiffToLinear, Srba et al.'s figure) and, separately, over
// its interest shares (DiffToLinearInterest).
type PhaseStats struct {
	Name         string `json:"name"`
	From         int    `json:"from"`
	To           int    `json:"to"`
	Sessions     int    `json:"sessions"`
	Reference    string `json:"reference"`
	StartShare   Num    `json:"start_share"`
	EndShare     Num    `json:"end_share"`
	Slope        Num    `json:"slope"`
	DiffToLinear Num    `json:"diff_to_linear_label_score"`
	// DiffToLinearInterest is DIFF-TO-LINEAR over the interest share.
	DiffToLinearInterest Num `json:"diff_to_linear_interest_share"`
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
	// Catalogue is the group's exposure over the whole catalogue, when
	// AuditOptions.Catalogue is known.
	Catalogue *CatalogueExposure `json:"catalogue,omitempty"`
}

// CatalogueExposure is how a group's impressions spread over the
// catalogue: Coverage = distinct items served / catalogue size, and the
// Gini coefficient of impressions per catalogue item, items never served
// counted as 0.
type CatalogueExposure struct {
	Size        int `json:"size"`
	Items       int `json:"items_served"`
	Impressions int `json:"impressions"`
	Coverage    Num `json:"coverage"`
	Gini        Num `json:"exposure_gini"`
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
// personas, per session (0: all sessions), with intervals. When the
// controls share almost no items with each other (their mean Jaccard is
// below SaturatedJaccard) the item-level noise floor says nothing:
// ItemNoiseFloorUninformative is set, and topic_jsd (the Jensen–Shannon
// divergence of topic shares, test vs control against control vs twin)
// is the figure to read.
type PersonalizationSummary struct {
	Session                     int                 `json:"session"`
	Metrics                     map[string]Estimate `json:"metrics"`
	ItemNoiseFloorUninformative bool                `json:"item_noise_floor_uninformative"`
	Note                        string              `json:"note,omitempty"`
}

// SaturatedJaccard is the controls' mean item overlap below which the
// item-level noise floor is uninformative.
const SaturatedJaccard = 0.05

// EditDistanceVariant names the edit distance of the personalization
// metrics.
const EditDistanceVariant = "true Damerau-Levenshtein (unrestricted: insertion, deletion, substitution, adjacent transposition; a transposed pair may be edited again)"

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
	// SmallestP is the smallest p-value the design allows
	// (SmallestStratifiedP); Underpowered is set when it is not below α,
	// and Significant is then never set.
	SmallestP    Num  `json:"smallest_p"`
	Underpowered bool `json:"underpowered"`
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
	// Underpowered is set when SmallestTwoSampleP of the design is not
	// below α; Significant is then never set.
	Underpowered bool   `json:"underpowered"`
	Note         string `json:"note,omitempty"`
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

// HarmTest is the harmful exposure of a group of test personas against
// their matched controls: per test persona its mean harmful items per 100
// over its sessions, against the mean over its matched controls of theirs
// over the same sessions. Difference is test − control and Ratio test /
// control (of the group means), each with a percentile bootstrap interval
// resampling test personas together with their controls; PValue is the
// stratified permutation test (a test persona and its matched controls a
// stratum), Holm-corrected together with the topic tests.
type HarmTest struct {
	Dimension     string `json:"dimension"`
	Value         string `json:"value"`
	TestPersonas  int    `json:"test_personas"`
	Controls      int    `json:"controls"`
	Sessions      int    `json:"sessions"`
	Impressions   int    `json:"impressions"`
	TestPer100    Num    `json:"test_per_100"`
	ControlPer100 Num    `json:"control_per_100"`
	Difference    Num    `json:"difference"`
	DifferenceLo  Num    `json:"difference_lo"`
	DifferenceHi  Num    `json:"difference_hi"`
	Ratio         Num    `json:"ratio"`
	RatioLo       Num    `json:"ratio_lo"`
	RatioHi       Num    `json:"ratio_hi"`
	PValue        Num    `json:"p_value"`
	PHolm         Num    `json:"p_holm"`
	Significant   bool   `json:"significant"`
	// Underpowered is set when the design's smallest attainable p-value
	// (SmallestStratifiedP) is not below α.
	Underpowered bool   `json:"underpowered"`
	Note         string `json:"note,omitempty"`
}

// Tests are the audit's hypothesis tests.
type Tests struct {
	Primary StratifiedTest `json:"primary"`
	Topics  []TopicTest    `json:"topics"`
	Harm    []HarmTest     `json:"harm"`
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
	Options AuditOptions `json:"options"`
	// EditDistance names the edit distance variant (EditDistanceVariant).
	EditDistance    string                   `json:"edit_distance_variant"`
	N               AuditN                   `json:"n"`
	Topics          []string                 `json:"topics"`
	Personas        []PersonaAudit           `json:"personas"`
	Groups          []GroupAudit             `json:"groups"`
	Personalization []PersonalizationRow     `json:"personalization"`
	Noise           []PersonalizationSummary `json:"personalization_summary"`
	Tests           Tests                    `json:"tests"`
	// Histories scores each watch history per surface (SERP-MS and the
	// mean label score); empty when no persona has a History.
	Histories []HistoryScores `json:"histories,omitempty"`
}
