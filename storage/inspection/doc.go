// Package inspection owns the lifecycle of an inspection case above the
// storage layer: deadlines as inspectors write them, issuing a
// rectification order for a finding of one of the case's campaigns, the
// verdict that closes an order after its re-inspection, the disclosures a
// campaign's report sets beside its findings, and the case file with its
// timeline that `feedprobe inspection show` prints and the rectification
// notice renders.
//
// The order's states and their transitions are kept in SQL by storage
// (IssueOrder, StartReinspection, CloseOrder); this package decides what
// to store. The compliance checks themselves are the caller's: functions
// that need a campaign's findings take a FindingsFunc.
//
// It also reads what the audit report of a campaign shows (ReportInput:
// findings, analysis, sessions, disclosures, the case, the hashes and the
// evidence pictures) for analysis/report to render, reads and fetches
// disclosure texts, and prints the case file, the inspection list and the
// campaigns' findings as the inspection and order commands show them.
//
// It imports storage, analysis and analysis/report (for the plain case
// values the report renders); never probe or cmd.
package inspection
