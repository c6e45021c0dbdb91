package probe

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/remote"
)

// ErrNoBrowser means no Chromium binary was found.
var ErrNoBrowser = errors.New("no Chromium found (install the chromium package or set FEEDPROBE_CHROME)")

// FindChrome returns the browser to launch: $FEEDPROBE_CHROME when set, else
// the first of chromium, chromium-browser, google-chrome found on PATH.
func FindChrome() (string, error) {
	if p := os.Getenv("FEEDPROBE_CHROME"); p != "" {
		if _, err := os.Stat(p); err != nil {
			return "", fmt.Errorf("FEEDPROBE_CHROME=%s: %w", p, err)
		}
		return p, nil
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "headless-shell"} {
		if p, err := exec.LookPath(name); err == nil {
			return p, nil
		}
	}
	return "", ErrNoBrowser
}

// BrowserOptions configure Launch.
type BrowserOptions struct {
	// Remote, when set, is the DevTools address of a Chromium that runs
	// already (a sidecar, a browser pool): "ws://HOST:PORT",
	// "ws://HOST:PORT/devtools/browser/ID" or "http://HOST:PORT" (https and
	// wss work too). Launch then starts no process, and ExecPath,
	// ClosedNetwork and Visible do not apply: the remote browser's own
	// command line decides them.
	Remote string
	// ExecPath is the browser binary; empty means FindChrome.
	ExecPath string
	// ClosedNetwork stops every DNS lookup except for 127.0.0.1 and every
	// WebRTC packet (STUN to literal addresses, mDNS, host candidates), for
	// tests and closed networks. Never set it for real platforms.
	ClosedNetwork bool
	// Visible shows a window instead of running headless (needs a display).
	Visible bool
	// TileMemoryMB caps the memory (MiB) each page may spend on rastered
	// tiles of 256x256 pixels (Chromium's --force-gpu-mem-available-mb,
	// which software compositing obeys too). Tiles of the viewport come
	// first, the rest of the budget rasters ahead of the scroll. Zero means
	// DefaultTileMemoryMB; a negative value leaves Chromium's own budget
	// (512 MiB, of which a page uses about 16 MiB at 1280x900). A viewport
	// whose tiles need more than the budget is partly blank in screenshots;
	// TileMemoryFor says what a viewport needs.
	TileMemoryMB int
	// Logger receives chromedp's errors; nil discards them.
	Logger *slog.Logger
}

// Browser is one Chromium process shared by many persona sessions, each in
// its own browser context. It is safe for concurrent use.
type Browser struct {
	// chromedp represents a browser as a context; this is the one place a
	// context is kept in a struct (see the house style).
	ctx     context.Context
	cancel  context.CancelFunc
	dataDir string
	logger  *slog.Logger
	once    sync.Once
	// tileMB is the page's tile budget (MiB) the browser was started
	// with; 0 when unknown (a remote browser) or Chromium's own.
	tileMB int
	// tabs is each persona's emulation for the tabs its pages open.
	tabs newTabEmulation
}

// DefaultTileMemoryMB is the tile budget of a page unless
// BrowserOptions.TileMemoryMB says otherwise: the viewport's tiles and a
// little more for viewports up to 1536x1024 (the personas' default is
// 1280x900). A probe jumps to the end of the feed rather than scrolling
// smoothly through it, so tiles rastered a screen or two ahead (Chromium's
// default) are seldom shown before they are thrown away; capping them
// saves about 9 MiB per persona (scripts/bench, BenchmarkScaleMemory16).
const DefaultTileMemoryMB = 8

// tileSize is the edge (pixels) of a software-rastered tile; each takes
// 4 bytes per pixel.
const tileSize = 256

// TileMemoryFor returns the tile memory (MiB, rounded up) the viewport of
// a page needs at scale factor 1: a column of tiles per started 256
// pixels of width, and a row per started 256 pixels of height plus one,
// as a scrolled page seldom starts on a tile's edge.
func TileMemoryFor(width, height int) int {
	cols := (width + tileSize - 1) / tileSize
	rows := (height+tileSize-1)/tileSize + 1
	bytes := cols * rows * tileSize * tileSize * 4
	return (bytes + 1<<20 - 1) >> 20
}

// tileMemoryMB is the budget o asks for (0: Chromium's own).
func (o BrowserOptions) tileMemoryMB() int {
	switch {
	case o.TileMemoryMB == 0:
		return DefaultTileMemoryMB
	case o.TileMemoryMB < 0:
		return 0
	}
	return o.TileMemoryMB
}

