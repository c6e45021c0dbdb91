package personas

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"time"

	"go.yaml.in/yaml/v3"
)

// Campaign is one audit run's design: which personas browse which platform,
// how many sessions of how many items. Values returned by LoadCampaign and
// ParseCampaign are complete: omitted fields hold the defaults documented
// below. A Campaign is safe to share for reading.
type Campaign struct {
	// Name identifies the campaign, in the persona-name charset.
	Name string `json:"name"`
	// Platform is the adapter name, such as "simfeed".
	Platform string `json:"platform"`
	// AdapterFile is the absolute path of a user adapter YAML, resolved
	// against the campaign file's directory; "" when the campaign names none.
	AdapterFile string `json:"adapter_file"`
	// BaseURL is the platform's http or https address.
	BaseURL string `json:"base_url"`
	// Personas are the personas of the persona files, in the order listed,
	// followed by the inline personas. Names are unique.
	Personas []Spec `json:"personas"`
	// Sessions is the number of sessions per persona, at least 1.
	Sessions int `json:"sessions"`
	// ItemsPerSession is the number of feed items a session collects, at
	// least 1.
	ItemsPerSession int `json:"items_per_session"`
	// SessionTimeout bounds one session. Default: 5m.
	SessionTimeout time.Duration `json:"session_timeout_ns"`
	// Pause is the wait between a persona's sessions. Default: 0.
	Pause time.Duration `json:"pause_ns"`
	// Concurrency is the number of personas browsing at once, at least 1.
	// Default: 4.
	Concurrency int `json:"concurrency"`
	// Twins is the number of twin controls generated for every test
	// persona (see Spec.Twin): blank personas that run in lock-step with it
	// (same session at the same moment), listed right after the personas
	// loaded from files. Two or more measure the noise floor. Default: 0.
	Twins int `json:"twins,omitempty"`
	// Design is free text for the audit report.
	Design Design `json:"design"`
	// Analysis is how the campaign is analysed (the analysis: block);
	// zero when the file has none, so a campaign without one hashes as
	// before.
	Analysis Analysis `json:"analysis,omitzero"`
	// Path is the campaign file's name as given to the loader. It is
	// excluded from Hash.
	Path string `json:"path,omitempty"`
}

// Analysis declares what a campaign is designed to measure and the
// metric settings it is analysed with; zero fields leave analysis's
// defaults. feedprobe validates check names and warns about designs too
// small for their checks (analysis.DesignWarnings); this package only
// checks the shape.
type Analysis struct {
	// Checks are the compliance experiments the campaign is designed for
	// (analysis.Checks names, such as art21-prices). When set, only these
	// checks run; art21-prices runs only when declared.
	Checks []string `json:"checks,omitempty"`
	// Catalogue is the platform's catalogue size, for coverage and the
	// exposure Gini over every item; 0 when unknown.
	Catalogue int `json:"catalogue,omitempty"`
	// TaxonomySize is K, the number of topics of the taxonomy; 0 means the
	// topics seen.
	TaxonomySize int `json:"taxonomy_size,omitempty"`
	// SERPMSDepth is the depth SERP-MS scores; 0 means 10.
	SERPMSDepth int `json:"serp_ms_depth,omitempty"`
	// RBODepth cuts lists before RBO; 0 means whole lists.
	RBODepth int `json:"rbo_depth,omitempty"`
	// RBOP is RBO's persistence p, in (0, 1); 0 means 0.9.
	RBOP float64 `json:"rbo_p,omitempty"`
}

// Design is the free-text study design an audit report quotes.
type Design struct {
	Rationale     string `json:"rationale"`
	SamplingFrame string `json:"sampling_frame"`
	Period        string `json:"period"`
}

// Campaign defaults.
const (
	defaultSessionTimeout = 5 * time.Minute
	defaultConcurrency    = 4
)

// Known fields of a campaign file.
var (
	campaignFields = []string{"campaign", "platform", "adapter_file", "base_url", "persona_files", "personas",
		"sessions", "items_per_session", "session_timeout", "pause", "concurrency", "twins", "design", "analysis"}
	designFields   = []string{"rationale", "sampling_frame", "period"}
	analysisFields = []string{"checks", "catalogue", "taxonomy_size", "serp_ms_depth", "rbo_depth", "rbo_p"}
)

