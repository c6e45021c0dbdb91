// Package probe drives headless Chromium through chromedp: one browser, one
// browser context per persona session, declarative platform adapters that
// extract items with goquery, and persona identities carried across sessions.
//
// Everything that touches chromedp or goquery lives here. The simulated
// platform used by tests and the demo lives in the subpackage simfeed.
package probe
