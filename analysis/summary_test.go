package analysis

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"maps"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// handInput is a campaign small enough to summarise by hand: taxonomy
// cooking, sports, news (K = 3); a test persona t1 and a control c1
// measured against cooking.
func handInput() Input {
	imp := func(persona string, session int, topic string, harmful bool) Impression {
		return Impression{Persona: persona, Session: session, Topic: topic, Harmful: harmful}
	}
	return Input{
		Topics: []string{"cooking", "sports", "news"},
		Personas: []PersonaInfo{
			{Name: "t1", Role: "test", Interests: map[string]float64{"cooking": 1, "sports": 0.5}},
			{Name: "c1", Role: "control", Reference: "cooking"},
		},
		Impressions: []Impression{
			imp("t1", 1, "cooking", false), imp("t1", 1, "sports", false),
			imp("t1", 1, "news", true), imp("t1", 1, "news", false),
			imp("c1", 1, "news", false), imp("c1", 1, "news", false),
			// Session 2 arrives interleaved with session 1 of c1.
			imp("t1", 2, "cooking", false), imp("c1", 2, "cooking", false),
			imp("t1", 2, "cooking", false), imp("t1", 2, "cooking", false),
			imp("t1", 2, "sports", false), imp("c1", 2, "news", true),
		},
	}
}

func TestSummarizeHand(t *testing.T) {
	s := Summarize(handInput(), newRand(1))
	if got, want := s.Topics, []string{"cooking", "sports", "news"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("Topics = %q, want %q", got, want)
	}
	if s.Impressions != 12 || s.Resamples != DefaultResamples || s.Level != DefaultLevel {
		t.Fatalf("Impressions, Resamples, Level = %d, %d, %v, want 12, %d, %v", s.Impressions, s.Resamples, s.Level, DefaultResamples, DefaultLevel)
	}
	if len(s.Personas) != 2 {
		t.Fatalf("len(Personas) = %d, want 2", len(s.Personas))
	}
	ln3 := math.Log(3)
	tests := []struct {
		name        string
		got         PersonaSummary
		topInterest string
		reference   string
		sessions    []SessionSummary
		slope       float64
		drift       []float64
	}{
		{
			name: "test persona", got: s.Personas[0], topInterest: "cooking", reference: "cooking",
			sessions: []SessionSummary{
				// cooking, sports, news, news: shares ¼, ¼, ½;
				// H = 1.5 ln 2; interests cooking + sports = 2/4; one
				// harmful of 4.
				{Session: 1, N: 4, TopicShares: map[string]float64{"cooking": 0.25, "sports": 0.25, "news": 0.5},
					Entropy: 1.5 * math.Ln2, Evenness: 1.5 * math.Ln2 / ln3, InterestShare: 0.5, TopInterestShare: 0.25, HarmfulShare: 0.25},
				// cooking ×3, sports: ¾, ¼; H = ¼ ln 4 + ¾ ln(4/3).
				{Session: 2, N: 4, TopicShares: map[string]float64{"cooking": 0.75, "sports": 0.25},
					Entropy: 0.25*math.Log(4) + 0.75*math.Log(4.0/3), Evenness: (0.25*math.Log(4) + 0.75*math.Log(4.0/3)) / ln3,
					InterestShare: 1, TopInterestShare: 0.75, HarmfulShare: 0},
			},
			// (0.75 − 0.25)/(2 − 1).
			slope: 0.5,
			// JSD({c ¾, s ¼}, {c ¼, s ¼, n ½}) = ½(¾ log2 1.5 + ¼), as in TestJSD.
			drift: []float64{0, 0.5 * (0.75*math.Log2(1.5) + 0.25)},
		},
		{
			name: "control measured against cooking", got: s.Personas[1], topInterest: "", reference: "cooking",
			sessions: []SessionSummary{
				// news, news: H = 0; no interests; no cooking.
				{Session: 1, N: 2, TopicShares: map[string]float64{"news": 1}},
				// cooking, news (harmful): ½, ½; H = ln 2.
				{Session: 2, N: 2, TopicShares: map[string]float64{"cooking": 0.5, "news": 0.5},
					Entropy: math.Ln2, Evenness: math.Ln2 / ln3, TopInterestShare: 0.5, HarmfulShare: 0.5},
			},
			slope: 0.5,
			// JSD({c ½, n ½}, {n 1}), as "half vs all" in TestJSD.
			drift: []float64{0, 0.5 * (0.5*math.Log2(2.0/3) + 0.5 + math.Log2(4.0/3))},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := tc.got
			if p.TopInterest != tc.topInterest || p.Reference != tc.reference {
				t.Fatalf("TopInterest, Reference = %q, %q, want %q, %q", p.TopInterest, p.Reference, tc.topInterest, tc.reference)
			}
			if len(p.Sessions) != len(tc.sessions) {
				t.Fatalf("len(Sessions) = %d, want %d", len(p.Sessions), len(tc.sessions))
			}
			for i, got := range p.Sessions {
				want := tc.sessions[i]
				if got.Session != want.Session || got.N != want.N ||
					!maps.EqualFunc(got.TopicShares, want.TopicShares, approx) ||
					!approx(got.Entropy, want.Entropy) || !approx(got.Evenness, want.Evenness) ||
					!approx(got.InterestShare, want.InterestShare) || !approx(got.TopInterestShare, want.TopInterestShare) ||
					!approx(got.HarmfulShare, want.HarmfulShare) {
					t.Fatalf("Sessions[%d] = %+v, want %+v", i, got, want)
				}
			}
			if !approx(p.TopInterestSlope, tc.slope) {
				t.Fatalf("TopInterestSlope = %v, want %v", p.TopInterestSlope, tc.slope)
			}
			if len(p.DriftJSD) != len(tc.drift) || !approx(p.DriftJSD[0], tc.drift[0]) || !approx(p.DriftJSD[1], tc.drift[1]) {
				t.Fatalf("DriftJSD = %v, want %v", p.DriftJSD, tc.drift)
			}
		})
	}

	// Groups sorted by role; one persona each, so no interval: bounds 0
	// and the note, never a zero-width interval.
	const no = NoIntervalNote
	want := []GroupSummary{
		{Role: "control", Personas: 1, Sessions: []GroupSession{
			{Session: 1, Personas: 1, N: 2, TopInterestPersonas: 1, Note: no},
			{Session: 2, Personas: 1, N: 2, TopInterestPersonas: 1, TopInterestShare: 0.5, HarmfulShare: 0.5, Note: no},
		}},
		{Role: "test", Personas: 1, Sessions: []GroupSession{
			{Session: 1, Personas: 1, N: 4, TopInterestPersonas: 1, TopInterestShare: 0.25, HarmfulShare: 0.25, Note: no},
			{Session: 2, Personas: 1, N: 4, TopInterestPersonas: 1, TopInterestShare: 0.75, Note: no},
		}},
	}
	if !reflect.DeepEqual(s.Groups, want) {
		t.Errorf("Groups = %+v, want %+v", s.Groups, want)
	}
}

