package report

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/feedprobe/feedprobe/analysis"
)

var verbs = regexp.MustCompile(`%[-+# 0]*[0-9.]*[a-zA-Z%]`)

// TestTextsComplete checks that every fixed text exists in every
// language, with the same format verbs in the same order, and that every
// key the templates use is in the table.
func TestTextsComplete(t *testing.T) {
	for key, m := range texts {
		for _, lang := range Langs {
			s, ok := m[lang]
			if !ok || (strings.TrimSpace(s) == "" && key != "pagesuffix") {
				t.Errorf("text %q has no %s", key, lang)
				continue
			}
			if got, want := verbs.FindAllString(s, -1), verbs.FindAllString(m[English], -1); strings.Join(got, " ") != strings.Join(want, " ") {
				t.Errorf("text %q in %s has verbs %v, want English's %v", key, lang, got, want)
			}
		}
		if len(m) != len(Langs) {
			t.Errorf("text %q has %d languages, want %d", key, len(m), len(Langs))
		}
	}
	used := regexp.MustCompile(`\(?t "([^"]+)"`)
	err := fs.WalkDir(templates, "templates", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(templates, path)
		if err != nil {
			return err
		}
		for _, m := range used.FindAllStringSubmatch(string(b), -1) {
			if _, ok := texts[m[1]]; !ok {
				t.Errorf("%s uses text %q, which the table lacks", path, m[1])
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// Every verdict, status and kind a document prints has its value text.
	for _, v := range []string{analysis.VerdictViolation, analysis.VerdictClean, analysis.VerdictInconclusive, analysis.VerdictUnderpowered,
		analysis.StatusFixed, analysis.StatusNotFixed, analysis.StatusWorse, analysis.StatusClean, analysis.StatusNotComparable,
		"open", "reinspecting", "rectified", "not rectified", "inconclusive", "self-inspection", "on-site", "re-inspection"} {
		if _, ok := texts["v."+v]; !ok {
			t.Errorf("value %q has no text", v)
		}
	}
}

func TestArticleName(t *testing.T) {
	for _, tc := range []struct {
		ref  string
		lang Lang
		want string
	}{
		{"AR 11", Chinese, "《互联网信息服务算法推荐管理规定》第十一条"},
		{"AR 17(1); DSA 38", Chinese, "《互联网信息服务算法推荐管理规定》第十七条第一款；欧盟《数字服务法》第38条"},
		{"AR 21", Chinese, "《互联网信息服务算法推荐管理规定》第二十一条"},
		{"AR 17(2)", English, "Internet Information Service Algorithmic Recommendation Management Provisions, Article 17, paragraph 2"},
		{"something else", Chinese, "something else"},
	} {
		if got := ArticleName(tc.ref, tc.lang); got != tc.want {
			t.Errorf("ArticleName(%q, %s) = %q, want %q", tc.ref, tc.lang, got, tc.want)
		}
	}
}

func TestParseLang(t *testing.T) {
	for in, want := range map[string]Lang{"": English, "en": English, "zh-CN": Chinese, "zh_cn": Chinese, "zh": Chinese} {
		if got, err := ParseLang(in); err != nil || got != want {
			t.Errorf("ParseLang(%q) = %q, %v, want %q", in, got, err, want)
		}
	}
	if _, err := ParseLang("fr"); err == nil {
		t.Error("ParseLang(fr) = nil error, want one")
	}
}

// TestWriteChineseZonePictures renders the report in Chinese for a case in
// Asia/Shanghai, with a picture for the finding's example.
func TestWriteChineseZonePictures(t *testing.T) {
	shanghai, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	in := sampleInput()
	in.Lang, in.Location, in.ZoneSet = Chinese, shanghai, true
	in.Generated = time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
	in.Case = &Inspection{Case: "CAC-2026-001", Platform: "simfeed", Body: "网信办", Kind: "on-site"}
	in.Tool = Tool{Version: "v1.2.3", Revision: "0123456789abcdef", Modified: true}
	in.SpecHash, in.ChainHead, in.ChainRows = "spec-hash", "head-hash", 42
	in.Signature = Signature{Inspectors: []string{"张三"}, Place: "北京"}
	png := []byte("\x89PNG\r\n\x1a\nnot really")
	sum := sha256.Sum256(png)
	ex := in.Campaign.Findings[0].Examples[0]
	in.Pictures = []Picture{{Check: in.Campaign.Findings[0].Check, Persona: ex.Persona, Session: ex.Session, Surface: ex.Surface, Rank: ex.Rank,
		Data: png, SHA256: hex.EncodeToString(sum[:]), At: time.Date(2026, 3, 1, 4, 0, 0, 0, time.UTC), Reason: "scroll 5"}}
	var buf bytes.Buffer
	if err := Write(&buf, in); err != nil {
		t.Fatal(err)
	}
	html := buf.String()
	for _, want := range []string{
		`<html lang="zh-CN">`,
		"算法推荐审计报告",
		"<td>CAC-2026-001</td>",
		"<td>现场检查</td>",
		"feedprobe v1.2.3",
		"<code>0123456789abcdef</code> (由有改动的工作区构建)",
		"head-hash", "spec-hash", "共 42 行",
		"2026-03-02 08:00:00 &#43;08:00 (时间均为案件时区 Asia/Shanghai)",
		"《互联网信息服务算法推荐管理规定》第十七条第一款",
		"未发现证据",
		"截图时间 2026-03-01 12:00:00 &#43;08:00（scroll 5）",
		`data-sha256="` + hex.EncodeToString(sum[:]) + `"`,
		`src="data:image/png;base64,`,
		"<td>张三</td>", "<td>北京</td>",
		"置换检验", "Holm", "人工标注 &gt; 导入标注 &gt; 真值（模拟平台） &gt; 标题词表 &gt; 平台自身标签（适配器）",
	} {
		if !strings.Contains(html, want) {
			t.Errorf("Chinese report lacks %q", want)
		}
	}
	if strings.Contains(html, "%!") {
		t.Errorf("report has a broken format: %s", html[strings.Index(html, "%!")-40:strings.Index(html, "%!")+20])
	}
	for _, english := range []string{"Findings", "Limitations", "Methodology", "Signatures"} {
		if strings.Contains(html, ">"+english+"<") {
			t.Errorf("Chinese report has the English heading %q", english)
		}
	}
	// Without the picture the example says no screenshot was kept.
	in.Pictures = nil
	buf.Reset()
	if err := Write(&buf, in); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), "p1 第 2 次会话未保存截图") {
		t.Error("report without a picture does not say none was kept")
	}
}

func TestWriteNoticeChinese(t *testing.T) {
	shanghai, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	f := finding(analysis.CheckArt17Off, analysis.VerdictViolation, 0.8)
	f.Article = "AR 17(1); DSA 38"
	n := Notice{
		Inspection: Inspection{ID: 1, Case: "CAC-1", Platform: "simfeed", Body: "国家互联网信息办公室", Kind: "on-site"},
		Orders: []Order{{ID: 7, Campaign: "audit-1", CampaignID: 3, Finding: f.Check, Article: f.Article, Verdict: f.Verdict,
			Deadline: time.Date(2099, 12, 31, 16, 0, 0, 0, time.UTC), Status: "open", Evidence: &f}},
		Generated: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), Lang: Chinese, Location: shanghai,
	}
	var buf bytes.Buffer
	if err := WriteNotice(&buf, n); err != nil {
		t.Fatal(err)
	}
	html := buf.String()
	for _, want := range []string{
		"<h1>整改通知书</h1>",
		"<tr><th>发文机关</th><td>国家互联网信息办公室</td></tr>",
		"依据《互联网信息服务算法推荐管理规定》",
		"<li>《互联网信息服务算法推荐管理规定》第十七条第一款</li>",
		"<li>欧盟《数字服务法》第38条</li>",
		// The deadline, 16:00 UTC, is midnight in Shanghai.
		`<td class="deadline">2100-01-01 00:00:00 &#43;08:00 (Asia/Shanghai)</td>`,
		"整改中", "存在违规证据",
		"发文机关（盖章）", "平台签收",
	} {
		if !strings.Contains(html, want) {
			t.Errorf("Chinese notice lacks %q", want)
		}
	}
}
