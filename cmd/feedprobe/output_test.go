package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"testing"
	"time"

	"github.com/feedprobe/feedprobe/storage"
)

// TestDocumentOutputSafety runs report and order notice (and the old name
// finding notice) with -o at the database they read, at another database
// and at an existing file: the databases survive byte for byte, the file
// only falls with --force.
func TestDocumentOutputSafety(t *testing.T) {
	dir := t.TempDir()
	dbPath := filepath.Join(dir, "a.db")
	ctx := context.Background()
	db, err := storage.Open(ctx, dbPath)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.CreateInspection(ctx, storage.Inspection{Case: "C-1", Platform: "p", Body: "b", Kind: storage.KindOnSite}); err != nil {
		t.Fatal(err)
	}
	db.Close()
	other := filepath.Join(dir, "b.db")
	if db2, err := storage.Open(ctx, other); err != nil {
		t.Fatal(err)
	} else {
		db2.Close()
	}
	before, err := os.ReadFile(dbPath)
	if err != nil {
		t.Fatal(err)
	}
	existing := filepath.Join(dir, "notice.html")
	for _, cmd := range [][]string{{"order", "notice", "--inspection", "C-1"}, {"finding", "notice", "--inspection", "C-1"}, {"report"}} {
		name := strings.Join(cmd[:len(cmd)-min(len(cmd)-1, 2)], " ")
		t.Run(name, func(t *testing.T) {
			for _, target := range []string{dbPath, other} {
				_, _, err := runCLI(t, append(cmd, "--db", dbPath, "-o", target, "--force")...)
				if err == nil || !strings.Contains(err.Error(), "refused even with --force") {
					t.Errorf("%s -o %s --force = %v, want refused", name, filepath.Base(target), err)
				}
			}
			after, err := os.ReadFile(dbPath)
			if err != nil || string(after) != string(before) {
				t.Fatalf("%s changed the database it reads", name)
			}
			if err := os.WriteFile(existing, []byte("keep"), 0o644); err != nil {
				t.Fatal(err)
			}
			if _, _, err := runCLI(t, append(cmd, "--db", dbPath, "-o", existing)...); !errors.Is(err, storage.ErrOverwrite) {
				t.Errorf("%s -o existing = %v, want storage.ErrOverwrite", name, err)
			}
			if b, _ := os.ReadFile(existing); string(b) != "keep" {
				t.Errorf("%s overwrote an existing file without --force", name)
			}
		})
	}
	// The notice overwrites an existing file with --force.
	if _, _, err := runCLI(t, "order", "notice", "--inspection", "C-1", "--db", dbPath, "-o", existing, "--force"); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(existing); !strings.Contains(string(b), "Rectification notice") {
		t.Errorf("order notice --force wrote %.80q, want the notice", b)
	}
}

func TestToolInfo(t *testing.T) {
	oldV, oldR, oldM := version, revision, modified
	t.Cleanup(func() { version, revision, modified = oldV, oldR, oldM })
	version, revision, modified = "v9.9.9", "0123abcd", "true"
	got := toolInfo()
	vcs := false
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			vcs = vcs || s.Key == "vcs.revision"
		}
	}
	if got.Version != "v9.9.9" || !vcs && (got.Revision != "0123abcd" || !got.Modified) {
		t.Errorf("toolInfo() = %+v, want version v9.9.9 and the stamped revision 0123abcd, modified", got)
	}
}

