// Package analysis owns feedprobe's audit metrics: the diversity, drift,
// personalization, exposure and statistics formulas of the metrics
// reference (`feedprobe help metrics`, cmd/feedprobe/help/metrics.md),
// lexicon labelling of item titles, and the campaign summary that
// `feedprobe analyze` prints.
//
// Everything here is a pure function over plain values. Nothing reads files,
// the network or the clock; randomness (bootstrap, permutation tests) arrives
// as a seeded *rand.Rand from math/rand/v2, so every result is reproducible.
// The package imports no other feedprobe package.
//
// # Scale
//
// Analyze takes the impressions either one per row (AuditImpression) or per
// session in compact form (AuditSession: items and topics as integer codes,
// about 17 bytes an impression), which is what `feedprobe analyze` hands it:
// 10 million impressions fit in well under 1 GiB. The list metrics of a pair
// of sessions reuse scratch buffers, Damerau–Levenshtein computes 64 cells
// a machine word and keeps only the rows a transposition can read, and
// per-persona metrics, pairs and bootstrap resamples run on every core with
// results that do not depend on how many there are (scripts/bench/README.md).
//
// # Undefined results
//
// A float64 metric whose value is undefined (an empty input, a zero total, a
// list too short to have a pair) returns NaN, never 0 and never a panic, so a
// missing value cannot be mistaken for a measured zero. Test for it with
// math.IsNaN. Functions that return maps return an empty, non-nil map; integer
// results (edit distances, ranks) are always defined. The campaign Summary is
// the one exception: it is serialised to JSON, which cannot hold NaN, so it
// documents a finite substitute for each field that can be undefined.
//
// # Units, matching and power
//
// The unit of every test, interval and verdict is the persona, never the
// persona-session: a persona's sessions are averaged first, bootstraps
// resample personas (a test persona together with its matched controls
// where the figure pairs them) and permutation tests permute personas. Each
// figure carries n as personas, then sessions and impressions. Over one
// persona there is no interval: the bounds are null and a note says "one
// persona: no interval".
//
// A test persona's matched controls are its twins and the controls whose
// Arm names it; one with neither is matched to the controls of no arm.
// Every "vs control" figure uses them, and a control without interests is
// measured on its arm's topics.
//
// A design too small for its test ever to reach α is "underpowered", with
// the minimum design, rather than a verdict. The convention (design.go):
// a sign-flip test over n personas can reach 1/2^n one-sided and 2/2^n
// two-sided (5 and 6 personas at α = 0.05); a two-sample permutation test
// of n1 against n2 personas 2/C(n1+n2, n1) when n1 = n2 and 1/C(n1+n2, n1)
// otherwise; the stratified test 1/Π stratum sizes. PlannedUnits and
// DesignWarnings let a campaign be checked before it runs.
//
// # Texts
//
// Every sentence a compliance finding carries (its question, the reason
// for its verdict, the effect's name and note, details and examples) is
// the English of a Text: a key of Texts and the arguments of its format.
// The CLI and the JSON print the English; analysis/report prints the same
// key in the report's language. ParseText reads an English sentence back
// into its Text, so a finding decoded from JSON keeps its keys.
//
// # Labels
//
// One label precedence serves every package: manual > imported (with the
// impressions, "import:…") > truth (a simulator's ground truth) > lexicon
// > adapter (SourcePrecedence, LabelPrecedence, ResolveLabels).
//
// # Choices the published definitions leave open
//
//   - Evenness divides by ln K with K the size of the taxonomy, not the
//     number of categories seen.
//   - JSD is computed over the union of categories seen in either
//     distribution, without smoothing (0·log 0 = 0).
//   - DamerauLevenshtein is the true (unrestricted) Damerau–Levenshtein
//     distance, not optimal string alignment.
//   - RBO uses Webber et al.'s extrapolation for lists of uneven length
//     (equation 32 of the paper), which equals the published RBO_ext when the
//     lists have the same length.
//   - Multiple-testing correction is Holm's step-down method, over the
//     topic tests and the harmful-exposure tests together.
//   - SERP-MS scores the top 10 by default and is named with its depth
//     (serp_ms_10); DIFF-TO-LINEAR is over the mean label score
//     (diff_to_linear_label_score) and, separately, the interest share.
//   - Watch histories (Audit.Histories) score each list on its own: a
//     session's feed window, or one up-next list or results page (the
//     impressions of up_next or search read at one moment), then average
//     a persona's lists, then the history's personas. Label scores are
//     +1 (a harm category above 0: harmful or promoting), -1 (below 0:
//     debunking), 0 otherwise.
//   - Personalization's item-level noise floor is flagged uninformative
//     when the controls' mean Jaccard is below 0.05; topic_jsd (JSD of
//     topic shares) is then the figure to read.
package analysis