const campaignExpect = `a campaign mapping (campaign:, platform:, base_url:, ...)`

// LoadCampaign reads and validates the campaign file at path, resolving
// persona_files and adapter_file against its directory. Problems in the
// campaign file and in every persona file it lists are all returned, as
// *Error values joined with errors.Join; a file that cannot be read is
// reported as an *Error at line 1.
func LoadCampaign(path string) (*Campaign, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		d := newDecoder(path)
		d.add(1, "", "cannot read file: %v", unwrapPathError(err))
		return nil, d.err()
	}
	return ParseCampaign(path, data, filepath.Dir(path))
}

// ParseCampaign validates a campaign file's contents; name is the file name
// used in errors and in Campaign.Path, and dir is the directory relative
// persona_files and adapter_file are resolved against ("" for the working
// directory). Persona files are read from disk; their problems carry their
// own file names. Top-level keys starting with "x-" are ignored. On any
// problem the campaign is nil.
func ParseCampaign(name string, data []byte, dir string) (*Campaign, error) {
	d := newDecoder(name)
	c, fileDecoders := d.campaign(data, dir)
	errs := d.sorted()
	for _, fd := range fileDecoders {
		errs = append(errs, fd.sorted()...)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return c, nil
}

// campaign walks a campaign file. It returns the decoders of the persona
// files it read, which hold those files' problems.
func (d *decoder) campaign(data []byte, dir string) (*Campaign, []*decoder) {
	root := d.document(data, campaignExpect)
	if root == nil {
		return nil, nil
	}
	if root.Kind != yaml.MappingNode {
		d.add(root.Line, "", "expected %s, got %s", campaignExpect, kindName(root))
		return nil, nil
	}
	c := &Campaign{
		SessionTimeout: defaultSessionTimeout,
		Concurrency:    defaultConcurrency,
		Path:           d.file,
	}
	f := d.mapping(root, "", campaignFields)
	c.Name, _ = d.name(f.get("campaign"), root.Line, "campaign")
	c.Platform, _ = d.name(f.get("platform"), root.Line, "platform")
	if v := f.get("adapter_file"); !isNull(v) {
		if s, ok := d.str(v, "adapter_file"); ok && s != "" {
			p := resolvePath(dir, s)
			if fi, err := os.Stat(p); err != nil {
				d.add(v.Line, "adapter_file", "cannot use %q: %v", p, unwrapPathError(err))
			} else if fi.IsDir() {
				d.add(v.Line, "adapter_file", "%q is a directory, not an adapter YAML file", p)
			} else if abs, err := filepath.Abs(p); err == nil {
				c.AdapterFile = abs
			} else {
				c.AdapterFile = p
			}
		}
	}
	if v := f.get("base_url"); isNull(v) {
		d.add(lineOr(v, root.Line), "base_url", "required field is missing")
	} else if s, ok := d.str(v, "base_url"); ok {
		if u, err := url.Parse(s); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			d.add(v.Line, "base_url", "%q must be an http or https URL", s)
		} else {
			c.BaseURL = s
		}
	}
	c.Sessions, _ = d.requiredCount(f.get("sessions"), root.Line, "sessions")
	c.ItemsPerSession, _ = d.requiredCount(f.get("items_per_session"), root.Line, "items_per_session")
	if v := f.get("session_timeout"); !isNull(v) {
		if t, ok := d.duration(v, "session_timeout"); ok && t == 0 {
			d.add(v.Line, "session_timeout", "must be above 0")
		} else if ok {
			c.SessionTimeout = t
		}
	}
	if v := f.get("pause"); !isNull(v) {
		c.Pause, _ = d.duration(v, "pause")
	}
	if v := f.get("concurrency"); !isNull(v) {
		c.Concurrency, _ = d.count(v, "concurrency", 1)
	}
	twinsLine := root.Line
	if v := f.get("twins"); !isNull(v) {
		c.Twins, _ = d.count(v, "twins", 0)
		twinsLine = v.Line
		if c.Twins > maxTwins {
			d.add(v.Line, "twins", "%d twins per test persona is too many (at most %d)", c.Twins, maxTwins)
			c.Twins = 0
		}
	}
	if v := f.get("design"); !isNull(v) && d.expectMapping(v, "design", "rationale, sampling_frame and period") {
		df := d.mapping(v, "design", designFields)
		for _, x := range []struct {
			key string
			to  *string
		}{{"rationale", &c.Design.Rationale}, {"sampling_frame", &c.Design.SamplingFrame}, {"period", &c.Design.Period}} {
			if v := df.get(x.key); !isNull(v) {
				*x.to, _ = d.str(v, join("design", x.key))
			}
		}
	}
	if v := f.get("analysis"); !isNull(v) && d.expectMapping(v, "analysis", "checks, catalogue, taxonomy_size, serp_ms_depth, rbo_depth and rbo_p") {
		c.Analysis = d.analysis(v)
	}

	var all []parsed
	var fileDecoders []*decoder
	if v := f.get("persona_files"); !isNull(v) {
		ps, fds := d.personaFiles(v, dir)
		all = append(all, ps...)
		fileDecoders = fds
	}
	inline := f.get("personas")
	if !isNull(inline) {
		all = append(all, d.personaList(inline, "personas")...)
	}
	if isNull(f.get("persona_files")) && isNull(inline) {
		d.add(root.Line, "personas", "campaign has no personas; list persona_files or add personas")
	}
	all = d.addTwins(all, c.Twins, twinsLine)
	checkDuplicates(all)
	checkArms(all)
	c.Personas = specsOf(all)
	if c.Sessions > 0 {
		for _, p := range all {
			if n := p.spec.PhaseSessions(); n > c.Sessions {
				p.d.add(p.phasesLine, join(p.path, "phases"), "phases plan %d sessions but the campaign has %d; shorten a phase or raise sessions", n, c.Sessions)
			}
		}
	}
	return c, fileDecoders
}

