package daemon

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/feedprobe/feedprobe/probe"
)

// Progress draws a campaign's progress bar on a terminal: sessions done of
// planned, items, errors and the estimated time left, redrawn in place on
// one line. Log lines written through it (it is an io.Writer for the
// logger) clear the bar, print, and redraw it below, so the two never mix.
// It is safe for concurrent use.
type Progress struct {
	mu      sync.Mutex
	w       io.Writer
	width   int
	now     func() time.Time
	start   time.Time
	planned int
	done    int
	errors  int
	items   int
	shown   bool
}

// NewProgress draws on w, a terminal.
func NewProgress(w io.Writer) *Progress {
	return &Progress{w: w, width: 24, now: time.Now, start: time.Now()}
}

// IsTerminal reports whether w is a character device (a terminal), not a
// file or a pipe.
func IsTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// UseProgress resolves a progress mode: on, off, or auto (on when w is a
// terminal).
func UseProgress(mode string, w io.Writer) (bool, error) {
	switch mode {
	case "on":
		return true, nil
	case "off":
		return false, nil
	case "auto":
		return IsTerminal(w), nil
	}
	return false, fmt.Errorf("--progress %q: want auto, on or off", mode)
}

// Plan sets the number of sessions planned and starts the clock.
func (p *Progress) Plan(planned int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.planned, p.start = planned, p.now()
	p.draw()
}

// Session counts a finished session.
func (p *Progress) Session(rep probe.SessionReport) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.done++
	if rep.Outcome != probe.OutcomeDone {
		p.errors++
	}
	p.items += rep.Result.Items
	p.draw()
}

// Write prints a log line above the bar.
func (p *Progress) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.clear()
	n, err := p.w.Write(b)
	if p.planned > 0 {
		p.draw()
	}
	return n, err
}

// Finish removes the bar.
func (p *Progress) Finish() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.clear()
}

func (p *Progress) clear() {
	if p.shown {
		io.WriteString(p.w, "\r\033[K")
		p.shown = false
	}
}

// line renders the bar.
func (p *Progress) line() string {
	filled := 0
	if p.planned > 0 {
		filled = min(p.width, p.width*p.done/p.planned)
	}
	eta := "ETA --"
	if p.done > 0 && p.done < p.planned {
		elapsed := p.now().Sub(p.start)
		left := time.Duration(float64(elapsed) / float64(p.done) * float64(p.planned-p.done))
		eta = "ETA " + left.Round(time.Second).String()
	} else if p.done >= p.planned && p.planned > 0 {
		eta = "done"
	}
	errs := "errors"
	if p.errors == 1 {
		errs = "error"
	}
	return fmt.Sprintf("[%s%s] %d/%d sessions · %d items · %d %s · %s",
		strings.Repeat("#", filled), strings.Repeat(".", p.width-filled), p.done, p.planned, p.items, p.errors, errs, eta)
}

func (p *Progress) draw() {
	p.clear()
	io.WriteString(p.w, p.line())
	p.shown = true
}
