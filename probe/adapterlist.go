package probe

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"text/tabwriter"
)

// WriteAdapterList prints the built-in adapters and the real-platform
// templates as `feedprobe adapter list` does: name, kind (a template says
// when it was last checked on its live site), surface, scroll strategy and
// feed URL.
func WriteAdapterList(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tKIND\tSURFACE\tSCROLL\tFEED URL")
	for _, n := range BuiltinAdapters() {
		a, err := BuiltinAdapter(n)
		if err != nil {
			return err
		}
		fmt.Fprintf(tw, "%s\tbuilt-in (simfeed)\t%s\t%s\t%s\n", n, a.Surface, a.Scroll.Strategy, a.FeedURL)
	}
	for _, n := range Templates() {
		a, err := AdapterTemplate(n)
		if err != nil {
			return err
		}
		checked := a.LastChecked
		if checked == "" {
			checked = "never checked"
		}
		fmt.Fprintf(tw, "%s\ttemplate, experimental (%s)\t%s\t%s\t%s\n", n, checked, a.Surface, a.Scroll.Strategy, a.FeedURL)
	}
	return tw.Flush()
}

// Save writes the check's screenshot (screenshot.png) and page
// (page.html) into dir, created when missing, and returns the paths
// written; a part the check did not capture is left out.
func (rep CheckReport) Save(dir string) ([]string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("save check: %w", err)
	}
	var saved []string
	for _, f := range []struct {
		name string
		data []byte
	}{{"screenshot.png", rep.Screenshot}, {"page.html", rep.HTML}} {
		if len(f.data) == 0 {
			continue
		}
		p := filepath.Join(dir, f.name)
		if err := os.WriteFile(p, f.data, 0o644); err != nil {
			return saved, fmt.Errorf("save check: %w", err)
		}
		saved = append(saved, p)
	}
	return saved, nil
}
