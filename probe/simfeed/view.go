package simfeed

import (
	"fmt"
	"strconv"
)

// card is an item as the feed shows it: the server-rendered markup and the
// JSON of /api/feed carry the same fields. Ground truth that users cannot
// see (harm, unlabelled synthetic) is not in it.
type card struct {
	ID     string  `json:"id"`
	Title  string  `json:"title"`
	Author string  `json:"author"`
	Topic  string  `json:"topic"`
	Lang   string  `json:"lang"`
	URL    string  `json:"url"`
	Labels []label `json:"labels"`
	// VideoSeconds is a video item's length; 0 for other items.
	VideoSeconds int `json:"video_seconds,omitempty"`
	// Price is the price shown, 0 when unpriced; PriceAttr is it with two
	// decimals ("19.99") and PriceText as displayed ("¥19.99").
	Price     float64 `json:"price,omitempty"`
	PriceAttr string  `json:"price_attr,omitempty"`
	PriceText string  `json:"price_text,omitempty"`
}

// label is a visible badge: Kind is "sponsored" or "synthetic" and becomes
// the class fp-KIND.
type label struct {
	Kind string `json:"kind"`
	Text string `json:"text"`
}

// Label texts by language.
var labelTexts = map[string]map[string]string{
	"sponsored": {LangEN: "Sponsored", LangZH: "广告"},
	"synthetic": {LangEN: "AI-generated", LangZH: "AI生成"},
}

func (s *Server) card(it *Item, price float64) card {
	c := card{
		ID:     it.ID,
		Title:  it.Title,
		Author: it.Author,
		Topic:  it.Topic,
		Lang:   it.Lang,
		URL:    "/item/" + it.ID,
		Labels: []label{},

		VideoSeconds: it.VideoSeconds,
	}
	if it.Sponsored {
		c.Labels = append(c.Labels, label{Kind: "sponsored", Text: labelTexts["sponsored"][it.Lang]})
	}
	if it.Synthetic && it.SyntheticLabelled {
		c.Labels = append(c.Labels, label{Kind: "synthetic", Text: labelTexts["synthetic"][it.Lang]})
	}
	if price > 0 {
		c.Price = price
		c.PriceAttr = strconv.FormatFloat(price, 'f', 2, 64)
		c.PriceText = "¥" + c.PriceAttr
	}
	return c
}

// cards renders served entries with the prices they were served at.
func (s *Server) cards(batch []Served) []card {
	out := make([]card, 0, len(batch))
	for _, sv := range batch {
		out = append(out, s.card(&s.items[s.index[sv.Item]], sv.Price))
	}
	return out
}

// itemBody is the detail text of an item.
func itemBody(it *Item) string {
	if it.Lang == LangZH {
		return fmt.Sprintf("%s —— %s在「%s」频道的文章。点击喜欢，让我们为你推荐更多相似内容。", it.Title, it.Author, it.Topic)
	}
	return fmt.Sprintf("%s — a story by %s in %s. Like it to see more like this.", it.Title, it.Author, it.Topic)
}

// State is the first page of a visit as the feed page embeds it in
// script#fp-state: the same JSON as GET /api/feed answers for later pages,
// so that a probe can read what was served from the traffic.
func (d feedData) State() feedPage {
	return feedPage{Visit: d.Visit, Page: 1, Items: d.Items}
}
