package report

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/feedprobe/feedprobe/analysis"
)

// Lang is the language of a report or notice.
type Lang string

// The languages every fixed text of the report and the notice exists in.
const (
	English Lang = "en"
	Chinese Lang = "zh-CN"
)

// Langs lists the languages, English first.
var Langs = []Lang{English, Chinese}

// ParseLang returns the language s names: en, zh-CN (zh, zh_CN and case
// variants too). "" is English.
func ParseLang(s string) (Lang, error) {
	switch strings.ToLower(strings.ReplaceAll(s, "_", "-")) {
	case "", "en", "en-us", "en-gb":
		return English, nil
	case "zh", "zh-cn", "zh-hans", "zh-hans-cn":
		return Chinese, nil
	}
	return "", fmt.Errorf("%q: want en or zh-CN", s)
}

// text returns the fixed text key in lang, formatted with args (every
// text is a format: a literal percent sign is %%). A key missing from the table (a bug TestTextsComplete
// catches) shows as itself.
func text(lang Lang, key string, args ...any) string {
	m, ok := texts[key]
	if !ok {
		return key
	}
	s, ok := m[lang]
	if !ok {
		s = m[English]
	}
	return fmt.Sprintf(s, args...)
}

// The English of an analysis text ("a." and its key) is the analysis's
// own; the table holds its other languages.
func init() {
	for key, en := range analysis.Texts {
		if m, ok := texts["a."+key]; ok {
			m[English] = en
		}
	}
}

// say returns t, a text of the analysis, in lang, its nested texts too;
// s is its English as recorded, printed as it is when t is the zero Text
// (a sentence no format of this version matches, say one written by an
// earlier version).
func say(lang Lang, t analysis.Text, s string) string {
	if t.IsZero() {
		return s
	}
	args := make([]any, len(t.Args))
	for i, a := range t.Args {
		if n, ok := a.(analysis.Text); ok {
			a = say(lang, n, n.String())
		}
		args[i] = a
	}
	return text(lang, "a."+t.Key, args...)
}

// sayEnglish returns s, an English sentence of the analysis (an order's
// question or re-inspection note as stored), in lang; s as it is when no
// format matches it.
func sayEnglish(lang Lang, s string) string {
	t, _ := analysis.ParseText(s)
	return say(lang, t, s)
}

// checkLabel is a compliance check's name beside its code:
// "art18-minors (minor mode)".
func checkLabel(lang Lang, check string) string {
	name := analysis.CheckName(check)
	if name.IsZero() {
		return check
	}
	return text(lang, "check.label", check, say(lang, name, ""))
}

// provisions is the full title of the Provisions in each language.
var provisions = map[Lang]string{
	English: "Internet Information Service Algorithmic Recommendation Management Provisions",
	Chinese: "互联网信息服务算法推荐管理规定",
}

// articleNumerals are the Chinese numerals of the Provisions' articles a
// check cites.
var articleNumerals = map[string]string{
	"8": "八", "9": "九", "10": "十", "11": "十一", "12": "十二", "14": "十四", "16": "十六", "17": "十七",
	"18": "十八", "19": "十九", "21": "二十一",
}

var paragraphNumerals = map[string]string{"1": "一", "2": "二", "3": "三"}

var articleRef = regexp.MustCompile(`^(AR|DSA)\s+(\d+)(?:\((\d)\))?$`)

// ArticleName returns an article reference as a finding carries it ("AR
// 17(1); DSA 38") spelled out in lang: the Provisions' article with its
// paragraph, and the DSA's. A reference it does not know stays as it is.
func ArticleName(ref string, lang Lang) string {
	var out []string
	for _, part := range strings.Split(ref, ";") {
		part = strings.TrimSpace(part)
		m := articleRef.FindStringSubmatch(part)
		if m == nil {
			out = append(out, part)
			continue
		}
		law, art, para := m[1], m[2], m[3]
		switch {
		case law == "AR" && lang == Chinese:
			s := "《" + provisions[Chinese] + "》第" + articleNumerals[art] + "条"
			if articleNumerals[art] == "" {
				s = "《" + provisions[Chinese] + "》第" + art + "条"
			}
			if para != "" {
				s += "第" + paragraphNumerals[para] + "款"
			}
			out = append(out, s)
		case law == "AR":
			s := provisions[English] + ", Article " + art
			if para != "" {
				s += ", paragraph " + para
			}
			out = append(out, s)
		case lang == Chinese:
			out = append(out, "欧盟《数字服务法》第"+art+"条")
		default:
			out = append(out, "EU Digital Services Act, Article "+art)
		}
	}
	sep := "; "
	if lang == Chinese {
		sep = "；"
	}
	return strings.Join(out, sep)
}
