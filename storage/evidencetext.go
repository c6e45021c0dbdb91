package storage

import (
	"fmt"
	"io"
)

// WriteText prints the verification as `feedprobe verify` does: a FAIL
// line per problem, a warning line per warning, then each chain with its
// rows, files, sealed sessions, seals and head hash, and, when nothing
// was found, a closing ok line.
func (v Verification) WriteText(w io.Writer) error {
	for _, p := range v.Problems {
		fmt.Fprintln(w, "FAIL", p)
	}
	for _, x := range v.Warnings {
		fmt.Fprintln(w, "warning:", x)
	}
	for _, c := range v.Chains {
		head := c.Head
		if head == "" {
			head = "(empty chain)"
		}
		fmt.Fprintf(w, "campaign %d %q: %d rows, %d files, %d sessions sealed, %d seals, head %s\n",
			c.CampaignID, c.Campaign, c.Rows, c.Files, c.Sessions, c.Seals, head)
	}
	if v.OK() {
		_, err := fmt.Fprintln(w, "ok: every file and row matches its chain")
		return err
	}
	return nil
}
