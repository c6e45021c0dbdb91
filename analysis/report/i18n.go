package report

import (
	"fmt"
	"regexp"
	"strings"
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
