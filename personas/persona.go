package personas

import (
	"fmt"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strings"
	"time"
	_ "time/tzdata" // time zones validate the same on every machine

	"go.yaml.in/yaml/v3"
)

// Known fields of each mapping in a persona.
var (
	personaFileFields = []string{"personas"}
	personaFields     = []string{"name", "role", "arm", "seed", "interests", "keywords", "phases", "traits", "behaviour", "settings", "credentials", "proxy", "watch", "search", "history"}
	traitFields       = []string{"age_group", "locale", "device", "user_agent", "viewport", "accept_language", "timezone", "geolocation", "device_scale_factor", "touch"}
	geoFields         = []string{"latitude", "longitude", "accuracy"}
	proxyFields       = []string{"server", "bypass", "username_env", "password_env", "username_file", "password_file", "username", "password"}
	viewportFields    = []string{"width", "height"}
	behaviourFields   = []string{"dwell", "open", "like", "scroll_pause", "max_opens", "follow", "not_interested"}
	aversionFields    = []string{"base", "mismatch"}
	dwellFields       = []string{"median", "sigma", "min", "max"}
	probFields        = []string{"base", "match"}
	settingFields     = []string{"personalization", "minor_mode"}
	credentialFields  = []string{"username_env", "password_env", "username_file", "password_file", "username", "password"}
)

// Allowed values of the enumerated persona fields.
var (
	roles     = []string{RoleTest, RoleControl}
	ageGroups = []string{AgeMinor, AgeAdult, AgeElderly}
	devices   = []string{DeviceDesktop, DeviceMobile}
)

// localeRE accepts BCP 47-like tags: a language and optional subtags.
var localeRE = regexp.MustCompile(`^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$`)

// Limits that catch typos without constraining real studies.
const (
	maxViewport = 10000
	maxSigma    = 5
)

const personaFileExpect = `a "personas:" list`

// Load reads and validates the persona file at path. Problems are returned
// as *Error values joined with errors.Join, each naming path and a line; a
// file that cannot be read is reported as an *Error at line 1.
func Load(path string) ([]Spec, error) {
	d := newDecoder(path)
	data, err := os.ReadFile(path)
	if err != nil {
		d.add(1, "", "cannot read file: %v", unwrapPathError(err))
		return nil, d.err()
	}
	return Parse(path, data)
}

// Parse validates a persona file's contents; name is the file name used in
// errors and in each Spec's Source. The file is a mapping with a "personas"
// list (a bare list is accepted too); top-level keys starting with "x-" are
// ignored so they can hold anchors for merge keys. Persona names must be
// unique within the file. Every problem is returned, as *Error values joined
// with errors.Join; on any problem the specs are nil.
func Parse(name string, data []byte) ([]Spec, error) {
	d := newDecoder(name)
	ps := d.personaFile(data)
	checkDuplicates(ps)
	if err := d.err(); err != nil {
		return nil, err
	}
	return specsOf(ps), nil
}

// parsed is a persona with where its name is, for duplicate checks.
type parsed struct {
	spec     Spec
	d        *decoder
	nameLine int
	// phasesLine is the line of the persona's phases, or its name's.
	phasesLine int
	path       string
}

// personaFile walks a persona file.
func (d *decoder) personaFile(data []byte) []parsed {
	root := d.document(data, personaFileExpect)
	if root == nil {
		return nil
	}
	list := root
	switch root.Kind {
	case yaml.SequenceNode:
	case yaml.MappingNode:
		f := d.mapping(root, "", personaFileFields)
		list = f.get("personas")
		if isNull(list) {
			d.add(root.Line, "personas", "required field is missing; a persona file is a \"personas:\" list")
			return nil
		}
	default:
		d.add(root.Line, "", "expected %s, got %s", personaFileExpect, kindName(root))
		return nil
	}
	return d.personaList(list, "personas")
}

// personaList walks a list of personas at path.
func (d *decoder) personaList(n *yaml.Node, path string) []parsed {
	l := d.nonEmptyList(n, path, "personas (- name: ...)", "add at least one persona")
	if l == nil {
		return nil
	}
	var out []parsed
	for i, item := range l.Content {
		p := fmt.Sprintf("%s[%d]", path, i)
		// A persona with problems still takes part in the duplicate check
		// if its name is valid; the file's problems make the result nil.
		if s, nameLine, phasesLine := d.persona(item, p); s.Name != "" {
			out = append(out, parsed{spec: s, d: d, nameLine: nameLine, phasesLine: phasesLine, path: p})
		}
	}
	return out
}

