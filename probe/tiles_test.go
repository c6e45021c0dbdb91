package probe

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/png"
	"slices"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/chromedp"
)

func TestTileMemoryFor(t *testing.T) {
	tests := []struct {
		name          string
		width, height int
		want          int
	}{
		// 5 columns x (4+1) rows of 256 KiB tiles = 6.25 MiB.
		{"default persona viewport", 1280, 900, 7},
		{"exactly one tile", 256, 256, 1},
		{"one pixel more than a tile", 257, 257, 2},
		{"phone", 412, 915, 3},
		{"full HD", 1920, 1080, 12},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := TileMemoryFor(tc.width, tc.height); got != tc.want {
				t.Errorf("TileMemoryFor(%d, %d) = %d, want %d", tc.width, tc.height, got, tc.want)
			}
		})
	}
	if got := TileMemoryFor(1280, 900); got > DefaultTileMemoryMB {
		t.Errorf("TileMemoryFor(1280, 900) = %d, more than DefaultTileMemoryMB %d: the default persona would get blank screenshots", got, DefaultTileMemoryMB)
	}
}

// TestTileMemoryFlag launches browsers with each kind of TileMemoryMB and
// reads the switch back from the running browser's command line.
func TestTileMemoryFlag(t *testing.T) {
	needBrowser(t)
	tests := []struct {
		name string
		mb   int
		want string // "" means no switch
	}{
		{"zero is the default", 0, fmt.Sprintf("--force-gpu-mem-available-mb=%d", DefaultTileMemoryMB)},
		{"explicit", 12, "--force-gpu-mem-available-mb=12"},
		{"negative leaves Chromium's own", -1, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b, err := Launch(context.Background(), BrowserOptions{ClosedNetwork: true, TileMemoryMB: tc.mb})
			if err != nil {
				t.Fatal(err)
			}
			defer b.Close()
			ctx, cancel := context.WithTimeout(b.ctx, 10*time.Second)
			defer cancel()
			res, err := chromedp.CallBrowser(ctx, browser.GetBrowserCommandLine, cdp.Empty{})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, a := range res.Arguments {
				if len(a) > 29 && a[:29] == "--force-gpu-mem-available-mb=" {
					got = append(got, a)
				}
			}
			var want []string
			if tc.want != "" {
				want = []string{tc.want}
			}
			if !slices.Equal(got, want) {
				t.Errorf("TileMemoryMB %d: command line has %q, want %q", tc.mb, got, want)
			}
		})
	}
}

// paintedBands scrolls a simfeed tab to the middle of a long feed, takes a
// screenshot and reports, per band of 64 rows, whether the band holds a
// card's white pixel: simfeed's cards are white on a grey page, and a
// tile left unrastered shows the grey background only.
func paintedBands(t *testing.T, b *Browser, base string) []bool {
	t.Helper()
	tab, closeTab, err := b.newTab(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer closeTab()
	ctx, cancel := context.WithTimeout(tab, 90*time.Second)
	defer cancel()
	if _, err := chromedp.Run(ctx, chromedp.EmulateViewport(1280, 900)); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Run(ctx, chromedp.Navigate(base+"/")); err != nil {
		t.Fatal(err)
	}
	// What the check needs is a feed several viewports tall, so that the
	// middle of it is cards above and below: scroll until it is (or holds
	// 40 items), with a deadline, not a count of tries, for loaded machines.
	n, err := chromedp.Run(ctx, chromedp.Evaluate[float64](`(async () => {
  const frame = () => new Promise(r => requestAnimationFrame(r));
  const count = () => document.querySelectorAll('article.fp-item').length;
  const tall = () => document.body.scrollHeight / window.innerHeight;
  const end = Date.now() + 60000;
  while (count() < 40 && tall() < 4 && Date.now() < end) {
    window.scrollTo(0, document.body.scrollHeight);
    await new Promise(r => setTimeout(r, 50));
    await frame(); await frame();
  }
  // Jump (no smooth scroll) to the middle, off any tile edge.
  window.scrollTo(0, Math.floor(document.body.scrollHeight / 2) + 97);
  for (let i = 0; i < 10; i++) await frame();
  return tall();
})()`, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatal(err)
	}
	if n < 3 {
		t.Fatalf("the feed is only %.1f viewports tall", n)
	}
	shot, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(shot))
	if err != nil {
		t.Fatal(err)
	}
	r := img.Bounds()
	var bands []bool
	for y0 := r.Min.Y; y0+64 <= r.Max.Y; y0 += 64 {
		bands = append(bands, hasWhite(img, image.Rect(r.Min.X, y0, r.Max.X, y0+64)))
	}
	return bands
}

func hasWhite(img image.Image, r image.Rectangle) bool {
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x += 4 {
			c, g, bl, _ := img.At(x, y).RGBA()
			if c>>8 == 0xff && g>>8 == 0xff && bl>>8 == 0xff {
				return true
			}
		}
	}
	return false
}

// TestTileBudgetPaintsViewport checks that the default tile budget still
// rasters the whole viewport of the default persona, and that the check
// sees a budget too small for it (a blank band).
func TestTileBudgetPaintsViewport(t *testing.T) {
	b := needBrowser(t)
	_, base := startSimfeed(t, nil)
	if b.tileMB != DefaultTileMemoryMB {
		t.Fatalf("test browser has a tile budget of %d MiB, want the default %d", b.tileMB, DefaultTileMemoryMB)
	}
	bands := paintedBands(t, b, base)
	if len(bands) != 900/64 {
		t.Fatalf("screenshot has %d bands of 64 rows, want %d", len(bands), 900/64)
	}
	if i := slices.Index(bands, false); i >= 0 {
		t.Errorf("default tile budget: band %d (rows %d-%d) of the viewport shows no card; bands %v", i, i*64, i*64+63, bands)
	}

	small, err := Launch(context.Background(), BrowserOptions{ClosedNetwork: true, TileMemoryMB: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer small.Close()
	if got := paintedBands(t, small, base); !slices.Contains(got, false) {
		t.Errorf("a 2 MiB tile budget painted every band %v: the check cannot tell a blank viewport", got)
	}
}
