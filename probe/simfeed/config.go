package simfeed

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"slices"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// Config describes one simfeed platform: its catalogue, its recommender and
// the violations planted in it. The zero value is not useful; start from
// DefaultConfig.
type Config struct {
	// Seed makes the catalogue and every recommendation deterministic.
	Seed int64 `yaml:"seed" json:"seed"`
	// Items is the catalogue size.
	Items int `yaml:"items" json:"items"`
	// BatchSize is the number of items per feed page.
	BatchSize int `yaml:"batch_size" json:"batch_size"`
	// Personalization is the weight s of the user's topic affinity against
	// catalogue popularity when choosing a topic, in [0,1].
	Personalization float64 `yaml:"personalization" json:"personalization"`
	// Confidence is the engagement (in affinity points: an open is 1, a full
	// dwell 2, a like 3) at which personalization reaches half of its
	// strength: the weight of affinity is Personalization·e/(e+Confidence)
	// for a user with e points, so a bubble forms over sessions rather than
	// at the first click. 0 applies full strength from the first signal.
	Confidence float64 `yaml:"confidence" json:"confidence"`
	// Exploration is the probability that a slot holds a uniformly random item.
	Exploration float64 `yaml:"exploration" json:"exploration"`
	// HarmfulShare is the share of the catalogue that is harmful.
	HarmfulShare float64 `yaml:"harmful_share" json:"harmful_share"`
	// HarmfulBoost is the probability that a slot holds an item of a harm
	// category the user engaged with.
	HarmfulBoost float64 `yaml:"harmful_boost" json:"harmful_boost"`
	// PriceByHistory is the markup (0.2 = +20 %) shown to users who opened at
	// least PriceHistoryOpens priced items.
	PriceByHistory float64 `yaml:"price_by_history" json:"price_by_history"`
	// PriceHistoryOpens is the number of priced-item opens that triggers the
	// markup.
	PriceHistoryOpens int `yaml:"price_history_opens" json:"price_history_opens"`
	// DwellFullMS is the dwell in milliseconds that earns the full dwell
	// affinity (+2 for the item's topic).
	DwellFullMS int `yaml:"dwell_full_ms" json:"dwell_full_ms"`
	// MinorFilter makes minor mode keep harmful items out of the feed.
	MinorFilter bool `yaml:"minor_filter" json:"minor_filter"`
	// Truth enables the ground-truth endpoints under /truth.
	Truth bool `yaml:"truth" json:"truth"`
	// Latency is added to every /api/ response.
	Latency time.Duration `yaml:"latency" json:"latency_ns"`
	// Violations are the planted violations an audit should find.
	Violations Violations `yaml:"violations" json:"violations"`
	// LoginPassword, when set, is the password /login requires (any name
	// may log in with it); empty accepts any password.
	LoginPassword string `yaml:"login_password" json:"-"`
	// Hostile plants HostileTitles on the first items of the catalogue,
	// made the most popular, for tests of untrusted platform text.
	Hostile bool `yaml:"hostile" json:"hostile"`
	// ScrambleClasses renames every fp- and rp- class and id in the pages
	// (HTML, CSS and JavaScript alike) to a prefix drawn from Seed: the
	// pages work, and no selector an adapter names matches. It checks
	// that capture does not depend on the DOM (see replay.go).
	ScrambleClasses bool `yaml:"scramble_classes" json:"scramble_classes"`
	// VideoShare is the share of the catalogue that are video items, in
	// [0,1] (default 0): their pages play media and report the time played
	// (see video.go).
	VideoShare float64 `yaml:"video_share" json:"video_share,omitempty"`
	// VideoSeconds is the longest video (seconds, 4 to 600); 0 means 20.
	VideoSeconds int `yaml:"video_seconds" json:"video_seconds,omitempty"`
	// Regions plant regional catalogues (see Region); none by default.
	Regions []Region `yaml:"regions" json:"regions,omitempty"`
	// Stance plants a contested topic with promoting, neutral and
	// debunking items (see Stance); nil (the default) plants none.
	Stance *Stance `yaml:"stance" json:"stance,omitempty"`
	// Faults are the fault modes in force at start (see Faults; SetFaults
	// changes them at run time).
	Faults Faults `yaml:"faults" json:"faults"`
}

// Violations switches planted violations on. Both are off in an honest
// platform.
type Violations struct {
	// IgnoreSwitch makes the recommender personalize even for users who
	// turned personalization off.
	IgnoreSwitch bool `yaml:"ignore_switch" json:"ignore_switch"`
	// MinorLeak lets harmful items reach users in minor mode.
	MinorLeak bool `yaml:"minor_leak" json:"minor_leak"`
	// IgnoreNotInterested records a user's "not interested" and does
	// nothing with it: the topic keeps its affinity (Article 17(2)).
	IgnoreNotInterested bool `yaml:"ignore_not_interested" json:"ignore_not_interested"`
}

// DefaultConfig returns an honest platform: 2400 items, batches of 10,
// personalization 0.8, exploration 0.1, 8 % harmful items, no harmful boost,
// no price discrimination, the minor filter on and the truth endpoint on.
func DefaultConfig() Config {
	return Config{
		Seed:              1,
		Items:             2400,
		BatchSize:         10,
		Personalization:   0.8,
		Confidence:        20,
		Exploration:       0.1,
		HarmfulShare:      0.08,
		HarmfulBoost:      0,
		PriceByHistory:    0,
		PriceHistoryOpens: 3,
		DwellFullMS:       3000,
		MinorFilter:       true,
		Truth:             true,
	}
}

