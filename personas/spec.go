package personas

import (
	"fmt"
	"hash/fnv"
	"math"
	"math/rand/v2"
	"os"
	"sort"
	"strings"
	"time"
)

// The roles a persona can play in a campaign.
const (
	// RoleTest is a persona that acts on its interests (the default).
	RoleTest = "test"
	// RoleControl is a baseline persona, usually with no interests, whose feed
	// the test personas' feeds are compared with.
	RoleControl = "control"
)

// The age groups a persona can claim.
const (
	AgeMinor   = "minor"
	AgeAdult   = "adult"
	AgeElderly = "elderly"
)

// The devices a persona can emulate.
const (
	DeviceDesktop = "desktop"
	DeviceMobile  = "mobile"
)

// Default user agents, used when a persona sets no traits.user_agent.
const (
	DesktopUserAgent = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"
	MobileUserAgent  = "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36"
)

// Spec is one sock-puppet persona. Values returned by Load, Parse and the
// campaign loaders are complete: every field omitted in the file holds the
// default documented on its type. A Spec is a plain value and safe to share
// for reading.
type Spec struct {
	// Name identifies the persona; unique within a campaign and matching
	// [a-z0-9][a-z0-9._-]* (at most 64 characters).
	Name string `json:"name"`
	// Role is RoleTest (default) or RoleControl.
	Role string `json:"role"`
	// Seed seeds the persona's behaviour. Default: the FNV-1a 64-bit hash of
	// Name, so a persona behaves the same across runs unless told otherwise.
	Seed int64 `json:"seed"`
	// Interests maps a topic to a weight in [0, 1]. Default: empty (a blank
	// persona). Never nil in a loaded Spec.
	Interests map[string]float64 `json:"interests"`
	// Keywords maps an interest topic to title keywords, used to match items
	// by title whatever their topic hint (see Match). Default: empty. Never
	// nil in a loaded Spec.
	Keywords map[string][]string `json:"keywords"`
	// Phases, when not empty, split the persona's sessions into phases
	// with their own interests ("train on sports for 5 sessions, then on
	// cooking for 5"); see ForSession. Default: none (Interests throughout).
	Phases []Phase `json:"phases,omitempty"`
	// TwinOf is the test persona this persona is a generated twin control
	// of (Campaign.Twins), or "" for a persona written in a file.
	TwinOf string `json:"twin_of,omitempty"`
	// Arm, on a control persona written in a file (arm: NAME), names the
	// test persona of the campaign it is matched to: its "vs control"
	// figures and its lock-step group are that persona's. A twin's arm is
	// its TwinOf. Default: "" (a control of no arm, matched to every test
	// persona that has neither twins nor named controls).
	Arm string `json:"arm,omitempty"`
	// Traits is what the persona looks like to the platform.
	Traits Traits `json:"traits"`
	// Behaviour is how the persona browses.
	Behaviour Behaviour `json:"behaviour"`
	// Settings are platform toggles applied at the start of each session.
	Settings Settings `json:"settings"`
	// NotInterested are the topics the persona marks "not interested" in
	// the current phase (set by ForSession from the phase).
	NotInterested []string `json:"not_interested,omitempty"`
	// Credentials, when set, let a session log in where the adapter has a
	// login form and the platform asks for it.
	Credentials Credentials `json:"credentials,omitzero"`
	// Watch is the persona's watch list: items it opens and watches, in
	// order, at the start of every session, before reading the feed.
	// Default: none.
	Watch []Watch `json:"watch,omitempty"`
	// Search is the persona's search list: queries it types into the
	// platform's search box at the start of every session (after its watch
	// list), opening the top results that match its interests. Default:
	// none.
	Search []Search `json:"search,omitempty"`
	// History names the watch history the persona was trained on
	// (history: promoting), in the name charset: the analysis reports
	// SERP-MS and the mean label score per history and surface over the
	// personas that share it (analysis.HistoryScores), the figure of
	// Hussein et al.'s watch-history audits. Default: "" (in no history).
	// A generated twin is in none.
	History string `json:"history,omitempty"`
	// Proxy, when set, is the persona's network identity: the address the
	// platform sees. Default: none (the machine's own address).
	Proxy Proxy `json:"proxy,omitzero"`
	// Source is "file:line" where the persona is defined. It is excluded from
	// Campaign.Hash.
	Source string `json:"source,omitempty"`
}

