package personas

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestLoadCampaignExample(t *testing.T) {
	c, err := LoadCampaign("testdata/campaign.yaml")
	if err != nil {
		t.Fatalf("LoadCampaign(testdata/campaign.yaml) = %v", err)
	}
	want := Campaign{
		Name: "demo", Platform: "simfeed", BaseURL: "http://127.0.0.1:8080",
		Sessions: 4, ItemsPerSession: 60, SessionTimeout: 2 * time.Minute, Pause: time.Second, Concurrency: 4,
		Design: Design{
			Rationale:     "Does the feed narrow for a sports fan faster than for a control?",
			SamplingFrame: "simfeed default catalogue",
			Period:        "one afternoon",
		},
		Path: "testdata/campaign.yaml",
	}
	got := *c
	got.Personas = nil
	if !reflect.DeepEqual(got, want) {
		t.Errorf("campaign = %+v, want %+v", got, want)
	}
	var names []string
	for _, s := range c.Personas {
		names = append(names, s.Name)
	}
	if want := []string{"sports-fan", "foodie.zh", "control-1", "teen"}; !slices.Equal(names, want) {
		t.Fatalf("persona names = %v, want %v (files first, then inline)", names, want)
	}
	teen := c.Personas[3]
	if teen.Source != "testdata/campaign.yaml:6" || teen.Traits.Viewport != (Viewport{800, 900}) || teen.Traits.AgeGroup != AgeMinor {
		t.Errorf("teen = source %q traits %+v, want campaign.yaml:6, 800x900, minor", teen.Source, teen.Traits)
	}
	if c.Personas[0].Source != "testdata/personas.yaml:7" {
		t.Errorf("sports-fan source = %q, want testdata/personas.yaml:7", c.Personas[0].Source)
	}
}

