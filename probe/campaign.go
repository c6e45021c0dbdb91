package probe

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/feedprobe/feedprobe/personas"
)

// Session outcomes, as recorded by a SessionTracker.
const (
	OutcomeDone    = "done"
	OutcomeFailed  = "failed"
	OutcomeBlocked = "blocked"
)

// SessionTracker records the life of a session. *storage.DB satisfies it.
type SessionTracker interface {
	StartSession(ctx context.Context, id int64, at time.Time) error
	FinishSession(ctx context.Context, id int64, outcome, errText string, at time.Time) error
}

// Store is everything a Runner writes to.
type Store interface {
	Sink
	IdentityStore
	SessionTracker
}

// Job is one planned session of a persona.
type Job struct {
	SessionID int64
	Seq       int
}

// PersonaPlan is a persona and the sessions it still has to run, in order.
type PersonaPlan struct {
	PersonaID int64
	Persona   personas.Spec
	Jobs      []Job
}

// SessionReport is what a Runner tells its observer after each session.
type SessionReport struct {
	Persona   string
	Seq       int
	SessionID int64
	Outcome   string
	Result    SessionResult
	Duration  time.Duration
	Err       error
}

// Runner runs a campaign's persona sessions: each persona's sessions in
// order (so its identity carries over), up to Concurrency personas at once,
// each session in its own browser context of one shared browser.
type Runner struct {
	Browser         *Browser
	Store           Store
	Adapter         *Adapter
	BaseURL         string
	ItemsPerSession int
	SessionTimeout  time.Duration
	Pause           time.Duration
	Concurrency     int
	Logger          *slog.Logger
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// OnSession, when set, is called after every session (from several
	// goroutines; it must be safe for concurrent use).
	OnSession func(SessionReport)
	// Observer, Evidence and EvidenceEvery are passed to every session
	// (see SessionConfig).
	Observer      Observer
	Evidence      EvidenceSink
	EvidenceEvery int
}

// Run runs the plans. A failed session is recorded and the persona goes on
// with its next one; Run returns an error only when the store fails or ctx
// is cancelled. Sessions cut short by cancellation stay "running" in the
// store, so the next run marks them interrupted and redoes them.
func (r *Runner) Run(ctx context.Context, plans []PersonaPlan) error {
	if r.Now == nil {
		r.Now = time.Now
	}
	if r.Logger == nil {
		r.Logger = slog.New(slog.DiscardHandler)
	}
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(max(1, r.Concurrency))
	for _, p := range plans {
		g.Go(func() error { return r.runPersona(gctx, p) })
	}
	return g.Wait()
}

func (r *Runner) runPersona(ctx context.Context, p PersonaPlan) error {
	logger := r.Logger.With("persona", p.Persona.Name)
	for i, job := range p.Jobs {
		if i > 0 && r.Pause > 0 {
			if err := sleep(ctx, r.Pause); err != nil {
				return err
			}
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		rep, err := r.runSession(ctx, p, job)
		if err != nil {
			return err
		}
		if rep.Err != nil {
			logger.Warn("session failed", "seq", job.Seq, "outcome", rep.Outcome, "items", rep.Result.Items, "error", rep.Err)
		} else {
			logger.Info("session finished", "seq", job.Seq, "items", rep.Result.Items, "opens", rep.Result.Opens, "likes", rep.Result.Likes, "duration_seconds", rep.Duration.Seconds())
		}
		if r.OnSession != nil {
			r.OnSession(rep)
		}
	}
	return nil
}

// runSession runs one job. The returned error is a store or cancellation
// failure that should stop the campaign; a session's own failure is in the
// report.
func (r *Runner) runSession(ctx context.Context, p PersonaPlan, job Job) (SessionReport, error) {
	rep := SessionReport{Persona: p.Persona.Name, Seq: job.Seq, SessionID: job.SessionID}
	ident, err := r.Store.LoadIdentity(ctx, p.PersonaID)
	if err != nil {
		return rep, fmt.Errorf("load identity of %s: %w", p.Persona.Name, err)
	}
	start := r.Now()
	if err := r.Store.StartSession(ctx, job.SessionID, start.UTC()); err != nil {
		return rep, fmt.Errorf("start session %d: %w", job.SessionID, err)
	}
	res, serr := r.Browser.RunSession(ctx, SessionConfig{
		SessionID: job.SessionID,
		PersonaID: p.PersonaID,
		Persona:   p.Persona,
		Adapter:   r.Adapter,
		BaseURL:   r.BaseURL,
		Items:     r.ItemsPerSession,
		Timeout:   r.SessionTimeout,
		Identity:  ident,
		Rand:      rand.New(rand.NewPCG(uint64(p.Persona.Seed), uint64(job.Seq))),
		Now:       r.Now,
		Logger:    r.Logger.With("persona", p.Persona.Name, "seq", job.Seq),

		Observer:      r.Observer,
		Evidence:      r.Evidence,
		EvidenceEvery: r.EvidenceEvery,
	}, r.Store)
	rep.Result, rep.Duration = res, r.Now().Sub(start)
	if len(res.Identity) > 0 {
		// Store the identity whatever the outcome: the platform has seen it.
		if err := r.Store.SaveIdentity(context.WithoutCancel(ctx), p.PersonaID, res.Identity); err != nil {
			return rep, fmt.Errorf("save identity of %s: %w", p.Persona.Name, err)
		}
	}
	if serr != nil && ctx.Err() != nil {
		// Cancelled from outside: leave the session running so that the
		// next run marks it interrupted and redoes it.
		return rep, ctx.Err()
	}
	rep.Outcome, rep.Err = OutcomeDone, serr
	errText := ""
	if serr != nil {
		rep.Outcome = OutcomeFailed
		if errors.Is(serr, ErrBlocked) {
			rep.Outcome = OutcomeBlocked
		}
		errText = serr.Error()
	}
	if err := r.Store.FinishSession(context.WithoutCancel(ctx), job.SessionID, rep.Outcome, errText, r.Now().UTC()); err != nil {
		return rep, fmt.Errorf("finish session %d: %w", job.SessionID, err)
	}
	return rep, nil
}
