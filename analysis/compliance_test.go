package analysis

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

// synth builds a campaign: persona name -> per session the topics served,
// one letter per item ("s" sports, "c" cooking, anything else "other").
type synthPersona struct {
	name, role, twinOf string
	sessions           []ComplianceSession
	feed               map[int]string
}

var topicOf = map[byte]string{'s': "sports", 'c': "cooking", 'x': "gambling", 'o': "other", 'n': "news"}

func synth(ps []synthPersona) ComplianceInput {
	var in ComplianceInput
	for _, p := range ps {
		in.Personas = append(in.Personas, CompliancePersona{Name: p.name, Role: p.role, TwinOf: p.twinOf, Sessions: p.sessions})
		for seq, letters := range p.feed {
			for i := range len(letters) {
				in.Impressions = append(in.Impressions, ComplianceImpression{Persona: p.name, Session: seq, Surface: "feed",
					Rank: i + 1, ItemID: fmt.Sprintf("%s-%d-%d", p.name, seq, i), Title: fmt.Sprintf("title %d", i),
					Topic: topicOf[letters[i]], Harmful: letters[i] == 'x'})
			}
		}
	}
	return in
}

func sessions(n int, f func(seq int) ComplianceSession) []ComplianceSession {
	var out []ComplianceSession
	for seq := 1; seq <= n; seq++ {
		s := f(seq)
		s.Session = seq
		out = append(out, s)
	}
	return out
}

func findingOf(t *testing.T, fs []Finding, check string) Finding {
	t.Helper()
	for _, f := range fs {
		if f.Check == check {
			return f
		}
	}
	t.Fatalf("no %s finding among %d", check, len(fs))
	return Finding{}
}

// art17Campaign: five personas trained on sports (the fewest a one-sided
// sign-flip test over personas can judge at α = 0.05) switch
// personalization off at session 3 of 5; after the switch their feed
// holds afterShare sports items out of 10; two blank controls see 1 in 10.
func art17Campaign(after string) ComplianceInput {
	var ps []synthPersona
	for i := range 5 {
		ps = append(ps, synthPersona{name: fmt.Sprintf("fan%d", i), role: "test",
			sessions: sessions(5, func(seq int) ComplianceSession {
				return ComplianceSession{Interests: map[string]float64{"sports": 1}, PersonalizationOff: seq >= 3}
			}),
			feed: map[int]string{1: "ssssssoooo", 2: "sssssssooo", 3: after, 4: after, 5: after}})
	}
	for i := range 2 {
		ps = append(ps, synthPersona{name: fmt.Sprintf("blank%d", i), role: "control",
			sessions: sessions(5, func(int) ComplianceSession { return ComplianceSession{} }),
			feed:     map[int]string{1: "sooooooooo", 2: "sooooooooo", 3: "sooooooooo", 4: "sooooooooo", 5: "sooooooooo"}})
	}
	return synth(ps)
}

func TestComplianceArt17Off(t *testing.T) {
	for _, tc := range []struct {
		name, after string
		verdict     string
		effect      float64
	}{
		{"switch ignored", "sssssssooo", VerdictViolation, 0.6},
		{"switch honoured", "sooooooooo", VerdictClean, 0},
		{"small drift", "ssoooooooo", VerdictClean, 0.1}, // 0.2 - 0.1, within 0.15
	} {
		t.Run(tc.name, func(t *testing.T) {
			fs := Compliance(art17Campaign(tc.after), ComplianceOptions{ShareMargin: 0.15}, rand.New(rand.NewPCG(1, 2)))
			f := findingOf(t, fs, CheckArt17Off)
			if f.Verdict != tc.verdict {
				t.Errorf("verdict = %q (%s), want %q", f.Verdict, f.Reason, tc.verdict)
			}
			if math.Abs(float64(f.Effect.Value)-tc.effect) > 1e-9 {
				t.Errorf("effect = %v, want %v", f.Effect.Value, tc.effect)
			}
			if f.N.Personas != 5 || f.N.Units != 5 || f.N.UnitName != "persona" || f.N.Sessions != 15 || f.N.Impressions != 150 {
				t.Errorf("n = %+v, want 5 personas as units, 15 persona-sessions, 150 impressions", f.N)
			}
			// Five identical personas: one-sided exact p is 1/32 when
			// above the margin.
			if tc.verdict == VerdictViolation && float64(f.PValue) != 1.0/32 {
				t.Errorf("p = %v, want 1/32", f.PValue)
			}
			if tc.verdict == VerdictViolation && (len(f.Examples) == 0 || f.Examples[0].Topic != "sports" || f.Examples[0].Session < 3) {
				t.Errorf("examples = %+v, want sports items after the switch", f.Examples)
			}
		})
	}
	// Nobody switches: no finding.
	in := art17Campaign("sssssssooo")
	for i := range in.Personas {
		for j := range in.Personas[i].Sessions {
			in.Personas[i].Sessions[j].PersonalizationOff = false
		}
	}
	for _, f := range Compliance(in, ComplianceOptions{}, rand.New(rand.NewPCG(1, 2))) {
		if f.Check == CheckArt17Off {
			t.Errorf("art17-off finding without any switch: %+v", f)
		}
	}
}