// checkDuplicates reports every persona whose name an earlier one already
// uses, in the file of the later one.
func checkDuplicates(ps []parsed) {
	first := map[string]parsed{}
	for _, p := range ps {
		if f, dup := first[p.spec.Name]; dup {
			where := fmt.Sprintf("line %d", f.nameLine)
			if f.d != p.d {
				where = fmt.Sprintf("%s:%d", f.d.file, f.nameLine)
			}
			p.d.add(p.nameLine, join(p.path, "name"), "duplicate persona %q (first at %s)", p.spec.Name, where)
			continue
		}
		first[p.spec.Name] = p
	}
}

// checkArms reports an arm: on a persona that is not a control, and an
// arm that names no test persona of ps.
func checkArms(ps []parsed) {
	tests := map[string]bool{}
	for _, p := range ps {
		if p.spec.Role == RoleTest {
			tests[p.spec.Name] = true
		}
	}
	for _, p := range ps {
		switch a := p.spec.Arm; {
		case a == "":
		case p.spec.Role != RoleControl:
			p.d.add(p.nameLine, join(p.path, "arm"), "arm %q on a %s persona; only a control persona names the test persona it is matched to", a, p.spec.Role)
		case !tests[a]:
			p.d.add(p.nameLine, join(p.path, "arm"), "arm %q names no test persona of the campaign", a)
		}
	}
}

func specsOf(ps []parsed) []Spec {
	out := make([]Spec, len(ps))
	for i, p := range ps {
		out[i] = p.spec
	}
	return out
}

// persona walks one persona mapping and returns the spec with defaults
// applied, the line of its name and the line of its phases (its name's when
// it has none). The spec is meaningful only if the walk
// recorded no problem.
func (d *decoder) persona(n *yaml.Node, path string) (Spec, int, int) {
	if !d.expectMapping(n, path, "persona fields (name, interests, ...)") {
		return Spec{}, 0, 0
	}
	r := resolve(n)
	s := Spec{
		Role:      RoleTest,
		Interests: map[string]float64{},
		Keywords:  map[string][]string{},
		Traits:    Traits{AgeGroup: AgeAdult, Locale: defaultLocale, Device: DeviceDesktop},
		Behaviour: Behaviour{
			Dwell:       defaultDwell,
			Open:        defaultOpen,
			Like:        defaultLike,
			ScrollPause: defaultScrollPause,
			MaxOpens:    defaultMaxOpens,
		},
		Source: fmt.Sprintf("%s:%d", d.file, r.Line),
	}
	f := d.mapping(r, path, personaFields)
	nameNode := f.get("name")
	nameLine := r.Line
	if nameNode != nil {
		nameLine = nameNode.Line
	}
	s.Name, _ = d.name(nameNode, r.Line, join(path, "name"))
	if v := f.get("role"); !isNull(v) {
		s.Role, _ = d.enum(v, join(path, "role"), roles)
	}
	if v := f.get("arm"); !isNull(v) {
		s.Arm, _ = d.str(v, join(path, "arm"))
	}
	if v := f.get("seed"); !isNull(v) {
		s.Seed, _ = d.integer(v, join(path, "seed"))
	} else {
		s.Seed = defaultSeed(s.Name)
	}
	if v := f.get("interests"); !isNull(v) {
		d.interests(v, join(path, "interests"), s.Interests)
	}
	if v := f.get("keywords"); !isNull(v) {
		d.keywords(v, join(path, "keywords"), s.Keywords, s.Interests)
	}
	if v := f.get("phases"); !isNull(v) {
		s.Phases = d.phases(v, join(path, "phases"), s.Interests, s.Keywords)
	}
	if v := f.get("traits"); !isNull(v) {
		d.traits(v, join(path, "traits"), &s.Traits)
	}
	if s.Traits.UserAgent == "" {
		s.Traits.UserAgent = DesktopUserAgent
		if s.Traits.Device == DeviceMobile {
			s.Traits.UserAgent = MobileUserAgent
		}
	}
	view := desktopView
	if s.Traits.Device == DeviceMobile {
		view = mobileViewport
	}
	if s.Traits.Viewport.Width == 0 {
		s.Traits.Viewport.Width = view.Width
	}
	if s.Traits.Viewport.Height == 0 {
		s.Traits.Viewport.Height = view.Height
	}
	if v := f.get("behaviour"); !isNull(v) {
		d.behaviour(v, join(path, "behaviour"), &s.Behaviour)
	}
	if v := f.get("watch"); !isNull(v) {
		s.Watch = d.watchList(v, join(path, "watch"))
	}
	if v := f.get("search"); !isNull(v) {
		s.Search = d.searchList(v, join(path, "search"))
	}
	if v := f.get("history"); !isNull(v) {
		s.History, _ = d.name(v, r.Line, join(path, "history"))
	}
	if v := f.get("proxy"); !isNull(v) {
		d.proxy(v, join(path, "proxy"), &s.Proxy)
	}
	if v := f.get("credentials"); !isNull(v) {
		d.credentials(v, join(path, "credentials"), &s.Credentials)
	}
	if v := f.get("settings"); !isNull(v) {
		d.settings(v, join(path, "settings"), &s.Settings)
	}
	phasesLine := nameLine
	if e, ok := f.byKey["phases"]; ok {
		phasesLine = e.key.Line
	}
	return s, nameLine, phasesLine
}