// TestSummarizeFreeControls: controls matched to no one arm have no
// measured topic: their group's top-interest mean is over no persona
// (TopInterestPersonas 0) and the table prints "-", not 0.000 [0, 0].
func TestSummarizeFreeControls(t *testing.T) {
	in := Input{
		Personas: []PersonaInfo{
			{Name: "fan", Role: "test", Interests: map[string]float64{"x": 1}},
			{Name: "c1", Role: "control"},
			{Name: "c2", Role: "control"},
		},
		Impressions: []Impression{
			{Persona: "fan", Session: 1, Topic: "x"},
			{Persona: "c1", Session: 1, Topic: "x"},
			{Persona: "c1", Session: 1, Topic: "y", Harmful: true},
			{Persona: "c2", Session: 1, Topic: "y"},
		},
	}
	s := Summarize(in, newRand(2))
	g := s.Groups[0]
	if g.Role != "control" || g.Sessions[0].Personas != 2 || g.Sessions[0].TopInterestPersonas != 0 || g.Sessions[0].HarmfulShare != 0.25 {
		t.Fatalf("control group = %+v, want 2 personas, none with a topic, harmful share (0.5 + 0) / 2", g)
	}
	var b strings.Builder
	if err := s.WriteTable(&b); err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`(?m)^\s+1\s+2\s+3\s+-\s+no topic\s+25\.0`).MatchString(b.String()) ||
		!regexp.MustCompile(`(?m)^persona c1 .*measured=-\n.*\n\s+1\s+2\s+-\s`).MatchString(b.String()) {
		t.Errorf("table:\n%s\nwant \"-\" for the controls' top_share, per persona and per group", b.String())
	}
}

