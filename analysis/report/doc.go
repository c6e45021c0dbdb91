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
// Both documents exist in English and Chinese (Lang). Every fixed text is
// in one table (texts.go), the analysis's sentences (analysis.Text: a
// finding's question, reason, effect, details, examples) included: the
// table holds their Chinese under "a." and the analysis's key, and takes
// their English from the analysis, so no sentence has a second copy.
// Data (titles, topics, persona names) is printed as recorded.
//
// The package imports analysis and personas only; it never imports
// storage, probe or cmd.
package report
