package probe

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"time"

	"github.com/chromedp/chromedp"
)

// WaitEnter waits for a line on r (a person pressing Enter after logging
// in by hand), for ctx or for the timeout, whichever comes first. The
// reading goroutine ends with the process when nobody presses Enter.
func WaitEnter(ctx context.Context, r io.Reader, timeout time.Duration) error {
	done := make(chan error, 1)
	go func() {
		_, err := bufio.NewReader(r).ReadString('\n')
		if errors.Is(err, io.EOF) {
			err = nil
		}
		done <- err
	}()
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return fmt.Errorf("no Enter within %s", timeout)
	}
}

// WaitSelector waits in tab, up to timeout, for the CSS selector sel to
// appear on the page (a login that succeeded), saying on w that it waits:
// a LoginConfig.Ready for a headless or scripted login.
func WaitSelector(tab context.Context, w io.Writer, sel string, timeout time.Duration) error {
	fmt.Fprintf(w, "waiting up to %s for %q on the page...\n", timeout, sel)
	wctx, cancel := context.WithTimeout(tab, timeout)
	defer cancel()
	if err := chromedp.Do(wctx, chromedp.WaitReady(chromedp.CSS(sel))); err != nil {
		return fmt.Errorf("login not seen: %q did not appear: %w", sel, err)
	}
	return nil
}

// HasDisplay reports whether a visible browser window can open: always off
// the X11 and Wayland systems, else when DISPLAY or WAYLAND_DISPLAY is set.
func HasDisplay() bool {
	if runtime.GOOS != "linux" && runtime.GOOS != "freebsd" && runtime.GOOS != "openbsd" {
		return true
	}
	return os.Getenv("DISPLAY") != "" || os.Getenv("WAYLAND_DISPLAY") != ""
}
