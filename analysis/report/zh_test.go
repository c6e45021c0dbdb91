package report

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"html"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/feedprobe/feedprobe/analysis"
	"github.com/feedprobe/feedprobe/personas"
)

// TestAnalysisTextsTranslated walks every text of the analysis: each has
// its entry in the table (the Chinese; the English is the analysis's
// own), and the table has no entry for a text the analysis does not
// write.
func TestAnalysisTextsTranslated(t *testing.T) {
	for key, en := range analysis.Texts {
		m, ok := texts["a."+key]
		if !ok {
			t.Errorf("analysis text %q (%q) has no translation", key, en)
			continue
		}
		if m[English] != en {
			t.Errorf("text a.%s has English %q, want the analysis's %q", key, m[English], en)
		}
	}
	for key := range texts {
		if k, ok := strings.CutPrefix(key, "a."); ok {
			if _, ok := analysis.Texts[k]; !ok {
				t.Errorf("text %q translates %q, which the analysis does not write", key, k)
			}
		}
	}
	for _, c := range analysis.Checks() {
		if analysis.CheckName(c).IsZero() {
			t.Errorf("check %s has no name", c)
		}
	}
}

var (
	tagOrStyle = regexp.MustCompile(`(?s)<style.*?</style>|<[^>]*>`)
	wordRE     = regexp.MustCompile(`[A-Za-z][A-Za-z']{3,}`)
)

// visible is the text of an HTML document a reader sees (the SVG's text
// too), unescaped.
func visible(doc string) string {
	return html.UnescapeString(tagOrStyle.ReplaceAllString(doc, " "))
}

// englishWords are the words of the English texts (the analysis's and
// the report's) that no Chinese text keeps (such as Jaccard or
// feedprobe) and that the data does not hold.
func englishWords(data string) map[string]bool {
	keep := map[string]bool{}
	for _, w := range wordRE.FindAllString(data, -1) {
		keep[strings.ToLower(w)] = true
	}
	for _, m := range texts {
		for _, w := range wordRE.FindAllString(m[Chinese], -1) {
			keep[strings.ToLower(w)] = true
		}
	}
	out := map[string]bool{}
	for _, m := range texts {
		for _, w := range wordRE.FindAllString(verbs.ReplaceAllString(m[English], " "), -1) {
			if w = strings.ToLower(w); !keep[w] {
				out[w] = true
			}
		}
	}
	return out
}

// assertNoEnglish fails when the visible text of doc has a word of an
// English text that is not data.
func assertNoEnglish(t *testing.T, name, doc, data string) {
	t.Helper()
	words := englishWords(data)
	if len(words) < 200 {
		t.Fatalf("only %d English words to look for", len(words))
	}
	text := visible(doc)
	seen := map[string]bool{}
	for _, w := range wordRE.FindAllString(text, -1) {
		if lw := strings.ToLower(w); words[lw] && !seen[lw] {
			seen[lw] = true
			i := strings.Index(text, w)
			t.Errorf("%s: English %q left in %q", name, w, strings.TrimSpace(text[max(0, i-60):min(len(text), i+60)]))
		}
	}
}

// findingTexts is every Text of fs, with the sentence it prints.
func findingTexts(fs []analysis.Finding) []analysis.Text {
	var out []analysis.Text
	for _, f := range fs {
		out = append(out, f.QuestionText, f.ReasonText, f.TestText, f.Effect.NameText, f.Effect.UnitText, f.Effect.NoteText)
		for _, d := range f.Details {
			out = append(out, d.NameText, d.NoteText)
		}
		for _, x := range f.Examples {
			out = append(out, x.NoteText)
		}
	}
	return slices.DeleteFunc(out, analysis.Text.IsZero)
}