func TestComplianceTooFewUnits(t *testing.T) {
	in := art17Campaign("sssssssooo")
	// Keep one switching persona and one session after the switch.
	in.Personas = in.Personas[4:]
	in.Personas[0].Sessions = in.Personas[0].Sessions[:3]
	var imps []ComplianceImpression
	for _, imp := range in.Impressions {
		if (imp.Persona == "fan4" || strings.HasPrefix(imp.Persona, "blank")) && imp.Session <= 3 {
			imps = append(imps, imp)
		}
	}
	in.Impressions = imps
	f := findingOf(t, Compliance(in, ComplianceOptions{}, rand.New(rand.NewPCG(1, 2))), CheckArt17Off)
	if f.Verdict != VerdictUnderpowered || f.N.Units != 1 || f.MinimumPersonas != 5 {
		t.Errorf("verdict = %q with %d units, minimum %d (%s), want underpowered with 1, minimum 5", f.Verdict, f.N.Units, f.MinimumPersonas, f.Reason)
	}
	// One persona: no interval, said so, not a zero-width one.
	if !math.IsNaN(float64(f.Effect.Lo)) || !math.IsNaN(float64(f.Effect.Hi)) || f.Effect.Note != NoIntervalNote {
		t.Errorf("interval over one persona = [%v, %v] %q, want null bounds and %q", f.Effect.Lo, f.Effect.Hi, f.Effect.Note, NoIntervalNote)
	}
}

func TestComplianceArt18Minors(t *testing.T) {
	for _, tc := range []struct {
		name, minorFeed string
		verdict         string
	}{
		{"leak", "xooooxoooo", VerdictViolation},
		{"filtered", "oooooooooo", VerdictClean},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var ps []synthPersona
			for i := range 5 {
				ps = append(ps, synthPersona{name: fmt.Sprintf("teen%d", i), role: "test",
					sessions: sessions(2, func(int) ComplianceSession { return ComplianceSession{MinorMode: true} }),
					feed:     map[int]string{1: tc.minorFeed, 2: tc.minorFeed}},
					synthPersona{name: fmt.Sprintf("adult%d", i), role: "test",
						sessions: sessions(2, func(int) ComplianceSession { return ComplianceSession{} }),
						feed:     map[int]string{1: "xooooxoooo", 2: "xooooxoooo"}})
			}
			f := findingOf(t, Compliance(synth(ps), ComplianceOptions{}, rand.New(rand.NewPCG(1, 2))), CheckArt18Minors)
			if f.Verdict != tc.verdict {
				t.Errorf("verdict = %q (%s), want %q", f.Verdict, f.Reason, tc.verdict)
			}
			if f.N.Units != 5 || f.N.Personas != 5 || f.N.Sessions != 10 {
				t.Errorf("n = %+v, want 5 minor personas, 10 sessions", f.N)
			}
			if tc.verdict == VerdictViolation && (len(f.Examples) == 0 || f.Examples[0].Topic != "gambling") {
				t.Errorf("examples = %+v, want harmful items", f.Examples)
			}
		})
	}
}

