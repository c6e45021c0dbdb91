package probe

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// startDebugChrome starts a Chromium of its own that listens for DevTools
// on a free loopback port, as a sidecar container does, and returns the
// port's http and ws addresses. It is stopped at the end of the test.
func startDebugChrome(t testing.TB) (httpURL, wsURL string) {
	t.Helper()
	exe, err := FindChrome()
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("CI=true but no browser: %v", err)
		}
		t.Skipf("no browser: %v", err)
	}
	// Not t.TempDir: Chromium's helpers may still write for a moment after
	// the kill, and a failed RemoveAll would fail the test.
	dir, err := os.MkdirTemp("", "feedprobe-remote-test-")
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
		"--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
		"--remote-debugging-address=127.0.0.1", "--remote-debugging-port=0",
		"--user-data-dir="+dir, "about:blank")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) // the whole process group
		_ = cmd.Wait()
		for range 20 {
			if os.RemoveAll(dir) == nil {
				return
			}
			time.Sleep(50 * time.Millisecond)
		}
	})
	// Chromium writes the port it chose and the browser's websocket path
	// into DevToolsActivePort.
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		b, err := os.ReadFile(filepath.Join(dir, "DevToolsActivePort"))
		if lines := strings.Split(strings.TrimSpace(string(b)), "\n"); err == nil && len(lines) == 2 {
			return "http://127.0.0.1:" + lines[0], "ws://127.0.0.1:" + lines[0] + lines[1]
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatal("remote-debugging Chromium did not report its port in 20s")
	return "", ""
}

// TestRemoteBrowser drives a Chromium started with --remote-debugging-port
// through both address forms: sessions run in their own browser contexts
// there, isolated as in a local browser, and closing the connection leaves
// the remote browser running for the next client.
func TestRemoteBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("-short")
	}
	httpURL, wsURL := startDebugChrome(t)
	srv, base := startSimfeed(t, nil)
	sink := newMemSink()
	for i, addr := range []string{httpURL, wsURL, httpURL + "/"} {
		b, err := Launch(context.Background(), BrowserOptions{Remote: addr, Logger: testLog})
		if err != nil {
			t.Fatalf("Launch(Remote: %s) = %v", addr, err)
		}
		p := mustPersona(t, strings.Replace(fanYAML, "name: fan", "name: remote"+string(rune('a'+i)), 1))
		res, err := b.RunSession(context.Background(), SessionConfig{
			SessionID: int64(i + 1), Persona: p, Adapter: simfeedAdapter(t), BaseURL: base, Items: 20, Timeout: time.Minute,
		}, sink)
		if err != nil {
			t.Errorf("session over %s: %v", addr, err)
		}
		if res.Items != 20 {
			t.Errorf("session over %s stored %d items, want 20", addr, res.Items)
		}
		if err := b.Close(); err != nil {
			t.Errorf("Close of remote browser %s: %v", addr, err)
		}
	}
	truth := srv.Truth()
	if len(truth.Users) != 3 {
		t.Errorf("simfeed saw %d users, want 3 (one browser context per session)", len(truth.Users))
	}
}

func TestRemoteBrowserErrors(t *testing.T) {
	for _, tc := range []struct {
		name, url string
	}{
		{"no scheme", "127.0.0.1:9222"},
		{"file scheme", "file:///tmp/x"},
		{"no port", "ws://chromium"},
		{"other path", "http://127.0.0.1:9222/json"},
		{"no browser id", "ws://127.0.0.1:9222/devtools/browser/"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Launch(context.Background(), BrowserOptions{Remote: tc.url})
			if !errors.Is(err, ErrRemoteURL) {
				t.Fatalf("Launch(Remote: %q) = %v, want ErrRemoteURL", tc.url, err)
			}
		})
	}
	// Nothing listens: the error comes back quickly and names the address.
	start := time.Now()
	_, err := Launch(context.Background(), BrowserOptions{Remote: "http://127.0.0.1:1"})
	if err == nil || !strings.Contains(err.Error(), "127.0.0.1:1") {
		t.Errorf("Launch(Remote: nothing listening) = %v, want an error naming the address", err)
	}
	if d := time.Since(start); d > 15*time.Second {
		t.Errorf("Launch(Remote: nothing listening) took %s", d)
	}
}
