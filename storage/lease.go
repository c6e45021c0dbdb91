package storage

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"sync"
	"syscall"
	"time"
)

// DefaultLeaseTTL is how long a lease outlives its holder's last heartbeat
// when LeaseOptions.TTL is zero.
const DefaultLeaseTTL = 30 * time.Second

var (
	// ErrLeaseHeld means another live holder has the campaign's lease. The
	// error is a *LeaseHeldError, which names it.
	ErrLeaseHeld = errors.New("campaign is being written by another process")
	// ErrLeaseLost means a lease was taken over (it had expired) or
	// released by someone else: its holder must stop writing.
	ErrLeaseLost = errors.New("lease lost")
)

// LeaseHeldError says who holds the lease of a campaign.
type LeaseHeldError struct {
	Campaign  string
	Holder    string
	Heartbeat time.Time // the holder's last heartbeat
	Expires   time.Time // when the lease is free to take over
}

func (e *LeaseHeldError) Error() string {
	return fmt.Sprintf("campaign %q is being written by %s (last heartbeat %s, free after %s if it stops)",
		e.Campaign, e.Holder, e.Heartbeat.Format(time.RFC3339), e.Expires.Format(time.RFC3339))
}

// Is makes errors.Is(err, ErrLeaseHeld) true.
func (e *LeaseHeldError) Is(target error) bool { return target == ErrLeaseHeld }

// LeaseHolder names this process for a lease: host, pid and command.
func LeaseHolder(command string) string {
	host, err := os.Hostname()
	if err != nil {
		host = "unknown-host"
	}
	return fmt.Sprintf("%s pid %d (%s)", host, os.Getpid(), command)
}

// holderDead reports whether holder, as LeaseHolder names it, is a process
// of this host that has ended (killed, crashed): its lease is taken over at
// once instead of after its expiry. A holder of another host, or one whose
// process cannot be checked, is not dead.
func holderDead(holder string) bool {
	var host string
	var pid int
	if _, err := fmt.Sscanf(holder, "%s pid %d", &host, &pid); err != nil || pid <= 0 || pid == os.Getpid() {
		return false
	}
	if me, err := os.Hostname(); err != nil || me != host {
		return false
	}
	p, err := os.FindProcess(pid)
	if err != nil {
		return false
	}
	return errors.Is(p.Signal(syscall.Signal(0)), os.ErrProcessDone)
}

// LeaseOptions tune AcquireLease.
type LeaseOptions struct {
	// Holder names the holder; empty means LeaseHolder(Command).
	Holder string
	// Command is what the holder runs (run, serve, merge...).
	Command string
	// TTL is how long the lease lasts without a heartbeat (default
	// DefaultLeaseTTL). A holder renews it every TTL/3.
	TTL time.Duration
	// Wait makes AcquireLease wait for the lease (until ctx ends) instead of
	// failing with a *LeaseHeldError.
	Wait bool
}

// Lease is one writer's hold on a campaign. Start its heartbeat with Keep,
// or use HoldCampaign, which does both.
type Lease struct {
	db       *DB
	Campaign string
	Holder   string
	// TakenOver names the holder whose expired lease this one replaced
	// ("" if the lease was free).
	TakenOver string
	token     string
	ttl       time.Duration

	mu      sync.Mutex
	stop    chan struct{}
	done    chan struct{}
	lost    chan struct{}
	lostErr error
}

// AcquireLease takes the campaign's lease: a row in the leases table naming
// the holder, renewed by heartbeats. A lease whose holder stopped renewing
// it (past its expiry) is taken over. When a live holder has it,
// AcquireLease returns a *LeaseHeldError naming the holder and its last
// heartbeat, or with opts.Wait waits for it until ctx ends.
func (db *DB) AcquireLease(ctx context.Context, campaign string, opts LeaseOptions) (*Lease, error) {
	if err := db.writable("acquire lease of campaign " + campaign); err != nil {
		return nil, err
	}
	if opts.TTL <= 0 {
		opts.TTL = DefaultLeaseTTL
	}
	if opts.Holder == "" {
		opts.Holder = LeaseHolder(opts.Command)
	}
	var tok [16]byte
	if _, err := rand.Read(tok[:]); err != nil {
		return nil, err
	}
	l := &Lease{db: db, Campaign: campaign, Holder: opts.Holder, token: hex.EncodeToString(tok[:]), ttl: opts.TTL}
	for {
		held, err := l.try(ctx)
		if err == nil {
			return l, nil
		}
		if held == nil || !opts.Wait {
			return nil, fmt.Errorf("acquire lease: %w", err)
		}
		t := time.NewTimer(min(time.Second, opts.TTL/4))
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, fmt.Errorf("acquire lease: waited until %w: %w", ctx.Err(), err)
		case <-t.C:
		}
	}
}