// Traits is what a persona looks like to the platform.
type Traits struct {
	// AgeGroup is AgeMinor, AgeAdult (default) or AgeElderly.
	AgeGroup string `json:"age_group"`
	// Locale is a BCP 47 language tag such as "zh-CN". Default: "en-US".
	Locale string `json:"locale"`
	// Device is DeviceDesktop (default) or DeviceMobile.
	Device string `json:"device"`
	// UserAgent is the browser's user agent. Default: DesktopUserAgent or
	// MobileUserAgent, by Device.
	UserAgent string `json:"user_agent"`
	// Viewport is the browser window size. Default: 1280x900 on desktop,
	// 390x844 on mobile; each dimension defaults on its own.
	Viewport Viewport `json:"viewport"`
	// AcceptLanguage is the Accept-Language header (and
	// navigator.languages) the persona sends, such as "de-DE,de,en".
	// Chromium writes the q-values (de-DE,de;q=0.9,en;q=0.8): q-values
	// given here are dropped. Empty (the default) means Locale.
	AcceptLanguage string `json:"accept_language,omitempty"`
	// Timezone is the IANA time zone the persona's pages see, such as
	// "Europe/Berlin". Empty (the default) leaves the machine's.
	Timezone string `json:"timezone,omitempty"`
	// Geolocation is the position the persona's pages get from
	// navigator.geolocation (permission granted). Nil (the default) leaves
	// geolocation unavailable.
	Geolocation *Geolocation `json:"geolocation,omitempty"`
	// ScaleFactor is the device scale factor (devicePixelRatio). Zero (the
	// default) means 1. A factor f needs f² times the tile memory of a
	// viewport (see probe.TileMemoryFor).
	ScaleFactor float64 `json:"device_scale_factor,omitempty"`
	// Touch, when set, says whether the persona has a touch screen.
	// Default: touch on mobile, none on desktop.
	Touch *bool `json:"touch,omitempty"`
}

// Geolocation is a position in WGS 84 degrees with its accuracy in
// metres.
type Geolocation struct {
	Latitude  float64 `json:"latitude"`
	Longitude float64 `json:"longitude"`
	// Accuracy is in metres; zero means 100.
	Accuracy float64 `json:"accuracy,omitempty"`
}

// Proxy is the network a persona browses through: every request of its
// browser context goes through Server, in every session, so the platform
// sees the proxy's address rather than the machine's. Its credentials
// come from environment variables or files (see Credentials), never from
// the persona file.
type Proxy struct {
	// Server is the proxy's URL: http://HOST:PORT, https://HOST:PORT,
	// socks4://HOST:PORT or socks5://HOST:PORT.
	Server string `json:"server"`
	// Bypass lists hosts reached without the proxy, in Chromium's
	// --proxy-bypass-list syntax ("*.example.org;10.0.0.0/8"). Chromium
	// never sends loopback addresses (localhost, 127.0.0.1) through a proxy
	// unless the list holds "<-loopback>".
	Bypass string `json:"bypass,omitempty"`
	// Credentials, when set, answer the proxy's authentication challenge.
	Credentials Credentials `json:"credentials,omitzero"`
}

// IsZero reports whether no proxy is configured.
func (p Proxy) IsZero() bool { return p.Server == "" }

// Viewport is a browser window size in CSS pixels.
type Viewport struct {
	Width  int `json:"width"`
	Height int `json:"height"`
}

