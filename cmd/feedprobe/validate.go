package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/feedprobe/feedprobe/probe/daemon"
)

func cmdValidate(_ context.Context, e *env, args []string) error {
	fs := newFlags(e, "validate", "FILE...", `
Check persona, campaign and adapter files without running anything. The kind
of each file is told by its top-level key: "campaign:" for a campaign,
"personas:" for a persona file, "item:" or "embedded:" for an adapter. Every problem is
printed as FILE:LINE: FIELD: MESSAGE, every problem of a file at once (a
bad schedule does not hide the personas' problems); a template placeholder
left unedited ("period: edit me" from feedprobe init) is a problem too. The
exit status is 1 if any file has one.

A campaign whose design is too small for a compliance check it runs (the
checks its analysis: block declares, else those its phases and settings
show: art17-off, art17-tags, art18-minors) gets a warning naming the
check, its units and the minimum its test needs to reach α = 0.05; that
check will say "underpowered" instead of a verdict. Warnings do not change
the exit status.`)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return errors.New("validate needs at least one file")
	}
	bad := 0
	for _, path := range fs.Args() {
		kind, err := daemon.ValidateFile(path, func(w string) { fmt.Fprintf(e.stderr, "%s: warning: %s\n", path, w) })
		if err != nil {
			bad++
			for _, line := range splitErrors(err) {
				fmt.Fprintln(e.stderr, line)
			}
			continue
		}
		fmt.Fprintf(e.stdout, "%s: ok (%s)\n", path, kind)
	}
	if bad > 0 {
		return fmt.Errorf("%d of %d files have problems", bad, fs.NArg())
	}
	return nil
}

// splitErrors flattens errors.Join trees into one message per line.
func splitErrors(err error) []string {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		var out []string
		for _, e := range j.Unwrap() {
			out = append(out, splitErrors(e)...)
		}
		return out
	}
	return []string{err.Error()}
}
