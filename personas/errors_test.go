package personas

import (
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// errorStrings flattens a loader's error into its messages.
func errorStrings(err error) []string {
	var out []string
	for _, e := range Errors(err) {
		out = append(out, e.Error())
	}
	return out
}

func TestBadFiles(t *testing.T) {
	const bad = "testdata/bad/"
	tests := []struct {
		file     string
		campaign bool
		want     []string
	}{
		{file: "weight.yaml", want: []string{
			`testdata/bad/weight.yaml:4: personas[0].interests.sports: weight -1 must be between 0 and 1`,
			`testdata/bad/weight.yaml:5: personas[0].interests.food: cannot parse "abc" as a number`,
			`testdata/bad/weight.yaml:7: personas[0].interests.Music: topic "Music" repeats "music" (line 6); topics are compared case-insensitively`,
		}},
		{file: "unknown-field.yaml", want: []string{
			`testdata/bad/unknown-field.yaml:3: personas[0].intrests: unknown field (did you mean interests?)`,
			`testdata/bad/unknown-field.yaml:5: personas[0].traits.age_grup: unknown field (did you mean age_group?)`,
			`testdata/bad/unknown-field.yaml:6: personas[0].traits.colour: unknown field (expected one of: age_group, locale, device, user_agent, viewport, accept_language, timezone, geolocation, device_scale_factor, touch)`,
		}},
		{file: "network.yaml", want: []string{
			`testdata/bad/network.yaml:4: personas[0].traits.accept_language: "de-DE;q=2" is not an Accept-Language value such as de-DE,de;q=0.9`,
			`testdata/bad/network.yaml:5: personas[0].traits.timezone: "Mars/Olympus" is not an IANA time zone such as Europe/Berlin or UTC`,
			`testdata/bad/network.yaml:6: personas[0].traits.geolocation.latitude: 91 must be between -90 and 90`,
			`testdata/bad/network.yaml:7: personas[0].traits.device_scale_factor: 9 must be between 0.25 and 5`,
			`testdata/bad/network.yaml:8: personas[0].traits.touch: cannot parse "maybe" as true or false`,
			`testdata/bad/network.yaml:10: personas[0].proxy.server: proxy scheme "ftp": want one of http, https, socks4, socks5`,
			`testdata/bad/network.yaml:13: personas[1].traits.geolocation.latitude: required field is missing`,
			`testdata/bad/network.yaml:15: personas[1].proxy.server: never write a credential into a persona file; give the proxy's username_env and password_env (or _file) instead`,
			`testdata/bad/network.yaml:16: personas[1].proxy.password: never write a credential into a persona file; use password_env (an environment variable) or password_file (a file path)`,
			`testdata/bad/network.yaml:19: personas[2].proxy.server: required field is missing; give the proxy's URL, such as socks5://127.0.0.1:1080`,
		}},
		{file: "empty.yaml", want: []string{
			`testdata/bad/empty.yaml:1: file is empty; expected a "personas:" list`,
		}},
		{file: "comments.yaml", want: []string{
			`testdata/bad/comments.yaml:1: file holds only comments; expected a "personas:" list`,
		}},
		{file: "tabs.yaml", want: []string{
			`testdata/bad/tabs.yaml:3: tab character in indentation; indent YAML with spaces`,
		}},
		{file: "syntax.yaml", want: []string{
			`testdata/bad/syntax.yaml:3: invalid YAML: did not find expected ',' or '}'`,
		}},
		{file: "durations.yaml", want: []string{
			`testdata/bad/durations.yaml:5: personas[0].behaviour.dwell.median: 2 has no unit (use a unit, e.g. 2s)`,
			`testdata/bad/durations.yaml:6: personas[0].behaviour.dwell.min: cannot parse "fast" as a duration (use a unit, e.g. 500ms, 2s, 1m30s)`,
			`testdata/bad/durations.yaml:7: personas[0].behaviour.scroll_pause: duration -1s must not be negative`,
			`testdata/bad/durations.yaml:8: personas[0].behaviour.max_opens: 2.5 must be a whole number`,
		}},
		{file: "enums.yaml", want: []string{
			`testdata/bad/enums.yaml:3: personas[0].role: "contorl" must be test or control (did you mean control?)`,
			`testdata/bad/enums.yaml:4: personas[0].seed: cannot parse "lucky" as a whole number`,
			`testdata/bad/enums.yaml:6: personas[0].traits.age_group: "teen" must be minor, adult or elderly`,
			`testdata/bad/enums.yaml:7: personas[0].traits.locale: "english" is not a language tag such as en-US or zh-CN`,
			`testdata/bad/enums.yaml:8: personas[0].traits.device: "tablet" must be desktop or mobile`,
			`testdata/bad/enums.yaml:9: personas[0].traits.viewport.width: 0 pixels must be between 1 and 10000`,
			`testdata/bad/enums.yaml:9: personas[0].traits.viewport.height: cannot parse "big" as a whole number`,
			`testdata/bad/enums.yaml:11: personas[0].settings.personalization: "yes" is ambiguous in YAML; write true`,
		}},
		{file: "duplicate.yaml", want: []string{
			`testdata/bad/duplicate.yaml:4: personas[0].role: duplicate field (first at line 3)`,
			`testdata/bad/duplicate.yaml:6: personas[2].name: duplicate persona "a" (first at line 2)`,
		}},
		{file: "keywords.yaml", want: []string{
			`testdata/bad/keywords.yaml:5: personas[0].keywords.sports[1]: keyword is empty and would match every title`,
			`testdata/bad/keywords.yaml:6: personas[0].keywords.food: topic "food" has no weight under interests; add it there so a keyword match has a weight`,
		}},
		{file: "dwell-range.yaml", want: []string{
			`testdata/bad/dwell-range.yaml:4: personas[0].behaviour.dwell.max: max 1s is below min 5s`,
			`testdata/bad/dwell-range.yaml:5: personas[0].behaviour.open.base: probability 1.5 must be between 0 and 1`,
			`testdata/bad/dwell-range.yaml:8: personas[1].behaviour.dwell.median: median 2s must be between min 200ms and max 1s`,
		}},
		{file: "names.yaml", want: []string{
			`testdata/bad/names.yaml:2: personas[0].name: required field is missing`,
			`testdata/bad/names.yaml:3: personas[1].name: "Sports Fan" must be lower-case letters, digits, '.', '_' or '-', starting with a letter or digit (try "sports-fan")`,
			`testdata/bad/names.yaml:4: personas[2].name: must be a string, got a list`,
			`testdata/bad/names.yaml:5: personas[3]: must be a mapping of persona fields (name, interests, ...), got "just a string"`,
		}},
		{file: "no-personas.yaml", want: []string{
			`testdata/bad/no-personas.yaml:1: personas: list is empty; add at least one persona`,
		}},
		{file: "missing.yaml", want: []string{
			`testdata/bad/missing.yaml:1: cannot read file: no such file or directory`,
		}},
		{file: "campaign-fields.yaml", campaign: true, want: []string{
			`testdata/bad/campaign-fields.yaml:1: campaign: "Demo" must be lower-case letters, digits, '.', '_' or '-', starting with a letter or digit (try "demo")`,
			`testdata/bad/campaign-fields.yaml:1: platform: required field is missing`,
			`testdata/bad/campaign-fields.yaml:2: base_url: "ftp://x" must be an http or https URL`,
			`testdata/bad/campaign-fields.yaml:5: sessions: 0 must be at least 1`,
			`testdata/bad/campaign-fields.yaml:6: items_per_session: cannot parse "many" as a whole number`,
			`testdata/bad/campaign-fields.yaml:7: concurrency: 0 must be at least 1`,
			`testdata/bad/campaign-fields.yaml:8: sesions: unknown field (did you mean sessions?)`,
		}},
		{file: "campaign-missing-file.yaml", campaign: true, want: []string{
			`testdata/bad/campaign-missing-file.yaml:5: persona_files[0]: cannot read persona file "testdata/bad/nope.yaml": no such file or directory`,
		}},
		{file: "campaign-dup.yaml", campaign: true, want: []string{
			`testdata/bad/campaign-dup.yaml:9: personas[1].name: duplicate persona "sports-fan" (first at testdata/personas.yaml:7)`,
		}},
		{file: "campaign-persona-errors.yaml", campaign: true, want: []string{
			`testdata/bad/campaign-persona-errors.yaml:7: pause: 1 has no unit (use a unit, e.g. 1s)`,
			`testdata/bad/campaign-persona-errors.yaml:8: session_timeout: must be above 0`,
			`testdata/bad/campaign-persona-errors.yaml:9: adapter_file: cannot use "testdata/bad/missing-adapter.yaml": no such file or directory`,
			`testdata/bad/weight.yaml:4: personas[0].interests.sports: weight -1 must be between 0 and 1`,
			`testdata/bad/weight.yaml:5: personas[0].interests.food: cannot parse "abc" as a number`,
			`testdata/bad/weight.yaml:7: personas[0].interests.Music: topic "Music" repeats "music" (line 6); topics are compared case-insensitively`,
		}},
		{file: "campaign-list.yaml", campaign: true, want: []string{
			`testdata/bad/campaign-list.yaml:1: expected a campaign mapping (campaign:, platform:, base_url:, ...), got a list`,
		}},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			var err error
			if tc.campaign {
				var c *Campaign
				c, err = LoadCampaign(bad + tc.file)
				if c != nil {
					t.Errorf("LoadCampaign(%q) returned a campaign along with errors", tc.file)
				}
			} else {
				var specs []Spec
				specs, err = Load(bad + tc.file)
				if specs != nil {
					t.Errorf("Load(%q) returned %d specs along with errors", tc.file, len(specs))
				}
			}
			if got := errorStrings(err); !slices.Equal(got, tc.want) {
				t.Fatalf("errors of %s:\n%s\nwant:\n%s", tc.file, strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
			}
			// The joined error's text is the messages, one a line.
			if got, want := err.Error(), strings.Join(tc.want, "\n"); got != want {
				t.Errorf("err.Error() = %q, want %q", got, want)
			}
			var e *Error
			if !errors.As(err, &e) {
				t.Errorf("errors.As(%T, *Error) = false, want true", err)
			}
		})
	}
}

