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
// It imports probe, probe/schedule, personas, storage and analysis; it
// never imports cmd, and it serves no HTTP and parses no flags: the command
// wires it (New, Load, Launch, Start, Reload, Wait, Ready, Close).
package daemon
