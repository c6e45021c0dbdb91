// Package report renders feedprobe's documents for people: the audit report
// of a campaign (one self-contained HTML file with its charts drawn as
// inline SVG by gonum/plot) and the rectification notice of an inspection
// (HTML; its Notice value is also what `feedprobe order notice --json`
// prints).
//
// It renders analysis results and reads nothing: no database, no files, no
// network, no clock. Write takes a plain Input and WriteNotice a plain
// Notice, which the caller builds (cmd/feedprobe from storage). The
// templates are embedded. All platform text (titles, topics, persona
// names, disclosure texts) is escaped by html/template; the output has no
// scripts and fetches nothing.
//
// The package imports analysis and personas only; it never imports
// storage, probe or cmd.
package report
