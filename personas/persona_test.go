package personas

import (
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestLoadExample(t *testing.T) {
	specs, err := Load("testdata/personas.yaml")
	if err != nil {
		t.Fatalf("Load(testdata/personas.yaml) = %v", err)
	}
	var names []string
	for _, s := range specs {
		names = append(names, s.Name)
	}
	if want := []string{"sports-fan", "foodie.zh", "control-1"}; !slices.Equal(names, want) {
		t.Fatalf("names = %v, want %v", names, want)
	}
	fan, foodie, control := specs[0], specs[1], specs[2]

	if fan.Seed != 11 || fan.Role != RoleTest || fan.Source != "testdata/personas.yaml:7" {
		t.Errorf("sports-fan seed, role, source = %d, %q, %q, want 11, test, testdata/personas.yaml:7", fan.Seed, fan.Role, fan.Source)
	}
	if want := map[string]float64{"sports": 1, "fitness": 0.3}; !reflect.DeepEqual(fan.Interests, want) {
		t.Errorf("sports-fan interests = %v, want %v", fan.Interests, want)
	}
	if got := fan.Match("", "中超足球"); got != 1 {
		t.Errorf("sports-fan Match(\"\", 中超足球) = %v, want 1", got)
	}
	if fan.Traits != (Traits{AgeGroup: AgeAdult, Locale: "en-US", Device: DeviceDesktop, UserAgent: DesktopUserAgent, Viewport: Viewport{1280, 900}}) {
		t.Errorf("sports-fan traits = %+v, want desktop defaults", fan.Traits)
	}

	// Mobile defaults follow the device; merged behaviour comes from the
	// x-patient anchor, explicit max_opens: 0 is kept (no cap).
	if foodie.Traits.UserAgent != MobileUserAgent || foodie.Traits.Viewport != (Viewport{390, 844}) {
		t.Errorf("foodie.zh traits = %+v, want mobile user agent and 390x844", foodie.Traits)
	}
	wantB := Behaviour{
		Dwell:       Dwell{Median: 4 * time.Second, Sigma: 0.4, Min: 500 * time.Millisecond, Max: 20 * time.Second},
		Open:        defaultOpen,
		Like:        defaultLike,
		ScrollPause: 400 * time.Millisecond,
		MaxOpens:    0,
	}
	if foodie.Behaviour != wantB {
		t.Errorf("foodie.zh behaviour = %+v, want %+v", foodie.Behaviour, wantB)
	}
	if foodie.Seed != defaultSeed("foodie.zh") || foodie.Seed == 0 {
		t.Errorf("foodie.zh seed = %d, want hash of name %d", foodie.Seed, defaultSeed("foodie.zh"))
	}
	if p := foodie.Settings.Personalization; p == nil || !*p || foodie.Settings.MinorMode != nil {
		t.Errorf("foodie.zh settings = %+v, want personalization true, minor_mode unset", foodie.Settings)
	}

	if control.Role != RoleControl || len(control.Interests) != 0 || control.Interests == nil || control.TopInterest() != "" {
		t.Errorf("control-1 = role %q, interests %v, want a blank control with a non-nil map", control.Role, control.Interests)
	}
	if control.Behaviour.MaxOpens != defaultMaxOpens || control.Behaviour.Dwell != defaultDwell {
		t.Errorf("control-1 behaviour = %+v, want defaults", control.Behaviour)
	}
}

// parseCase is a persona file and either a check of the specs Parse returns
// or the exact error strings it must return.
type parseCase struct {
	name  string
	yaml  string
	check func(t *testing.T, specs []Spec)
	want  []string // exact error strings; empty means success
}

func TestParse(t *testing.T) {
	tests := []parseCase{
		{
			name: "bare list",
			yaml: "- name: a\n- name: b\n",
			check: func(t *testing.T, specs []Spec) {
				if len(specs) != 2 || specs[1].Name != "b" || specs[1].Source != "f.yaml:2" {
					t.Fatalf("specs = %+v, want a and b", specs)
				}
			},
		},
		{
			name: "explicit zero seed kept",
			yaml: "personas:\n  - name: a\n    seed: 0\n",
			check: func(t *testing.T, specs []Spec) {
				if specs[0].Seed != 0 {
					t.Fatalf("seed = %d, want 0", specs[0].Seed)
				}
			},
		},
		{
			name: "nulls mean defaults",
			yaml: "personas:\n  - name: a\n    role:\n    interests:\n    traits: ~\n    behaviour:\n      max_opens: null\n",
			check: func(t *testing.T, specs []Spec) {
				s := specs[0]
				if s.Role != RoleTest || s.Interests == nil || s.Traits.Locale != "en-US" || s.Behaviour.MaxOpens != defaultMaxOpens {
					t.Fatalf("spec = %+v, want defaults", s)
				}
			},
		},
		{
			name: "partial viewport and prob",
			yaml: "personas:\n  - name: a\n    traits: {device: mobile, viewport: {height: 700}}\n    behaviour: {open: {match: 0.9}}\n",
			check: func(t *testing.T, specs []Spec) {
				s := specs[0]
				if s.Traits.Viewport != (Viewport{390, 700}) || s.Behaviour.Open != (Prob{Base: 0.02, Match: 0.9}) {
					t.Fatalf("viewport %+v open %+v, want 390x700 and base 0.02 match 0.9", s.Traits.Viewport, s.Behaviour.Open)
				}
			},
		},
		{
			name: "single keyword as a string",
			yaml: "personas:\n  - name: a\n    interests: {news: 0.5}\n    keywords: {news: 新闻}\n",
			check: func(t *testing.T, specs []Spec) {
				if got := specs[0].Keywords["news"]; !slices.Equal(got, []string{"新闻"}) {
					t.Fatalf("keywords = %v, want [新闻]", got)
				}
			},
		},
		{
			name: "keyword topic matched case-insensitively",
			yaml: "personas:\n  - name: a\n    interests: {Sports: 0.7}\n    keywords: {sports: [goal]}\n",
			check: func(t *testing.T, specs []Spec) {
				if got := specs[0].Match("", "Late GOAL"); got != 0.7 {
					t.Fatalf("Match(\"\", \"Late GOAL\") = %v, want 0.7", got)
				}
			},
		},
		{
			name: "empty persona and negative cap",
			yaml: "personas:\n  - ~\n  - name: b\n    behaviour: {max_opens: -1}\n",
			want: []string{
				`f.yaml:2: personas[0]: must be a mapping of persona fields (name, interests, ...), got an empty value`,
				`f.yaml:4: personas[1].behaviour.max_opens: -1 must be at least 0`,
			},
		},
		{
			name: "explicit fields override merged ones",
			yaml: "x-base: &b {role: control, seed: 5}\npersonas:\n  - <<: *b\n    name: a\n    seed: 6\n",
			check: func(t *testing.T, specs []Spec) {
				if specs[0].Role != RoleControl || specs[0].Seed != 6 {
					t.Fatalf("role %q seed %d, want control 6", specs[0].Role, specs[0].Seed)
				}
			},
		},
		{
			name: "unknown merged key reported once at its line",
			yaml: "x-base: &b {rol: control}\npersonas:\n  - <<: *b\n    name: a\n  - <<: *b\n    name: b\n",
			want: []string{`f.yaml:1: personas[0].rol: unknown field (did you mean role?)`},
		},
		{
			name: "unknown top-level key",
			yaml: "persona:\n  - name: a\n",
			want: []string{
				`f.yaml:1: persona: unknown field (did you mean personas?)`,
				`f.yaml:1: personas: required field is missing; a persona file is a "personas:" list`,
			},
		},
		{
			name: "scalar file",
			yaml: "hello\n",
			want: []string{`f.yaml:1: expected a "personas:" list, got "hello"`},
		},
		{
			name: "null document",
			yaml: "---\n",
			want: []string{`f.yaml:1: file is empty; expected a "personas:" list`},
		},
		{
			name: "two documents",
			yaml: "personas:\n  - name: a\n---\npersonas:\n  - name: b\n",
			want: []string{`f.yaml:3: file holds more than one YAML document; put everything in one (remove the ---)`},
		},
		{
			name: "syntax error on the first line",
			yaml: "personas: a: b\n",
			want: []string{`f.yaml:1: invalid YAML: mapping values are not allowed in this context`},
		},
		{
			name: "tab before a list item",
			yaml: "personas:\n\t- name: a\n",
			want: []string{`f.yaml:2: tab character in indentation; indent YAML with spaces`},
		},
		{
			name: "tab after a colon is fine",
			yaml: "personas:\n  - name:\ta\n",
			check: func(t *testing.T, specs []Spec) {
				if specs[0].Name != "a" {
					t.Fatalf("name = %q, want a", specs[0].Name)
				}
			},
		},
		{
			name: "unknown anchor",
			yaml: "personas:\n  - name: a\n  - *nope\n",
			want: []string{`f.yaml:3: invalid YAML: unknown anchor 'nope' referenced`},
		},
		{
			name: "personas not a list",
			yaml: "personas:\n  name: a\n",
			want: []string{`f.yaml:2: personas: must be a list of personas (- name: ...), got a mapping`},
		},
		{
			name: "interests not a mapping",
			yaml: "personas:\n  - name: a\n    interests: [sports]\n",
			want: []string{`f.yaml:3: personas[0].interests: must be a mapping of topic: weight, got a list`},
		},
		{
			name: "weight NaN and bool",
			yaml: "personas:\n  - name: a\n    interests:\n      x: .nan\n      y: true\n      z: 1e400\n",
			want: []string{
				`f.yaml:4: personas[0].interests.x: cannot parse ".nan" as a number`,
				`f.yaml:5: personas[0].interests.y: cannot parse "true" as a number`,
				`f.yaml:6: personas[0].interests.z: cannot parse "1e400" as a number`,
			},
		},
		{
			name: "name too long",
			yaml: "personas:\n  - name: " + strings.Repeat("a", 65) + "\n",
			want: []string{`f.yaml:2: personas[0].name: name is 65 characters long; the limit is 64`},
		},
		{
			name: "sigma and probability range",
			yaml: "personas:\n  - name: a\n    behaviour:\n      dwell: {sigma: -1, median: 0s}\n      like: {match: 2}\n",
			want: []string{
				`f.yaml:4: personas[0].behaviour.dwell.sigma: -1 must be between 0 and 5`,
				`f.yaml:5: personas[0].behaviour.like.match: probability 2 must be between 0 and 1`,
			},
		},
		{
			name: "zero median",
			yaml: "personas:\n  - name: a\n    behaviour:\n      dwell: {median: 0s, min: 0s}\n",
			want: []string{`f.yaml:4: personas[0].behaviour.dwell.median: median must be above 0`},
		},
		{
			name: "history",
			yaml: "personas:\n  - name: a\n    history: promoting\n  - name: b\n    history: Pro Vax\n",
			want: []string{`f.yaml:5: personas[1].history: "Pro Vax" must be lower-case letters, digits, '.', '_' or '-', starting with a letter or digit (try "pro-vax")`},
		},
		{
			name: "settings value",
			yaml: "personas:\n  - name: a\n    settings: {minor_mode: maybe, personalization: off}\n",
			want: []string{
				`f.yaml:3: personas[0].settings.personalization: "off" is ambiguous in YAML; write false`,
				`f.yaml:3: personas[0].settings.minor_mode: cannot parse "maybe" as true or false`,
			},
		},
	}
	// Nine levels of nine merges each: exponential if merges were expanded
	// naively.
	var bomb strings.Builder
	bomb.WriteString("x-0: &a0 {name: a}\n")
	for i := 1; i <= 9; i++ {
		fmt.Fprintf(&bomb, "x-%d: &a%d {<<: [%s]}\n", i, i, strings.TrimSuffix(strings.Repeat(fmt.Sprintf("*a%d,", i-1), 9), ","))
	}
	bomb.WriteString("personas: [*a9]\n")
	tests = append(tests, parseCase{
		name: "merge chain",
		yaml: bomb.String(),
		check: func(t *testing.T, specs []Spec) {
			if len(specs) != 1 || specs[0].Name != "a" {
				t.Fatalf("specs = %+v, want one persona a", specs)
			}
		},
	})
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			specs, err := Parse("f.yaml", []byte(tc.yaml))
			if got := errorStrings(err); !slices.Equal(got, tc.want) {
				t.Fatalf("Parse errors:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
			}
			if err == nil && tc.check != nil {
				tc.check(t, specs)
			}
		})
	}
}

func TestSpecJSON(t *testing.T) {
	specs, err := Load("testdata/personas.yaml")
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(specs[1])
	if err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{`"age_group":"elderly"`, `"user_agent":`, `"scroll_pause_ns":400000000`, `"max_opens":0`, `"minor_mode":null`, `"personalization":true`} {
		if !strings.Contains(string(b), key) {
			t.Errorf("json.Marshal(spec) = %s, want it to contain %s", b, key)
		}
	}
	var back Spec
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, specs[1]) {
		t.Errorf("JSON round trip = %+v, want %+v", back, specs[1])
	}
}
