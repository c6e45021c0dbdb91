package storage

import (
	"strings"
	"testing"
	"time"
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
