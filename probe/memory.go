package probe

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/chromedp/chromedp"
)

// PID returns the process id of the browser feedprobe launched, or 0 for a
// remote browser or one not started yet.
func (b *Browser) PID() int {
	if b == nil {
		return 0
	}
	c := chromedp.FromContext(b.ctx)
	if c == nil || c.Browser == nil {
		return 0
	}
	if p := c.Browser.Process(); p != nil {
		return p.Pid
	}
	return 0
}

// ProcessTreePSS returns the proportional set size (bytes) of process pid
// and every process descended from it, from /proc/PID/smaps_rollup: for
// Chromium, the browser process, its zygotes, renderers and utilities,
// each shared page counted once over them all. It is Linux only; elsewhere
// it returns an error. Processes that end while it reads are skipped.
func ProcessTreePSS(pid int) (int64, error) {
	if pid <= 0 {
		return 0, fmt.Errorf("no process")
	}
	tree, err := descendants(pid)
	if err != nil {
		return 0, err
	}
	var total int64
	read := 0
	for _, p := range tree {
		pss, err := pssOf(p)
		if err != nil {
			continue
		}
		total += pss
		read++
	}
	if read == 0 {
		return 0, fmt.Errorf("read the memory of process %d: none of its tree is readable", pid)
	}
	return total, nil
}

// descendants returns pid and every process below it, from the parent
// pids in /proc/*/stat.
func descendants(pid int) ([]int, error) {
	stats, err := filepath.Glob("/proc/[0-9]*/stat")
	if err != nil {
		return nil, err
	}
	if len(stats) == 0 {
		return nil, fmt.Errorf("no /proc: process memory is read on Linux only")
	}
	children := map[int][]int{}
	for _, path := range stats {
		data, err := os.ReadFile(path)
		if err != nil {
			continue
		}
		// pid (comm) state ppid ...; comm may hold spaces and parentheses.
		end := bytes.LastIndexByte(data, ')')
		if end < 0 {
			continue
		}
		fields := strings.Fields(string(data[end+1:]))
		if len(fields) < 2 {
			continue
		}
		child, err1 := strconv.Atoi(filepath.Base(filepath.Dir(path)))
		parent, err2 := strconv.Atoi(fields[1])
		if err1 == nil && err2 == nil {
			children[parent] = append(children[parent], child)
		}
	}
	out := []int{pid}
	for i := 0; i < len(out); i++ {
		out = append(out, children[out[i]]...)
	}
	return out, nil
}

// pssOf reads the Pss line of /proc/PID/smaps_rollup.
func pssOf(pid int) (int64, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/smaps_rollup", pid))
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "Pss:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			if err != nil {
				return 0, fmt.Errorf("smaps_rollup of %d: %w", pid, err)
			}
			return kb << 10, nil
		}
	}
	if err := sc.Err(); err != nil {
		return 0, err
	}
	return 0, fmt.Errorf("smaps_rollup of %d has no Pss", pid)
}