// TestBadFilesCovered keeps every broken example file under test.
func TestBadFilesCovered(t *testing.T) {
	files, err := filepath.Glob("testdata/bad/*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("glob testdata/bad: %v, %d files", err, len(files))
	}
	for _, f := range files {
		var err error
		if strings.HasPrefix(filepath.Base(f), "campaign") {
			_, err = LoadCampaign(f)
		} else {
			_, err = Load(f)
		}
		if err == nil {
			t.Errorf("loading %s: got no error, want one", f)
		}
	}
}

func TestErrorString(t *testing.T) {
	tests := []struct {
		err  Error
		want string
	}{
		{Error{File: "p.yaml", Line: 12, Field: "interests.sports", Msg: "bad"}, "p.yaml:12: interests.sports: bad"},
		{Error{File: "p.yaml", Line: 3, Msg: "file is empty"}, "p.yaml:3: file is empty"},
		{Error{File: "p.yaml", Msg: "cannot read"}, "p.yaml: cannot read"},
	}
	for _, tc := range tests {
		if got := tc.err.Error(); got != tc.want {
			t.Errorf("Error() = %q, want %q", got, tc.want)
		}
	}
}

func TestErrors(t *testing.T) {
	a := &Error{File: "a", Line: 1, Msg: "x"}
	b := &Error{File: "b", Line: 2, Msg: "y"}
	err := fmt.Errorf("load: %w", errors.Join(a, errors.New("other"), errors.Join(b)))
	got := Errors(err)
	if len(got) != 2 || got[0] != a || got[1] != b {
		t.Errorf("Errors(%v) = %v, want [%v %v]", err, got, a, b)
	}
	if got := Errors(nil); got != nil {
		t.Errorf("Errors(nil) = %v, want nil", got)
	}
}