// writeFiles writes name -> content into a temporary directory.
func writeFiles(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

const minimalCampaign = "campaign: c\nplatform: simfeed\nbase_url: http://127.0.0.1:1\nsessions: 1\nitems_per_session: 5\n"

func TestParseCampaign(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"p.yaml":       "personas:\n  - name: a\n",
		"q.yaml":       "personas:\n  - name: b\n",
		"same-a.yaml":  "personas:\n  - name: b\n  - name: a\n",
		"adapter.yaml": "name: mine\n",
	})
	tests := []struct {
		name  string
		yaml  string
		check func(t *testing.T, c *Campaign)
		want  []string
	}{
		{
			name: "defaults",
			yaml: minimalCampaign + "personas: [{name: x}]\n",
			check: func(t *testing.T, c *Campaign) {
				if c.SessionTimeout != 5*time.Minute || c.Pause != 0 || c.Concurrency != 4 || c.AdapterFile != "" {
					t.Fatalf("timeout %v pause %v concurrency %d adapter %q, want 5m 0 4 \"\"", c.SessionTimeout, c.Pause, c.Concurrency, c.AdapterFile)
				}
			},
		},
		{
			name: "persona file as a string and adapter resolved",
			yaml: minimalCampaign + "persona_files: p.yaml\nadapter_file: adapter.yaml\n",
			check: func(t *testing.T, c *Campaign) {
				if len(c.Personas) != 1 || c.Personas[0].Source != filepath.Join(dir, "p.yaml")+":2" {
					t.Fatalf("personas = %+v, want a from p.yaml", c.Personas)
				}
				if want := filepath.Join(dir, "adapter.yaml"); c.AdapterFile != want || !filepath.IsAbs(c.AdapterFile) {
					t.Fatalf("AdapterFile = %q, want %q", c.AdapterFile, want)
				}
			},
		},
		{
			name: "adapter file is a directory",
			yaml: minimalCampaign + "personas: [{name: x}]\nadapter_file: .\n",
			want: []string{`c.yaml:7: adapter_file: "DIR" is a directory, not an adapter YAML file`},
		},
		{
			name: "no personas",
			yaml: minimalCampaign,
			want: []string{`c.yaml:1: personas: campaign has no personas; list persona_files or add personas`},
		},
		{
			name: "duplicate across persona files",
			yaml: minimalCampaign + "persona_files: [p.yaml, same-a.yaml]\n",
			want: []string{`SAME:3: personas[1].name: duplicate persona "a" (first at P:2)`},
		},
		{
			name: "file listed twice",
			yaml: minimalCampaign + "persona_files:\n  - p.yaml\n  - ./p.yaml\n",
			want: []string{`c.yaml:8: persona_files[1]: "./p.yaml" is already listed at line 7`},
		},
		{
			name: "bare number durations",
			yaml: minimalCampaign + "personas: [{name: x}]\nsession_timeout: 300\n",
			want: []string{`c.yaml:7: session_timeout: 300 has no unit (use a unit, e.g. 300s)`},
		},
		{
			name: "missing required fields",
			yaml: "platform: simfeed\npersonas: [{name: x}]\n",
			want: []string{
				`c.yaml:1: campaign: required field is missing`,
				`c.yaml:1: base_url: required field is missing`,
				`c.yaml:1: sessions: required field is missing`,
				`c.yaml:1: items_per_session: required field is missing`,
			},
		},
		{
			name: "url without host and design typo",
			yaml: "campaign: c\nplatform: simfeed\nbase_url: http:///x\nsessions: 1\nitems_per_session: 1\npersonas: [{name: x}]\ndesign: {rationale: r, perod: p}\n",
			want: []string{
				`c.yaml:3: base_url: "http:///x" must be an http or https URL`,
				`c.yaml:7: design.perod: unknown field (did you mean period?)`,
			},
		},
		{
			name: "extension keys ignored",
			yaml: minimalCampaign + "x-notes: anything\npersonas: [{name: x}]\n",
			check: func(t *testing.T, c *Campaign) {
				if c.Name != "c" || len(c.Personas) != 1 {
					t.Fatalf("campaign = %+v", c)
				}
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := ParseCampaign("c.yaml", []byte(tc.yaml), dir)
			var want []string
			for _, w := range tc.want {
				w = strings.ReplaceAll(w, "SAME", filepath.Join(dir, "same-a.yaml"))
				w = strings.ReplaceAll(w, "DIR", dir)
				want = append(want, strings.ReplaceAll(w, "P:", filepath.Join(dir, "p.yaml")+":"))
			}
			if got := errorStrings(err); !slices.Equal(got, want) {
				t.Fatalf("ParseCampaign errors:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
			if (c == nil) != (err != nil) {
				t.Fatalf("ParseCampaign = %v, %v: want exactly one of campaign and error", c, err)
			}
			if tc.check != nil {
				tc.check(t, c)
			}
		})
	}
}

func TestCampaignHash(t *testing.T) {
	base, err := LoadCampaign("testdata/campaign.yaml")
	if err != nil {
		t.Fatal(err)
	}
	h := base.Hash()
	if len(h) != 64 || strings.Trim(h, "0123456789abcdef") != "" {
		t.Fatalf("Hash() = %q, want 64 hex digits", h)
	}
	if again, _ := LoadCampaign("testdata/campaign.yaml"); again.Hash() != h {
		t.Errorf("Hash of a reload = %s, want %s", again.Hash(), h)
	}

	// The same design written differently: one file, other order, other
	// place, so Path and Source differ.
	orig, err := os.ReadFile("testdata/personas.yaml")
	if err != nil {
		t.Fatal(err)
	}
	dir := writeFiles(t, map[string]string{
		"people.yaml": string(orig),
		"c.yaml": "campaign: demo\nplatform: simfeed\nbase_url: http://127.0.0.1:8080\n" +
			"personas:\n  - name: teen\n    interests: {games: 0.8}\n    traits: {age_group: minor, viewport: {width: 800}}\n    settings: {minor_mode: true}\n" +
			"persona_files: [people.yaml]\nsessions: 4\nitems_per_session: 60\nsession_timeout: 120s\npause: 1000ms\nconcurrency: 4\n" +
			"design:\n  period: \"one afternoon\"\n  sampling_frame: \"simfeed default catalogue\"\n  rationale: \"Does the feed narrow for a sports fan faster than for a control?\"\n",
	})
	moved, err := LoadCampaign(filepath.Join(dir, "c.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if got := moved.Hash(); got != h {
		t.Errorf("Hash of the same design rewritten = %s, want %s", got, h)
	}

	changes := []struct {
		name   string
		change func(c *Campaign)
	}{
		{"sessions", func(c *Campaign) { c.Sessions++ }},
		{"base url", func(c *Campaign) { c.BaseURL += "/x" }},
		{"weight", func(c *Campaign) { c.Personas[0].Interests = map[string]float64{"sports": 0.9, "fitness": 0.3} }},
		{"setting", func(c *Campaign) { b := true; c.Personas[0].Settings.MinorMode = &b }},
		{"dwell", func(c *Campaign) { c.Personas[2].Behaviour.Dwell.Sigma = 0.6 }},
		{"adapter", func(c *Campaign) { c.AdapterFile = "/a/other.yaml" }},
		{"persona dropped", func(c *Campaign) { c.Personas = c.Personas[1:] }},
	}
	for _, tc := range changes {
		t.Run(tc.name, func(t *testing.T) {
			c, err := LoadCampaign("testdata/campaign.yaml")
			if err != nil {
				t.Fatal(err)
			}
			tc.change(c)
			if got := c.Hash(); got == h {
				t.Fatalf("Hash after changing %s = %s, want a different hash", tc.name, got)
			}
		})
	}
	// The adapter's directory does not count, its file name does.
	a, b := *base, *base
	a.AdapterFile, b.AdapterFile = "/one/mine.yaml", "/two/mine.yaml"
	if a.Hash() != b.Hash() {
		t.Errorf("Hash differs by adapter directory: %s vs %s", a.Hash(), b.Hash())
	}
}

func TestCampaignJSON(t *testing.T) {
	c, err := LoadCampaign("testdata/campaign.yaml")
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{`"items_per_session":60`, `"session_timeout_ns":120000000000`, `"base_url":`, `"sampling_frame":`, `"adapter_file":""`} {
		if !strings.Contains(string(b), key) {
			t.Errorf("json.Marshal(campaign) = %s, want it to contain %s", b, key)
		}
	}
	var back Campaign
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(&back, c) {
		t.Errorf("JSON round trip = %+v, want %+v", back, *c)
	}
	if back.Hash() != c.Hash() {
		t.Errorf("Hash after JSON round trip = %s, want %s", back.Hash(), c.Hash())
	}
}

func TestParseCampaignAnalysis(t *testing.T) {
	c, err := ParseCampaign("c.yaml", []byte(minimalCampaign+"personas: [{name: p, interests: {sports: 1}}]\n"+
		"analysis: {checks: [art21-prices, art18-minors], catalogue: 500, taxonomy_size: 8, serp_ms_depth: 40, rbo_depth: 20, rbo_p: 0.8}\n"), "")
	if err != nil {
		t.Fatal(err)
	}
	want := Analysis{Checks: []string{"art21-prices", "art18-minors"}, Catalogue: 500, TaxonomySize: 8, SERPMSDepth: 40, RBODepth: 20, RBOP: 0.8}
	if !reflect.DeepEqual(c.Analysis, want) {
		t.Errorf("analysis = %+v, want %+v", c.Analysis, want)
	}
	// A campaign without the block hashes as it did before the block
	// existed: the field is omitted from the encoding.
	plain, err := ParseCampaign("c.yaml", []byte(minimalCampaign+"personas: [{name: p, interests: {sports: 1}}]\n"), "")
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := json.Marshal(plain); strings.Contains(string(b), `"analysis"`) {
		t.Errorf("campaign without analysis encodes it: %s", b)
	}
	if c.Hash() == plain.Hash() {
		t.Error("the analysis block does not change the hash")
	}
	_, err = ParseCampaign("c.yaml", []byte(minimalCampaign+"personas: [{name: p}]\n"+
		"analysis: {checks: [Art21, art18-minors, art18-minors], rbo_p: 1, serp_ms_depth: -1, depth: 3}\n"), "")
	for _, want := range []string{`c.yaml:7: analysis.checks[0]: "Art21" must be lower-case`, `analysis.checks[2]: check "art18-minors" is listed twice`,
		"analysis.rbo_p: 1 must be between 0 and 1", "analysis.serp_ms_depth: -1 must be at least 0", "analysis.depth"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v, want it to contain %q", err, want)
		}
	}
}

// TestParseCampaignArm: arm: on a control names a test persona of the
// campaign; on a test persona, or naming no test persona, it is an error
// at the persona's line. Twins have no arm of their own.
func TestParseCampaignArm(t *testing.T) {
	c, err := ParseCampaign("c.yaml", []byte(minimalCampaign+"twins: 1\npersonas:\n  - {name: fan, interests: {sports: 1}}\n  - {name: blank, role: control, arm: fan}\n"), ".")
	if err != nil {
		t.Fatal(err)
	}
	arms := map[string]string{}
	for _, p := range c.Personas {
		arms[p.Name] = p.Arm + "/" + p.TwinOf
	}
	if arms["blank"] != "fan/" || arms["fan.twin1"] != "/fan" || arms["fan"] != "/" {
		t.Errorf("arm/twin_of = %v, want blank fan/, fan.twin1 /fan", arms)
	}
	for _, tc := range []struct{ personas, want string }{
		{"  - {name: fan, arm: fan}\n", `c.yaml:7: personas[0].arm: arm "fan" on a test persona`},
		{"  - {name: fan}\n  - {name: blank, role: control, arm: nobody}\n", `c.yaml:8: personas[1].arm: arm "nobody" names no test persona`},
		{"  - {name: fan}\n  - {name: c1, role: control}\n  - {name: blank, role: control, arm: c1}\n", `personas[2].arm: arm "c1" names no test persona`},
	} {
		_, err := ParseCampaign("c.yaml", []byte(minimalCampaign+"personas:\n"+tc.personas), ".")
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("personas\n%s= %v, want %q", tc.personas, err, tc.want)
		}
	}
}
