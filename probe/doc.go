// Package probe drives headless Chromium through chromedp: one browser, one
// browser context per persona session, declarative platform adapters that
// extract items with goquery, and persona identities carried across sessions.
//
// An adapter's capture block (capture.go, netcapture.go) also reads what the
// platform sends: the bodies of matching responses through the DevTools
// Network domain and the JSON the HTML document embeds, with the path
// engine of jsonpath.go. Every impression then says where it was observed
// and when it reached the viewport. Adapter.Reextract reads a session's
// stored bodies and page snapshots again, offline, with a new adapter
// version (reextract.go); ParseZeeschuimer reads the NDJSON export of the
// Zeeschuimer browser extension with the templates' field paths
// (zeeschuimer.go).
//
// A session first gives the persona its network identity (netidentity.go:
// the proxy of its browser context, its time zone, locale, languages,
// position and device through the emulation domain, which the browser also
// gives every tab the persona's pages open before its first request:
// newtabs.go) and records what the adapter's echo page saw of it; then it runs the persona's watch list
// (watch.go: media played muted, the time played recorded) and search
// list (search.go), and reads the feed. Every item opened on its own page
// has its up-next list recorded beside it (upnext.go).
//
// Everything that touches chromedp or goquery lives here. RunCampaign runs a
// campaign's planned sessions (a Runner with one shared browser, relaunched
// when it dies); CampaignAdapter, ResolveAdapter and TileBudget pick what it
// runs with; CheckAdapter, WriteCheck and CheckReport.Save try an adapter
// on one page; WriteAdapterList lists the adapters and templates;
// ClosedNetwork and ClosedNetworkAll decide the closed-network mode; Login,
// WaitEnter, WaitSelector and HasDisplay log a persona in by hand or by a
// selector that shows the login succeeded; PrintPDF prints a
// report or notice to PDF (pdf.go). The
// plain values a session produces (feed.Item, feed.Impression, feed.Action,
// feed.Evidence) live in the subpackage feed, so that storage and analysis
// can use them without the browser. The simulated platform used by tests
// and the demo lives in the subpackage simfeed.
//
// The package imports personas and never imports storage or analysis:
// what it writes goes through the Store, EvidenceSink and IdentityStore
// interfaces, which *storage.DB satisfies.
package probe
