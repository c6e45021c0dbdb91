// Package probe drives headless Chromium through chromedp: one browser, one
// browser context per persona session, declarative platform adapters that
// extract items with goquery, and persona identities carried across sessions.
//
// An adapter's capture block (capture.go, netcapture.go) also reads what the
// platform sends: the bodies of matching responses through the DevTools
// Network domain and the JSON the HTML document embeds, with the path
// engine of jsonpath.go. Every impression then says where it was observed
// and when it reached the viewport.
//
// Everything that touches chromedp or goquery lives here. The plain values a
// session produces (feed.Item, feed.Impression, feed.Action, feed.Evidence)
// live in the subpackage feed, so that storage and analysis can use them
// without the browser; the interfaces that receive them (Sink,
// IdentityStore, SessionTracker, EvidenceSink) live here, and *storage.DB
// satisfies them without importing probe. The simulated platform used by
// tests and the demo lives in the subpackage simfeed.
package probe
