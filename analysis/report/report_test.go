package report

import (
	"bytes"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/feedprobe/feedprobe/analysis"
	"github.com/feedprobe/feedprobe/personas"
)

const hostile = `<script>window.pwned=1</script><img src=x onerror=alert(1)>`

func finding(check, verdict string, effect analysis.Num) analysis.Finding {
	return analysis.Finding{Check: check, Article: "AR 17(1)", Question: "switch off?", Verdict: verdict, Reason: "because",
		Effect:   analysis.FindingEffect{Name: "share", Unit: "points", Value: effect, Lo: effect - 0.1, Hi: effect + 0.1, Margin: 0.05},
		PValue:   0.01,
		Examples: []analysis.FindingExample{{Persona: "p1", Session: 2, Surface: "feed", Rank: 1, ItemID: "it-1", Title: hostile, Topic: "pets"}}}
}

// sampleInput is a re-inspection of a campaign with one persona, two
// sessions of impressions, a disclosure and chart data for the role band.
func sampleInput() Input {
	off := false
	spec := personas.Campaign{Name: "after", Sessions: 2, ItemsPerSession: 10,
		Design: personas.Design{Rationale: "why <b>", Period: "March"},
		Personas: []personas.Spec{{Name: "p1", Role: "test", Interests: map[string]float64{"pets": 0.7, "cars": 0.3},
			Settings: personas.Settings{Personalization: &off}}}}
	var imps []analysis.ComplianceImpression
	for _, s := range []int{3, 2} {
		for r := 7; r >= 1; r-- {
			imps = append(imps, analysis.ComplianceImpression{Persona: "p1", Session: s, Surface: "feed", Rank: r,
				ItemID: "it-" + string(rune('a'+r)), Title: strings.Repeat("é", 301), Topic: "pets"})
		}
	}
	band := func(mean analysis.Num) map[string]analysis.Estimate {
		return map[string]analysis.Estimate{"reference_share": {Mean: mean, Lo: mean - 0.1, Hi: mean + 0.1}}
	}
	return Input{
		Generated: time.Date(2026, 3, 2, 8, 0, 0, 0, time.FixedZone("CST", 8*3600)),
		Campaign: CampaignFindings{Campaign: Campaign{ID: 2, Name: "after", Platform: "simfeed", BaseURL: "http://127.0.0.1:1"},
			Spec: spec, Findings: []analysis.Finding{finding(analysis.CheckArt17Off, analysis.VerdictClean, 0.01)}},
		Baseline: &CampaignFindings{Campaign: Campaign{ID: 1, Name: "before"},
			Findings: []analysis.Finding{finding(analysis.CheckArt17Off, analysis.VerdictViolation, 0.8)}},
		Compliance: analysis.ComplianceInput{Personas: []analysis.CompliancePersona{{Name: "p1", Role: "test"}}, Impressions: imps},
		Audit: analysis.Audit{Groups: []analysis.GroupAudit{{Dimension: "role", Value: "test", Personas: 1,
			Rows: []analysis.GroupRow{{Session: 1, Metrics: band(0.5)}, {Session: 2, Metrics: band(0.6)}}}}},
		Lexicon:  []string{"violence", "gambling"},
		Sessions: Sessions{Done: 4, Failed: 1, Blocked: 2, First: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), Last: time.Date(2026, 3, 1, 1, 0, 0, 0, time.UTC)},
		Disclosures: []Disclosure{{Case: "CAC-1", Surface: Surface{Surface: "feed", FilingNumber: "F-1", Disclosure: hostile,
			DisclosureHash: "abc", Source: "file.txt", RetrievedAt: time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)}}},
	}
}

func TestWrite(t *testing.T) {
	var buf bytes.Buffer
	if err := Write(&buf, sampleInput()); err != nil {
		t.Fatal(err)
	}
	html := buf.String()
	for _, want := range []string{
		`<td id="generated">2026-03-02 00:00:00 &#43;00:00 (times in UTC: the case sets no time zone)</td>`,
		"4 done, 1 failed, 2 blocked",
		"14 impressions",
		"2026-03-01 00:00:00 &#43;00:00 to 2026-03-01 01:00:00 &#43;00:00",
		"why &lt;b&gt;",
		"<td>cars 0.3, pets 0.7</td>", // interests sorted by topic
		"<td>personalization off</td>",
		"Re-inspection against campaign “before”",
		`<td class="status-fixed">fixed</td>`,
		`<td class="clean">no evidence</td>`,
		"<h3>Interest share per session</h3><svg",
		"not drawn: no data for this chart",
		"No control persona in this campaign",
		"font-family:inherit",
		"gambling, violence", // lexicon sorted
		"… (1 more characters)",
		"<td>CAC-1</td><td>feed</td><td>F-1</td>",
		"2026-02-01 00:00:00 &#43;00:00",
		Limitations[0][:40],
	} {
		if !strings.Contains(html, want) {
			t.Errorf("report lacks %q", want)
		}
	}
	if strings.Contains(html, "%!") {
		t.Error("report has a broken format (%!)")
	}
	if strings.Contains(html, hostile) || !strings.Contains(html, "&lt;script&gt;window.pwned=1") {
		t.Error("report carries a hostile title or disclosure unescaped")
	}
	if regexp.MustCompile(`(?i)<script|src="http|href="http`).MatchString(html) {
		t.Error("report has a script or a network reference; it must be self-contained")
	}
	// First screen: session 2 (the earliest), ranks 1..5 in order.
	ranks := regexp.MustCompile(`<tr><td>p1</td><td class="num">(\d+)</td><td class="num">(\d+)</td>`).FindAllStringSubmatch(html, -1)
	var got []string
	for _, m := range ranks {
		got = append(got, m[1]+"/"+m[2])
	}
	if want := "2/1 2/2 2/3 2/4 2/5"; strings.Join(got, " ") != want {
		t.Errorf("first screen rows = %q, want %q", strings.Join(got, " "), want)
	}
}

