package probe

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"slices"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"
	"golang.org/x/sync/semaphore"

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

	// Retries is how many more attempts a failed session gets within this
	// run, after Backoff, then twice Backoff, and so on. A blocked session
	// gets none (retrying a CAPTCHA at once only confirms the bot), nor
	// does a session cut short by cancellation. Retries need a Store that
	// is also a Retrier; each attempt is its own session row.
	Retries int
	Backoff time.Duration
	// Relaunch, when set, starts a new browser when the shared one died
	// (killed, crashed); OnBrowserRestart is then called.
	Relaunch         func(ctx context.Context) (*Browser, error)
	OnBrowserRestart func()

	bmu sync.Mutex // guards Browser while sessions run
}

// Retrier plans the next attempt of a failed session. *storage.DB
// satisfies it.
type Retrier interface {
	RetrySession(ctx context.Context, id int64) (int64, error)
}

// browser returns the current shared browser.
func (r *Runner) browser() *Browser {
	r.bmu.Lock()
	defer r.bmu.Unlock()
	return r.Browser
}

// relaunch replaces a dead browser once, however many sessions saw it die.
func (r *Runner) relaunch(ctx context.Context, dead *Browser) error {
	r.bmu.Lock()
	defer r.bmu.Unlock()
	if r.Browser != dead || r.Relaunch == nil {
		return nil
	}
	b, err := r.Relaunch(ctx)
	if err != nil {
		return fmt.Errorf("relaunch browser: %w", err)
	}
	dead.Close()
	r.Browser = b
	r.Logger.Warn("browser restarted")
	if r.OnBrowserRestart != nil {
		r.OnBrowserRestart()
	}
	return nil
}

// Run runs the plans. A failed session is recorded and the persona goes on
// with its next one; Run returns an error only when the store fails or ctx
// is cancelled. Sessions cut short by cancellation stay "running" in the
// store, so the next run marks them interrupted and redoes them.
//
// Sessions run in rounds by session number, so every persona's session N
// is served at about the same time: round N starts when round N-1 has
// finished (after Pause). Within a round a lock-step group (LockstepGroups:
// a test persona, its twins and the controls whose arm names it) starts
// its members' sessions at the same moment, in the order of plans, and
// independent groups run side by side while Concurrency slots last; a
// group takes as many slots as it has members (all of them when it has
// more), and waits for them rather than being split. Each session runs
// with the spec of its phase (personas.Spec.ForSession).
func (r *Runner) Run(ctx context.Context, plans []PersonaPlan) error {
	if r.Now == nil {
		r.Now = time.Now
	}
	if r.Logger == nil {
		r.Logger = slog.New(slog.DiscardHandler)
	}
	if err := runRounds(ctx, LockstepGroups(plans), r.Concurrency, r.Pause, r.runAndReport); err != nil {
		return err
	}
	return ctx.Err()
}

