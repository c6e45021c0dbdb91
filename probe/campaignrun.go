package probe

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/feedprobe/feedprobe/personas"
)

// CampaignAdapter returns campaign c's adapter: its adapter_file if set,
// else the built-in adapter named by its platform.
func CampaignAdapter(c *personas.Campaign) (*Adapter, error) {
	if c.AdapterFile != "" {
		return LoadAdapter(c.AdapterFile)
	}
	return BuiltinAdapter(c.Platform)
}

// TileBudget is the tile memory (MiB) a browser needs for the campaigns'
// personas: DefaultTileMemoryMB, or enough for the largest persona
// viewport (TileMemoryFor), so no screenshot comes out partly blank.
func TileBudget(cs ...*personas.Campaign) int {
	mb := DefaultTileMemoryMB
	for _, c := range cs {
		for _, p := range c.Personas {
			mb = max(mb, TileMemoryFor(p.Traits.Viewport.Width, p.Traits.Viewport.Height))
		}
	}
	return mb
}

// CampaignRun says how RunCampaign runs a campaign's planned sessions.
type CampaignRun struct {
	// Browser launches the shared browser, and a new one when it dies. A
	// zero TileMemoryMB is set to TileBudget of the campaign.
	Browser BrowserOptions
	Adapter *Adapter
	Store   Store
	Logger  *slog.Logger
	// Retries is how many more attempts a failed session gets (Runner).
	Retries int
	// Evidence, when set, keeps screenshots and HTML every EvidenceEvery
	// scrolls (Runner).
	Evidence      EvidenceSink
	EvidenceEvery int
	// Metrics, when set, counts the sessions, phases, items and browser
	// restarts.
	Metrics *Metrics
	// OnSession, when set, sees every finished session once it is counted,
	// from several goroutines: it must be safe for concurrent use.
	OnSession func(SessionReport)
}

// CampaignTally counts what RunCampaign did.
type CampaignTally struct {
	Done, Failed, Blocked int // sessions; Failed counts failed attempts
	Items                 int
	Restarts              int // browser relaunches after it died
}

// RunCampaign launches a browser and runs plans, the planned sessions of
// campaign c, with a Runner set from c (base URL, items per session,
// timeouts, pause, concurrency) and o, relaunching the browser when it
// dies. It returns the tally with the Runner's error. Cancelling ctx stops
// the sessions (Runner.Run) and closes the browsers.
func RunCampaign(ctx context.Context, c *personas.Campaign, plans []PersonaPlan, o CampaignRun) (CampaignTally, error) {
	var sum CampaignTally
	if o.Browser.TileMemoryMB == 0 {
		o.Browser.TileMemoryMB = TileBudget(c)
	}
	browser, err := Launch(ctx, o.Browser)
	if err != nil {
		return sum, err
	}
	defer browser.Close()
	var mu sync.Mutex
	var relaunched []*Browser
	defer func() {
		for _, b := range relaunched {
			b.Close()
		}
	}()
	r := &Runner{
		Browser:         browser,
		Store:           o.Store,
		Adapter:         o.Adapter,
		BaseURL:         c.BaseURL,
		ItemsPerSession: c.ItemsPerSession,
		SessionTimeout:  c.SessionTimeout,
		Pause:           c.Pause,
		Concurrency:     c.Concurrency,
		Logger:          o.Logger.With("campaign", c.Name),
		Retries:         o.Retries,
		Backoff:         2 * time.Second,
		Evidence:        o.Evidence,
		EvidenceEvery:   o.EvidenceEvery,
		Relaunch: func(context.Context) (*Browser, error) {
			b, err := Launch(ctx, o.Browser)
			if err == nil {
				mu.Lock()
				relaunched = append(relaunched, b)
				mu.Unlock()
			}
			return b, err
		},
		OnBrowserRestart: func() {
			mu.Lock()
			sum.Restarts++
			mu.Unlock()
			if o.Metrics != nil {
				o.Metrics.BrowserRestarted()
			}
		},
		OnSession: func(rep SessionReport) {
			mu.Lock()
			switch rep.Outcome {
			case OutcomeDone:
				sum.Done++
			case OutcomeBlocked:
				sum.Blocked++
			default:
				sum.Failed++
			}
			sum.Items += rep.Result.Items
			mu.Unlock()
			if o.Metrics != nil {
				o.Metrics.ObserveSession(c.Platform, rep)
			}
			if o.OnSession != nil {
				o.OnSession(rep)
			}
		},
	}
	if o.Metrics != nil {
		r.Observer = o.Metrics.Observer(c.Platform)
		o.Metrics.WatchBrowser(func() int { return r.browser().PID() })
		defer o.Metrics.WatchBrowser(nil)
	}
	err = r.Run(ctx, plans)
	mu.Lock()
	defer mu.Unlock()
	return sum, err
}
