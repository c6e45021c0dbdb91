package probe

import (
	"context"
	"flag"
	"os"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

var capture = flag.Bool("capture", false, "save fresh simfeed pages into testdata/simfeed (then run -update)")

// TestCaptureSimfeedPages saves what a browser sees of simfeed, after the
// feed scrolled and the page script appended items, as the saved pages that
// TestExtractGolden reads. It runs only with -capture.
func TestCaptureSimfeedPages(t *testing.T) {
	if !*capture {
		t.Skip("run with -capture to save fresh pages")
	}
	b := needBrowser(t)
	_, base := startSimfeed(t, nil)
	tab, cancel, err := b.newTab(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer cancel()
	ctx, cancelT := context.WithTimeout(tab, time.Minute)
	defer cancelT()
	for _, page := range []struct {
		file, js string
	}{
		{"testdata/simfeed/feed-first-screen.html", ``},
		{"testdata/simfeed/feed-scrolled.html", `new Promise(r => { let n = 0; const step = () => { window.scrollTo(0, document.body.scrollHeight);
  if (++n < 4) setTimeout(step, 400); else setTimeout(r, 400); }; step(); })`},
	} {
		if err := chromedp.Do(ctx, chromedp.Navigate(base+"/")); err != nil {
			t.Fatal(err)
		}
		if page.js != "" {
			if err := chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](page.js, chromedp.EvalAwaitPromise)); err != nil {
				t.Fatal(err)
			}
		}
		html, err := chromedp.Run(ctx, chromedp.OuterHTML("html"))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(page.file, []byte(html+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
