package daemon

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/feedprobe/feedprobe/personas"
	"github.com/feedprobe/feedprobe/probe"
	"github.com/feedprobe/feedprobe/probe/schedule"
	"github.com/feedprobe/feedprobe/storage"
)

// LoadCampaignFile reads a campaign file, which may carry a schedule:
// block for serve (nil when it has none). Errors name the file, line and
// field.
func LoadCampaignFile(path string) (*personas.Campaign, *schedule.Schedule, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, err
	}
	var sched *schedule.Schedule
	rest := data
	if personas.HasTopKey(data, schedule.Key) {
		if sched, rest, err = schedule.SplitCampaign(path, data); err != nil {
			return nil, nil, err
		}
	}
	c, err := personas.ParseCampaign(path, rest, filepath.Dir(path))
	if err != nil {
		return nil, nil, err
	}
	return c, sched, nil
}

// ValidateFile checks a persona, campaign or adapter file, told apart by
// its top-level key (campaign:, personas:, item: or embedded:), and
// returns its kind. Every problem of the file comes back at once, joined
// with errors.Join: a campaign's schedule's, its own and its personas'
// (a bad schedule hides none of the rest), and template placeholders left
// unedited. A valid campaign whose design is too small for a check it runs
// is passed to warn, check by check (storage.DesignWarnings).
func ValidateFile(path string, warn func(string)) (string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	switch {
	case personas.HasTopKey(data, "campaign"):
		kind, err := validateCampaign(path, data)
		if err == nil {
			if c, _, lerr := LoadCampaignFile(path); lerr == nil {
				for _, w := range storage.DesignWarnings(c) {
					warn(w.Message)
				}
			}
		}
		return kind, err
	case personas.HasTopKey(data, "personas"):
		_, err := personas.Load(path)
		return "personas", err
	case personas.HasTopKey(data, "item") || personas.HasTopKey(data, "embedded"):
		_, err := probe.LoadAdapter(path)
		return "adapter", err
	}
	return "", fmt.Errorf("%s: not a campaign (campaign:), persona file (personas:) or adapter (item:)", path)
}

// validateCampaign checks a campaign file and reports every problem at
// once: the schedule's, the campaign's and its personas', and template
// placeholders left unedited.
func validateCampaign(path string, data []byte) (string, error) {
	kind := "campaign"
	var errs []error
	rest := data
	if personas.HasTopKey(data, schedule.Key) {
		kind = "scheduled campaign"
		_, r, err := schedule.SplitCampaign(path, data)
		if err != nil {
			errs = append(errs, err)
			r = schedule.Blank(data)
		}
		rest = r
	}
	if _, err := personas.ParseCampaign(path, rest, filepath.Dir(path)); err != nil {
		errs = append(errs, err)
	}
	errs = append(errs, personas.Placeholders(path, data)...)
	return kind, errors.Join(errs...)
}