// maxTwins bounds Campaign.Twins.
const maxTwins = 20

// addTwins appends k twin controls after every test persona of ps, in
// order, reporting names that would be too long at line.
func (d *decoder) addTwins(ps []parsed, k, line int) []parsed {
	if k == 0 {
		return ps
	}
	out := make([]parsed, 0, len(ps)*(k+1))
	for _, p := range ps {
		out = append(out, p)
		if p.spec.Role != RoleTest {
			continue
		}
		for i := 1; i <= k; i++ {
			tw := p.spec.Twin(i)
			if len(tw.Name) > maxNameLen {
				d.add(line, "twins", "twin name %q of persona %q is longer than %d characters; shorten the persona's name", tw.Name, p.spec.Name, maxNameLen)
				break
			}
			out = append(out, parsed{spec: tw, d: d, nameLine: line, path: "twins"})
		}
	}
	return out
}

// personaFiles reads the persona files listed at n.
func (d *decoder) personaFiles(n *yaml.Node, dir string) ([]parsed, []*decoder) {
	l := resolve(n)
	if l.Kind == yaml.ScalarNode {
		l = &yaml.Node{Kind: yaml.SequenceNode, Content: []*yaml.Node{n}}
	}
	if l.Kind != yaml.SequenceNode {
		d.add(n.Line, "persona_files", "must be a list of file names, got %s", kindName(l))
		return nil, nil
	}
	var ps []parsed
	var fds []*decoder
	seen := map[string]int{}
	for i, item := range l.Content {
		p := fmt.Sprintf("persona_files[%d]", i)
		s, ok := d.str(item, p)
		if !ok {
			continue
		}
		if s == "" {
			d.add(item.Line, p, "file name is empty")
			continue
		}
		path := resolvePath(dir, s)
		if first, dup := seen[filepath.Clean(path)]; dup {
			d.add(item.Line, p, "%q is already listed at line %d", s, first)
			continue
		}
		seen[filepath.Clean(path)] = item.Line
		data, err := os.ReadFile(path)
		if err != nil {
			d.add(item.Line, p, "cannot read persona file %q: %v", path, unwrapPathError(err))
			continue
		}
		fd := newDecoder(path)
		ps = append(ps, fd.personaFile(data)...)
		fds = append(fds, fd)
	}
	return ps, fds
}