func TestComplianceArt21Prices(t *testing.T) {
	build := func(markup float64) ComplianceInput {
		in := ComplianceInput{Experiments: []string{CheckArt21Prices}}
		for i := range 6 {
			test, twin := fmt.Sprintf("shopper%d", i), fmt.Sprintf("shopper%d.twin1", i)
			in.Personas = append(in.Personas, CompliancePersona{Name: test, Role: "test"},
				CompliancePersona{Name: twin, Role: "control", TwinOf: test})
			for seq := 1; seq <= 2; seq++ {
				for k := range 4 {
					id := fmt.Sprintf("it-%d", k)
					base := 10.0 * float64(k+1)
					in.Impressions = append(in.Impressions,
						ComplianceImpression{Persona: test, Session: seq, Rank: k + 1, ItemID: id, Topic: "shopping", Price: base * (1 + markup), HasPrice: true},
						ComplianceImpression{Persona: twin, Session: seq, Rank: k + 1, ItemID: id, Topic: "shopping", Price: base, HasPrice: true})
				}
			}
		}
		return in
	}
	for _, tc := range []struct {
		markup  float64
		verdict string
		share   float64
	}{{0.2, VerdictViolation, 1}, {0, VerdictClean, 0}, {0.005, VerdictClean, 0}} {
		f := findingOf(t, Compliance(build(tc.markup), ComplianceOptions{}, rand.New(rand.NewPCG(1, 2))), CheckArt21Prices)
		if f.Verdict != tc.verdict || float64(f.Effect.Value) != tc.share || f.N.Units != 6 || f.N.Personas != 12 {
			t.Errorf("markup %v: verdict %q, share %v, %d test personas of %d (%s); want %q, %v, 6 of 12", tc.markup, f.Verdict, f.Effect.Value, f.N.Units, f.N.Personas, f.Reason, tc.verdict, tc.share)
		}
	}
	// Without a declared price experiment there is no Art. 21 row, however
	// the prices differ.
	undeclared := build(0.2)
	undeclared.Experiments = nil
	for _, f := range Compliance(undeclared, ComplianceOptions{}, rand.New(rand.NewPCG(1, 2))) {
		if f.Check == CheckArt21Prices {
			t.Errorf("campaign without a price experiment: got an %s finding", CheckArt21Prices)
		}
	} // The same prices seen by free controls instead of twins: not the
	// Art. 21 design (not the same moment, maybe other traits), so no
	// finding, however different the prices.
	in := build(0.2)
	for i := range in.Personas {
		in.Personas[i].TwinOf = ""
	}
	for _, f := range Compliance(in, ComplianceOptions{}, rand.New(rand.NewPCG(1, 2))) {
		if f.Check == CheckArt21Prices {
			t.Errorf("campaign without twins: got an %s finding (%s, %s)", CheckArt21Prices, f.Verdict, f.Reason)
		}
	}
}

func TestComplianceArt11KeyPositions(t *testing.T) {
	build := func(personal bool) ComplianceInput {
		var in ComplianceInput
		hot := []string{"h1", "h2", "h3", "h4", "h5"}
		add := func(name, role string, list []string) {
			in.Personas = append(in.Personas, CompliancePersona{Name: name, Role: role})
			for seq := 1; seq <= 2; seq++ {
				for i, id := range list {
					in.Impressions = append(in.Impressions, ComplianceImpression{Persona: name, Session: seq, Surface: "hot", Rank: i + 1, ItemID: id, Topic: "news"})
				}
			}
		}
		for i := range 5 {
			list := hot
			if personal {
				list = []string{"h1", fmt.Sprintf("p%d-a", i), fmt.Sprintf("p%d-b", i), "h4", "h5"}
			}
			add(fmt.Sprintf("t%d", i), "test", list)
		}
		add("c1", "control", hot)
		add("c2", "control", hot)
		return in
	}
	for _, tc := range []struct {
		personal bool
		verdict  string
	}{{true, VerdictViolation}, {false, VerdictClean}} {
		f := findingOf(t, Compliance(build(tc.personal), ComplianceOptions{}, rand.New(rand.NewPCG(1, 2))), CheckArt11Key)
		if f.Verdict != tc.verdict || f.N.Units != 5 || f.N.Sessions != 10 {
			t.Errorf("personal %v: verdict %q with %d units, %d sessions (%s), want %q with 5, 10", tc.personal, f.Verdict, f.N.Units, f.N.Sessions, f.Reason, tc.verdict)
		}
	}
}