// chromeFlags are the flags every launch needs on these machines: no sandbox as root, no GPU, no background traffic that
// fights a closed network, the "lean" feature set that drops a hidden
// renderer per window, and the page's tile budget (see TileMemoryMB).
func chromeFlags(o BrowserOptions, dataDir string) []chromedp.ExecAllocatorOption {
	opts := append([]chromedp.ExecAllocatorOption{}, chromedp.DefaultExecAllocatorOptions[:]...)
	opts = append(opts,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-features", disabledFeatures(o)),
		chromedp.UserDataDir(dataDir),
	)
	if mb := o.tileMemoryMB(); mb > 0 {
		opts = append(opts, chromedp.Flag("force-gpu-mem-available-mb", strconv.Itoa(mb)))
	}
	if o.ClosedNetwork {
		// DNS is not all: WebRTC sends STUN to literal addresses and
		// mDNS to the local link. Without a proxy, disable_non_proxied_udp
		// leaves it no UDP at all (no host candidate, no STUN).
		opts = append(opts,
			chromedp.Flag("host-resolver-rules", "MAP * ~NOTFOUND , EXCLUDE 127.0.0.1"),
			chromedp.Flag("force-webrtc-ip-handling-policy", "disable_non_proxied_udp"),
			chromedp.Flag("webrtc-ip-handling-policy", "disable_non_proxied_udp"),
		)
	}
	if o.ExecPath != "" {
		opts = append(opts, chromedp.ExecPath(o.ExecPath))
	}
	if o.Visible {
		opts = append(opts, chromedp.VisibleWindow)
	}
	return opts
}

// disabledFeatures is Chromium's --disable-features list: the lean set and
// what fights a closed network; with ClosedNetwork also WebRTC's mDNS
// (host candidates hidden behind names it announces on the local link).
func disabledFeatures(o BrowserOptions) string {
	f := "Translate,WebUIOmniboxPopup,WebUIOmniboxAimPopup,WebUIOmniboxFullPopup,SpareRendererForSitePerProcess,NetworkTimeServiceQuerying,MediaRouter,OptimizationHints"
	if o.ClosedNetwork {
		f += ",WebRtcHideLocalIpsWithMdns"
	}
	return f
}

// Launch starts Chromium, or connects to a running one when o.Remote is
// set. The browser (the connection, for a remote one) lives until Close or
// until ctx is cancelled. It returns ErrNoBrowser when no binary is found.
func Launch(ctx context.Context, o BrowserOptions) (*Browser, error) {
	if o.Remote != "" {
		return connect(ctx, o)
	}
	if o.ExecPath == "" {
		p, err := FindChrome()
		if err != nil {
			return nil, err
		}
		o.ExecPath = p
	}
	logger := o.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	removeStaleProfiles(logger)
	dataDir, err := os.MkdirTemp("", profilePrefix)
	if err != nil {
		return nil, fmt.Errorf("make browser profile dir: %w", err)
	}
	allocCtx, allocCancel := chromedp.NewExecAllocator(ctx, chromeFlags(o, dataDir)...)
	bctx, bcancel := chromedp.NewContext(allocCtx,
		chromedp.WithErrorf(func(f string, a ...any) { logger.Debug("chromedp", "msg", fmt.Sprintf(f, a...)) }),
		chromedp.WithBrowserOption(chromedp.WithConsolef(func(f string, a ...any) {
			logger.Debug("page console", "msg", fmt.Sprintf(f, a...))
		})),
	)
	b := &Browser{
		ctx:     bctx,
		dataDir: dataDir,
		logger:  logger,
		tileMB:  o.tileMemoryMB(),
		cancel: func() {
			bcancel()
			allocCancel()
		},
	}
	// The first Run starts the browser; it must have no deadline of its own.
	if err := chromedp.Do(bctx); err != nil {
		b.Close()
		return nil, fmt.Errorf("start %s: %w", o.ExecPath, err)
	}
	if err := b.watchNewTabs(); err != nil {
		b.Close()
		return nil, err
	}
	return b, nil
}

// remoteConnectTimeout bounds the connection to a remote browser: the
// /json/version lookup, the websocket handshake and attaching to a tab.
const remoteConnectTimeout = 30 * time.Second

// ErrRemoteURL means BrowserOptions.Remote is not a DevTools address.
var ErrRemoteURL = errors.New("want ws://HOST:PORT, ws://HOST:PORT/devtools/browser/ID or http://HOST:PORT")

// CheckRemoteURL returns an error wrapping ErrRemoteURL when s is not a
// DevTools address Launch can connect to.
func CheckRemoteURL(s string) error {
	u, err := url.Parse(s)
	if err != nil {
		return fmt.Errorf("remote browser %q: %w", s, ErrRemoteURL)
	}
	switch u.Scheme {
	case "ws", "wss", "http", "https":
	default:
		return fmt.Errorf("remote browser %q: scheme %q: %w", s, u.Scheme, ErrRemoteURL)
	}
	if u.Port() == "" || u.Hostname() == "" {
		return fmt.Errorf("remote browser %q: no host and port: %w", s, ErrRemoteURL)
	}
	if p := strings.TrimSuffix(u.Path, "/"); p != "" && !strings.HasPrefix(p, "/devtools/browser/") {
		return fmt.Errorf("remote browser %q: path %q: %w", s, u.Path, ErrRemoteURL)
	} else if p == "/devtools/browser" {
		return fmt.Errorf("remote browser %q: no browser id after /devtools/browser/: %w", s, ErrRemoteURL)
	}
	return nil
}