// Behaviour is how a persona browses a feed.
type Behaviour struct {
	// Dwell is how long the persona stays on an opened item.
	Dwell Dwell `json:"dwell"`
	// Open is the probability of opening an item. Default: base 0.02,
	// match 0.6.
	Open Prob `json:"open"`
	// Like is the probability of liking an opened item. Default: base 0,
	// match 0.5.
	Like Prob `json:"like"`
	// ScrollPause is the pause between scrolls. Default: 200ms.
	ScrollPause time.Duration `json:"scroll_pause_ns"`
	// MaxOpens caps the items opened per session; 0 means no cap. Default: 10.
	MaxOpens int `json:"max_opens"`
	// Follow is the probability of following (subscribing to) the author
	// of an opened item, after the dwell. Default: never.
	Follow Prob `json:"follow,omitzero"`
	// NotInterested is the probability of pressing "not interested" on an
	// opened item, which grows as the item matches the persona less.
	// Default: never.
	NotInterested Aversion `json:"not_interested,omitzero"`
}

// Aversion is a probability that grows as an item matches the persona's
// interests less: clamp(Base + Mismatch*(1-m), 0, 1).
type Aversion struct {
	Base     float64 `json:"base"`
	Mismatch float64 `json:"mismatch"`
}

// P returns the probability for an item whose interest match is m.
func (a Aversion) P(m float64) float64 {
	return min(max(a.Base+a.Mismatch*(1-m), 0), 1)
}

// Dwell is a log-normal dwell time distribution, clamped to [Min, Max].
// Default: median 2s, sigma 0.5, min 200ms, max 10s; each field defaults on
// its own.
type Dwell struct {
	Median time.Duration `json:"median_ns"`
	Sigma  float64       `json:"sigma"`
	Min    time.Duration `json:"min_ns"`
	Max    time.Duration `json:"max_ns"`
}

// Prob is a probability that grows with how well an item matches the
// persona's interests: clamp(Base + Match*m, 0, 1).
type Prob struct {
	Base  float64 `json:"base"`
	Match float64 `json:"match"`
}

// Settings are platform toggles a persona applies at the start of each
// session. A nil field leaves the platform's setting as it is (the default).
// Credentials say where a persona's login comes from: environment
// variables or files, never the persona file itself, so no secret reaches
// the campaign spec stored in the database. Resolve reads them when a
// session needs to log in. A relative file path is relative to the working
// directory of the feedprobe process.
type Credentials struct {
	UsernameEnv  string `json:"username_env,omitempty"`
	PasswordEnv  string `json:"password_env,omitempty"`
	UsernameFile string `json:"username_file,omitempty"`
	PasswordFile string `json:"password_file,omitempty"`
}

// IsZero reports whether no credentials are configured.
func (c Credentials) IsZero() bool { return c == Credentials{} }

// Resolve reads the username and password. Its errors name the variable or
// file, never a value.
func (c Credentials) Resolve() (username, password string, err error) {
	read := func(env, file, what string) (string, error) {
		switch {
		case env != "":
			v, ok := os.LookupEnv(env)
			if !ok || v == "" {
				return "", fmt.Errorf("%s: environment variable %s is not set", what, env)
			}
			return v, nil
		case file != "":
			b, err := os.ReadFile(file)
			if err != nil {
				return "", fmt.Errorf("%s: read %s: %w", what, file, unwrapPathError(err))
			}
			return strings.TrimRight(string(b), "\r\n"), nil
		}
		return "", nil
	}
	if username, err = read(c.UsernameEnv, c.UsernameFile, "username"); err != nil {
		return "", "", err
	}
	if password, err = read(c.PasswordEnv, c.PasswordFile, "password"); err != nil {
		return "", "", err
	}
	return username, password, nil
}

type Settings struct {
	Personalization *bool `json:"personalization"`
	MinorMode       *bool `json:"minor_mode"`
}

