package personas

import (
	"os"
	"path/filepath"
	"testing"
)

// addSeeds adds every YAML file under testdata as a fuzz seed.
func addSeeds(f *testing.F) {
	f.Helper()
	files, err := filepath.Glob("testdata/*.yaml")
	if err != nil {
		f.Fatal(err)
	}
	bad, err := filepath.Glob("testdata/bad/*.yaml")
	if err != nil {
		f.Fatal(err)
	}
	for _, p := range append(files, bad...) {
		data, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte("x-a: &a [*a]\n"))
	f.Add([]byte("personas:\n  - &p {name: a, <<: *p}\n"))
}

// checkErrors asserts the loader contract: a result or errors, never both,
// and every *Error names the file and a line.
func checkErrors(t *testing.T, file string, gotResult bool, err error) {
	t.Helper()
	if gotResult == (err != nil) {
		t.Fatalf("result %v with error %v: want exactly one", gotResult, err)
	}
	if err == nil {
		return
	}
	es := Errors(err)
	if len(es) == 0 {
		t.Fatalf("error %v holds no *Error", err)
	}
	for _, e := range es {
		if e.Line < 1 || e.File != file || e.Msg == "" {
			t.Fatalf("error %#v: want file %q, line >= 1 and a message", e, file)
		}
	}
}

func FuzzParse(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		specs, err := Parse("f.yaml", data)
		checkErrors(t, "f.yaml", specs != nil, err)
		for _, s := range specs {
			if s.Name == "" || s.Interests == nil || s.Traits.UserAgent == "" || s.Traits.Viewport.Width < 1 {
				t.Fatalf("incomplete spec %+v", s)
			}
		}
	})
}

func FuzzParseCampaign(f *testing.F) {
	addSeeds(f)
	// Relative persona files resolve against testdata/bad, which has
	// weight.yaml; other names do not exist.
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := ParseCampaign("c.yaml", data, "testdata/bad")
		if err != nil {
			// Errors may name persona files too; check the line only.
			for _, e := range Errors(err) {
				if e.Line < 1 {
					t.Fatalf("error %#v: want line >= 1", e)
				}
			}
			if c != nil {
				t.Fatalf("campaign %+v with error %v", c, err)
			}
			return
		}
		checkErrors(t, "c.yaml", c != nil, err)
		if c.Hash() == "" || len(c.Personas) == 0 {
			t.Fatalf("campaign %+v: want a hash and personas", c)
		}
	})
}
