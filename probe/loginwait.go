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

// HasDisplay reports whether a visible browser window can open: always off
// the X11 and Wayland systems, else when DISPLAY or WAYLAND_DISPLAY is set.
func HasDisplay() bool {
	if runtime.GOOS != "linux" && runtime.GOOS != "freebsd" && runtime.GOOS != "openbsd" {
		return true
	}
	return os.Getenv("DISPLAY") != "" || os.Getenv("WAYLAND_DISPLAY") != ""
}