// Limits enforced by Validate.
const (
	minItems   = 100
	maxItems   = 200000
	maxBatch   = 100
	maxLatency = time.Minute
)

// Validate reports the first field out of range: shares and probabilities
// must lie in [0,1], Items in [100,200000], BatchSize in [1,100],
// PriceByHistory in [-0.9,10], PriceHistoryOpens >= 0, DwellFullMS >= 1,
// Confidence in [0,1e6] and Latency in [0,1m].
func (c Config) Validate() error {
	for _, f := range []struct {
		name string
		v    float64
	}{
		{"personalization", c.Personalization},
		{"exploration", c.Exploration},
		{"harmful_share", c.HarmfulShare},
		{"harmful_boost", c.HarmfulBoost},
		{"video_share", c.VideoShare},
	} {
		if !(f.v >= 0 && f.v <= 1) {
			return fmt.Errorf("%s %v out of range [0,1]", f.name, f.v)
		}
	}
	switch {
	case c.Items < minItems || c.Items > maxItems:
		return fmt.Errorf("items %d out of range [%d,%d]", c.Items, minItems, maxItems)
	case c.BatchSize < 1 || c.BatchSize > maxBatch:
		return fmt.Errorf("batch_size %d out of range [1,%d]", c.BatchSize, maxBatch)
	case !(c.PriceByHistory >= -0.9 && c.PriceByHistory <= 10):
		return fmt.Errorf("price_by_history %v out of range [-0.9,10]", c.PriceByHistory)
	case c.PriceHistoryOpens < 0:
		return fmt.Errorf("price_history_opens %d is negative", c.PriceHistoryOpens)
	case c.DwellFullMS < 1:
		return fmt.Errorf("dwell_full_ms %d must be at least 1", c.DwellFullMS)
	case !(c.Faults.ErrorRate >= 0 && c.Faults.ErrorRate <= 1):
		return fmt.Errorf("faults.error_rate %v out of range [0,1]", c.Faults.ErrorRate)
	case !(c.Faults.StallRate >= 0 && c.Faults.StallRate <= 1):
		return fmt.Errorf("faults.stall_rate %v out of range [0,1]", c.Faults.StallRate)
	case c.Faults.Stall < 0 || c.Faults.Stall > maxLatency:
		return fmt.Errorf("faults.stall %v out of range [0,%v]", c.Faults.Stall, maxLatency)
	case c.Faults.Layout != "" && c.Faults.Layout != "v2":
		return fmt.Errorf("faults.layout %q: want empty or v2", c.Faults.Layout)
	case c.VideoSeconds != 0 && (c.VideoSeconds < minVideoSeconds || c.VideoSeconds > maxVideoSeconds):
		return fmt.Errorf("video_seconds %d out of range [%d,%d]", c.VideoSeconds, minVideoSeconds, maxVideoSeconds)
	case c.checkRegionsCopy() != nil:
		return c.checkRegionsCopy()
	case c.checkStanceCopy() != nil:
		return c.checkStanceCopy()
	case !(c.Confidence >= 0 && c.Confidence <= 1e6):
		return fmt.Errorf("confidence %v out of range [0,1e6]", c.Confidence)
	case c.Latency < 0 || c.Latency > maxLatency:
		return fmt.Errorf("latency %v out of range [0,%v]", c.Latency, maxLatency)
	}
	return nil
}

// checkRegionsCopy checks the regions without changing c's.
func (c Config) checkRegionsCopy() error {
	c.Regions = slices.Clone(c.Regions)
	return c.checkRegions()
}

// checkStanceCopy checks the stance without changing c's.
func (c Config) checkStanceCopy() error {
	if c.Stance != nil {
		st := *c.Stance
		c.Stance = &st
	}
	return c.checkStance()
}

// yamlLine matches the "line N: " that yaml.v3 puts in its messages.
var yamlLine = regexp.MustCompile(`^(?:yaml: )?line (\d+): (.*)$`)

// LoadScenario reads a YAML scenario file and applies it over DefaultConfig.
// Unknown fields, type mismatches and syntax errors are reported as
// "PATH:LINE: message"; the result is validated with Validate.
func LoadScenario(path string) (Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Config{}, fmt.Errorf("load scenario: %w", err)
	}
	cfg := DefaultConfig()
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&cfg); err != nil && !errors.Is(err, io.EOF) {
		return Config{}, newScenarioError(path, err)
	}
	if err := cfg.Validate(); err != nil {
		return Config{}, fmt.Errorf("scenario %s: %w", path, err)
	}
	return cfg, nil
}

// newScenarioError rewrites yaml.v3's "line N: msg" messages as "path:N: msg".
func newScenarioError(path string, err error) error {
	var msgs []string
	var te *yaml.TypeError
	if errors.As(err, &te) {
		msgs = te.Errors
	} else {
		msgs = []string{err.Error()}
	}
	out := make([]string, 0, len(msgs))
	for _, m := range msgs {
		if sub := yamlLine.FindStringSubmatch(strings.TrimSpace(m)); sub != nil {
			out = append(out, fmt.Sprintf("%s:%s: %s", path, sub[1], sub[2]))
		} else {
			out = append(out, fmt.Sprintf("%s: %s", path, m))
		}
	}
	return &scenarioError{msg: "load scenario: " + strings.Join(out, "; "), err: err}
}

// scenarioError carries a rewritten YAML error message and keeps the
// original error in the chain without repeating its text.
type scenarioError struct {
	msg string
	err error
}

func (e *scenarioError) Error() string { return e.msg }
func (e *scenarioError) Unwrap() error { return e.err }