// requiredCount decodes a required whole number of at least 1.
func (d *decoder) requiredCount(n *yaml.Node, parent int, path string) (int, bool) {
	if isNull(n) {
		d.add(lineOr(n, parent), path, "required field is missing")
		return 0, false
	}
	return d.count(n, path, 1)
}

// lineOr returns n's line, or def when n is absent.
func lineOr(n *yaml.Node, def int) int {
	if n == nil {
		return def
	}
	return n.Line
}

// resolvePath resolves a file name from a spec against dir.
func resolvePath(dir, name string) string {
	if filepath.IsAbs(name) || dir == "" {
		return name
	}
	return filepath.Join(dir, name)
}

// hashVersion prefixes the hashed encoding, so a change of encoding is a
// deliberate change of every hash.
const hashVersion = "feedprobe-campaign-v1\n"

// CountRole returns how many of the campaign's personas have role
// (RoleTest, RoleControl), twins included.
func (c *Campaign) CountRole(role string) int {
	n := 0
	for _, p := range c.Personas {
		if p.Role == role {
			n++
		}
	}
	return n
}

// Hash returns the hex SHA-256 of a canonical JSON encoding of the
// campaign: personas sorted by name, with Source, Path and the adapter
// file's directory left out, so the same design loaded from a different
// place or with its personas reordered or split across other files hashes
// the same. Hash returns "" for a campaign JSON cannot encode (NaN or
// infinite numbers, which loaded campaigns never hold).
func (c *Campaign) Hash() string {
	cc := *c
	cc.Path = ""
	if cc.AdapterFile != "" {
		cc.AdapterFile = filepath.Base(cc.AdapterFile)
	}
	cc.Personas = make([]Spec, len(c.Personas))
	for i, s := range c.Personas {
		s.Source = ""
		cc.Personas[i] = s
	}
	slices.SortStableFunc(cc.Personas, func(a, b Spec) int { return cmp.Compare(a.Name, b.Name) })
	b, err := json.Marshal(cc)
	if err != nil {
		return ""
	}
	sum := sha256.Sum256(append([]byte(hashVersion), b...))
	return hex.EncodeToString(sum[:])
}

// analysis decodes a campaign's analysis: block.
func (d *decoder) analysis(n *yaml.Node) Analysis {
	var a Analysis
	f := d.mapping(n, "analysis", analysisFields)
	if v := f.get("checks"); !isNull(v) {
		l := resolve(v)
		if l.Kind == yaml.ScalarNode {
			l = &yaml.Node{Kind: yaml.SequenceNode, Content: []*yaml.Node{v}}
		}
		if l.Kind != yaml.SequenceNode {
			d.add(v.Line, "analysis.checks", "must be a list of check names, got %s", kindName(l))
		} else {
			for i, x := range l.Content {
				path := fmt.Sprintf("analysis.checks[%d]", i)
				if s, ok := d.name(x, v.Line, path); ok {
					if slices.Contains(a.Checks, s) {
						d.add(x.Line, path, "check %q is listed twice", s)
						continue
					}
					a.Checks = append(a.Checks, s)
				}
			}
		}
	}
	for _, x := range []struct {
		key string
		to  *int
	}{{"catalogue", &a.Catalogue}, {"taxonomy_size", &a.TaxonomySize}, {"serp_ms_depth", &a.SERPMSDepth}, {"rbo_depth", &a.RBODepth}} {
		if v := f.get(x.key); !isNull(v) {
			*x.to, _ = d.count(v, join("analysis", x.key), 0)
		}
	}
	if v := f.get("rbo_p"); !isNull(v) {
		if p, ok := d.float(v, "analysis.rbo_p"); ok {
			if p <= 0 || p >= 1 {
				d.add(v.Line, "analysis.rbo_p", "%g must be between 0 and 1, exclusive", p)
			} else {
				a.RBOP = p
			}
		}
	}
	return a
}
