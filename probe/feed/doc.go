// Package feed holds the plain values a feed session produces and the rest
// of feedprobe stores and reads: Item (a recommended item as extracted),
// Impression (an item served at a rank in a session), Action (what a persona
// did) and Evidence (a screenshot or HTML captured along the way), and the
// parsed Zeeschuimer export (ZeeschuimerExport) that probe reads and
// storage imports.
//
// It owns only these types and their constants, so that storage and
// analysis can use them without the browser. It never imports chromedp,
// goquery, database/sql or any other feedprobe package; the interfaces that
// consume these values (probe.Sink, probe.EvidenceSink, ...) live in the
// packages that use them.
package feed