// TestChineseReportFindings renders Chinese reports of campaigns with
// every verdict (violation evidence, no evidence, inconclusive,
// underpowered with its minimum design, intervals over one persona) and
// every re-inspection status the pairs give, and checks that each
// sentence of the analysis is there in Chinese and that no English
// sentence is left.
func TestChineseReportFindings(t *testing.T) {
	type campaign struct {
		name         string
		tests, clean int
	}
	strong, clean, one, mixed := campaign{"strong", 5, 0}, campaign{"clean", 5, 5}, campaign{"one", 1, 0}, campaign{"mixed", 5, 1}
	verdicts, keys := map[string]bool{}, map[string]bool{}
	for _, pair := range [][2]campaign{{one, strong}, {strong, one}, {clean, strong}, {mixed, clean}, {strong, clean}, {strong, strong}} {
		cur, base := pair[0], pair[1]
		in := Input{Generated: time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC), Lang: Chinese,
			Campaign: CampaignFindings{Campaign: Campaign{ID: 2, Name: cur.name, Platform: "simfeed", BaseURL: "http://127.0.0.1:1"},
				Findings: fullFindings(cur.tests, cur.clean)},
			Baseline:   &CampaignFindings{Campaign: Campaign{ID: 1, Name: base.name}, Findings: fullFindings(base.tests, base.clean)},
			Compliance: fullCampaign(cur.tests, cur.clean), Lexicon: []string{"gambling"}}
		for _, p := range in.Compliance.Personas {
			in.Campaign.Spec.Personas = append(in.Campaign.Spec.Personas, personas.Spec{Name: p.Name, Role: p.Role, TwinOf: p.TwinOf})
		}
		in.Audit = analysis.Audit{Groups: []analysis.GroupAudit{{Dimension: "age_group", Value: "minor", Personas: 1,
			Rows: []analysis.GroupRow{{Metrics: map[string]analysis.Estimate{"harmful_per_100": {Mean: 3, Lo: 1, Hi: 5}}}}}}}
		var buf bytes.Buffer
		if err := Write(&buf, in); err != nil {
			t.Fatal(err)
		}
		doc := buf.String()
		name := cur.name + " against " + base.name
		text := visible(doc)
		for _, f := range in.Campaign.Findings {
			verdicts[f.Verdict] = true
			if f.Effect.Note != "" {
				verdicts[f.Effect.Note] = true
			}
		}
		ts := findingTexts(in.Campaign.Findings)
		for _, r := range analysis.CompareFindings(in.Baseline.Findings, in.Campaign.Findings) {
			ts = append(ts, r.ReasonText)
		}
		for _, c := range analysis.Checks() {
			ts = append(ts, analysis.CheckName(c))
		}
		for _, tx := range ts {
			keys[tx.Key] = true
			if zh := say(Chinese, tx, ""); !strings.Contains(text, zh) {
				t.Errorf("%s: lacks %q, the Chinese of %q", name, zh, tx.String())
			}
		}
		if strings.Contains(doc, "%!") {
			t.Errorf("%s: a broken format", name)
		}
		assertNoEnglish(t, name, doc, fmt.Sprint(in.Compliance, in.Campaign.Campaign, in.Baseline.Campaign, analysis.Checks(), in.Lexicon))
	}
	for _, want := range []string{analysis.VerdictViolation, analysis.VerdictClean, analysis.VerdictInconclusive, analysis.VerdictUnderpowered, analysis.NoIntervalNote} {
		if !verdicts[want] {
			t.Errorf("no finding %q among the campaigns", want)
		}
	}
	for _, want := range []string{"reason.underpowered", "reason.clean", "reason.violation", "reason.inconclusive", "note.nointerval",
		"compare.fixed", "compare.underpowered", "compare.inconclusive", "compare.clean", "example.art21", "example.art12", "detail.art18.age", "detail.art11.share"} {
		if !keys[want] {
			t.Errorf("no text %s among the campaigns", want)
		}
	}
}