func (d *decoder) interests(n *yaml.Node, path string, into map[string]float64) {
	if !d.expectMapping(n, path, "topic: weight") {
		return
	}
	folded := map[string]entry{}
	for _, e := range d.mapping(n, path, nil).list {
		p := join(path, e.name)
		topic := strings.TrimSpace(e.name)
		if topic == "" {
			d.add(e.key.Line, p, "topic name is empty")
			continue
		}
		if f, dup := folded[strings.ToLower(topic)]; dup {
			d.add(e.key.Line, p, "topic %q repeats %q (line %d); topics are compared case-insensitively", e.name, f.name, f.key.Line)
			continue
		}
		folded[strings.ToLower(topic)] = e
		w, ok := d.float(e.val, p)
		if !ok {
			continue
		}
		if !(w >= 0 && w <= 1) {
			d.add(e.val.Line, p, "weight %s must be between 0 and 1", e.val.Value)
			continue
		}
		into[topic] = w
	}
}

func (d *decoder) keywords(n *yaml.Node, path string, into map[string][]string, interests map[string]float64) {
	if !d.expectMapping(n, path, "topic: [keyword, ...]") {
		return
	}
	for _, e := range d.mapping(n, path, nil).list {
		p := join(path, e.name)
		topic, ok := interestKey(interests, strings.TrimSpace(e.name))
		if !ok {
			d.add(e.key.Line, p, "topic %q has no weight under interests; add it there so a keyword match has a weight", e.name)
			continue
		}
		if _, dup := into[topic]; dup {
			d.add(e.key.Line, p, "keywords for topic %q are already given; topics are compared case-insensitively", topic)
			continue
		}
		l := resolve(e.val)
		if l.Kind == yaml.ScalarNode && !isNull(l) {
			l = &yaml.Node{Kind: yaml.SequenceNode, Content: []*yaml.Node{e.val}}
		} else if l.Kind != yaml.SequenceNode {
			d.add(e.val.Line, p, "must be a list of keywords, got %s", kindName(l))
			continue
		}
		var kws []string
		for i, k := range l.Content {
			kp := fmt.Sprintf("%s[%d]", p, i)
			s, ok := d.str(k, kp)
			if !ok {
				continue
			}
			if strings.TrimSpace(s) == "" {
				d.add(k.Line, kp, "keyword is empty and would match every title")
				continue
			}
			kws = append(kws, s)
		}
		into[topic] = kws
	}
}

// interestKey returns the key of interests that equals topic,
// case-insensitively.
func interestKey(interests map[string]float64, topic string) (string, bool) {
	if _, ok := interests[topic]; ok {
		return topic, true
	}
	for k := range interests {
		if strings.EqualFold(k, topic) {
			return k, true
		}
	}
	return "", false
}