func TestSuggest(t *testing.T) {
	known := []string{"age_group", "locale", "device", "user_agent", "viewport"}
	tests := []struct {
		word, want string
	}{
		{"age_grup", "age_group"},
		{"Locale", "locale"},
		{"devise", "device"},
		{"viewprot", "viewport"},
		{"colour", ""},
		{"x", ""},
	}
	for _, tc := range tests {
		if got := suggest(tc.word, known); got != tc.want {
			t.Errorf("suggest(%q) = %q, want %q", tc.word, got, tc.want)
		}
	}
}

func TestEditDistance(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"", "", 0},
		{"abc", "", 3},
		{"kitten", "sitting", 3},
		{"足球", "足", 1},
		{"same", "same", 0},
	}
	for _, tc := range tests {
		if got := editDistance(tc.a, tc.b); got != tc.want {
			t.Errorf("editDistance(%q, %q) = %d, want %d", tc.a, tc.b, got, tc.want)
		}
	}
}

// TestLoadUnreadable checks a directory given as a persona file.
func TestLoadUnreadable(t *testing.T) {
	dir := t.TempDir()
	_, err := Load(dir)
	es := Errors(err)
	if len(es) != 1 || es[0].File != dir || es[0].Line != 1 {
		t.Fatalf("Load(dir) = %v, want one *Error for %s at line 1", err, dir)
	}
}