func TestSummarizeGroupMeans(t *testing.T) {
	// Two test personas with top-interest shares 0 and 1 in one session:
	// mean ½, and the bootstrap interval of the mean of two values spans
	// [0, 1] (see TestBootstrapCI).
	in := Input{
		Personas: []PersonaInfo{
			{Name: "a", Role: "test", Interests: map[string]float64{"x": 1}},
			{Name: "b", Role: "test", Interests: map[string]float64{"x": 1}},
		},
		Impressions: []Impression{
			{Persona: "a", Session: 1, Topic: "y"},
			{Persona: "b", Session: 1, Topic: "x", Harmful: true},
		},
	}
	s := Summarize(in, newRand(2))
	want := []GroupSummary{{Role: "test", Personas: 2, Sessions: []GroupSession{{
		Session: 1, Personas: 2, N: 2, TopInterestPersonas: 2,
		TopInterestShare: 0.5, TopInterestShareLo: 0, TopInterestShareHi: 1,
		HarmfulShare: 0.5, HarmfulShareLo: 0, HarmfulShareHi: 1,
	}}}}
	if !reflect.DeepEqual(s.Groups, want) {
		t.Errorf("Groups = %+v, want %+v", s.Groups, want)
	}
	// No taxonomy given: the topics seen, sorted.
	if got := s.Topics; !reflect.DeepEqual(got, []string{"x", "y"}) {
		t.Errorf("Topics = %q, want [x y]", got)
	}
}

func TestSummarizeUndeclaredPersonaAndTopic(t *testing.T) {
	in := Input{
		Topics:   []string{"news", "cooking"},
		Personas: []PersonaInfo{{Name: "z", Role: "test"}},
		Impressions: []Impression{
			{Persona: "y", Session: 1, Topic: "gaming"},
			{Persona: "x", Session: 3, Topic: "cooking"},
			{Persona: "z", Session: 1, Topic: "art"},
		},
	}
	s := Summarize(in, newRand(3))
	// The given taxonomy in its order, then the topics seen outside it, sorted.
	if got, want := s.Topics, []string{"news", "cooking", "art", "gaming"}; !reflect.DeepEqual(got, want) {
		t.Errorf("Topics = %q, want %q", got, want)
	}
	var names []string
	for _, p := range s.Personas {
		names = append(names, p.Name+"/"+p.Role)
	}
	// Declared first, then undeclared by name, with an empty role.
	if got, want := names, []string{"z/test", "x/", "y/"}; !reflect.DeepEqual(got, want) {
		t.Errorf("personas = %q, want %q", got, want)
	}
	// K = 4 now: one topic has evenness 0 / ln 4 = 0. Session numbering is kept.
	if got := s.Personas[1].Sessions; len(got) != 1 || got[0].Session != 3 || got[0].Evenness != 0 {
		t.Errorf("x's sessions = %+v, want one session numbered 3 with evenness 0", got)
	}
	if got := len(s.Groups); got != 2 || s.Groups[0].Role != "" || s.Groups[0].Personas != 2 {
		t.Errorf("Groups = %+v, want the role \"\" with 2 personas first", s.Groups)
	}
}

func TestSummaryAlwaysEncodes(t *testing.T) {
	tests := []struct {
		name string
		in   Input
	}{
		// A one-topic taxonomy (evenness undefined), one session (slope
		// undefined), no reference topic, and a declared persona with no
		// impressions.
		{"degenerate", Input{
			Topics:      []string{"only"},
			Personas:    []PersonaInfo{{Name: "a"}, {Name: "silent", Role: "test"}},
			Impressions: []Impression{{Persona: "a", Session: 1, Topic: "only"}},
		}},
		{"empty", Input{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for _, r := range []bool{true, false} {
				rng := newRand(4)
				if !r {
					rng = nil
				}
				s := Summarize(tc.in, rng)
				js, err := json.Marshal(s)
				if err != nil {
					t.Fatalf("json.Marshal(Summarize(...)) with rand %v: %v", r, err)
				}
				if bytes.Contains(js, []byte("null")) {
					t.Fatalf("json.Marshal(Summarize(...)) = %s, want lists as [] and maps as {}, never null", js)
				}
				if !r && s.Resamples != 0 {
					t.Fatalf("Resamples without a random source = %d, want 0", s.Resamples)
				}
				if err := s.WriteTable(&bytes.Buffer{}); err != nil {
					t.Fatalf("WriteTable: %v", err)
				}
			}
		})
	}
}