// Defaults for fields a spec file omits.
const (
	defaultLocale      = "en-US"
	defaultScrollPause = 200 * time.Millisecond
	defaultMaxOpens    = 10
)

var (
	defaultDwell   = Dwell{Median: 2 * time.Second, Sigma: 0.5, Min: 200 * time.Millisecond, Max: 10 * time.Second}
	defaultOpen    = Prob{Base: 0.02, Match: 0.6}
	defaultLike    = Prob{Base: 0, Match: 0.5}
	desktopView    = Viewport{Width: 1280, Height: 900}
	mobileViewport = Viewport{Width: 390, Height: 844}
)

// defaultSeed is the seed of a persona whose file sets none.
func defaultSeed(name string) int64 {
	h := fnv.New64a()
	h.Write([]byte(name))
	return int64(h.Sum64())
}

// Match reports how well an item matches the persona's interests, in [0, 1]:
// the larger of two signals. The topic signal is the weight of the interest
// that topic (the platform's topic hint) names, compared
// case-insensitively. The keyword signal is the largest weight among the
// interests that have a keyword occurring in title (case-insensitive
// substring, so it works for scripts without word breaks such as Chinese),
// whatever the topic: a persona can seek one stance within a topic the
// platform shows, with a low weight on the topic and a high one on the
// stance's keywords. Match returns 0 when neither signal matches.
func (s Spec) Match(topic, title string) float64 {
	best := 0.0
	if topic = strings.TrimSpace(topic); topic != "" {
		if w, ok := s.Interests[topic]; ok {
			best = w
		} else {
			for t, w := range s.Interests {
				if strings.EqualFold(t, topic) {
					best = w
					break
				}
			}
		}
	}
	if len(s.Keywords) == 0 || title == "" {
		return clamp01(best)
	}
	lower := strings.ToLower(title)
	for t, kws := range s.Keywords {
		w := s.Interests[t]
		if w <= best {
			continue
		}
		for _, kw := range kws {
			if kw != "" && strings.Contains(lower, strings.ToLower(kw)) {
				best = w
				break
			}
		}
	}
	return clamp01(best)
}

// TopInterest returns the persona's highest-weight topic, breaking ties by
// the lexically smallest name. It returns "" when the persona has no interest
// with a weight above 0.
func (s Spec) TopInterest() string {
	topics := make([]string, 0, len(s.Interests))
	for t := range s.Interests {
		topics = append(topics, t)
	}
	sort.Strings(topics)
	top, best := "", 0.0
	for _, t := range topics {
		if w := s.Interests[t]; w > best {
			top, best = t, w
		}
	}
	return top
}

// P returns the probability for an item whose interest match is match:
// clamp(Base + Match*match, 0, 1). A NaN result is reported as 0.
func (p Prob) P(match float64) float64 {
	return clamp01(p.Base + p.Match*match)
}

// Sample draws a dwell time: Median * exp(Sigma * z) for a standard normal z
// drawn from r, clamped to [Min, Max]. A Max of 0 or less means no upper
// bound. Sample is as safe for concurrent use as r is (a *rand.Rand is not).
func (d Dwell) Sample(r *rand.Rand) time.Duration {
	v := float64(d.Median) * math.Exp(d.Sigma*r.NormFloat64())
	if math.IsNaN(v) {
		v = float64(d.Median)
	}
	if v < float64(d.Min) {
		v = float64(d.Min)
	}
	if d.Max > 0 && v > float64(d.Max) {
		v = float64(d.Max)
	}
	if v >= math.MaxInt64 {
		return time.Duration(math.MaxInt64)
	}
	return time.Duration(v)
}

// clamp01 limits v to [0, 1], mapping NaN to 0.
func clamp01(v float64) float64 {
	switch {
	case !(v > 0):
		return 0
	case v > 1:
		return 1
	}
	return v
}