// connect attaches to the remote browser of o.Remote through chromedp's
// remote allocator. Each persona session still gets its own browser
// context, created in the remote browser and disposed of when the session
// ends; Close drops the connection and leaves the remote browser running.
func connect(ctx context.Context, o BrowserOptions) (*Browser, error) {
	if err := CheckRemoteURL(o.Remote); err != nil {
		return nil, err
	}
	logger := o.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	allocCtx, allocCancel := remote.NewAllocator(ctx, o.Remote, remote.WithDialTimeout(remoteConnectTimeout))
	bctx, bcancel := chromedp.NewContext(allocCtx,
		chromedp.WithErrorf(func(f string, a ...any) { logger.Debug("chromedp", "msg", fmt.Sprintf(f, a...)) }),
		chromedp.WithBrowserOption(chromedp.WithConsolef(func(f string, a ...any) {
			logger.Debug("page console", "msg", fmt.Sprintf(f, a...))
		})),
	)
	b := &Browser{
		ctx:    bctx,
		logger: logger,
		cancel: func() {
			bcancel()
			allocCancel()
		},
	}
	// The first Run dials the browser and attaches to one of its tabs. A
	// deadline on it would only drop this connection, never the remote
	// browser, but it must not stay on bctx: watch it from outside instead.
	done := make(chan error, 1)
	go func() { done <- chromedp.Do(bctx) }()
	timer := time.NewTimer(remoteConnectTimeout)
	defer timer.Stop()
	var err error
	select {
	case err = <-done:
	case <-timer.C:
		b.Close()
		err = fmt.Errorf("no answer in %s", remoteConnectTimeout)
	}
	if err != nil {
		b.Close()
		return nil, fmt.Errorf("connect to remote browser %s: %w", o.Remote, err)
	}
	if err := b.watchNewTabs(); err != nil {
		b.Close()
		return nil, fmt.Errorf("remote browser %s: %w", o.Remote, err)
	}
	logger.Info("connected to a remote browser", "url", o.Remote)
	return b, nil
}

// profilePrefix names the temporary profile directories of Launch.
const profilePrefix = "feedprobe-chrome-"

// removeStaleProfiles removes profile directories left by a feedprobe that
// was killed (SIGKILL, OOM) before it could clean up: Chromium's
// SingletonLock in them names a process that no longer runs. A directory
// whose browser still runs is left alone.
func removeStaleProfiles(logger *slog.Logger) {
	dirs, _ := filepath.Glob(filepath.Join(os.TempDir(), profilePrefix+"*"))
	host, _ := os.Hostname()
	for _, dir := range dirs {
		lock, err := os.Readlink(filepath.Join(dir, "SingletonLock"))
		if err != nil {
			continue // no lock: starting up now, or not ours to judge
		}
		i := strings.LastIndexByte(lock, '-')
		if i < 0 || lock[:i] != host {
			continue
		}
		pid, err := strconv.Atoi(lock[i+1:])
		if err != nil || pid <= 0 || !errors.Is(syscall.Kill(pid, 0), syscall.ESRCH) {
			continue // still running (or not ours to signal)
		}
		if err := os.RemoveAll(dir); err == nil {
			logger.Info("removed a stale browser profile", "dir", dir)
		}
	}
}

// Close stops the browser and removes its profile directory. For a remote
// browser it only drops the connection (the browser contexts of sessions
// still open are disposed of first); the remote browser keeps running.
func (b *Browser) Close() error {
	var err error
	b.once.Do(func() {
		b.cancel()
		if b.dataDir != "" {
			err = os.RemoveAll(b.dataDir)
		}
	})
	return err
}

// Alive reports whether the browser process still runs.
func (b *Browser) Alive() bool {
	return b.ctx.Err() == nil
}

// newTab opens a tab in a fresh browser context (its own cookies and
// storage), created with opts (a proxy). The tab closes, and the browser
// context is disposed of, when the returned cancel is called or ctx is
// done.
func (b *Browser) newTab(ctx context.Context, opts ...chromedp.CreateBrowserContextOption) (context.Context, context.CancelFunc, error) {
	if err := b.ctx.Err(); err != nil {
		return nil, nil, fmt.Errorf("browser is gone: %w", err)
	}
	tabCtx, cancel := chromedp.NewContext(b.ctx, chromedp.WithNewBrowserContext(opts...))
	stop := context.AfterFunc(ctx, cancel)
	// The first Run creates the target; no deadline here (it would only
	// close this tab, but a slow start is not a session fault).
	if err := chromedp.Do(tabCtx); err != nil {
		stop()
		cancel()
		return nil, nil, fmt.Errorf("open tab: %w", err)
	}
	return tabCtx, func() { stop(); cancel() }, nil
}