func (d *decoder) traits(n *yaml.Node, path string, t *Traits) {
	if !d.expectMapping(n, path, "traits (age_group, locale, device, ...)") {
		return
	}
	f := d.mapping(n, path, traitFields)
	if v := f.get("age_group"); !isNull(v) {
		t.AgeGroup, _ = d.enum(v, join(path, "age_group"), ageGroups)
	}
	if v := f.get("locale"); !isNull(v) {
		if s, ok := d.str(v, join(path, "locale")); ok {
			if localeRE.MatchString(s) {
				t.Locale = s
			} else {
				d.add(v.Line, join(path, "locale"), "%q is not a language tag such as en-US or zh-CN", s)
			}
		}
	}
	if v := f.get("device"); !isNull(v) {
		t.Device, _ = d.enum(v, join(path, "device"), devices)
	}
	if v := f.get("user_agent"); !isNull(v) {
		t.UserAgent, _ = d.str(v, join(path, "user_agent"))
		t.UserAgent = strings.TrimSpace(t.UserAgent)
	}
	d.networkTraits(f, path, t)
	if v := f.get("viewport"); !isNull(v) {
		p := join(path, "viewport")
		if !d.expectMapping(v, p, "width and height") {
			return
		}
		vf := d.mapping(v, p, viewportFields)
		for _, dim := range []struct {
			key string
			to  *int
		}{{"width", &t.Viewport.Width}, {"height", &t.Viewport.Height}} {
			if v := vf.get(dim.key); !isNull(v) {
				*dim.to, _ = d.pixels(v, join(p, dim.key))
			}
		}
	}
}

// acceptLanguageRE accepts an Accept-Language value: language tags (or
// "*"), each with an optional quality, separated by commas.
var acceptLanguageRE = regexp.MustCompile(`^\s*(\*|[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*)(\s*;\s*q=(0(\.[0-9]{1,3})?|1(\.0{1,3})?))?\s*(,\s*(\*|[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*)(\s*;\s*q=(0(\.[0-9]{1,3})?|1(\.0{1,3})?))?\s*)*$`)

// Limits of the device profile.
const (
	minScaleFactor = 0.25
	maxScaleFactor = 5
)

// networkTraits decodes what a persona's pages learn about where it is:
// Accept-Language, time zone, geolocation, and its screen's scale and
// touch.
func (d *decoder) networkTraits(f fields, path string, t *Traits) {
	if v := f.get("accept_language"); !isNull(v) {
		if s, ok := d.str(v, join(path, "accept_language")); ok {
			if acceptLanguageRE.MatchString(s) {
				t.AcceptLanguage = strings.TrimSpace(s)
			} else {
				d.add(v.Line, join(path, "accept_language"), "%q is not an Accept-Language value such as de-DE,de;q=0.9", s)
			}
		}
	}
	if v := f.get("timezone"); !isNull(v) {
		if s, ok := d.str(v, join(path, "timezone")); ok {
			if _, err := time.LoadLocation(s); err != nil || s == "" || s == "Local" || !strings.Contains(s, "/") && s != "UTC" {
				d.add(v.Line, join(path, "timezone"), "%q is not an IANA time zone such as Europe/Berlin or UTC", s)
			} else {
				t.Timezone = s
			}
		}
	}
	if v := f.get("geolocation"); !isNull(v) {
		p := join(path, "geolocation")
		if d.expectMapping(v, p, "latitude, longitude and accuracy") {
			gf := d.mapping(v, p, geoFields)
			g := Geolocation{}
			ok := true
			for _, x := range []struct {
				key      string
				to       *float64
				min, max float64
				required bool
			}{{"latitude", &g.Latitude, -90, 90, true}, {"longitude", &g.Longitude, -180, 180, true}, {"accuracy", &g.Accuracy, 0, 1e7, false}} {
				n := gf.get(x.key)
				if isNull(n) {
					if x.required {
						d.add(v.Line, join(p, x.key), "required field is missing")
						ok = false
					}
					continue
				}
				w, good := d.float(n, join(p, x.key))
				if good && (w < x.min || w > x.max) {
					d.add(n.Line, join(p, x.key), "%s must be between %v and %v", n.Value, x.min, x.max)
					good = false
				}
				ok = ok && good
				*x.to = w
			}
			if ok {
				t.Geolocation = &g
			}
		}
	}
	if v := f.get("device_scale_factor"); !isNull(v) {
		if w, ok := d.float(v, join(path, "device_scale_factor")); ok {
			if w < minScaleFactor || w > maxScaleFactor {
				d.add(v.Line, join(path, "device_scale_factor"), "%s must be between %v and %v", v.Value, minScaleFactor, maxScaleFactor)
			} else {
				t.ScaleFactor = w
			}
		}
	}
	if v := f.get("touch"); !isNull(v) {
		if b, ok := d.boolean(v, join(path, "touch")); ok {
			t.Touch = &b
		}
	}
}

// proxySchemes are the proxy URL schemes Chromium understands.
var proxySchemes = []string{"http", "https", "socks4", "socks5"}

