// Package simfeed owns feedprobe's simulated personalizing feed platform: a
// real website (server-rendered feed, infinite scroll, item dialog, settings)
// backed by a real per-user recommender, plus a ground-truth endpoint that
// tells tests and the demo exactly what every user was served and why.
//
// The catalogue is generated deterministically from Config.Seed. Users are
// identified by the sf_uid cookie. The recommender mixes catalogue popularity
// with the topic affinity it learns from opens, dwell and likes, and it can
// carry planted violations (Config.Violations) that an audit should detect:
// a personalization switch that is ignored and a minor mode that leaks
// harmful items. The DOM contract (class names and ids) is fixed because the
// probe's simfeed adapter depends on it.
//
// Beyond the feed it serves what persona training needs: video items whose
// pages play a generated silent WAV and report the media time played
// (video.go), a search page and item pages' up-next lists from the same
// recommender (search.go, upnext.go), follows, an echo page of what it sees
// of a visitor, regional catalogues by client address, time zone, locale
// or language (region.go), and a contested topic whose items promote,
// are neutral about or debunk it (stance.go); /truth records each.
//
// Puppet browses it without a browser, through its HTTP interface;
// EstimatePower plays whole campaigns that way to estimate the power of a
// design before it runs (`feedprobe plan`), with the design's strata
// (StrataSizes) and the topics simfeed lacks (CheckTopics). The package
// imports personas and analysis, never probe or storage.
package simfeed
