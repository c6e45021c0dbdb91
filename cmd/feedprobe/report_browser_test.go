package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"github.com/feedprobe/feedprobe/analysis"
	"github.com/feedprobe/feedprobe/probe"
	"github.com/feedprobe/feedprobe/probe/feed"
	"github.com/feedprobe/feedprobe/probe/simfeed"
	"github.com/feedprobe/feedprobe/storage"
)

// a4ContentPx is the width of an A4 page's content box in CSS pixels: 210
// mm less the report's 15 mm side margins, at 96 px per inch.
const a4ContentPx = 680.0 // (210 - 2*15) mm / 25.4 * 96 = 680.3, the viewport width used

// fakeScreenshot is a small PNG, different for every n.
func fakeScreenshot(t *testing.T, n int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 64, 40))
	for x := range 64 {
		for y := range 40 {
			img.Set(x, y, color.RGBA{uint8(n * 37), uint8(x * 4), uint8(y * 6), 255})
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestReportAndNoticeInBrowser builds a case in Asia/Shanghai whose
// campaign plants an art17-off violation and keeps a screenshot per
// session, writes the report and the rectification notice in English and
// Chinese, and checks them in headless Chromium: the sections are there,
// every example finding has a picture whose bytes hash to its evidence
// row, no table is wider than an A4 page's content under print media, and
// the PDFs are valid with their Chinese text extractable.
func TestReportAndNoticeInBrowser(t *testing.T) {
	needBrowser(t)
	ctx := context.Background()
	dir := t.TempDir()
	dbPath := filepath.Join(dir, "case.db")
	db, err := storage.Open(ctx, dbPath)
	if err != nil {
		t.Fatal(err)
	}
	cfg := simfeed.DefaultConfig()
	cfg.Violations.IgnoreSwitch = true
	srv, err := simfeed.New(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	camp := puppetCampaign(t, db, srv, fmt.Sprintf(puppetArt17, "p17-case"), "")
	ev := storage.NewEvidenceStore(db, storage.EvidenceDir(dbPath))
	sessions, err := db.Sessions(ctx, camp.ID)
	if err != nil {
		t.Fatal(err)
	}
	for i, s := range sessions {
		shot := feed.Evidence{Kind: storage.EvidenceScreenshot, Reason: "end", At: s.FinishedAt, Data: fakeScreenshot(t, i)}
		if err := ev.SaveEvidence(ctx, s.ID, shot); err != nil {
			t.Fatal(err)
		}
		if err := ev.SealSession(ctx, s.ID); err != nil {
			t.Fatal(err)
		}
	}
	fr, err := db.Findings(ctx, camp, storage.Conventions{}, rand.New(rand.NewPCG(1, 0)))
	if err != nil {
		t.Fatal(err)
	}
	rowHash := map[string]bool{} // content hashes of the examples' screenshot rows
	examples := 0
	for _, f := range fr.Findings {
		for _, ex := range f.Examples {
			shot, ok, err := ev.Screenshot(ctx, camp.ID, ex.Persona, ex.Session, ex.Surface, ex.Rank)
			if err != nil || !ok {
				t.Fatalf("no screenshot for example %+v: %v", ex, err)
			}
			rowHash[shot.ContentHash] = true
			examples++
		}
	}
	if examples == 0 {
		t.Fatal("the planted campaign has no example impressions")
	}
	db.Close()
	for _, args := range [][]string{
		{"inspection", "new", "--case", "CAC-2026-017", "--platform", "simfeed", "--body", "国家互联网信息办公室", "--kind", "on-site",
			"--time-zone", "Asia/Shanghai", "--locale", "zh-CN", "--campaign", camp.Name},
		{"order", "issue", "--inspection", "CAC-2026-017", "--finding", analysis.CheckArt17Off, "--deadline", "2099-12-31", "--force"},
	} {
		if out, stderr, err := runCLI(t, append(args, "--db", dbPath)...); err != nil {
			t.Fatalf("%s: %v\n%s%s", strings.Join(args[:2], " "), err, out, stderr)
		}
	}
	write := func(name string, args ...string) string {
		t.Helper()
		out := filepath.Join(dir, name)
		if _, stderr, err := runCLI(t, append(args, "--db", dbPath, "-o", out, "--inspector", "张三", "--inspector", "Li Si", "--place", "北京")...); err != nil {
			t.Fatalf("%s: %v\n%s", name, err, stderr)
		}
		return out
	}
	// The Chinese documents print no sentence of the findings in English.
	var english []string
	for _, f := range fr.Findings {
		english = append(english, f.Question, f.Reason, f.Test, f.Effect.Name)
	}
	docs := []struct {
		path     string
		report   bool
		sections []string
		texts    []string
		absent   []string
	}{
		{write("report-en.html", "report", "--lang", "en"), true,
			[]string{"header", "methodology", "design", "findings", "charts", "limitations", "signature"},
			[]string{"Audit report", "CAC-2026-017", "Asia/Shanghai", "Holm", "permutation", "Evidence pictures", "Signatures"}, nil},
		{write("report-zh.html", "report"), true, // zh-CN: the case's locale
			[]string{"header", "methodology", "design", "findings", "charts", "limitations", "signature"},
			[]string{"算法推荐审计报告", "《互联网信息服务算法推荐管理规定》第十七条第一款", "置换检验", "证据截图", "签字",
				"art17-off（关闭个性化推荐）", "训练后的虚拟用户关闭个性化推荐后"}, english},
		{write("notice-en.html", "order", "notice", "--inspection", "CAC-2026-017", "--lang", "en"), false,
			[]string{"basis", "orders", "signature"},
			[]string{"Rectification notice", "Issuing body", "Article 17, paragraph 1", "2100-01-01 00:00:00 +08:00 (Asia/Shanghai)"}, nil},
		{write("notice-zh.html", "order", "notice", "--inspection", "CAC-2026-017"), false,
			[]string{"basis", "orders", "signature"},
			[]string{"整改通知书", "发文机关", "国家互联网信息办公室", "第十七条第一款", "整改期限", "2100-01-01 00:00:00 +08:00",
				"art17-off（关闭个性化推荐）", "训练后的虚拟用户关闭个性化推荐后"}, english},
	}

	chrome, err := probe.FindChrome()
	if err != nil {
		t.Fatal(err)
	}
	opts := append(append([]chromedp.ExecAllocatorOption{}, chromedp.DefaultExecAllocatorOptions[:]...),
		chromedp.ExecPath(chrome), chromedp.NoSandbox, chromedp.Flag("host-resolver-rules", "MAP * ~NOTFOUND , EXCLUDE 127.0.0.1"))
	alloc, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	defer cancelAlloc()
	bctx, cancelB := chromedp.NewContext(alloc)
	defer cancelB()
	if err := chromedp.Do(bctx, chromedp.Navigate("about:blank")); err != nil {
		t.Fatal(err)
	}
	for _, d := range docs {
		t.Run(filepath.Base(d.path), func(t *testing.T) {
			tctx, cancel := context.WithTimeout(bctx, 60*time.Second)
			defer cancel()
			if err := chromedp.Do(tctx, chromedp.Navigate("file://"+d.path)); err != nil {
				t.Fatal(err)
			}
			text, err := chromedp.Run(tctx, chromedp.Evaluate[string](`document.body.innerText`))
			if err != nil {
				t.Fatal(err)
			}
			for _, want := range d.texts {
				if !strings.Contains(text, want) {
					t.Errorf("page lacks %q", want)
				}
			}
			for _, s := range d.absent {
				if strings.Contains(text, s) {
					t.Errorf("Chinese page has the English %q", s)
				}
			}
			for _, id := range d.sections {
				ok, err := chromedp.Run(tctx, chromedp.Evaluate[bool](fmt.Sprintf(`document.getElementById(%q) !== null`, id)))
				if err != nil || !ok {
					t.Errorf("page lacks section #%s (%v)", id, err)
				}
			}
			if d.report {
				checkPictures(t, tctx, rowHash)
			}
			checkA4(t, tctx)
		})
	}

	// PDF through the probe's own Chromium: valid, fonts embedded, the
	// Chinese text extractable, pages numbered.
	for _, tc := range []struct {
		name  string
		args  []string
		wants []string
	}{
		{"report-zh.pdf", []string{"report", "--format", "pdf"}, []string{"算法推荐审计报告", "第十七条", "证据截图", "第 1 页"}},
		{"notice-zh.pdf", []string{"order", "notice", "--inspection", "CAC-2026-017", "--format", "pdf"}, []string{"整改通知书", "国家互联网信息办公室", "整改期限"}},
		{"notice-en.pdf", []string{"order", "notice", "--inspection", "CAC-2026-017", "--format", "pdf", "--lang", "en"}, []string{"Rectification notice", "国家互联网信息办公室", "Page 1 of"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := write(tc.name, tc.args...)
			pdf, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.HasPrefix(pdf, []byte("%PDF-")) || !bytes.Contains(pdf[max(0, len(pdf)-1024):], []byte("%%EOF")) {
				t.Fatalf("%s is not a PDF (%d bytes, starts %q)", tc.name, len(pdf), pdf[:min(len(pdf), 8)])
			}
			if _, err := exec.LookPath("pdftotext"); err != nil {
				if os.Getenv("CI") == "true" {
					t.Fatalf("CI=true but no pdftotext (scripts/setup.sh installs poppler-utils): %v", err)
				}
				t.Skipf("no pdftotext to read the PDF's text: %v", err)
			}
			out, err := exec.Command("pdftotext", "-enc", "UTF-8", path, "-").Output()
			if err != nil {
				t.Fatalf("pdftotext: %v", err)
			}
			text := strings.Join(strings.Fields(string(out)), " ")
			for _, want := range tc.wants {
				if !strings.Contains(text, want) && !strings.Contains(strings.ReplaceAll(text, " ", ""), strings.ReplaceAll(want, " ", "")) {
					t.Errorf("the PDF's text lacks %q:\n%.600s", want, text)
				}
			}
			fonts, err := exec.Command("pdffonts", path).Output()
			if err != nil {
				t.Fatalf("pdffonts: %v", err)
			}
			for _, line := range strings.Split(string(fonts), "\n")[2:] {
				if f := strings.Fields(line); len(f) >= 5 && f[len(f)-5] != "yes" {
					t.Errorf("font not embedded: %s", line)
				}
			}
		})
	}
}

// checkPictures checks that every finding with example items shows at
// least one picture, and that every picture's bytes hash to the SHA-256 it
// is labelled with, which is the content hash of one of the examples'
// screenshot rows.
func checkPictures(t *testing.T, ctx context.Context, rows map[string]bool) {
	t.Helper()
	type pic struct {
		Check string `json:"check"`
		Src   string `json:"src"`
		Hash  string `json:"hash"`
	}
	pics, err := chromedp.Run(ctx, chromedp.Evaluate[[]pic](`Array.from(document.querySelectorAll('section.finding img')).map(i => ({check: i.closest('section').dataset.check, src: i.src, hash: i.dataset.sha256}))`))
	if err != nil {
		t.Fatal(err)
	}
	withExamples, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll('section.finding')).filter(s => s.querySelector('table td.title')).map(s => s.dataset.check)`))
	if err != nil {
		t.Fatal(err)
	}
	if len(withExamples) == 0 {
		t.Fatal("no finding with example items")
	}
	shown := map[string]int{}
	for _, p := range pics {
		shown[p.Check]++
		b64, ok := strings.CutPrefix(p.Src, "data:image/png;base64,")
		if !ok {
			t.Errorf("picture of %s is not an inline PNG: %.40s", p.Check, p.Src)
			continue
		}
		data, err := base64.StdEncoding.DecodeString(b64)
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(data)
		if got := hex.EncodeToString(sum[:]); got != p.Hash || !rows[got] {
			t.Errorf("picture of %s hashes to %s, labelled %s; an evidence row: %v", p.Check, got, p.Hash, rows[got])
		}
		complete, err := chromedp.Run(ctx, chromedp.Evaluate[bool](fmt.Sprintf(`Array.from(document.images).some(i => i.dataset.sha256 === %q && i.complete && i.naturalWidth > 0)`, p.Hash)))
		if err != nil || !complete {
			t.Errorf("picture %s did not load in the page (CSP?): %v", p.Hash, err)
		}
	}
	for _, c := range withExamples {
		if shown[c] == 0 {
			t.Errorf("finding %s has examples but no picture", c)
		}
	}
}

// checkA4 lays the page out at an A4 page's content width under print
// media and checks that no table is wider: no column is cut.
func checkA4(t *testing.T, ctx context.Context) {
	t.Helper()
	if _, err := chromedp.Call(ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: "print"}); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(680, 1100)); err != nil {
		t.Fatal(err)
	}
	widths, err := chromedp.Run(ctx, chromedp.Evaluate[[]float64](`Array.from(document.querySelectorAll('table')).map(t => t.scrollWidth)`))
	if err != nil {
		t.Fatal(err)
	}
	if len(widths) == 0 {
		t.Fatal("no table in the page")
	}
	for i, w := range widths {
		if w > a4ContentPx {
			t.Errorf("table %d is %.0f px wide under print media, wider than A4's content (%.0f px)", i, w, a4ContentPx)
		}
	}
	page, err := chromedp.Run(ctx, chromedp.Evaluate[float64](`document.documentElement.scrollWidth`))
	if err != nil || page > a4ContentPx+1 {
		t.Errorf("page is %.0f px wide under print media, want at most %.0f (%v)", page, a4ContentPx, err)
	}
}
