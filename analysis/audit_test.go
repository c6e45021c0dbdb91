package analysis

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

func TestStratifiedPermutationTest(t *testing.T) {
	tests := []struct {
		name    string
		strata  [][]float64
		stat, p float64
		perms   int
	}{
		// One stratum {3, 1, 2}: S = 3 − 1.5 = 1.5; assignments give
		// 1.5, −1.5, 0; two of three reach |S|.
		{"one stratum", [][]float64{{3, 1, 2}}, 1.5, 2.0 / 3, 3},
		// Two strata {1, 0}: terms ±1 each; S = 2; sums 2, 0, 0, −2.
		{"two strata", [][]float64{{1, 0}, {1, 0}}, 2, 0.5, 4},
		// Three strata where the treated unit is always the largest:
		// 27 assignments, only the observed one and none of the others
		// reach |S| = 3·(5 − 0.5) = 13.5.
		{"treated largest", [][]float64{{5, 0, 1}, {5, 0, 1}, {5, 0, 1}}, 13.5, 1.0 / 27, 27},
		{"ties", [][]float64{{1, 1}}, 0, 1, 2},
		{"short strata skipped", [][]float64{{1}, {2, 0}}, 2, 1, 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			stat, p, perms, exact := StratifiedPermutationTest(tc.strata, 1000, nil)
			if !approxEq(stat, tc.stat) || !approxEq(p, tc.p) || perms != tc.perms || !exact {
				t.Errorf("StratifiedPermutationTest(%v) = %v, %v, %d, %v; want %v, %v, %d, true", tc.strata, stat, p, perms, exact, tc.stat, tc.p, tc.perms)
			}
		})
	}
	if _, p, _, _ := StratifiedPermutationTest(nil, 10, nil); !math.IsNaN(p) {
		t.Errorf("no strata: p = %v, want NaN", p)
	}
	// Sampled: 20 strata of 2 is 2^20 assignments > resamples.
	var big [][]float64
	for range 20 {
		big = append(big, []float64{1, 0})
	}
	_, p, perms, exact := StratifiedPermutationTest(big, 999, rand.New(rand.NewPCG(1, 2)))
	if exact || perms != 999 || !approxEq(p, 1.0/1000) {
		t.Errorf("sampled: p %v perms %d exact %v; want 1/1000 (no random assignment reaches S = 20 but the observed), 999, false", p, perms, exact)
	}
}

func approxEq(a, b float64) bool { return math.Abs(a-b) < 1e-9 }

func TestKaplanMeierMedian(t *testing.T) {
	tests := []struct {
		name     string
		t        []int
		censored []bool
		want     float64
	}{
		// Events at 1, 2, 3, 4: S drops to 0.5 at 2.
		{"all events", []int{4, 1, 3, 2}, []bool{false, false, false, false}, 2},
		// Event 1 (S = 3/4), censored 2, event 3 (at risk 2: S = 3/8).
		{"censored", []int{1, 2, 3, 5}, []bool{false, true, false, true}, 3},
		{"never half", []int{1, 9, 9}, []bool{false, true, true}, math.NaN()},
		{"empty", nil, nil, math.NaN()},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := KaplanMeierMedian(tc.t, tc.censored)
			if !(got == tc.want || math.IsNaN(got) && math.IsNaN(tc.want)) {
				t.Errorf("KaplanMeierMedian(%v, %v) = %v, want %v", tc.t, tc.censored, got, tc.want)
			}
		})
	}
}

func TestNumJSON(t *testing.T) {
	b, err := json.Marshal([]Num{1.5, Num(math.NaN()), Num(math.Inf(1))})
	if err != nil || string(b) != "[1.5,null,null]" {
		t.Fatalf("Marshal = %s, %v; want [1.5,null,null]", b, err)
	}
	var back []Num
	if err := json.Unmarshal(b, &back); err != nil || back[0] != 1.5 || !math.IsNaN(float64(back[1])) {
		t.Errorf("Unmarshal = %v, %v", back, err)
	}
}