// TestWriteJSONSameBytes checks that writeJSON writes what json.Encoder
// writes with SetIndent("", "  "), for a real analysis written a field at a
// time (by value and by pointer) and for the values it leaves to the
// encoder.
func TestWriteJSONSameBytes(t *testing.T) {
	ctx := context.Background()
	path := mustDataDB(t, "one <b>&</b> story", "two", "三")
	db, err := storage.OpenReadOnly(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	camp, err := db.FindCampaign(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	rep, err := db.Analyze(ctx, camp, storage.Conventions{}, rand.New(rand.NewPCG(1, 0)))
	if err != nil {
		t.Fatal(err)
	}
	type tagged struct {
		A int    `json:"a,omitempty"`
		B string `json:"b"`
	}
	type untagged struct{ A, B int }
	type withHidden struct {
		A      []string `json:"a"`
		hidden int
		M      map[string]int `json:"m"`
	}
	type empty struct{}
	type long struct {
		Stamps []stampJSON  `json:"stamps"`
		Ptrs   []*stampJSON `json:"ptrs"`
		Bytes  []byte       `json:"bytes"`
		Ints   []int        `json:"ints"`
		Own    ownSlice     `json:"own"`
		Nested []withHidden `json:"nested"`
		Short  []int        `json:"short"`
		Empty  []int        `json:"empty"`
	}
	var lv long
	for i := range 3*slicePartElems + 5 {
		lv.Stamps = append(lv.Stamps, stampJSON{i})
		if i%7 == 0 {
			lv.Ptrs = append(lv.Ptrs, nil)
		} else {
			lv.Ptrs = append(lv.Ptrs, &stampJSON{i})
		}
		lv.Bytes = append(lv.Bytes, byte(i))
		lv.Ints = append(lv.Ints, i*i)
		lv.Own = append(lv.Own, i)
		lv.Nested = append(lv.Nested, withHidden{A: []string{fmt.Sprint(i)}, M: map[string]int{"k": i}})
	}
	lv.Short, lv.Empty = []int{1, 2}, []int{}
	values := []struct {
		name  string
		v     any
		split bool
	}{
		{"analysis", rep, true},
		{"*analysis", &rep, true},
		{"long slices", lv, true},
		{"*long slices", &lv, true},
		{"a long slice alone", lv.Nested, false},
		{"unexported field", withHidden{A: []string{"<x>"}, hidden: 1, M: map[string]int{"b": 2, "a": 1}}, true},
		{"omitempty", tagged{B: "x"}, false},
		{"untagged", untagged{1, 2}, false},
		{"empty struct", empty{}, false},
		{"map", map[string]int{"z": 1, "a": 2}, false},
		{"nil pointer", (*withHidden)(nil), false},
		{"time (a MarshalJSON of its own)", time.Date(2026, 12, 3, 0, 0, 0, 0, time.UTC), false},
	}
	for _, tc := range values {
		t.Run(tc.name, func(t *testing.T) {
			if _, _, split := plainFields(tc.v); split != tc.split && tc.name != "a long slice alone" {
				t.Errorf("written a field at a time: %v, want %v", split, tc.split)
			}
			var want, got bytes.Buffer
			enc := json.NewEncoder(&want)
			enc.SetIndent("", "  ")
			if err := enc.Encode(tc.v); err != nil {
				t.Fatal(err)
			}
			if err := writeJSON(&got, tc.v); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got.Bytes(), want.Bytes()) {
				t.Errorf("writeJSON wrote %d bytes:\n%.400s\nwant %d:\n%.400s", got.Len(), got.String(), want.Len(), want.String())
			}
		})
	}
	// The summary and the audit are split into their fields too.
	var ps []jsonPiece
	layoutJSON(rep, "", 3, &ps)
	names, _, _ := plainFields(rep)
	var marshalled int
	for _, p := range ps {
		if len(p.vs) > 0 {
			marshalled++
		}
	}
	if marshalled <= len(names)+5 {
		t.Errorf("the analysis is marshalled in %d pieces for its %d fields: its summary and audit were not split", marshalled, len(names))
	}
	if len(mustMarshal(t, rep)) < 2000 {
		t.Errorf("the analysis is only %d bytes of JSON: too small to show the fields written apart", len(mustMarshal(t, rep)))
	}
}

// stampJSON has a MarshalJSON on its pointer: encoding/json calls it on
// addressable values only (slice elements, fields reached by pointer).
type stampJSON struct{ n int }

func (s *stampJSON) MarshalJSON() ([]byte, error) {
	return []byte(fmt.Sprintf(`{"stamp":%d}`, s.n)), nil
}

// ownSlice marshals itself.
type ownSlice []int

func (o ownSlice) MarshalJSON() ([]byte, error) { return []byte(fmt.Sprintf(`"%d ints"`, len(o))), nil }

func mustMarshal(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