// runRounds runs groups' jobs round by round (one round per session
// number, Pause between rounds), each group's jobs of a round started
// together once it holds min(members, concurrency) of the concurrency
// slots. It stops at the first error run returns.
func runRounds(ctx context.Context, groups [][]PersonaPlan, concurrency int, pause time.Duration, run func(context.Context, PersonaPlan, Job) error) error {
	limit := int64(max(1, concurrency))
	sem := semaphore.NewWeighted(limit)
	var seqs []int
	for _, g := range groups {
		for _, p := range g {
			for _, j := range p.Jobs {
				if !slices.Contains(seqs, j.Seq) {
					seqs = append(seqs, j.Seq)
				}
			}
		}
	}
	slices.Sort(seqs)
	for i, seq := range seqs {
		if i > 0 && pause > 0 {
			if err := sleep(ctx, pause); err != nil {
				return err
			}
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		g, gctx := errgroup.WithContext(ctx)
		for _, group := range groups {
			type member struct {
				p   PersonaPlan
				job Job
			}
			var due []member
			for _, p := range group {
				for _, job := range p.Jobs {
					if job.Seq == seq {
						due = append(due, member{p, job})
					}
				}
			}
			if len(due) == 0 {
				continue
			}
			w := min(int64(len(due)), limit)
			if err := sem.Acquire(gctx, w); err != nil {
				break // gctx is done: g.Wait returns why
			}
			var wg sync.WaitGroup
			for _, m := range due {
				wg.Add(1)
				g.Go(func() error {
					defer wg.Done()
					return run(gctx, m.p, m.job)
				})
			}
			go func() {
				wg.Wait()
				sem.Release(w)
			}()
		}
		if err := g.Wait(); err != nil {
			return err
		}
	}
	return nil
}

// LockstepGroups groups plans for Run: every test persona with the twins
// whose TwinOf names it and the controls whose Arm names it, in the order
// of plans; every other persona alone. Twins (or arm controls) whose test
// persona has no plan left form a group of their own.
func LockstepGroups(plans []PersonaPlan) [][]PersonaPlan {
	byName := map[string]int{}
	var groups [][]PersonaPlan
	arm := func(p PersonaPlan) string {
		if p.Persona.TwinOf != "" {
			return p.Persona.TwinOf
		}
		return p.Persona.Arm
	}
	for _, p := range plans {
		if arm(p) == "" {
			byName[p.Persona.Name] = len(groups)
			groups = append(groups, []PersonaPlan{p})
		}
	}
	orphans := map[string]int{}
	for _, p := range plans {
		t := arm(p)
		if t == "" {
			continue
		}
		if i, ok := byName[t]; ok {
			groups[i] = append(groups[i], p)
			continue
		}
		if i, ok := orphans[t]; ok {
			groups[i] = append(groups[i], p)
			continue
		}
		orphans[t] = len(groups)
		groups = append(groups, []PersonaPlan{p})
	}
	return groups
}

// runAndReport runs one job, logs its outcome and reports it, and retries
// a failed session with backoff (see Runner.Retries).
func (r *Runner) runAndReport(ctx context.Context, p PersonaPlan, job Job) error {
	logger := r.Logger.With("persona", p.Persona.Name)
	backoff := r.Backoff
	if backoff <= 0 {
		backoff = 2 * time.Second
	}
	for attempt := 0; ; attempt++ {
		rep, err := r.runSession(ctx, p, job)
		if err != nil {
			return err
		}
		if rep.Err != nil {
			logger.Warn("session failed", "seq", job.Seq, "attempt", attempt+1, "outcome", rep.Outcome, "items", rep.Result.Items, "error", rep.Err)
		} else {
			logger.Info("session finished", "seq", job.Seq, "items", rep.Result.Items, "opens", rep.Result.Opens, "likes", rep.Result.Likes, "unconfirmed", rep.Result.Unconfirmed, "duration_seconds", rep.Duration.Seconds())
		}
		if r.OnSession != nil {
			r.OnSession(rep)
		}
		if rep.Outcome != OutcomeFailed || attempt >= r.Retries {
			return nil
		}
		retrier, ok := r.Store.(Retrier)
		if !ok {
			return nil
		}
		if err := sleep(ctx, backoff); err != nil {
			return err
		}
		backoff *= 2
		next, err := retrier.RetrySession(ctx, job.SessionID)
		if err != nil {
			return fmt.Errorf("retry session %d: %w", job.SessionID, err)
		}
		job.SessionID = next
	}
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
	b := r.browser()
	res, serr := b.RunSession(ctx, SessionConfig{
		SessionID: job.SessionID,
		PersonaID: p.PersonaID,
		Persona:   p.Persona.ForSession(job.Seq),
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
	if serr != nil && !b.Alive() {
		if err := r.relaunch(ctx, b); err != nil {
			serr = fmt.Errorf("%w (and %v)", serr, err)
		}
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
