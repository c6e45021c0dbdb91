package storage

import (
	"encoding/json"
	"maps"
	"strings"
	"testing"
	"time"

	"github.com/feedprobe/feedprobe/personas"
)

func TestParseImportCSV(t *testing.T) {
	data := "user,visit,video_id,caption,group,seen,is_gambling\n" +
		"fan,1,v1,Casino,test,1772366400,1\n" +
		"fan,1,v2,Calm,test,1772366401000,\n" +
		"ctl,1,v1,Casino,control,2026-03-01T12:00:00Z,1\n"
	im, err := ParseImportCSV("a.csv", []byte(data), CSVImport{Campaign: "ext", Platform: "tiktok",
		Map: []string{"persona=user", "step=visit", "item_id=video_id", "title=caption", "role=group", "seen_at=seen", "label.gambling=is_gambling"}})
	if err != nil {
		t.Fatal(err)
	}
	if im.Campaign.Name != "ext" || im.Campaign.Platform != "tiktok" || im.Campaign.BaseURL != "import:a.csv" {
		t.Errorf("campaign = %+v", im.Campaign)
	}
	if len(im.Personas) != 2 || im.Personas[0].Name != "fan" || im.Personas[1].Role != "control" {
		t.Errorf("personas = %+v, want fan (test) and ctl (control)", im.Personas)
	}
	if len(im.Impressions) != 3 || im.Impressions[1].Rank != 2 || im.Impressions[1].Surface != "feed" {
		t.Fatalf("impressions = %+v, want 3 with ranks from the row order on feed", im.Impressions)
	}
	want := time.Date(2026, 3, 1, 12, 0, 1, 0, time.UTC)
	if !im.Impressions[1].SeenAt.Equal(want) || !im.Impressions[0].SeenAt.Equal(want.Add(-time.Second)) {
		t.Errorf("seen_at = %v, %v, want %v and a second before", im.Impressions[0].SeenAt, im.Impressions[1].SeenAt, want)
	}
	if len(im.Labels) != 1 || im.Labels[0].ItemID != "v1" || im.Labels[0].Source != "import:ext" || im.Labels[0].Platform != "tiktok" {
		t.Errorf("labels = %+v, want v1 gambling from import:ext", im.Labels)
	}
}

// TestParseImportCSVDesign: role, twin_of, arm, persona_group, interests
// and traits become the persona specs; unknown columns are a warning.
func TestParseImportCSVDesign(t *testing.T) {
	data := "persona,session,item_id,role,twin_of,arm,persona_group,interests,age_group,locale,device,colour\n" +
		"teen,1,a,test,,,g1,gaming:1;finance:0.5,minor,de-DE,mobile,red\n" +
		"teen.twin1,1,a,twin,teen,,,,minor,de-DE,mobile,red\n" +
		"blank,1,b,control,,,g1,,adult,,,red\n" +
		"adult,1,c,test,,,g2,sports,adult,,,red\n" +
		"adult-ctl,1,c,control,,adult,,,adult,,,red\n"
	im, err := ParseImportCSV("d.csv", []byte(data), CSVImport{Campaign: "d", Platform: "p"})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]personas.Spec{}
	for _, p := range im.Personas {
		var s personas.Spec
		if err := json.Unmarshal(p.Spec, &s); err != nil {
			t.Fatal(err)
		}
		if s.Role != p.Role {
			t.Errorf("%s: spec role %q, row role %q", p.Name, s.Role, p.Role)
		}
		got[p.Name] = s
	}
	for _, tc := range []struct {
		name, role, twinOf, arm, age, locale, device string
		interests                                    map[string]float64
	}{
		{"teen", "test", "", "", "minor", "de-DE", "mobile", map[string]float64{"gaming": 1, "finance": 0.5}},
		{"teen.twin1", "control", "teen", "", "minor", "de-DE", "mobile", map[string]float64{}},
		{"blank", "control", "", "teen", "adult", "", "", map[string]float64{}},
		{"adult", "test", "", "", "adult", "", "", map[string]float64{"sports": 1}},
		{"adult-ctl", "control", "", "adult", "adult", "", "", map[string]float64{}},
	} {
		s := got[tc.name]
		if s.Role != tc.role || s.TwinOf != tc.twinOf || s.Arm != tc.arm || s.Traits.AgeGroup != tc.age || s.Traits.Locale != tc.locale ||
			s.Traits.Device != tc.device || !maps.Equal(s.Interests, tc.interests) {
			t.Errorf("%s = role %q twin_of %q arm %q traits %+v interests %v, want %+v", tc.name, s.Role, s.TwinOf, s.Arm, s.Traits, s.Interests, tc)
		}
	}
	if len(im.Warnings) != 1 || !strings.Contains(im.Warnings[0], `column(s) "colour" ignored`) {
		t.Errorf("warnings = %q, want the colour column named", im.Warnings)
	}
}