func TestWriteNoBaseline(t *testing.T) {
	in := sampleInput()
	in.Baseline, in.Disclosures, in.Campaign.Findings = nil, nil, nil
	in.Sessions.First = time.Time{}
	var buf bytes.Buffer
	if err := Write(&buf, in); err != nil {
		t.Fatal(err)
	}
	html := buf.String()
	for _, absent := range []string{"Re-inspection against", "What the platform discloses", "Sessions ran"} {
		if strings.Contains(html, absent) {
			t.Errorf("report without baseline, disclosures or start has %q", absent)
		}
	}
	if !strings.Contains(html, "No compliance experiment was recognized") {
		t.Error("report without findings does not say so")
	}
}

func TestClipTitle(t *testing.T) {
	for _, tc := range []struct {
		in, want string
	}{
		{"short", "short"},
		{strings.Repeat("x", 300), strings.Repeat("x", 300)},
		{strings.Repeat("ü", 302), strings.Repeat("ü", 300) + "… (2 more characters)"},
	} {
		if got := clipTitle(tc.in, English); got != tc.want {
			t.Errorf("clipTitle(%d runes) = %q, want %q", len([]rune(tc.in)), got, tc.want)
		}
	}
}

func TestWriteNotice(t *testing.T) {
	start := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	f := finding(analysis.CheckArt17Off, analysis.VerdictViolation, 0.8)
	n := Notice{
		Inspection: Inspection{ID: 1, Case: "CAC-1", Platform: "simfeed", Body: "CAC", Kind: "on-site", Start: &start},
		Surfaces:   []Surface{{Surface: "feed", FilingNumber: "F-1", Disclosure: hostile, DisclosureBytes: len(hostile)}},
		Orders: []Order{{ID: 7, Campaign: "audit-1", CampaignID: 3, Finding: f.Check, Article: f.Article, Verdict: f.Verdict,
			Deadline: time.Date(2099, 12, 31, 16, 0, 0, 0, time.UTC), Status: "open", Evidence: &f}},
		Generated: start, Limits: NoticeLimits,
	}
	var buf bytes.Buffer
	if err := WriteNotice(&buf, n); err != nil {
		t.Fatal(err)
	}
	html := buf.String()
	for _, want := range []string{
		"<title>Rectification notice: CAC-1</title>",
		"<tr><th>From</th><td>2026-03-01 00:00:00 &#43;00:00</td></tr>",
		`<section id="order-7">`,
		`<td class="deadline">2099-12-31 16:00:00 &#43;00:00 (UTC)</td>`,
		"<li>Internet Information Service Algorithmic Recommendation Management Provisions, Article 17, paragraph 1</li>",
		"share: 0.8 [0.7, 0.9] points (margin 0.05); p = 0.01",
		"audit-1 (id 3)",
		"<h3>Surface: feed</h3>",
		NoticeLimits[:40],
	} {
		if !strings.Contains(html, want) {
			t.Errorf("notice lacks %q", want)
		}
	}
	if strings.Contains(html, hostile) || strings.Contains(html, "<script") {
		t.Error("notice carries a hostile title or disclosure unescaped")
	}
	n.Orders = nil
	buf.Reset()
	if err := WriteNotice(&buf, n); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), "<p>No orders.</p>") {
		t.Error("notice without orders does not say so")
	}
}

func TestWriteEgress(t *testing.T) {
	in := sampleInput()
	in.Campaign.Spec.Personas = []personas.Spec{
		{Name: "a", Traits: personas.Traits{Locale: "de-DE", Timezone: "Europe/Berlin", Geolocation: &personas.Geolocation{Latitude: 52.52, Longitude: 13.405}},
			Proxy: personas.Proxy{Server: "socks5://127.0.0.1:1080", Credentials: personas.Credentials{PasswordEnv: "PROXY_SECRET_VAR"}}},
		{Name: "b", Traits: personas.Traits{Locale: "en-US"}},
		{Name: "c", Traits: personas.Traits{Locale: "en-US"}},
		{Name: "d", Traits: personas.Traits{Locale: "en-US"}},
	}
	in.Egress = analysis.CheckEgress([]string{"a", "b", "c", "d"}, []analysis.EgressObservation{
		{Persona: "a", Session: 1, IP: "127.0.0.2"}, {Persona: "b", Session: 1, IP: "127.0.0.3"}, {Persona: "c", Session: 1, IP: "127.0.0.3"}})
	var buf bytes.Buffer
	if err := Write(&buf, in); err != nil {
		t.Fatal(err)
	}
	html := buf.String()
	for _, want := range []string{
		"<td>a</td><td>socks5://127.0.0.1:1080</td><td>Europe/Berlin; de-DE; 52.5200, 13.4050</td><td>127.0.0.2</td>",
		"<td>d</td><td>none (the probe&#39;s own address)</td><td>machine time zone; en-US</td><td>not recorded</td>",
		"Personas share an egress address",
		"127.0.0.3: b, c.",
	} {
		if !strings.Contains(html, want) {
			t.Errorf("report lacks %q", want)
		}
	}
	if strings.Contains(html, "PROXY_SECRET_VAR") {
		t.Error("report names where a proxy credential comes from")
	}
	in.Egress = analysis.CheckEgress([]string{"a"}, nil)
	buf.Reset()
	if err := Write(&buf, in); err != nil {
		t.Fatal(err)
	}
	if html := buf.String(); strings.Contains(html, "Personas share") || !strings.Contains(html, "No session recorded an echo") {
		t.Error("report without echoes flags a shared egress or does not say the egress is unknown")
	}
}