// TestAccumulatorOrderAndIncrement checks that the summary depends on which
// impressions were added, not on their order or on summaries taken midway.
func TestAccumulatorOrderAndIncrement(t *testing.T) {
	in := syntheticInput(3, 4, 25, 5)
	want := Summarize(in, newRand(6))

	shuffled := in
	shuffled.Impressions = append([]Impression(nil), in.Impressions...)
	newRand(7).Shuffle(len(shuffled.Impressions), func(i, j int) {
		shuffled.Impressions[i], shuffled.Impressions[j] = shuffled.Impressions[j], shuffled.Impressions[i]
	})
	if got := Summarize(shuffled, newRand(6)); !reflect.DeepEqual(got, want) {
		t.Errorf("Summarize(shuffled impressions) differs from Summarize(impressions)")
	}

	acc := NewAccumulator(in.Personas, in.Topics)
	half := len(in.Impressions) / 2
	for _, imp := range in.Impressions[:half] {
		acc.Add(imp)
	}
	if mid := acc.Summary(newRand(6)); mid.Impressions != half {
		t.Fatalf("Summary().Impressions midway = %d, want %d", mid.Impressions, half)
	}
	for _, imp := range in.Impressions[half:] {
		acc.Add(imp)
	}
	if got := acc.Summary(newRand(6)); !reflect.DeepEqual(got, want) {
		t.Errorf("Accumulator summary after a midway Summary differs from Summarize")
	}
}

// TestSummarizeSyntheticDrift checks the synthetic campaign shows what it
// was built to show: test personas drift to cooking, controls do not.
func TestSummarizeSyntheticDrift(t *testing.T) {
	s := Summarize(syntheticInput(6, 5, 100, 8), newRand(9))
	for _, g := range s.Groups {
		first, last := g.Sessions[0], g.Sessions[len(g.Sessions)-1]
		switch g.Role {
		case "test":
			// Expected cooking share 0.2 + 0.8·0.2 = 0.36 at the start and
			// 0.8 + 0.2·0.2 = 0.84 at the end.
			if !(last.TopInterestShareLo > first.TopInterestShareHi) {
				t.Errorf("test group: last session CI [%v, %v] does not lie above the first [%v, %v]",
					last.TopInterestShareLo, last.TopInterestShareHi, first.TopInterestShareLo, first.TopInterestShareHi)
			}
		case "control":
			// Uniform over 5 topics: 0.2 throughout.
			if math.Abs(last.TopInterestShare-0.2) > 0.06 || math.Abs(first.TopInterestShare-0.2) > 0.06 {
				t.Errorf("control group cooking share %v → %v, want about 0.2", first.TopInterestShare, last.TopInterestShare)
			}
		}
	}
}

// TestGolden compares Summarize's JSON and WriteTable's output with
// testdata; run `go test -update` to rewrite them after a deliberate change.
func TestGolden(t *testing.T) {
	s := Summarize(syntheticInput(2, 3, 20, 10), newRand(11))
	js, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		t.Fatalf("json.MarshalIndent: %v", err)
	}
	var table bytes.Buffer
	if err := s.WriteTable(&table); err != nil {
		t.Fatalf("WriteTable: %v", err)
	}
	tests := []struct {
		file string
		got  []byte
	}{
		{"summary.golden.json", append(js, '\n')},
		{"summary.golden.txt", table.Bytes()},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			path := filepath.Join("testdata", tc.file)
			if *update {
				if err := os.WriteFile(path, tc.got, 0o644); err != nil {
					t.Fatalf("update golden file: %v", err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("read golden file (run go test -update to create it): %v", err)
			}
			if !bytes.Equal(tc.got, want) {
				t.Fatalf("%s differs from the golden file; got:\n%s\nwant:\n%s", tc.file, tc.got, want)
			}
		})
	}
	// The JSON must decode back into the same Summary.
	var back Summary
	if err := json.Unmarshal(js, &back); err != nil {
		t.Fatalf("json.Unmarshal: %v", err)
	}
	if !reflect.DeepEqual(back, s) {
		t.Errorf("Summary after a JSON round trip differs")
	}
}