func TestComplianceArt12AndTags(t *testing.T) {
	var ps []synthPersona
	for i := range 5 {
		ps = append(ps, synthPersona{name: fmt.Sprintf("drop%d", i), role: "test",
			sessions: sessions(4, func(seq int) ComplianceSession {
				if seq <= 2 {
					return ComplianceSession{Interests: map[string]float64{"sports": 1}}
				}
				return ComplianceSession{Interests: map[string]float64{}}
			}),
			feed: map[int]string{1: "ssssssssoo", 2: "ssssssssoo", 3: "ssssssssoo", 4: "ssssssssoo"}})
	}
	ps = append(ps, synthPersona{name: "blank", role: "control",
		sessions: sessions(4, func(int) ComplianceSession { return ComplianceSession{} }),
		feed:     map[int]string{1: "sococococo", 2: "sococococo", 3: "sococococo", 4: "sococococo"}})
	fs := Compliance(synth(ps), ComplianceOptions{}, rand.New(rand.NewPCG(1, 2)))
	tags := findingOf(t, fs, CheckArt17Tags)
	if tags.Verdict != VerdictViolation || math.Abs(float64(tags.Effect.Value)-0.7) > 1e-9 {
		t.Errorf("art17-tags: verdict %q effect %v (%s), want violation evidence, 0.8 - 0.1", tags.Verdict, tags.Effect.Value, tags.Reason)
	}
	div := findingOf(t, fs, CheckArt12Div)
	if div.Verdict != VerdictViolation || float64(div.Effect.Value) != 7 {
		t.Errorf("art12: verdict %q effect %v (%s), want violation evidence, run 8 - 1 = 7", div.Verdict, div.Effect.Value, div.Reason)
	}
	// One example per session: the run's start rank and length, not each
	// of its items as "the start".
	want := "longest single-topic run of the session: 8 sports items from rank 1 to 8 (blank controls' longest: 1)"
	seen := map[string]bool{}
	for _, ex := range div.Examples {
		key := fmt.Sprint(ex.Persona, "/", ex.Session)
		if seen[key] || ex.Rank != 1 || ex.Note != want {
			t.Errorf("example %+v, want one per session at rank 1 with note %q", ex, want)
		}
		seen[key] = true
	}
	if len(div.Examples) != 5 {
		t.Errorf("%d examples, want 5 (the option's default)", len(div.Examples))
	}
}

func TestSignFlipTest(t *testing.T) {
	for _, tc := range []struct {
		d        []float64
		oneSided bool
		want     float64
	}{
		{[]float64{1, 1, 1}, true, 1.0 / 8},
		{[]float64{1, 1, 1}, false, 2.0 / 8},
		{[]float64{0, 0, 0}, true, 1},
		{[]float64{-1, -1}, true, 1},
		{[]float64{2, -1}, true, 2.0 / 4},
	} {
		if got := SignFlipTest(tc.d, tc.oneSided, 2000, nil); math.Abs(got-tc.want) > 1e-12 {
			t.Errorf("SignFlipTest(%v, %v) = %v, want %v", tc.d, tc.oneSided, got, tc.want)
		}
	}
	if got := SignFlipTest(nil, true, 10, nil); !math.IsNaN(got) {
		t.Errorf("SignFlipTest(nil) = %v, want NaN", got)
	}
	big := make([]float64, 40)
	for i := range big {
		big[i] = 1
	}
	if got := SignFlipTest(big, true, 999, rand.New(rand.NewPCG(1, 1))); got != 1.0/1000 {
		t.Errorf("SignFlipTest(40 ones, sampled) = %v, want 1/1000", got)
	}
}