func TestParseImportCSVProblems(t *testing.T) {
	for _, tc := range []struct {
		name, data string
		maps       []string
		want       []string
	}{
		{"unknown field", "persona,session,item_id\n", []string{"colour=c"}, []string{`--map "colour=c": unknown field "colour"`}},
		{"missing column", "persona,item_id\np,i\n", nil, []string{`a.csv:1: header: no column "step" for session`}},
		{"bad rows", "persona,session,item_id,rank,role\np,0,i,1,test\np,1,,x,boss\np,1,i,1,test\np,1,j,1,test\n", nil,
			[]string{`a.csv:2: session: "0"`, "a.csv:3: item_id: empty", `a.csv:3: rank: "x"`, `a.csv:3: role: "boss"`, `a.csv:5: persona "p" session 1 rank 1 on feed is also at line 4`}},
		{"duplicate header", "persona,session,item_id,title,title,x,x\n", nil, []string{`a.csv:1: header: duplicate column(s) "title", "x"`}},
		{"times out of range", "persona,session,item_id,seen_at\np,1,i,253402300800000\np,1,j,-1\np,1,k,1969-12-31T23:59:59Z\np,1,l,1772366400\n", nil,
			[]string{`a.csv:2: seen_at: "253402300800000" is 10000-01-01`, "want a time from 1970 to the year 9999", `a.csv:3: seen_at: "-1"`, `a.csv:4: seen_at: "1969-12-31T23:59:59Z"`}},
		{"design", "persona,session,item_id,role,twin_of,arm,persona_group,interests\n" +
			"t,1,i,test,,,g,sports:1\nw,1,i,twin,,,,\nx,1,i,twin,nobody,,,\nc,1,i,control,,,h,\nt,2,i,control,,,g,\nz,1,i,test,,,,sports:2\n", nil,
			[]string{`a.csv:7: interests: "sports:2": weight "2"`, `a.csv:6: role: persona "t" has role "control" here but "test" at line 2`}},
		{"design refs", "persona,session,item_id,role,twin_of,arm,persona_group\n" +
			"t,1,i,test,,,g\nw,1,i,twin,,,\nx,1,i,twin,nobody,,\nc,1,i,control,,,h\nu,1,i,test,,,g\nd,1,i,control,,,g\ny,1,i,test,,t,\n", nil,
			[]string{`a.csv:3: twin_of: persona "w": a twin names the test persona`, `a.csv:4: twin_of: persona "x": "nobody" is not a test persona`,
				`a.csv:5: persona_group: persona "c": group "h" has no test persona`, `a.csv:7: persona_group: persona "d": group "g" has 2 test personas (t, u)`,
				`a.csv:8: role: persona "y": a test persona has no twin_of or arm`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseImportCSV("a.csv", []byte(tc.data), CSVImport{Campaign: "c", Platform: "p", Map: tc.maps})
			if err == nil {
				t.Fatal("ParseImportCSV = nil error, want problems")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
}
