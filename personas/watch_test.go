package personas

import (
	"slices"
	"testing"
	"time"
)

func TestParseWatchList(t *testing.T) {
	const file = `personas:
  - name: trainee
    watch:
      - {item: it-00042, time: 20s}
      - {url: /item/it-00043, time: end}
    phases:
      - sessions: 2
      - sessions: 1
        watch:
          - {item: it-00007, time: 1m}
`
	specs, err := Parse("p.yaml", []byte(file))
	if err != nil {
		t.Fatal(err)
	}
	s := specs[0]
	want := []Watch{{Item: "it-00042", Time: 20 * time.Second}, {URL: "/item/it-00043", ToEnd: true}}
	if !slices.Equal(s.ForSession(1).Watch, want) {
		t.Errorf("session 1 watch = %+v, want %+v", s.ForSession(1).Watch, want)
	}
	if got := s.ForSession(3).Watch; !slices.Equal(got, []Watch{{Item: "it-00007", Time: time.Minute}}) {
		t.Errorf("session 3 (second phase) watch = %+v, want it-00007 for 1m", got)
	}
}

func TestWatchListErrors(t *testing.T) {
	const file = `personas:
  - name: bad
    watch:
      - {time: 5s}
      - {item: it-1, url: /x, time: 5s}
      - {item: "a b", time: 5s}
      - {item: it-2, time: forever}
      - {item: it-3, time: 2h}
      - {item: it-4}
`
	_, err := Parse("w.yaml", []byte(file))
	want := []string{
		`w.yaml:4: personas[0].watch[0]: give the url or the item id to watch`,
		`w.yaml:5: personas[0].watch[1]: give either url or item, not both`,
		`w.yaml:6: personas[0].watch[2].item: "a b" is not an item id (letters, digits and ._:~-)`,
		`w.yaml:7: personas[0].watch[3].time: cannot parse "forever" as a duration (use a unit, e.g. 500ms, 2s, 1m30s)`,
		`w.yaml:8: personas[0].watch[4].time: 2h must be above 0 and at most 1h0m0s (or end)`,
		`w.yaml:9: personas[0].watch[5].time: required field is missing; give a duration such as 30s, or end`,
	}
	if got := errorStrings(err); !slices.Equal(got, want) {
		t.Errorf("errors:\n%q\nwant:\n%q", got, want)
	}
}

func TestParseSearchList(t *testing.T) {
	specs, err := Parse("s.yaml", []byte(`personas:
  - name: seeker
    search:
      - {query: " vaccine risks "}
      - {query: moon landing hoax, open: 0}
`))
	if err != nil {
		t.Fatal(err)
	}
	want := []Search{{Query: "vaccine risks", Open: 3}, {Query: "moon landing hoax", Open: 0}}
	if !slices.Equal(specs[0].Search, want) {
		t.Errorf("search = %+v, want %+v", specs[0].Search, want)
	}
	_, err = Parse("s.yaml", []byte(`personas:
  - name: bad
    search:
      - {open: 2}
      - {query: "  ", open: 99}
`))
	wantErr := []string{
		`s.yaml:4: personas[0].search[0].query: required field is missing`,
		`s.yaml:5: personas[0].search[1].query: a query has 1 to 200 bytes`,
		`s.yaml:5: personas[0].search[1].open: 99 results is more than 50`,
	}
	if got := errorStrings(err); !slices.Equal(got, wantErr) {
		t.Errorf("errors:\n%q\nwant:\n%q", got, wantErr)
	}
}

func TestParseFollowAndNotInterested(t *testing.T) {
	specs, err := Parse("b.yaml", []byte(`personas:
  - name: picky
    behaviour:
      follow: {base: 0.1, match: 0.5}
      not_interested: {base: 0.05, mismatch: 0.6}
  - name: plain
`))
	if err != nil {
		t.Fatal(err)
	}
	b := specs[0].Behaviour
	if b.Follow != (Prob{Base: 0.1, Match: 0.5}) || b.NotInterested != (Aversion{Base: 0.05, Mismatch: 0.6}) {
		t.Errorf("behaviour = %+v", b)
	}
	if got := b.NotInterested.P(0); got != 0.65 {
		t.Errorf("P(not interested | no match) = %v, want 0.65", got)
	}
	if got := b.NotInterested.P(1); got != 0.05 {
		t.Errorf("P(not interested | full match) = %v, want 0.05", got)
	}
	if specs[1].Behaviour.Follow != (Prob{}) || specs[1].Behaviour.NotInterested != (Aversion{}) {
		t.Errorf("a plain persona follows or presses not interested: %+v", specs[1].Behaviour)
	}
	_, err = Parse("b.yaml", []byte(`personas:
  - name: bad
    behaviour:
      not_interested: {base: 2, dislike: 1}
`))
	want := []string{
		`b.yaml:4: personas[0].behaviour.not_interested.dislike: unknown field (expected one of: base, mismatch)`,
		`b.yaml:4: personas[0].behaviour.not_interested.base: probability 2 must be between 0 and 1`,
	}
	if got := errorStrings(err); !slices.Equal(got, want) {
		t.Errorf("errors:\n%q\nwant:\n%q", got, want)
	}
}
