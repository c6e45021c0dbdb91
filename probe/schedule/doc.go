// Package schedule owns when a scheduled campaign runs: cron expressions in
// a time zone or fixed intervals, random but reproducible jitter, start and
// end dates, and the policy for slots the daemon missed while it was down or
// busy. SplitCampaign takes the schedule: block out of a campaign file and
// Blank empties it, keeping line numbers. It is pure: no I/O, no wall
// clock (callers pass "now"); the schedule state (which slots ran) is kept
// by the storage package. It imports personas only.
//
// Cron expressions are parsed by github.com/robfig/cron/v3, the parser behind
// Kubernetes CronJob: five fields (minute hour day-of-month month
// day-of-week) and the descriptors @yearly, @monthly, @weekly, @daily and
// @hourly, evaluated in the schedule's time zone (daylight-saving jumps as
// Kubernetes handles them). Only its parser and Next are used, not its
// runner: the daemon decides itself which slot is due, so that slots
// survive restarts.
package schedule
