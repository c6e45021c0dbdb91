package analysis

import (
	"encoding/json"
	"math/rand/v2"
	"slices"
	"testing"
)

// sampleText is key's Text with an argument for each verb: a nested
// Text for %v, data for the rest.
func sampleText(key string) Text {
	t := Text{Key: key}
	for _, verb := range formatVerb.FindAllString(Texts[key], -1) {
		switch verb[len(verb)-1] {
		case '%':
		case 'd':
			t.Args = append(t.Args, 7)
		case 'e', 'f', 'g':
			t.Args = append(t.Args, 0.25)
		case 'v':
			t.Args = append(t.Args, text("word.control"))
		default:
			t.Args = append(t.Args, "sports, news")
		}
	}
	return t
}

// TestParseText checks that every text reads back as itself: its English
// parses to its key and prints the same, and no two keys share an
// English.
func TestParseText(t *testing.T) {
	seen := map[string]string{}
	for key := range Texts {
		s := sampleText(key).String()
		if other, ok := seen[s]; ok {
			t.Errorf("texts %q and %q print the same %q", key, other, s)
		}
		seen[s] = key
		got, ok := ParseText(s)
		if !ok || got.Key != key || got.String() != s {
			t.Errorf("ParseText(%q) = %+v, %v; want key %q printing the same", s, got, ok, key)
		}
	}
	if got, ok := ParseText("a sentence of another version"); ok || !got.IsZero() {
		t.Errorf("ParseText of an unknown sentence = %+v, %v; want the zero Text, false", got, ok)
	}
}

// TestFindingTextsJSON checks that every sentence of a finding is the
// English of its Text, and that a finding read back from JSON (as an
// order's evidence is) has the same Texts, printing the same.
func TestFindingTextsJSON(t *testing.T) {
	in := art17Campaign("sssssooooo")
	in.Experiments = Checks()
	in.Personas[0].Sessions[1].MinorMode = true
	var fs []Finding
	for _, n := range []int{1, 7} {
		sub := in
		sub.Personas = slices.Concat(in.Personas[:n], in.Personas[5:])
		fs = append(fs, Compliance(sub, ComplianceOptions{}, rand.New(rand.NewPCG(1, 2)))...)
	}
	if len(fs) < 6 {
		t.Fatalf("%d findings, want at least art17-off and art18-minors twice", len(fs))
	}
	b, err := json.Marshal(fs)
	if err != nil {
		t.Fatal(err)
	}
	var back []Finding
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	pairs := func(f Finding) [][2]any {
		out := [][2]any{{f.Question, f.QuestionText}, {f.Reason, f.ReasonText}, {f.Test, f.TestText},
			{f.Effect.Name, f.Effect.NameText}, {f.Effect.Unit, f.Effect.UnitText}, {f.Effect.Note, f.Effect.NoteText}}
		for _, d := range f.Details {
			out = append(out, [2]any{d.Name, d.NameText}, [2]any{d.Note, d.NoteText})
		}
		for _, x := range f.Examples {
			out = append(out, [2]any{x.Note, x.NoteText})
		}
		return out
	}
	for i, f := range fs {
		got, want := pairs(back[i]), pairs(f)
		for j := range want {
			s, tx := want[j][0].(string), want[j][1].(Text)
			if tx.String() != s || (s != "" && tx.IsZero()) {
				t.Errorf("%s: sentence %q has Text %+v printing %q", f.Check, s, tx, tx.String())
			}
			if b := got[j][1].(Text); b.Key != tx.Key || b.String() != s {
				t.Errorf("%s: %q read back from JSON as %+v", f.Check, s, b)
			}
		}
	}
}