func TestCompareFindings(t *testing.T) {
	mk := func(check, verdict string, v, lo, hi float64) Finding {
		return Finding{Check: check, Verdict: verdict, Effect: FindingEffect{Name: "e", Value: Num(v), Lo: Num(lo), Hi: Num(hi)}}
	}
	base := []Finding{
		mk(CheckArt17Off, VerdictViolation, 0.5, 0.4, 0.6),
		mk(CheckArt18Minors, VerdictViolation, 5, 3, 7),
		mk(CheckArt21Prices, VerdictViolation, 0.5, 0.3, 0.6),
		mk(CheckArt12Div, VerdictClean, 0, 0, 0),
		mk(CheckArt11Key, VerdictClean, 0, 0, 0),
	}
	cur := []Finding{
		mk(CheckArt17Off, VerdictClean, 0.01, 0, 0.02),
		mk(CheckArt18Minors, VerdictViolation, 6, 4, 8),
		mk(CheckArt21Prices, VerdictViolation, 0.9, 0.8, 1),
		mk(CheckArt12Div, VerdictViolation, 5, 4, 6),
		mk(CheckArt17Tags, VerdictClean, 0, 0, 0),
	}
	got := map[string]string{}
	for _, r := range CompareFindings(base, cur) {
		got[r.Check] = r.Status
	}
	want := map[string]string{CheckArt17Off: StatusFixed, CheckArt18Minors: StatusNotFixed, CheckArt21Prices: StatusWorse,
		CheckArt12Div: StatusWorse, CheckArt11Key: StatusNotComparable, CheckArt17Tags: StatusNotComparable}
	for k, w := range want {
		if got[k] != w {
			t.Errorf("CompareFindings: %s = %q, want %q", k, got[k], w)
		}
	}
}

// TestComplianceUnderpowered: a seeded campaign of 2 personas x 3 sessions
// with a blatant Art. 12 effect is underpowered, not a violation: the
// sessions of a persona are not independent units.
func TestComplianceUnderpowered(t *testing.T) {
	var ps []synthPersona
	for i := range 2 {
		ps = append(ps, synthPersona{name: fmt.Sprintf("fan%d", i), role: "test",
			sessions: sessions(3, func(int) ComplianceSession { return ComplianceSession{Interests: map[string]float64{"sports": 1}} }),
			feed:     map[int]string{1: "ssssssssss", 2: "ssssssssss", 3: "ssssssssss"}},
			synthPersona{name: fmt.Sprintf("fan%d.twin1", i), role: "control", twinOf: fmt.Sprintf("fan%d", i),
				sessions: sessions(3, func(int) ComplianceSession { return ComplianceSession{} }),
				feed:     map[int]string{1: "sococococo", 2: "sococococo", 3: "sococococo"}})
	}
	f := findingOf(t, Compliance(synth(ps), ComplianceOptions{}, rand.New(rand.NewPCG(7, 7))), CheckArt12Div)
	if f.Verdict != VerdictUnderpowered || f.MinimumPersonas != 5 || f.N.Units != 2 || f.N.Sessions != 6 {
		t.Errorf("verdict %q, minimum %d, n %+v (%s); want underpowered, minimum 5, 2 personas over 6 sessions", f.Verdict, f.MinimumPersonas, f.N, f.Reason)
	}
	if float64(f.Effect.Value) != 9 || float64(f.PValue) != 0.25 {
		t.Errorf("effect %v, p %v; want 10 - 1 = 9 and the smallest one-sided p of 2 personas, 1/4", f.Effect.Value, f.PValue)
	}
}

