// Package personas owns the study design as data: persona specs (who a
// sock-puppet is, what it is interested in, how it browses) and campaign
// specs (which personas run against which platform, how often), read from
// YAML files and validated.
//
// Every validation problem is reported as an *Error naming the file, the
// line, the field path and what is wrong, and all problems of a file are
// reported together (joined with errors.Join), so a user can fix a spec in
// one pass:
//
//	personas.yaml:12: personas[0].interests.sports: weight -1 must be between 0 and 1
//
// Specs returned by Load, Parse, LoadCampaign and ParseCampaign are complete:
// every omitted field holds its documented default. Placeholders finds the
// template placeholders (feedprobe init's "edit me") a file still holds,
// and HasTopKey tells a spec file's kind by its top-level key.
//
// The package also owns the built-in campaigns, embedded from
// personas/templates: the templates `feedprobe init` writes
// (TemplateNames, Template, and TemplateAdapter for the adapter file a
// template needs beside it) and the demo campaign (DemoCampaign). The package
// has no browser code, does no I/O beyond reading the spec files, and
// imports analysis only (for the audit's plain persona values).
package personas