func TestGoldenJSONKeysAreSnakeCase(t *testing.T) {
	js, err := json.Marshal(Summarize(handInput(), newRand(12)))
	if err != nil {
		t.Fatalf("json.Marshal: %v", err)
	}
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			for k, x := range v {
				// Topic names are data, not field names.
				isTopic := k == "cooking" || k == "sports" || k == "news"
				if !isTopic && k != strings.ToLower(k) {
					t.Errorf("JSON key %q is not snake_case", k)
				}
				walk(x)
			}
		case []any:
			for _, x := range v {
				walk(x)
			}
		}
	}
	var v any
	if err := json.Unmarshal(js, &v); err != nil {
		t.Fatalf("json.Unmarshal: %v", err)
	}
	walk(v)
}

type failingWriter struct{ n int }

var errDiskFull = errors.New("disk full")

func (w *failingWriter) Write(p []byte) (int, error) {
	if w.n == 0 {
		return 0, errDiskFull
	}
	w.n--
	return len(p), nil
}

func TestWriteTableError(t *testing.T) {
	s := Summarize(handInput(), newRand(13))
	w := &failingWriter{n: 3}
	if err := s.WriteTable(w); !errors.Is(err, errDiskFull) {
		t.Errorf("WriteTable(failing writer) = %v, want an error wrapping %v", err, errDiskFull)
	}
}

// TestSummarizeArmControl: a blank control with an arm is measured on its
// arm's topics. c1 twins t1 (interests cooking 1, sports 0.5) and sees
// cooking, sports, news, news: interest share 2/4 = 0.5 and top share
// (cooking) 1/4 = 0.25, not 0. A blank control without an arm keeps 0.
func TestSummarizeArmControl(t *testing.T) {
	imp := func(persona, topic string) Impression { return Impression{Persona: persona, Session: 1, Topic: topic} }
	s := Summarize(Input{
		Personas: []PersonaInfo{
			{Name: "t1", Role: "test", Interests: map[string]float64{"cooking": 1, "sports": 0.5}},
			{Name: "c1", Role: "control", Arm: "t1"},
			{Name: "c2", Role: "control"},
		},
		Impressions: []Impression{imp("t1", "cooking"),
			imp("c1", "cooking"), imp("c1", "sports"), imp("c1", "news"), imp("c1", "news"),
			imp("c2", "cooking"), imp("c2", "news")},
	}, nil)
	c1, c2 := s.Personas[1], s.Personas[2]
	if c1.Reference != "cooking" || c1.Sessions[0].InterestShare != 0.5 || c1.Sessions[0].TopInterestShare != 0.25 {
		t.Errorf("c1: reference %q, interest %v, top %v; want cooking, 0.5, 0.25", c1.Reference, c1.Sessions[0].InterestShare, c1.Sessions[0].TopInterestShare)
	}
	if c2.Reference != "" || c2.Sessions[0].InterestShare != 0 {
		t.Errorf("c2: reference %q, interest %v; want none, 0", c2.Reference, c2.Sessions[0].InterestShare)
	}
}

// TestWriteTableNoTopicField: a feed without a topic field is not "1
// topics ()".
func TestWriteTableNoTopicField(t *testing.T) {
	s := Summarize(Input{Impressions: []Impression{{Persona: "p", Session: 1}}}, nil)
	var b bytes.Buffer
	if err := s.WriteTable(&b); err != nil {
		t.Fatal(err)
	}
	first, _, _ := strings.Cut(b.String(), "\n")
	if want := "campaign: 1 personas, 1 impressions, no topic field"; first != want {
		t.Errorf("first line = %q, want %q", first, want)
	}
}