// TestChineseNoticeFindings renders a Chinese notice whose orders carry
// findings read back from JSON, as stored, with re-inspection notes, and
// checks the same.
func TestChineseNoticeFindings(t *testing.T) {
	before, after := fullFindings(5, 0), fullFindings(1, 0)
	cmp := analysis.CompareFindings(before, fullFindings(5, 5))
	b, err := json.Marshal(slices.Concat(before, after))
	if err != nil {
		t.Fatal(err)
	}
	var stored []analysis.Finding
	if err := json.Unmarshal(b, &stored); err != nil {
		t.Fatal(err)
	}
	n := Notice{Inspection: Inspection{ID: 1, Case: "CAC-1", Platform: "simfeed", Body: "网信办", Kind: "on-site"},
		Generated: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), Lang: Chinese}
	notes := []string{analysis.Text{Key: "compare.nofinding", Args: []any{"art17-off"}}.String()}
	for _, r := range cmp {
		notes = append(notes, r.Reason)
	}
	for i := range stored {
		f := &stored[i]
		n.Orders = append(n.Orders, Order{ID: int64(i + 1), Campaign: "audit", CampaignID: 3, Finding: f.Check, Article: f.Article,
			Question: f.Question, Verdict: f.Verdict, Status: "not rectified", Comparison: analysis.StatusNotFixed, Evidence: f, Note: notes[i%len(notes)],
			Deadline: time.Date(2099, 12, 31, 16, 0, 0, 0, time.UTC)})
	}
	var buf bytes.Buffer
	if err := WriteNotice(&buf, n); err != nil {
		t.Fatal(err)
	}
	doc := buf.String()
	text := visible(doc)
	ts := findingTexts(stored)
	for _, note := range notes {
		tx, ok := analysis.ParseText(note)
		if !ok {
			t.Fatalf("note %q is no text of the analysis", note)
		}
		ts = append(ts, tx)
	}
	for _, tx := range ts {
		if strings.HasPrefix(tx.Key, "detail.") || strings.HasPrefix(tx.Key, "note.art") {
			continue // a notice shows no details
		}
		if zh := say(Chinese, tx, ""); !strings.Contains(text, zh) {
			t.Errorf("notice lacks %q, the Chinese of %q", zh, tx.String())
		}
	}
	if !strings.Contains(text, "未整改到位（未整改）") {
		t.Error("notice lacks the status with its comparison, 未整改到位（未整改）")
	}
	assertNoEnglish(t, "notice", doc, fmt.Sprint(fullCampaign(5, 0), n.Inspection, analysis.Checks(), "audit"))
}

