package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"syscall"

	"github.com/feedprobe/feedprobe/probe"
	"github.com/spf13/pflag"
)

// Exit statuses; the exit-codes help topic documents them.
const (
	exitFailure    = 1 // the command could not do what it was asked
	exitUsage      = 2 // a bad flag, argument or command name
	exitIncomplete = 3 // run: some planned sessions failed or were blocked
	// An interrupted command exits 128 + the signal's number: 130 for
	// SIGINT (Ctrl-C), 143 for SIGTERM.
)

// statusError is an error with the exit status it calls for.
type statusError struct {
	status int
	err    error
}

func (e *statusError) Error() string { return e.err.Error() }
func (e *statusError) Unwrap() error { return e.err }

// withStatus marks err to exit with status.
func withStatus(status int, err error) error { return &statusError{status: status, err: err} }

// usageError marks err as a usage error (exit status 2).
func usageError(err error) error { return withStatus(exitUsage, err) }

// flagError is a usage error (exit status 2) about a flag's value or a
// command's arguments, formatted as fmt.Errorf does.
func flagError(format string, a ...any) error { return usageError(fmt.Errorf(format, a...)) }

// closedNetwork resolves --closed-network for base (probe.ClosedNetwork);
// a mode other than on, off or auto is a usage error.
func closedNetwork(mode, base string) (bool, error) {
	on, err := probe.ClosedNetwork(mode, base)
	if err != nil && mode != "auto" {
		return false, usageError(err)
	}
	return on, err
}

// exitStatus is the exit status err calls for: its statusError's, else 1.
func exitStatus(err error) int {
	var se *statusError
	if errors.As(err, &se) {
		return se.status
	}
	return exitFailure
}

// signalCause is the cause of a context cancelled by a signal.
type signalCause struct{ sig os.Signal }

func (s signalCause) Error() string { return "interrupted by " + signalName(s.sig) }

// status is 128 + the signal's number, as a shell reports it.
func (s signalCause) status() int {
	if n, ok := s.sig.(syscall.Signal); ok {
		return 128 + int(n)
	}
	return 128 + int(syscall.SIGINT)
}

func signalName(sig os.Signal) string {
	switch sig {
	case os.Interrupt:
		return "SIGINT"
	case syscall.SIGTERM:
		return "SIGTERM"
	}
	return sig.String()
}

// interrupted returns the signal that cancelled ctx, if one did.
func interrupted(ctx context.Context) (signalCause, bool) {
	var sc signalCause
	ok := errors.As(context.Cause(ctx), &sc)
	return sc, ok
}

// isFlagError reports whether err is pflag's: an unknown flag, a missing
// or bad value.
func isFlagError(err error) bool {
	var (
		notExist *pflag.NotExistError
		required *pflag.ValueRequiredError
		invalid  *pflag.InvalidValueError
		syntax   *pflag.InvalidSyntaxError
	)
	return errors.As(err, &notExist) || errors.As(err, &required) || errors.As(err, &invalid) || errors.As(err, &syntax)
}