// try takes the lease if it is free or expired; held is set when a live
// holder has it.
func (l *Lease) try(ctx context.Context) (held *LeaseHeldError, err error) {
	tx, err := l.db.w.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	now := l.db.now().UnixMilli()
	var holder string
	var beat, expires int64
	err = tx.QueryRowContext(ctx, "SELECT holder, heartbeat_at, expires_at FROM leases WHERE campaign = ?", l.Campaign).
		Scan(&holder, &beat, &expires)
	switch {
	case errors.Is(err, sql.ErrNoRows):
	case err != nil:
		return nil, err
	case expires >= now && !holderDead(holder):
		held = &LeaseHeldError{Campaign: l.Campaign, Holder: holder,
			Heartbeat: time.UnixMilli(beat).UTC(), Expires: time.UnixMilli(expires).UTC()}
		return held, held
	default:
		l.TakenOver = holder
	}
	_, err = tx.ExecContext(ctx, `INSERT OR REPLACE INTO leases (campaign, holder, token, acquired_at, heartbeat_at, expires_at)
		VALUES (?, ?, ?, ?, ?, ?)`, l.Campaign, l.Holder, l.token, now, now, now+l.ttl.Milliseconds())
	if err != nil {
		return nil, err
	}
	return nil, tx.Commit()
}

// Renew records a heartbeat and pushes the expiry a TTL ahead. It returns an
// error wrapping ErrLeaseLost when the lease is no longer this holder's.
func (l *Lease) Renew(ctx context.Context) error {
	now := l.db.now().UnixMilli()
	res, err := l.db.w.ExecContext(ctx, "UPDATE leases SET heartbeat_at = ?, expires_at = ? WHERE campaign = ? AND token = ?",
		now, now+l.ttl.Milliseconds(), l.Campaign, l.token)
	if err != nil {
		return fmt.Errorf("renew lease of campaign %q: %w", l.Campaign, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("renew lease of campaign %q held by %s: %w", l.Campaign, l.Holder, ErrLeaseLost)
	}
	return nil
}

// Keep starts the heartbeat: a goroutine that renews the lease every TTL/3
// until Release. A renewal that finds the lease lost closes Lost and stops;
// a failed one (database busy) is retried at the next beat. Keep on a kept
// lease does nothing.
func (l *Lease) Keep() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.stop != nil {
		return
	}
	l.stop, l.done, l.lost = make(chan struct{}), make(chan struct{}), make(chan struct{})
	// The goroutine keeps its own copies: Release sets l.stop to nil
	// (under mu) before closing it, perhaps before the goroutine first
	// reads it.
	stop, done := l.stop, l.done
	go func() {
		defer close(done)
		t := time.NewTicker(l.ttl / 3)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
			}
			err := l.Renew(context.Background())
			if errors.Is(err, ErrLeaseLost) {
				l.mu.Lock()
				l.lostErr = err
				l.mu.Unlock()
				close(l.lost)
				return
			}
		}
	}()
}

// Lost is closed when the heartbeat finds the lease taken: the holder must
// stop writing (Err says why). It is nil before Keep.
func (l *Lease) Lost() <-chan struct{} {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.lost
}

// Err returns the error that closed Lost, or nil.
func (l *Lease) Err() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.lostErr
}

// Release stops the heartbeat, waits for it, and gives the lease up. It
// runs even when ctx is cancelled (a lease left behind blocks others until
// it expires). Releasing a lease that was lost returns the loss.
func (l *Lease) Release(ctx context.Context) error {
	l.mu.Lock()
	stop, done := l.stop, l.done
	l.stop = nil
	l.mu.Unlock()
	if stop != nil {
		close(stop)
		<-done
	}
	if err := l.Err(); err != nil {
		return err
	}
	_, err := l.db.w.ExecContext(context.WithoutCancel(ctx), "DELETE FROM leases WHERE campaign = ? AND token = ?", l.Campaign, l.token)
	if err != nil {
		return fmt.Errorf("release lease of campaign %q: %w", l.Campaign, err)
	}
	return nil
}

// HoldCampaign is the one call a writer needs: it acquires the campaign's
// lease for command (run, serve, merge, reinspect) and keeps it with a
// heartbeat until Release. Watch Lost to stop writing if it is taken over.
func (db *DB) HoldCampaign(ctx context.Context, campaign, command string, wait bool) (*Lease, error) {
	l, err := db.AcquireLease(ctx, campaign, LeaseOptions{Command: command, Wait: wait})
	if err != nil {
		return nil, err
	}
	l.Keep()
	return l, nil
}
