package probe

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"unicode/utf8"
)

// ResolveAdapter loads an adapter named on the command line: a file path,
// a built-in adapter ("builtin:NAME" or just NAME) or a template
// ("template:NAME" or just NAME), in that order.
func ResolveAdapter(arg string) (*Adapter, error) {
	if _, err := os.Stat(arg); err == nil {
		return LoadAdapter(arg)
	}
	if name, ok := strings.CutPrefix(arg, "template:"); ok {
		return AdapterTemplate(name)
	}
	if name, ok := strings.CutPrefix(arg, "builtin:"); ok {
		return BuiltinAdapter(name)
	}
	if strings.HasSuffix(arg, ".yaml") || strings.HasSuffix(arg, ".yml") {
		return LoadAdapter(arg) // reports the missing file
	}
	for _, n := range BuiltinAdapters() {
		if n == arg {
			return BuiltinAdapter(n)
		}
	}
	for _, n := range Templates() {
		if n == arg {
			return AdapterTemplate(n)
		}
	}
	return nil, fmt.Errorf("adapter %q: no such file, built-in adapter (%s) or template (%s)",
		arg, strings.Join(BuiltinAdapters(), ", "), strings.Join(Templates(), ", "))
}

// WriteCheck writes rep, the check of adapter ad, for people to read: the
// outcome, what each selector matched, how often each field came back
// empty, the first rows items, and the files saved. It returns the first
// error from w.
func WriteCheck(w io.Writer, ad *Adapter, rep CheckReport, rows int, saved []string) error {
	ew := &errWriter{w: w}
	w = ew
	fmt.Fprintf(w, "adapter %s (%s) on %s\n", ad.Name, ad.Source, rep.URL)
	if ad.Experimental {
		checked := ad.LastChecked
		if checked == "" {
			checked = "never"
		}
		fmt.Fprintf(w, "experimental adapter: drafted %s, last checked on the live site: %s\n", ad.Drafted, checked)
	}
	outcome := "ok"
	switch {
	case errors.Is(rep.Err, ErrBlocked):
		outcome = "BLOCKED: " + rep.Err.Error()
	case errors.Is(rep.Err, ErrNoItems):
		outcome = "NO ITEMS: " + rep.Err.Error()
	case rep.Err != nil:
		outcome = "stopped: " + rep.Err.Error()
	}
	fmt.Fprintf(w, "outcome: %s\n", outcome)
	fmt.Fprintf(w, "items: %d from %d item elements, %d %s steps, %d dismissed\n\n", len(rep.Items), rep.Elements, rep.Steps, ad.Scroll.Strategy, rep.Dismissed)

	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "SELECTOR\tCSS\tON THE FINAL PAGE")
	for _, s := range rep.Selectors {
		fmt.Fprintf(tw, "%s\t%s\t%d\n", s.Name, s.Selector, s.Count)
	}
	tw.Flush()
	fmt.Fprintln(w)
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "FIELD\tSOURCE\tFROM\tFOUND\tNOT EMPTY\tOF")
	var empty []string
	for _, f := range rep.Fields {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%d\t%d\n", f.Name, f.Source, f.Selector, f.Found, f.NonEmpty, f.Of)
		if f.Of > 0 && f.NonEmpty == 0 && f.Name != "sponsored" && f.Name != "synthetic" && f.Name != "price" && f.Name != "price_text" {
			empty = append(empty, f.Name)
		}
	}
	tw.Flush()
	if len(empty) > 0 {
		fmt.Fprintf(w, "empty in every item: %s (check these selectors)\n", strings.Join(empty, ", "))
	}
	fmt.Fprintln(w)
	if ad.Capture != nil {
		writeCheckResponses(w, rep.Responses)
	}
	if len(rep.Items) > 0 {
		tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "RANK\tID\tTITLE\tAUTHOR\tTOPIC\tLABELS\tPRICE")
		for i, it := range rep.Items {
			if i >= rows {
				break
			}
			var labels []string
			if it.Sponsored {
				labels = append(labels, "sponsored")
			}
			if it.Synthetic {
				labels = append(labels, "synthetic")
			}
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\n", i+1, clip(it.ID, 24), clip(it.Title, 40), clip(it.Author, 16), clip(it.Topic, 12), strings.Join(labels, ","), it.PriceText)
		}
		tw.Flush()
		if len(rep.Items) > rows {
			fmt.Fprintf(w, "... and %d more\n", len(rep.Items)-rows)
		}
	}
	for _, p := range saved {
		fmt.Fprintf(w, "saved %s\n", p)
	}
	return ew.err
}

// errWriter keeps the first write error and skips every write after it.
type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) Write(b []byte) (int, error) {
	if e.err != nil {
		return 0, e.err
	}
	n, err := e.w.Write(b)
	e.err = err
	return n, err
}

// clip shortens s to n runes for a table, without control characters.
func clip(s string, n int) string {
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return ' '
		}
		return r
	}, s)
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

// writeCheckResponses lists the captured responses and what each yielded.
func writeCheckResponses(w io.Writer, rs []CheckResponse) {
	if len(rs) == 0 {
		fmt.Fprintln(w, "captured responses: none matched the capture block (check its url patterns and methods)")
		fmt.Fprintln(w)
		return
	}
	fmt.Fprintf(w, "captured responses: %d\n", len(rs))
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "#\tRESPONSE\tBYTES\tITEMS\tFIRST IDS\tFIELDS MISSING")
	for i, r := range rs {
		what := r.Method + " " + clip(r.URL, 60)
		if r.Document {
			what = "document " + clip(r.URL, 60)
		}
		ids := strings.Join(r.FirstIDs, ",")
		var missing []string
		for _, m := range r.Missing {
			missing = append(missing, fmt.Sprintf("%s (%d of %d)", m.Name, m.Empty, m.Of))
		}
		last := strings.Join(missing, ", ")
		if r.Err != "" {
			last = "ERROR: " + clip(r.Err, 60)
		} else if r.Items == 0 {
			last = "no items: check the items path"
		}
		fmt.Fprintf(tw, "%d\t%s\t%d\t%d\t%s\t%s\n", i+1, what, r.Bytes, r.Items, clip(ids, 48), last)
	}
	tw.Flush()
	fmt.Fprintln(w)
}