// TestChineseReportEverySection renders a Chinese report with every
// section filled (case, tool, disclosures, network with a shared egress
// and echoes without an address, pictures, the measured start gap, every
// chart with its control line, a re-inspection) and checks that no
// English word is left but data.
func TestChineseReportEverySection(t *testing.T) {
	in := sampleInput()
	in.Lang, in.ZoneSet = Chinese, false
	in.Case = &Inspection{Case: "CAC-2026-001", Platform: "simfeed", Body: "网信办", Kind: "re-inspection"}
	in.Tool = Tool{Version: "v1.2.3", Revision: "0123456789abcdef", Modified: true}
	in.SpecHash, in.ChainHead, in.ChainRows = "00ff", "11ee", 42
	in.StartGap = &StartGap{Seconds: 1.5, Persona: "p1", Other: "c1", Session: 2, Pairs: 8}
	in.ClosedNetwork = true
	in.Campaign.Findings = fullFindings(5, 1)
	in.Baseline.Findings = fullFindings(5, 0)
	in.Campaign.Spec.Personas = append(in.Campaign.Spec.Personas,
		personas.Spec{Name: "c1", Role: "control", TwinOf: "p1", Traits: personas.Traits{AgeGroup: "adult", Locale: "zh-CN", Device: "mobile"}},
		personas.Spec{Name: "c2", Role: "control"}, personas.Spec{Name: "c3", Role: "control"})
	in.Egress = analysis.CheckEgress([]string{"p1", "c1", "c2", "c3"}, []analysis.EgressObservation{
		{Persona: "p1", Session: 1, IP: "127.0.0.2"}, {Persona: "p1", Session: 2}, {Persona: "c1", Session: 1, IP: "127.0.0.2"}, {Persona: "c2", Session: 1}})
	band := func(mean analysis.Num) map[string]analysis.Estimate {
		return map[string]analysis.Estimate{"reference_share": {Mean: mean, Lo: mean - 0.1, Hi: mean + 0.1},
			"evenness": {Mean: mean, Lo: mean - 0.1, Hi: mean + 0.1}}
	}
	harm := map[string]analysis.Estimate{"harmful_per_100": {Mean: 3, Lo: 1, Hi: 5}}
	rows := []analysis.GroupRow{{Metrics: harm}, {Session: 1, Metrics: band(0.5)}, {Session: 2, Metrics: band(0.6)}}
	in.Audit = analysis.Audit{Groups: []analysis.GroupAudit{
		{Dimension: "role", Value: "test", Personas: 1, Rows: rows}, {Dimension: "role", Value: "control", Personas: 3, Rows: rows},
		{Dimension: "age_group", Value: "adult", Personas: 1, Rows: rows[:1]}, {Dimension: "device", Value: "mobile", Personas: 1, Rows: rows[:1]},
		{Dimension: "locale", Value: "zh-CN", Personas: 1, Rows: rows[:1]}},
		Noise: []analysis.PersonalizationSummary{{Session: 1, Metrics: map[string]analysis.Estimate{
			"jaccard_test_control": {Mean: 0.2}, "jaccard_control_twin": {Mean: 0.6}}}}}
	ex := in.Campaign.Findings[0].Examples[0]
	in.Pictures = []Picture{{Check: in.Campaign.Findings[0].Check, Persona: ex.Persona, Session: ex.Session, Surface: ex.Surface, Rank: ex.Rank,
		Data: []byte("png"), SHA256: "abcd", At: time.Date(2026, 3, 1, 4, 0, 0, 0, time.UTC), Reason: "end"}}
	var buf bytes.Buffer
	if err := Write(&buf, in); err != nil {
		t.Fatal(err)
	}
	doc := buf.String()
	for _, want := range []string{"无（探测工具自身的地址）", "本机时区", "1 次回显中均无地址", "（1 次回显无地址）", "年龄段=adult", "设备=mobile",
		"角色=对照", "对照（n=3）", "测试与对照", "对照之间（噪声基线）", "封闭网络", "1.5 秒"} {
		if !strings.Contains(visible(doc), want) {
			t.Errorf("report lacks %q", want)
		}
	}
	data := fmt.Sprint(in.Campaign.Spec, in.Compliance, fullCampaign(5, 1), in.Disclosures, in.Case, in.Campaign.Campaign,
		in.Baseline.Campaign, in.Lexicon, analysis.Checks(), "end")
	assertNoEnglish(t, "report", doc, data)
}

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// TestEnglishFindingsGolden pins the English the CLI prints for the
// findings of every campaign above (feedprobe findings' table), and the
// re-inspection reasons: the texts moved into a table, their English must
// not move. Run go test -update after a deliberate change.
func TestEnglishFindingsGolden(t *testing.T) {
	var buf bytes.Buffer
	var all [][]analysis.Finding
	for _, c := range [][2]int{{5, 0}, {5, 5}, {1, 0}, {5, 1}} {
		fs := fullFindings(c[0], c[1])
		all = append(all, fs)
		fmt.Fprintf(&buf, "== %d test personas, %d clean\n", c[0], c[1])
		if err := analysis.WriteFindingsTable(&buf, fs); err != nil {
			t.Fatal(err)
		}
	}
	for _, a := range all {
		for _, b := range all {
			for _, r := range analysis.CompareFindings(a, b) {
				fmt.Fprintf(&buf, "%s %s: %s\n", r.Check, r.Status, r.Reason)
			}
		}
	}
	path := filepath.Join("testdata", "findings.golden.txt")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read golden file (go test -update writes it): %v", err)
	}
	if !bytes.Equal(buf.Bytes(), want) {
		t.Errorf("the findings' English differs from %s (go test -update after a deliberate change); got:\n%s", path, buf.String())
	}
}
