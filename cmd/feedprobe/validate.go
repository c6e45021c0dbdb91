package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/feedprobe/feedprobe/cmd/feedprobe/help"
	"github.com/feedprobe/feedprobe/probe/daemon"
)

func cmdValidate(_ context.Context, e *env, args []string) error {
	fs := newFlags(e, "validate", "FILE...", help.Command("validate"))
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