// proxy decodes a persona's proxy: its server URL, the bypass list and
// where its credentials come from.
func (d *decoder) proxy(n *yaml.Node, path string, p *Proxy) {
	if !d.expectMapping(n, path, "a proxy (server, bypass, username_env, password_env, ...)") {
		return
	}
	f := d.mapping(n, path, proxyFields)
	v := f.get("server")
	if isNull(v) {
		d.add(n.Line, join(path, "server"), "required field is missing; give the proxy's URL, such as socks5://127.0.0.1:1080")
	} else if s, ok := d.str(v, join(path, "server")); ok {
		if msg := checkProxyServer(s); msg != "" {
			d.add(v.Line, join(path, "server"), "%s", msg)
		} else {
			p.Server = s
		}
	}
	if v := f.get("bypass"); !isNull(v) {
		p.Bypass, _ = d.str(v, join(path, "bypass"))
	}
	for _, k := range []string{"username", "password"} {
		if v := f.get(k); v != nil {
			d.add(v.Line, join(path, k), "never write a credential into a persona file; use %s_env (an environment variable) or %s_file (a file path)", k, k)
		}
	}
	c := &p.Credentials
	for _, x := range []struct {
		key string
		to  *string
	}{{"username_env", &c.UsernameEnv}, {"password_env", &c.PasswordEnv}, {"username_file", &c.UsernameFile}, {"password_file", &c.PasswordFile}} {
		if v := f.get(x.key); !isNull(v) {
			if str, ok := d.str(v, join(path, x.key)); ok {
				*x.to = str
			}
		}
	}
	if c.UsernameEnv != "" && c.UsernameFile != "" || c.PasswordEnv != "" && c.PasswordFile != "" {
		d.add(n.Line, path, "give each credential either an _env or a _file, not both")
	}
}

// checkProxyServer returns what is wrong with a proxy URL, or "".
func checkProxyServer(s string) string {
	u, err := url.Parse(s)
	switch {
	case err != nil || u.Scheme == "" || u.Host == "":
		return fmt.Sprintf("%q is not a proxy URL such as http://HOST:PORT or socks5://HOST:PORT", s)
	case !slices.Contains(proxySchemes, u.Scheme):
		return fmt.Sprintf("proxy scheme %q: want one of %s", u.Scheme, strings.Join(proxySchemes, ", "))
	case u.User != nil:
		return "never write a credential into a persona file; give the proxy's username_env and password_env (or _file) instead"
	case u.Port() == "":
		return fmt.Sprintf("%q has no port", s)
	case u.Path != "" && u.Path != "/" || u.RawQuery != "":
		return fmt.Sprintf("%q: a proxy URL has no path or query", s)
	}
	return ""
}

// pixels decodes a viewport dimension.
func (d *decoder) pixels(n *yaml.Node, path string) (int, bool) {
	v, ok := d.integer(n, path)
	if !ok {
		return 0, false
	}
	if v < 1 || v > maxViewport {
		d.add(n.Line, path, "%d pixels must be between 1 and %d", v, maxViewport)
		return 0, false
	}
	return int(v), true
}

func (d *decoder) behaviour(n *yaml.Node, path string, b *Behaviour) {
	if !d.expectMapping(n, path, "behaviour (dwell, open, like, ...)") {
		return
	}
	f := d.mapping(n, path, behaviourFields)
	if v := f.get("dwell"); !isNull(v) {
		d.dwell(v, join(path, "dwell"), &b.Dwell)
	}
	if v := f.get("open"); !isNull(v) {
		d.prob(v, join(path, "open"), &b.Open)
	}
	if v := f.get("like"); !isNull(v) {
		d.prob(v, join(path, "like"), &b.Like)
	}
	if v := f.get("follow"); !isNull(v) {
		d.prob(v, join(path, "follow"), &b.Follow)
	}
	if v := f.get("not_interested"); !isNull(v) {
		p := join(path, "not_interested")
		if d.expectMapping(v, p, "base and mismatch") {
			af := d.mapping(v, p, aversionFields)
			for _, x := range []struct {
				key string
				to  *float64
			}{{"base", &b.NotInterested.Base}, {"mismatch", &b.NotInterested.Mismatch}} {
				n := af.get(x.key)
				if isNull(n) {
					continue
				}
				w, ok := d.float(n, join(p, x.key))
				if ok && (w < 0 || w > 1) {
					d.add(n.Line, join(p, x.key), "probability %s must be between 0 and 1", n.Value)
					continue
				}
				if ok {
					*x.to = w
				}
			}
		}
	}
	if v := f.get("scroll_pause"); !isNull(v) {
		if p, ok := d.duration(v, join(path, "scroll_pause")); ok {
			b.ScrollPause = p
		}
	}
	if v := f.get("max_opens"); !isNull(v) {
		if m, ok := d.count(v, join(path, "max_opens"), 0); ok {
			b.MaxOpens = m
		}
	}
}

