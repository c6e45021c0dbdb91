package analysis

import (
	"cmp"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// Text is a sentence or phrase the compliance checks write (a question, a
// verdict's reason, an effect's name, a detail's note), kept as a key of
// Texts and the arguments of its format, so that a report can print it in
// another language from the same key. Its String is the English. A %v verb
// in a format takes a nested Text (a phrase translated with the sentence);
// every other verb takes data (persona names, topics, surfaces, numbers),
// printed as it is in every language.
type Text struct {
	Key  string
	Args []any
}

// text returns the Text of key with args.
func text(key string, args ...any) Text { return Text{Key: key, Args: args} }

// String is t in English: its format from Texts with its arguments; "" for
// the zero Text.
func (t Text) String() string {
	if t.Key == "" {
		return ""
	}
	return fmt.Sprintf(Texts[t.Key], t.Args...)
}

// IsZero reports whether t is the zero Text (no key).
func (t Text) IsZero() bool { return t.Key == "" }

// Texts is the English format of every Text the compliance checks write,
// by key. Keys group by where the text appears: check.<check>.* (a
// check's name, question, effect and test), unit.<check> (what a check
// counts as one unit), reason.* (why a verdict), note.*, detail.*,
// example.* (a finding's details and examples), compare.* (a
// re-inspection's reason) and word.* (phrases other texts nest). The
// report (analysis/report) holds each key's translation and its tests walk
// every key.
var Texts = map[string]string{
	"check." + CheckArt17Off + ".name":        "personalization switched off",
	"check." + CheckArt17Off + ".question":    "After a trained persona switches personalization off, does its feed fall back to what a blank control is shown?",
	"check." + CheckArt17Tags + ".name":       "interest tags deleted",
	"check." + CheckArt17Tags + ".question":   `After a persona drops interest %s ("not interested" / tag deletion), does X's share fall back to a blank control's?`,
	"check.art17.effect":                      "share of the trained topics above blank controls after the intervention",
	"check.art17.test":                        "one-sided sign-flip permutation test over personas (each persona's mean, over its sessions after the intervention, of its share minus its matched blank controls')",
	"check." + CheckArt18Minors + ".name":     "minor mode",
	"check." + CheckArt18Minors + ".question": "Does minor mode keep harmful items away from minor personas?",
	"check." + CheckArt18Minors + ".effect":   "harmful items per 100 shown in minor mode",
	"check." + CheckArt18Minors + ".test":     "one-sided sign-flip permutation test over minor-mode personas of (their mean harmful per 100 minus the margin)",
	"check." + CheckArt21Prices + ".name":     "prices of the same item",
	"check." + CheckArt21Prices + ".question": "Do twins that differ only in history see different prices for the same item at the same moment?",
	"check." + CheckArt21Prices + ".effect":   "share of paired prices differing by more than ε",
	"check." + CheckArt21Prices + ".test":     "two-sided sign-flip permutation test over test personas of their mean relative price difference against their twins",
	"check." + CheckArt11Key + ".name":        "key-position lists",
	"check." + CheckArt11Key + ".question":    "Is a key-position list (%s) the same for every persona, beyond the controls' own noise?",
	"check." + CheckArt11Key + ".effect":      "Jaccard distance of key-position lists, test vs controls, above the controls' own",
	"check." + CheckArt12Div + ".name":        "feed diversity",
	"check." + CheckArt12Div + ".question":    "Are trained personas' feeds less scattered (longer single-topic runs) than blank controls' feeds?",
	"check." + CheckArt12Div + ".effect":      "longest single-topic run, test persona minus its blank controls",
	"check.pertest.test":                      "one-sided sign-flip permutation test over test personas (each its mean over sessions)",
	"unit." + CheckArt17Off:                   "test persona that switches personalization off (with matched blank controls)",
	"unit." + CheckArt17Tags:                  "test persona that drops an interest (with matched blank controls)",
	"unit." + CheckArt18Minors:                "persona in minor mode",
	"unit." + CheckArt21Prices:                "test persona with a lock-step twin",
	"unit." + CheckArt11Key:                   "test persona with matched controls on a key-position surface",
	"unit." + CheckArt12Div:                   "test persona with matched blank controls",
	"unit.share":                              "share",
	"unit.per100":                             "per 100 items",
	"unit.pairs":                              "share of pairs",
	"unit.distance":                           "distance",
	"unit.items":                              "items",
	"reason.underpowered":                     "%d persona(s) (%v): the test's smallest possible p is %.3g, not below α = %.2g; it needs at least %d (effect %.3g, margin %.3g)",
	"reason.undefined":                        "the effect is undefined",
	"reason.clean":                            "effect %.3g is within the margin %.3g (n = %d personas)",
	"reason.violation":                        "effect %.3g exceeds the margin %.3g, p = %.3g < α = %.2g (n = %d personas)",
	"reason.inconclusive":                     "effect %.3g exceeds the margin %.3g but p = %.3g is not below α = %.2g (n = %d personas)",
	"note.nointerval":                         NoIntervalNote,
	"detail.art17.before":                     "trained-topic share before the intervention",
	"note.art17.before":                       "the persona's last session before it",
	"detail.art17.after":                      "trained-topic share after",
	"detail.art17.controls":                   "blank controls' share of the same topics",
	"note.art17.controls":                     "same sessions",
	"detail.art17.untouched":                  "untouched twin's share",
	"note.art17.untouched":                    "test personas trained the same way that made no intervention; null when the campaign has none",
	"detail.art17.jsd":                        "JSD of topic shares after vs before",
	"note.art17.jsd":                          "log 2",
	"detail.art17.delay":                      "sessions until the effect",
	"note.art17.delay":                        "first session within the margin of the controls (1 = at once); %d of %d personas never within the campaign",
	"detail.art17.overlap":                    "item overlap among intervening personas (Jaccard)",
	"note.art17.overlap":                      "should approach the controls' overlap",
	"detail.art17.ctloverlap":                 "item overlap among blank controls (Jaccard)",
	"example.art17":                           "trained topic after the intervention",
	"detail.art18.adult":                      "harmful per 100, personas not in minor mode",
	"note.art18.adult":                        "%d personas (adult twins and others), each its mean over its sessions",
	"detail.art18.diff":                       "difference minor minus not minor",
	"detail.art18.p":                          "p-value of the difference (two-sided permutation over personas)",
	"detail.art18.exposed":                    "minor-mode sessions with any harmful item",
	"note.art18.exposed":                      "of %d",
	"detail.art18.rank":                       "mean rank of the first harmful item",
	"note.art18.rank":                         "over exposed minor-mode sessions",
	"detail.art18.age":                        "harmful per 100, age_group %s, minor mode %v",
	"detail.art18.noage":                      "harmful per 100, age_group unknown, minor mode %v",
	"note.art18.age":                          "%d personas, each its mean over its sessions with that setting",
	"example.art18":                           "harmful item shown in minor mode",
	"detail.art21.mean":                       "mean relative price difference (test minus twin)",
	"note.art21.mean":                         "%.1f %% of the twin's price; %d pairs of prices",
	"detail.art21.lo":                         "its lower bound",
	"detail.art21.hi":                         "its upper bound",
	"detail.art21.eps":                        "ε (relative)",
	"example.art21":                           "%s paid %.2f, %s %.2f (%+.1f %%)",
	"detail.art11.share":                      "%v personas' key-position share of %s",
	"example.art11":                           "in this persona's list, in no control's",
	"detail.art12.duptest":                    "near-duplicate rate, test personas",
	"note.art12.dup":                          "items whose normalized title repeats an earlier one in the session",
	"detail.art12.dupctl":                     "near-duplicate rate, blank controls",
	"detail.art12.ildtest":                    "intra-list diversity, test personas",
	"detail.art12.ildctl":                     "intra-list diversity, blank controls",
	"example.art12":                           "longest single-topic run of the session: %d %s items from rank %d to %d (blank controls' longest: %.3g)",
	"example.art12.notopic":                   "longest single-topic run of the session: %d untopiced items from rank %d to %d (blank controls' longest: %.3g)",
	"compare.nobaseline":                      "the baseline campaign did not run this check",
	"compare.nocurrent":                       "this campaign did not run this check",
	"compare.measured":                        "the effect was measured differently",
	"compare.inconclusive":                    "a verdict is inconclusive",
	"compare.underpowered":                    "a campaign is underpowered",
	"compare.fixed":                           "effect %.3g before, %.3g now, within the margin",
	"compare.worse":                           "no evidence before, violation evidence now",
	"compare.clean":                           "no evidence before or now",
	"compare.above":                           "effect %.3g now, above the baseline's interval [%.3g, %.3g]",
	"compare.notfixed":                        "violation evidence before (%.3g) and now (%.3g)",
	"compare.unknown":                         "the comparison does not know check %s",
	"compare.nofinding":                       "the re-inspection campaign gave no finding %s",
	"compare.undecodable":                     "the order's evidence does not decode: %s",
	"word.on":                                 "on",
	"word.off":                                "off",
	"word.test":                               "test",
	"word.control":                            "control",
}

// CheckName is the short name of a compliance check ("minor mode"), the
// zero Text for an unknown check.
func CheckName(check string) Text {
	if _, ok := Texts["check."+check+".name"]; !ok {
		return Text{}
	}
	return text("check." + check + ".name")
}

// textParser matches the English of one key.
type textParser struct {
	key   string
	re    *regexp.Regexp
	verbs []string
	// literal is how many characters of the format are not verbs: the
	// more, the more specific, and the earlier it is tried.
	literal int
}

var formatVerb = regexp.MustCompile(`%[-+# 0]*[0-9]*(?:\.[0-9]+)?[a-zA-Z%]`)

// parsers are Texts' formats as patterns, the most specific first.
var parsers = func() []textParser {
	var out []textParser
	for key, format := range Texts {
		p := textParser{key: key}
		var re strings.Builder
		re.WriteString(`(?s)^`)
		last := 0
		for _, loc := range formatVerb.FindAllStringIndex(format, -1) {
			re.WriteString(regexp.QuoteMeta(format[last:loc[0]]))
			p.literal += loc[0] - last
			last = loc[1]
			verb := format[loc[0]:loc[1]]
			switch verb[len(verb)-1] {
			case '%':
				re.WriteString("%")
				p.literal++
				continue
			case 'd':
				re.WriteString(`(-?[0-9]+)`)
			case 'e', 'f', 'g':
				re.WriteString(`([-+]?(?:NaN|Inf|[0-9]+(?:\.[0-9]*)?(?:e[-+][0-9]+)?))`)
			case 'q':
				re.WriteString(`("(?:[^"\\]|\\.)*")`)
			default:
				re.WriteString(`(.*?)`)
			}
			p.verbs = append(p.verbs, verb)
		}
		re.WriteString(regexp.QuoteMeta(format[last:]))
		p.literal += len(format) - last
		re.WriteString(`$`)
		p.re = regexp.MustCompile(re.String())
		out = append(out, p)
	}
	slices.SortFunc(out, func(a, b textParser) int { return cmp.Or(b.literal-a.literal, strings.Compare(a.key, b.key)) })
	return out
}()

// ParseText returns the Text whose English is s: the inverse of String
// for every text the checks write, so a finding read back from JSON (an
// order's evidence) keeps its keys. ok is false when no format matches s
// (a text of another version of feedprobe); "" is the zero Text.
func ParseText(s string) (t Text, ok bool) {
	if s == "" {
		return Text{}, true
	}
	for _, p := range parsers {
		m := p.re.FindStringSubmatch(s)
		if m == nil {
			continue
		}
		t, ok := Text{Key: p.key}, true
		for i, verb := range p.verbs {
			a, err := parseArg(verb, m[i+1])
			if err != nil {
				ok = false
				break
			}
			t.Args = append(t.Args, a)
		}
		if ok {
			return t, true
		}
	}
	return Text{}, false
}

// parseArg reads back one argument printed with verb.
func parseArg(verb, s string) (any, error) {
	switch verb[len(verb)-1] {
	case 'd':
		return strconv.Atoi(s)
	case 'e', 'f', 'g':
		return strconv.ParseFloat(s, 64)
	case 'q':
		return strconv.Unquote(s)
	case 'v':
		if t, ok := ParseText(s); ok && !t.IsZero() {
			return t, nil
		}
		return nil, fmt.Errorf("%q is no text", s)
	}
	return s, nil
}
