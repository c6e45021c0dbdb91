package daemon

import (
	"context"
	"errors"
	"fmt"

	"github.com/feedprobe/feedprobe/storage"
)

// holdLease takes the campaign's lease in the database for command (serve,
// reinspect), so that no other process writes the campaign meanwhile (busy
// excludes other runs of this process). A campaign another process holds
// is errBusy, wrapping storage.ErrLeaseHeld, whose message names the holder:
// the caller tries again later. The returned context is work, cancelled when
// the lease is lost (taken over after a stall); release gives the lease up.
func (d *Daemon) holdLease(stop, work context.Context, campaign, command string) (context.Context, func(), error) {
	l, err := d.db.HoldCampaign(stop, campaign, command, false)
	if errors.Is(err, storage.ErrLeaseHeld) {
		return nil, nil, fmt.Errorf("%w: %w", errBusy, err)
	}
	if err != nil {
		return nil, nil, err
	}
	held, cancel := context.WithCancelCause(work)
	watched := make(chan struct{})
	go func() {
		defer close(watched)
		select {
		case <-l.Lost():
			d.logger.Error("lease lost: another process took the campaign over; its sessions stop", "campaign", campaign, "error", l.Err())
			cancel(l.Err())
		case <-held.Done():
		}
	}()
	release := func() {
		cancel(nil)
		<-watched
		if err := l.Release(context.WithoutCancel(stop)); err != nil && !errors.Is(err, storage.ErrLeaseLost) {
			d.logger.Warn("lease not released; it expires by itself", "campaign", campaign, "error", err)
		}
	}
	return held, release, nil
}