// TestComplianceMatchedControls: a test persona is compared with the
// controls of its own arm, never with another arm's. Five trained
// personas with an arm control seeing 8 sports in 10 (no excess), five
// with an arm control seeing 1 in 10 (excess 0.7), and a free control
// seeing 1 in 10 that neither arm uses.
func TestComplianceMatchedControls(t *testing.T) {
	var ps []synthPersona
	for i := range 10 {
		name := fmt.Sprintf("fan%d", i)
		ctrl := "ssssssssoo" // 8 sports: the same as the fan's own feed
		if i >= 5 {
			ctrl = "sooooooooo"
		}
		ps = append(ps, synthPersona{name: name, role: "test",
			sessions: sessions(4, func(seq int) ComplianceSession {
				if seq <= 2 {
					return ComplianceSession{Interests: map[string]float64{"sports": 1}}
				}
				return ComplianceSession{Interests: map[string]float64{}}
			}),
			feed: map[int]string{1: "ssssssssoo", 2: "ssssssssoo", 3: "ssssssssoo", 4: "ssssssssoo"}},
			synthPersona{name: name + ".arm", role: "control",
				sessions: sessions(4, func(int) ComplianceSession { return ComplianceSession{} }),
				feed:     map[int]string{1: ctrl, 2: ctrl, 3: ctrl, 4: ctrl}})
	}
	ps = append(ps, synthPersona{name: "free", role: "control",
		sessions: sessions(4, func(int) ComplianceSession { return ComplianceSession{} }),
		feed:     map[int]string{1: "oooooooooo", 2: "oooooooooo", 3: "oooooooooo", 4: "oooooooooo"}})
	in := synth(ps)
	for i := range in.Personas {
		if p := &in.Personas[i]; p.Role == "control" && p.Name != "free" {
			p.Arm = strings.TrimSuffix(p.Name, ".arm")
		}
	}
	f := findingOf(t, Compliance(in, ComplianceOptions{}, rand.New(rand.NewPCG(1, 2))), CheckArt17Tags)
	// Half the personas: 0.8 - 0.8 = 0 (the free control would give 0.8);
	// the other half 0.8 - 0.1 = 0.7. Mean 0.35.
	if math.Abs(float64(f.Effect.Value)-0.35) > 1e-9 || f.N.Units != 10 {
		t.Errorf("effect %v over %d personas, want 0.35 over 10 (matched controls only)", f.Effect.Value, f.N.Units)
	}
}

// TestComplianceArt18ByAge: art18-minors splits harmful exposure by the
// persona's age trait and each session's own minor-mode setting. Hand
// values: minor-age personas in minor mode see 1 harmful in 10 (10 per
// 100); one minor-age persona switches minor mode off in session 2 and
// sees 3 in 10 (30); adults see 2 in 10 (20).
func TestComplianceArt18ByAge(t *testing.T) {
	var ps []synthPersona
	for i := range 5 {
		ps = append(ps, synthPersona{name: fmt.Sprintf("teen%d", i), role: "test",
			sessions: sessions(2, func(int) ComplianceSession { return ComplianceSession{MinorMode: true} }),
			feed:     map[int]string{1: "xooooooooo", 2: "xooooooooo"}})
	}
	ps[0].sessions[1].MinorMode = false
	ps[0].feed[2] = "xxxooooooo"
	ps = append(ps, synthPersona{name: "adult", role: "test",
		sessions: sessions(2, func(int) ComplianceSession { return ComplianceSession{} }),
		feed:     map[int]string{1: "xxoooooooo", 2: "xxoooooooo"}})
	in := synth(ps)
	for i := range in.Personas {
		in.Personas[i].AgeGroup = "minor"
	}
	in.Personas[5].AgeGroup = "adult"
	f := findingOf(t, Compliance(in, ComplianceOptions{}, rand.New(rand.NewPCG(1, 2))), CheckArt18Minors)
	got := map[string]float64{}
	for _, d := range f.Details {
		got[d.Name] = float64(d.Value)
	}
	want := map[string]float64{
		"harmful per 100, age_group adult, minor mode off": 20,
		"harmful per 100, age_group minor, minor mode off": 30,
		"harmful per 100, age_group minor, minor mode on":  10,
	}
	for k, w := range want {
		if v, ok := got[k]; !ok || math.Abs(v-w) > 1e-12 {
			t.Errorf("detail %q = %v (present %v), want %v", k, v, ok, w)
		}
	}
	if f.N.Sessions != 9 {
		t.Errorf("minor-mode sessions = %d, want 9 (teen0's second session is off)", f.N.Sessions)
	}
}