// TestAnalyzeHandComputed checks Analyze on a campaign small enough to
// compute by hand: one test persona trained on "a" with two twins.
func TestAnalyzeHandComputed(t *testing.T) {
	imp := func(p string, s int, items ...string) []AuditImpression {
		var out []AuditImpression
		for i, it := range items {
			score := 0
			if it[0] == 'h' {
				score = 1
			}
			out = append(out, AuditImpression{Persona: p, Session: s, Rank: i + 1, ItemID: it, Topic: it[:1], Seconds: float64(i), Score: score})
		}
		return out
	}
	in := AuditInput{
		Topics: []string{"a", "b", "h"},
		Personas: []AuditPersona{
			{Name: "t", Role: "test", Interests: map[string]float64{"a": 1}, Traits: map[string]string{"age_group": "minor"}},
			{Name: "c1", Role: "control", TwinOf: "t", Traits: map[string]string{"age_group": "adult"}},
			{Name: "c2", Role: "control", TwinOf: "t", Traits: map[string]string{"age_group": "adult"}},
		},
	}
	in.Impressions = append(in.Impressions, imp("t", 1, "a1", "b1", "a2", "h1")...)
	in.Impressions = append(in.Impressions, imp("t", 2, "a1", "a2", "a3", "a4")...)
	in.Impressions = append(in.Impressions, imp("c1", 1, "b1", "a1", "b2", "b3")...)
	in.Impressions = append(in.Impressions, imp("c1", 2, "b1", "b2", "b3", "b4")...)
	in.Impressions = append(in.Impressions, imp("c2", 1, "b1", "b2", "b3", "b4")...)
	in.Impressions = append(in.Impressions, imp("c2", 2, "b4", "b3", "b2", "h1")...)
	a := Analyze(in, AuditOptions{Resamples: 200}, rand.New(rand.NewPCG(1, 1)))

	if a.N != (AuditN{Personas: 3, TestPersonas: 1, ControlPersonas: 2, Sessions: 6, Impressions: 24}) {
		t.Fatalf("N = %+v", a.N)
	}
	tp := a.Personas[0]
	if got := tp.Controls; len(got) != 2 || got[0] != "c1" || got[1] != "c2" {
		t.Errorf("controls of t = %v, want [c1 c2] (its twins)", got)
	}
	s1, s2 := tp.Sessions[0], tp.Sessions[1]
	// Session 1 of t: a a b h -> shares 1/2, 1/4, 1/4.
	wantH := -(0.5*math.Log(0.5) + 2*0.25*math.Log(0.25))
	checks := []struct {
		name      string
		got, want float64
	}{
		{"entropy", float64(s1.Entropy), wantH},
		{"evenness", float64(s1.Evenness), wantH / math.Log(3)},
		{"gini_simpson", float64(s1.GiniSimpson), 1 - (0.25 + 0.0625 + 0.0625)},
		{"gini_simpson_unbiased", float64(s1.GiniSimpsonUnbiased), 1 - 2.0/12},
		{"reference_share", float64(s1.ReferenceShare), 0.5},
		{"harmful_per_100", float64(s1.HarmfulPer100), 25},
		{"first_harm_seconds", float64(s1.FirstHarmSeconds), 3},
		// SERP-MS: harmful at rank 4 of 4 weighs 1 / 10.
		{"serp_ms", float64(s1.SERPMS), 0.1},
		{"reference_share s2", float64(s2.ReferenceShare), 1},
		{"interest_slope", float64(tp.InterestSlope), 0.5},
		// Session 2 of t (all a) against session 1: JSD of {a:1} and
		// {a:.5, b:.25, h:.25}: M = {.75, .125, .125}.
		{"drift_first", float64(s2.DriftFirst), 0.5*math.Log2(1/0.75) + 0.5*(0.5*math.Log2(0.5/0.75)+2*0.25*math.Log2(0.25/0.125))},
	}
	for _, c := range checks {
		if !approxEq(c.got, c.want) {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}
	if s1.FirstHarmRank != 4 || s1.FirstHarmCensored || s2.FirstHarmRank != 0 || !s2.FirstHarmCensored {
		t.Errorf("first harm: s1 %d/%v, s2 %d/%v; want 4/false, 0 (null)/true", s1.FirstHarmRank, s1.FirstHarmCensored, s2.FirstHarmRank, s2.FirstHarmCensored)
	}
	if js, _ := json.Marshal(s1); !strings.Contains(string(js), `"first_harm_rank":4`) {
		t.Errorf("exposed session JSON = %s, want first_harm_rank 4", js)
	}
	// A censored session's rank is null in JSON, never the depth; SERP-MS
	// is named with its depth.
	js, _ := json.Marshal(s2)
	if !strings.Contains(string(js), `"first_harm_rank":null`) || !strings.Contains(string(js), `"serp_ms_10":0`) || strings.Contains(string(js), `"serp_ms":`) {
		t.Errorf("censored session JSON = %s, want first_harm_rank null and serp_ms_10", js)
	}
	var back SessionAudit
	if err := json.Unmarshal(js, &back); err != nil || back.SERPMSDepth != 10 || float64(back.SERPMS) != 0 || back.FirstHarmRank != 0 || !back.FirstHarmCensored {
		t.Errorf("round trip = %+v, %v", back, err)
	}
	// Mean label score: one +1 of four, then none.
	if float64(s1.MeanLabelScore) != 0.25 || float64(s2.MeanLabelScore) != 0 {
		t.Errorf("mean label score = %v, %v; want 0.25, 0", s1.MeanLabelScore, s2.MeanLabelScore)
	}
	if _, ok := a.Groups[1].Rows[0].Metrics["serp_ms_10"]; !ok {
		t.Errorf("group metrics lack serp_ms_10: %v", a.Groups[1].Rows[0].Metrics)
	}
	if a.EditDistance != EditDistanceVariant || a.Options.SERPMSDepth != 10 || a.Options.Taxonomy != 3 {
		t.Errorf("audit options = %+v, edit distance %q", a.Options, a.EditDistance)
	}
	// Topic-level distance, session 1: t {a .5, b .25, h .25}, c1 {a .25,
	// b .75}, c2 {b 1}.
	tShares := map[string]float64{"a": .5, "b": .25, "h": .25}
	c1Shares, c2Shares := map[string]float64{"a": .25, "b": .75}, map[string]float64{"b": 1}
	tj := a.Personalization[0].Metrics["topic_jsd"]
	wantTC, wantCT := (JSD(tShares, c1Shares)+JSD(tShares, c2Shares))/2, JSD(c1Shares, c2Shares)
	if !approxEq(float64(tj.TestControl), wantTC) || !approxEq(float64(tj.ControlTwin), wantCT) || !approxEq(float64(tj.Personalization), wantTC-wantCT) {
		t.Errorf("topic_jsd = %+v, want %v - %v", tj, wantTC, wantCT)
	}
	if math.Abs(wantTC-(0.25+0.548795)/2) > 1e-6 {
		t.Errorf("hand value of test-control JSD off: %v", wantTC)
	}
	// One test persona: no interval, said so.
	if e := a.Groups[1].Rows[0].Metrics["harmful_per_100"]; e.N != 1 || !math.IsNaN(float64(e.Lo)) || e.Note != NoIntervalNote {
		t.Errorf("test group estimate over one persona = %+v", e)
	}
	// Harmful exposure: t 25 then 0 -> 12.5; c1 0, c2 12.5 -> 6.25.
	// Stratum {12.5, 0, 12.5}: |S| >= 6.25 for all 3 assignments, p = 1;
	// the smallest p, 1/3, cannot reach 0.05.
	if len(a.Tests.Harm) != 2 {
		t.Fatalf("harm tests = %+v, want role=test and age_group=minor", a.Tests.Harm)
	}
	h := a.Tests.Harm[0]
	if h.Value != "test" || float64(h.TestPer100) != 12.5 || float64(h.ControlPer100) != 6.25 || float64(h.Difference) != 6.25 ||
		float64(h.Ratio) != 2 || float64(h.PValue) != 1 || !h.Underpowered || h.Significant || !math.IsNaN(float64(h.DifferenceLo)) ||
		h.TestPersonas != 1 || h.Controls != 2 || h.Sessions != 6 || h.Impressions != 24 {
		t.Errorf("harm test = %+v", h)
	}
	// Holm over the topic test and both harm tests together (m = 3).
	if tp := a.Tests.Topics[0]; !approxEq(float64(tp.PHolm), math.Min(1, 3*float64(tp.PValue))) && float64(tp.PHolm) != 1 {
		t.Errorf("topic p %v, Holm %v: want Holm over 3 tests", tp.PValue, tp.PHolm)
	}
	// Twins are measured on t's topic: c1 session 1 has one a of four.
	if got := float64(a.Personas[1].Sessions[0].ReferenceShare); !approxEq(got, 0.25) {
		t.Errorf("c1 reference share = %v, want 0.25", got)
	}
	// Personalization, session 1: J(t, c1) = |{a1, b1}| / 6 = 1/3,
	// J(t, c2) = 1/7; noise J(c1, c2) = |{b1, b2, b3}| / 5 = 3/5.
	row := a.Personalization[0]
	j := row.Metrics["jaccard"]
	if row.Persona != "t" || row.Session != 1 || !approxEq(float64(j.TestControl), (1.0/3+1.0/7)/2) || !approxEq(float64(j.ControlTwin), 0.6) ||
		!approxEq(float64(j.Personalization), 0.6-(1.0/3+1.0/7)/2) || j.N != 2 || j.NoisePairs != 1 {
		t.Errorf("jaccard row = %+v", j)
	}
	// Primary test: t's mean share (0.5 + 1)/2 = 0.75 against c1 (0.125)
	// and c2 (0): the largest of 3, exact p = 1/3.
	p := a.Tests.Primary
	if !approxEq(float64(p.Statistic), 0.75-0.0625) || !approxEq(float64(p.PValue), 1.0/3) || !p.Exact || p.Strata != 1 || p.Significant {
		t.Errorf("primary = %+v, want S 0.6875, p 1/3, exact, not significant", p)
	}
	// One stratum of 3: the smallest p is 1/3, the design cannot reach α.
	if !approxEq(float64(p.SmallestP), 1.0/3) || !p.Underpowered {
		t.Errorf("primary smallest p %v, underpowered %v; want 1/3, true", p.SmallestP, p.Underpowered)
	}
	// One test persona against 2 controls: smallest two-sided p 1/3.
	if tt := a.Tests.Topics[0]; !tt.Underpowered || !math.IsNaN(float64(tt.DifferenceLo)) || tt.Note == "" {
		t.Errorf("topic test = %+v, want underpowered with no interval", tt)
	}
	if len(a.Tests.Topics) != 1 || a.Tests.Topics[0].Topic != "a" || a.Tests.Topics[0].Controls != 2 {
		t.Errorf("topic tests = %+v", a.Tests.Topics)
	}
	// Groups: role and age_group (it splits the personas).
	var dims []string
	for _, g := range a.Groups {
		dims = append(dims, g.Dimension+"="+g.Value)
	}
	if want := "role=control role=test age_group=adult age_group=minor"; strings.Join(dims, " ") != want {
		t.Errorf("groups = %v, want %s", dims, want)
	}
	ctl := a.Groups[0]
	hm := ctl.Rows[0].Metrics["harmful_per_100"]
	// c1: 0 and 0; c2: 0 and 25 -> persona means 0 and 12.5.
	if !approxEq(float64(hm.Mean), 6.25) || hm.N != 2 || hm.Sessions != 4 || hm.Impressions != 16 || float64(hm.Lo) > 6.25 || float64(hm.Hi) < 6.25 {
		t.Errorf("control harmful_per_100 = %+v, want mean 6.25, n 2 personas, 4 sessions, 16 impressions, CI around it", hm)
	}
	if fe := ctl.FirstExposure; fe.Sessions != 4 || fe.Exposed != 1 || fe.Censored != 3 || !math.IsNaN(float64(fe.MedianRank)) {
		t.Errorf("control first exposure = %+v", fe)
	}
	if _, err := json.Marshal(a); err != nil {
		t.Errorf("audit does not encode: %v", err)
	}
}

// TestAnalyzePhases checks per-phase statistics and the phase tests.
func TestAnalyzePhases(t *testing.T) {
	in := AuditInput{Personas: []AuditPersona{{Name: "p", Role: "test", Phases: []AuditPhase{
		{Name: "train", From: 1, To: 3, Interests: map[string]float64{"a": 1}},
		{Name: "switch", From: 4, Interests: map[string]float64{"b": 1}},
	}}}}
	// Share of a per session: 0, .5, 1, then b: 0, 1 (a: 1, 0).
	sessions := [][]string{{"b", "b"}, {"a", "b"}, {"a", "a"}, {"a", "a"}, {"b", "b"}}
	for s, topics := range sessions {
		for i, tp := range topics {
			in.Impressions = append(in.Impressions, AuditImpression{Persona: "p", Session: s + 1, Rank: i + 1, ItemID: tp + string(rune('0'+s)) + string(rune('0'+i)), Topic: tp})
		}
	}
	// Label scores: session 2 is all +1, so the train phase's mean label
	// scores are 0, 1, 0: DTL = 1 - 0 = 1 against the flat line; its
	// interest shares 0, .5, 1 are linear, DTL 0.
	for i := range in.Impressions {
		if in.Impressions[i].Session == 2 {
			in.Impressions[i].Score = 1
		}
	}
	a := Analyze(in, AuditOptions{}, nil)
	ph := a.Personas[0].Phases
	if len(ph) != 2 {
		t.Fatalf("phases = %+v", ph)
	}
	if ph[0].Reference != "a" || ph[0].From != 1 || ph[0].To != 3 || !approxEq(float64(ph[0].Slope), 0.5) ||
		!approxEq(float64(ph[0].DiffToLinear), 1) || !approxEq(float64(ph[0].DiffToLinearInterest), 0) {
		t.Errorf("train phase = %+v, want a, 1-3, slope 0.5, DTL 1 on label score, 0 on interest share", ph[0])
	}
	if ph[1].Reference != "b" || ph[1].From != 4 || ph[1].To != 5 || float64(ph[1].StartShare) != 0 || float64(ph[1].EndShare) != 1 {
		t.Errorf("switch phase = %+v, want b, 4-5, 0 -> 1", ph[1])
	}
	if len(a.Tests.Phases) != 3 {
		t.Fatalf("phase tests = %+v, want creation of both phases and the bursting of the first", a.Tests.Phases)
	}
	burst := a.Tests.Phases[1]
	if burst.Kind != "bursting" || burst.Topic != "a" || burst.FromSession != 3 || burst.ToSession != 5 || float64(burst.FromMean) != 1 || float64(burst.ToMean) != 0 {
		t.Errorf("bursting test = %+v", burst)
	}
}

// TestAnalyzeSessionsEqualImpressions checks that the compact input gives
// the audit the row input gives: other item and topic codes, sessions in
// another order, impressions shuffled in the row input.
func TestAnalyzeSessionsEqualImpressions(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	topics := []string{"news", "sports", "music", "pets"}
	in := AuditInput{Topics: []string{"news", "sports"}}
	for i := range 3 {
		test := fmt.Sprintf("t%d", i)
		in.Personas = append(in.Personas,
			AuditPersona{Name: test, Role: "test", Interests: map[string]float64{topics[i]: 1}},
			AuditPersona{Name: test + "a", Role: "control", TwinOf: test},
			AuditPersona{Name: test + "b", Role: "control", TwinOf: test})
	}
	in.Personas = append(in.Personas, AuditPersona{Name: "free", Role: "control"})
	const catalogue = 60
	itemCode := r.Perm(catalogue) // the compact input's codes
	topicCode := []int32{3, 2, 1, 0}
	var sessions []AuditSession
	for _, p := range in.Personas {
		for seq := 1; seq <= 4; seq++ {
			cs := AuditSession{Persona: p.Name, Session: seq}
			for rank := 1; rank <= 25; rank++ {
				item := r.IntN(catalogue)
				score := r.IntN(7) - 1 // mostly 0 and 1, some -1, some out of range
				secs := float64(rank) * 1.5
				in.Impressions = append(in.Impressions, AuditImpression{Persona: p.Name, Session: seq, Rank: rank,
					ItemID: fmt.Sprintf("item-%d", item), Topic: topics[item%4], Seconds: secs, Score: score})
				cs.Items = append(cs.Items, int32(itemCode[item]))
				cs.Topics = append(cs.Topics, topicCode[item%4])
				cs.Seconds = append(cs.Seconds, secs)
				cs.Scores = append(cs.Scores, int8(max(-1, min(1, score))))
			}
			sessions = append(sessions, cs)
		}
	}
	r.Shuffle(len(in.Impressions), func(i, j int) { in.Impressions[i], in.Impressions[j] = in.Impressions[j], in.Impressions[i] })
	slices.Reverse(sessions)
	rows := Analyze(in, AuditOptions{Resamples: 300}, rand.New(rand.NewPCG(1, 1)))
	compact := in
	compact.Impressions = nil
	compact.Sessions, compact.ItemCodes, compact.TopicCodes = sessions, catalogue, []string{"pets", "music", "sports", "news"}
	got := Analyze(compact, AuditOptions{Resamples: 300}, rand.New(rand.NewPCG(1, 1)))
	gj, _ := json.Marshal(got)
	wj, _ := json.Marshal(rows)
	if string(gj) != string(wj) {
		t.Fatalf("audit of Sessions differs from the audit of Impressions:\n%s\nwant\n%s", gj, wj)
	}
	if got.N.Impressions != 10*4*25 || len(got.Personalization) == 0 {
		t.Fatalf("N = %+v, %d personalization rows: the fixture did not exercise the audit", got.N, len(got.Personalization))
	}
}

// TestAnalyzeSessionGivenTwice checks that a session given in two parts is
// one session, and that the audit never writes into the caller's slices
// (the two parts share one backing array here).
func TestAnalyzeSessionGivenTwice(t *testing.T) {
	items := []int32{0, 1, 2, 3, 4, 5}
	topics := []int32{0, 0, 1, 1, 0, 1}
	secs := []float64{0, 1, 2, 3, 4, 5}
	scores := []int8{0, 0, 1, 0, 0, 0}
	in := AuditInput{ItemCodes: 6, TopicCodes: []string{"a", "b"},
		Personas: []AuditPersona{{Name: "p", Role: "control"}},
		Sessions: []AuditSession{
			{Persona: "p", Session: 1, Items: items[:3], Topics: topics[:3], Seconds: secs[:3], Scores: scores[:3]},
			{Persona: "p", Session: 1, Items: []int32{9, 9}, Topics: []int32{1, 1}, Seconds: []float64{6, 7}, Scores: []int8{1, 1}},
		}}
	in.ItemCodes = 10
	a := Analyze(in, AuditOptions{Resamples: 50}, rand.New(rand.NewPCG(1, 1)))
	if a.N.Sessions != 1 || a.N.Impressions != 5 {
		t.Fatalf("N = %+v, want 1 session of 5 impressions", a.N)
	}
	if got := a.Personas[0].Sessions[0].Harmful; got != 3 {
		t.Errorf("harmful = %d, want 3 (one in the first part, two in the second)", got)
	}
	if !slices.Equal(items, []int32{0, 1, 2, 3, 4, 5}) || !slices.Equal(scores, []int8{0, 0, 1, 0, 0, 0}) {
		t.Errorf("the caller's slices changed: items %v, scores %v", items, scores)
	}
}

// TestAnalyzeMatchingAndCatalogue: controls naming an arm are that test
// persona's matched controls; a test persona without twins or arm
// controls gets the free ones; controls sharing no items flag the
// item-level noise floor; the catalogue gives coverage and exposure Gini
// with unserved items counted.
func TestAnalyzeMatchingAndCatalogue(t *testing.T) {
	in := AuditInput{Personas: []AuditPersona{
		{Name: "t1", Role: "test", Interests: map[string]float64{"a": 1}},
		{Name: "t2", Role: "test", Interests: map[string]float64{"b": 1}},
		{Name: "arm2", Role: "control", Arm: "t2"},
		{Name: "arm2b", Role: "control", Arm: "t2"},
		{Name: "free", Role: "control"},
	}}
	add := func(p string, items ...string) {
		for i, it := range items {
			in.Impressions = append(in.Impressions, AuditImpression{Persona: p, Session: 1, Rank: i + 1, ItemID: it, Topic: it[:1]})
		}
	}
	add("t1", "a1", "a2")
	add("t2", "b1", "b2")
	add("arm2", "b3", "a3")
	add("arm2b", "a4", "a5")
	add("free", "a1", "b1")
	a := Analyze(in, AuditOptions{Catalogue: 10, Resamples: 100}, rand.New(rand.NewPCG(3, 3)))
	if got := a.Personas[1].Controls; len(got) != 2 || got[0] != "arm2" || got[1] != "arm2b" {
		t.Errorf("t2 controls = %v, want its arm [arm2 arm2b]", got)
	}
	if got := a.Personas[0].Controls; len(got) != 1 || got[0] != "free" {
		t.Errorf("t1 controls = %v, want [free]", got)
	}
	// arm2 is measured on t2's topic b: one of two.
	if s := a.Personas[2].Sessions[0]; s.Reference != "b" || float64(s.InterestShare) != 0.5 {
		t.Errorf("arm2 reference %q interest share %v, want b, 0.5", s.Reference, s.InterestShare)
	}
	// arm2 and arm2b share no item: the item-level noise floor says nothing.
	if n := a.Noise[0]; !n.ItemNoiseFloorUninformative || n.Note == "" {
		t.Errorf("noise summary = %+v, want the item-level floor flagged", n)
	}
	// Controls: items b3 a3 a4 a5 a1 b1, once each, over a catalogue of 10:
	// coverage 6/10; Gini of four... six 1s and four 0s:
	// sum_{i=5..10} (2i - 11) / (10 * 6) = (-1+1+3+5+7+9)/60 = 0.4.
	ce := a.Groups[0].Catalogue
	if ce == nil || ce.Items != 6 || float64(ce.Coverage) != 0.6 || !approxEq(float64(ce.Gini), 0.4) {
		t.Errorf("control catalogue exposure = %+v, want 6 items, coverage 0.6, Gini 0.4", ce)
	}
}

// TestNoiseFloorUnitIsTheControlGroup: test personas matched with the same
// controls share one noise floor, which counts once; over one control
// group the floor has no interval.
func TestNoiseFloorUnitIsTheControlGroup(t *testing.T) {
	build := func(withArm bool) AuditInput {
		in := AuditInput{Personas: []AuditPersona{
			{Name: "t1", Role: "test", Interests: map[string]float64{"x": 1}},
			{Name: "t2", Role: "test", Interests: map[string]float64{"x": 1}},
			{Name: "c1", Role: "control"},
			{Name: "c2", Role: "control"},
		}}
		add := func(p string, items ...string) {
			for i, it := range items {
				in.Impressions = append(in.Impressions, AuditImpression{Persona: p, Session: 1, Rank: i + 1, ItemID: it, Topic: it[:1]})
			}
		}
		add("t1", "x1", "x4")
		add("t2", "x2", "x5")
		add("c1", "x1", "x2") // Jaccard(c1, c2) = 1/3
		add("c2", "x1", "x3")
		if withArm {
			in.Personas = append(in.Personas, AuditPersona{Name: "t3", Role: "test", Interests: map[string]float64{"y": 1}},
				AuditPersona{Name: "a3", Role: "control", Arm: "t3"}, AuditPersona{Name: "a3b", Role: "control", Arm: "t3"})
			add("t3", "y3", "y4")
			add("a3", "y1", "y2") // Jaccard(a3, a3b) = 1
			add("a3b", "y2", "y1")
		}
		return in
	}
	for _, tc := range []struct {
		withArm bool
		n       int
		mean    float64
	}{
		// Per test persona the floor would be (1/3 + 1/3 + 1) / 3 = 5/9
		// over n = 3; per control group it is (1/3 + 1) / 2 over n = 2.
		{true, 2, 2.0 / 3},
		{false, 1, 1.0 / 3},
	} {
		a := Analyze(build(tc.withArm), AuditOptions{Resamples: 200}, rand.New(rand.NewPCG(5, 5)))
		for _, sum := range a.Noise {
			e := sum.Metrics["jaccard_control_twin"]
			if e.N != tc.n || !approxEq(float64(e.Mean), tc.mean) {
				t.Errorf("arm %v, session %d: jaccard noise floor %v over n = %d, want %.4f over %d control groups", tc.withArm, sum.Session, e.Mean, e.N, tc.mean, tc.n)
			}
			if tc.n == 1 && (!math.IsNaN(float64(e.Lo)) || e.Note != NoIntervalGroupNote) {
				t.Errorf("one control group: interval [%v, %v] note %q, want none and %q", e.Lo, e.Hi, e.Note, NoIntervalGroupNote)
			}
			if p := sum.Metrics["jaccard"]; p.N != 2+btoi(tc.withArm) {
				t.Errorf("arm %v: personalization over n = %d, want every test persona", tc.withArm, p.N)
			}
		}
	}
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}