func (d *decoder) dwell(n *yaml.Node, path string, dw *Dwell) {
	if !d.expectMapping(n, path, "median, sigma, min and max") {
		return
	}
	f := d.mapping(n, path, dwellFields)
	ok := true
	for _, dur := range []struct {
		key string
		to  *time.Duration
	}{{"median", &dw.Median}, {"min", &dw.Min}, {"max", &dw.Max}} {
		if v := f.get(dur.key); !isNull(v) {
			x, good := d.duration(v, join(path, dur.key))
			ok = ok && good
			if good {
				*dur.to = x
			}
		}
	}
	if v := f.get("sigma"); !isNull(v) {
		x, good := d.float(v, join(path, "sigma"))
		if good && (x < 0 || x > maxSigma) {
			d.add(v.Line, join(path, "sigma"), "%s must be between 0 and %d", v.Value, maxSigma)
			good = false
		}
		ok = ok && good
		if good {
			dw.Sigma = x
		}
	}
	if !ok {
		return
	}
	// Point cross-field problems at the field the user wrote, else at dwell.
	line := func(keys ...string) int {
		for _, k := range keys {
			if v := f.get(k); v != nil {
				return v.Line
			}
		}
		return n.Line
	}
	switch {
	case dw.Median <= 0:
		d.add(line("median"), join(path, "median"), "median must be above 0")
	case dw.Max < dw.Min:
		d.add(line("max", "min"), join(path, "max"), "max %v is below min %v", dw.Max, dw.Min)
	case dw.Median < dw.Min || dw.Median > dw.Max:
		d.add(line("median", "min", "max"), join(path, "median"), "median %v must be between min %v and max %v", dw.Median, dw.Min, dw.Max)
	}
}

func (d *decoder) prob(n *yaml.Node, path string, p *Prob) {
	if !d.expectMapping(n, path, "base and match") {
		return
	}
	f := d.mapping(n, path, probFields)
	for _, x := range []struct {
		key string
		to  *float64
	}{{"base", &p.Base}, {"match", &p.Match}} {
		v := f.get(x.key)
		if isNull(v) {
			continue
		}
		fp := join(path, x.key)
		w, ok := d.float(v, fp)
		if !ok {
			continue
		}
		if w < 0 || w > 1 {
			d.add(v.Line, fp, "probability %s must be between 0 and 1", v.Value)
			continue
		}
		*x.to = w
	}
}

func (d *decoder) credentials(n *yaml.Node, path string, c *Credentials) {
	if !d.expectMapping(n, path, "where the login comes from (username_env, password_env, username_file, password_file)") {
		return
	}
	f := d.mapping(n, path, credentialFields)
	for _, k := range []string{"username", "password"} {
		if v := f.get(k); v != nil {
			d.add(v.Line, join(path, k), "never write a credential into a persona file; use %s_env (an environment variable) or %s_file (a file path)", k, k)
		}
	}
	for _, x := range []struct {
		key string
		to  *string
	}{{"username_env", &c.UsernameEnv}, {"password_env", &c.PasswordEnv}, {"username_file", &c.UsernameFile}, {"password_file", &c.PasswordFile}} {
		if v := f.get(x.key); !isNull(v) {
			if str, ok := d.str(v, join(path, x.key)); ok {
				*x.to = str
			}
		}
	}
	if c.UsernameEnv != "" && c.UsernameFile != "" || c.PasswordEnv != "" && c.PasswordFile != "" {
		d.add(n.Line, path, "give each credential either an _env or a _file, not both")
	}
}

func (d *decoder) settings(n *yaml.Node, path string, s *Settings) {
	if !d.expectMapping(n, path, "platform toggles (personalization, minor_mode)") {
		return
	}
	f := d.mapping(n, path, settingFields)
	for _, x := range []struct {
		key string
		to  **bool
	}{{"personalization", &s.Personalization}, {"minor_mode", &s.MinorMode}} {
		if v := f.get(x.key); !isNull(v) {
			if b, ok := d.boolean(v, join(path, x.key)); ok {
				*x.to = &b
			}
		}
	}
}

// unwrapPathError drops the path from an *os.PathError, which the message
// already names.
func unwrapPathError(err error) error {
	if pe, ok := err.(*os.PathError); ok {
		return pe.Err
	}
	return err
}
