// Package probe drives headless Chromium through chromedp: one browser, one
// browser context per persona session, declarative platform adapters that
// extract items with goquery, and persona identities carried across sessions.
//
// Everything that touches chromedp or goquery lives here. RunCampaign runs a
// campaign's planned sessions (a Runner with one shared browser, relaunched
// when it dies); CampaignAdapter, ResolveAdapter and TileBudget pick what it
// runs with; CheckAdapter and WriteCheck try an adapter on one page. The
// simulated platform used by tests and the demo lives in the subpackage
// simfeed.
//
// The package imports personas and never imports storage or analysis:
// what it writes goes through the Store, EvidenceSink and IdentityStore
// interfaces, which *storage.DB satisfies.
package probe
