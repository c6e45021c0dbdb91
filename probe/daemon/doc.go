// Package daemon is the orchestration layer of feedprobe serve: it runs
// scheduled campaigns (their files, reloads, slots, missed-slot records)
// and the re-inspection of rectification orders at their deadlines, with
// every persona session of every campaign in one shared browser and at
// most a fixed number at once, handed out fairly between campaigns.
//
// It owns the campaign loop, the fair session semaphore, the in-process
// guarantee of one run per order and per campaign, the re-inspection loop
// with its retries, recorded attempts and verdicts, the health gauges
// restored at start, and the planning of a campaign's sessions
// (PlanCampaign), which feedprobe run shares, and reading and validating
// campaign files with or without a schedule: block (LoadCampaignFile,
// ValidateFile, which also tells persona and adapter files apart).
//
// It also runs a campaign once, for feedprobe run and demo (Run, with its
// progress bar and MarkInterrupted for a run stopped by a signal), runs
// the whole demo (Demo: simfeed, the demo campaign, simfeed's truth as
// labels with SaveTruth, the analysis and WriteTruth), and provides the
// HTTP side of serve and run --metrics-listen: the registry
// with the runtime's, process's and database's collectors, the /metrics,
// /healthz and /readyz handlers, and the loopback check. Reextract runs a
// fixed adapter over a campaign's stored bodies (the adapter is probe's,
// the evidence storage's: this is where the two meet offline).
//
// It imports probe, probe/schedule, probe/simfeed, personas, storage,
// storage/inspection and analysis; it never imports cmd and parses no
// flags: the command wires it (New, Load, Launch, Start, Reload, Wait,
// Ready, Close, or Serve for Start, Reload and Wait around a grace
// period; Run; Demo).
package daemon
