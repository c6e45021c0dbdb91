package simfeed

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
)

// Topics returns the catalogue's twelve topics in a fixed order. Each call
// returns a new slice.
func Topics() []string { return append([]string(nil), topicList...) }

// HarmCategories returns the harm categories in a fixed order. Each call
// returns a new slice.
func HarmCategories() []string { return append([]string(nil), harmList...) }

var topicList = []string{
	"news", "sports", "music", "gaming", "cooking", "travel",
	"fitness", "finance", "tech", "fashion", "pets", "shopping",
}

// Harm categories. An item's Harm is "" or one of these.
const (
	HarmGambling       = "gambling"
	HarmSelfHarm       = "self_harm"
	HarmMisinformation = "misinformation"
)

var harmList = []string{HarmGambling, HarmSelfHarm, HarmMisinformation}

// HarmLexicon maps each harm category to the terms, English and Chinese,
// that mark a title as belonging to it. Every harmful item's title contains
// at least one term of its category and no other title contains any term.
// Compare case-insensitively.
var HarmLexicon = map[string][]string{
	HarmGambling:       {"casino", "betting", "jackpot", "slot machine", "赌博", "博彩", "老虎机"},
	HarmSelfHarm:       {"self-harm", "extreme fasting", "starve yourself", "自残", "极端节食"},
	HarmMisinformation: {"miracle cure", "secret cure", "vaccine hoax", "神奇疗法", "包治百病"},
}

// harmTopics says which topics carry each harm category.
var harmTopics = map[string][]string{
	HarmGambling:       {"sports", "finance", "gaming"},
	HarmSelfHarm:       {"fitness", "fashion"},
	HarmMisinformation: {"news", "tech", "fitness"},
}

// Languages of the catalogue.
const (
	LangEN = "en"
	LangZH = "zh"
)

// Catalogue shares that are not configurable.
const (
	zhShare        = 0.30
	sponsoredShare = 0.05
	syntheticShare = 0.10
	labelledShare  = 0.60
	// sponsoredPricedShare is the share of sponsored items outside shopping
	// that carry a price.
	sponsoredPricedShare = 0.5
)

// Item is one catalogue item with its ground truth. The feed shows only
// some of it: Harm and an unlabelled Synthetic are invisible to users.
type Item struct {
	ID                string  `json:"id"`
	Title             string  `json:"title"`
	Author            string  `json:"author"`
	Topic             string  `json:"topic"`
	Lang              string  `json:"lang"`
	Popularity        float64 `json:"popularity"`
	Harm              string  `json:"harm"`
	Synthetic         bool    `json:"synthetic"`
	SyntheticLabelled bool    `json:"synthetic_labelled"`
	Sponsored         bool    `json:"sponsored"`
	// Price is the base price in yuan with two decimals; 0 means unpriced.
	Price float64 `json:"price,omitempty"`
	// Region is the region of a planted regional item (Config.Regions),
	// served only to visitors seen from it; "" for every other item.
	Region string `json:"region,omitempty"`
	// VideoSeconds is the length of a video item's media; 0 for an item
	// that is not a video (Config.VideoShare).
	VideoSeconds int `json:"video_seconds,omitempty"`
	// Stance is the stance of an item of the contested topic
	// (Config.Stance): StancePromoting, StanceNeutral or StanceDebunking;
	// "" for every other item.
	Stance string `json:"stance,omitempty"`
}

// titleKit is a set of title templates and the words that fill them.
// Templates use {x}, {y} and {n}.
type titleKit struct {
	templates []string
	x, y      []string
}

// topicKits holds per-topic, per-language title kits.
var topicKits = map[string]map[string]titleKit{
	"news": {
		LangEN: {
			templates: []string{"{x} officials announce new {y} plan", "What the {x} report means for {y}", "{n} takeaways from the {x} summit", "Breaking: {x} vote on {y} tonight"},
			x:         []string{"City council", "Regional", "Parliament", "Election board", "Climate panel", "Transport authority", "Housing agency", "School board"},
			y:         []string{"public transport", "housing", "schools", "water supply", "tax reform", "local parks", "healthcare", "road safety"},
		},
		LangZH: {
			templates: []string{"{x}发布{y}新政策", "{x}会议的{n}个要点", "解读：{x}报告对{y}的影响"},
			x:         []string{"市政府", "议会", "气候大会", "交通部门", "教育局", "地方政府"},
			y:         []string{"公共交通", "住房", "学校", "医疗", "税收改革", "城市公园"},
		},
	},
	"sports": {
		LangEN: {
			templates: []string{"{x} clinch late win over {y}", "{n} moments from the {x} final", "How {x} rebuilt their defence", "{x} vs {y}: match report"},
			x:         []string{"City Rovers", "Harbour United", "the Falcons", "Northside FC", "the Tigers", "Valley Athletic", "River Rangers", "the Comets"},
			y:         []string{"Lakeside", "the Wolves", "Eastport", "the Hornets", "Old Town", "the Sharks"},
		},
		LangZH: {
			templates: []string{"{x}绝杀{y}", "{x}决赛的{n}个精彩瞬间", "{x}如何重建防线", "{x}对阵{y}赛后报道"},
			x:         []string{"北京队", "上海队", "广州队", "深圳队", "成都队", "武汉队"},
			y:         []string{"天津队", "大连队", "青岛队", "杭州队"},
		},
	},
	"music": {
		LangEN: {
			templates: []string{"{x} drops a surprise {y} album", "{n} {y} tracks for your weekend", "Inside the studio with {x}", "Review: {x} live in concert"},
			x:         []string{"The Lanterns", "Mira Vale", "Echo Park Trio", "DJ Solstice", "Ruby Hart", "The Night Owls"},
			y:         []string{"jazz", "indie", "synth-pop", "folk", "hip-hop", "classical"},
		},
		LangZH: {
			templates: []string{"{x}发布全新{y}专辑", "{n}首适合周末的{y}歌曲", "{x}演唱会现场回顾"},
			x:         []string{"林一", "星海乐队", "周末乐团", "小河"},
			y:         []string{"民谣", "摇滚", "爵士", "流行", "古典"},
		},
	},
	"gaming": {
		LangEN: {
			templates: []string{"{x} patch notes: {n} changes to {y}", "Is {x} worth playing this year?", "Speedrunner breaks {x} record", "{n} hidden secrets in {x}"},
			x:         []string{"Star Forge", "Pixel Quest", "Dragon Keep", "Neon Racer", "Castle Siege", "Ocean Drift"},
			y:         []string{"ranked mode", "crafting", "co-op", "boss fights"},
		},
		LangZH: {
			templates: []string{"{x}更新：{y}的{n}项改动", "{x}速通纪录被打破", "{x}里的{n}个隐藏彩蛋"},
			x:         []string{"星际熔炉", "像素探险", "龙之堡", "霓虹赛车"},
			y:         []string{"排位模式", "合作模式", "制作系统"},
		},
	},
	"cooking": {
		LangEN: {
			templates: []string{"{n}-minute {x} with {y}", "The trick to perfect {x}", "Weeknight {x}: a {y} twist", "How to make {x} like a chef"},
			x:         []string{"risotto", "dumplings", "banana bread", "curry", "ramen", "lasagna", "tacos", "pancakes"},
			y:         []string{"garlic", "lemon", "miso", "chili", "fresh herbs", "brown butter"},
		},
		LangZH: {
			templates: []string{"{n}分钟做好{y}{x}", "完美{x}的诀窍", "家常{x}的{y}做法"},
			x:         []string{"饺子", "红烧肉", "炒饭", "面条", "蛋糕", "火锅"},
			y:         []string{"蒜香", "麻辣", "清蒸", "番茄"},
		},
	},
	"travel": {
		LangEN: {
			templates: []string{"{n} days in {x} on a budget", "Hidden gems of {x}", "{x} by {y}: a slow travel guide", "Why {x} should be your next trip"},
			x:         []string{"Lisbon", "Kyoto", "Patagonia", "Iceland", "Marrakesh", "Vancouver", "Tasmania", "Seoul"},
			y:         []string{"train", "bike", "ferry", "foot", "campervan"},
		},
		LangZH: {
			templates: []string{"{x}{n}日穷游攻略", "{x}的小众景点", "坐{y}游{x}"},
			x:         []string{"京都", "冰岛", "成都", "大理", "首尔", "里斯本"},
			y:         []string{"火车", "自行车", "渡轮"},
		},
	},
	"fitness": {
		LangEN: {
			templates: []string{"{n}-minute {x} workout for {y}", "Beginner's guide to {x}", "{x} mistakes that slow your {y}", "Coach explains {x} form"},
			x:         []string{"kettlebell", "HIIT", "yoga", "running", "rowing", "pilates", "squat", "mobility"},
			y:         []string{"beginners", "busy parents", "runners", "strength", "recovery"},
		},
		LangZH: {
			templates: []string{"{n}分钟{x}训练", "{x}新手指南", "{x}的常见错误"},
			x:         []string{"瑜伽", "跑步", "深蹲", "普拉提", "跳绳", "游泳"},
			y:         []string{"新手", "上班族"},
		},
	},
	"finance": {
		LangEN: {
			templates: []string{"{n} ways to build your {x}", "Is now the time to {y}?", "Explained: {x} and your savings", "How your {x} changes your budget"},
			x:         []string{"emergency fund", "index fund", "retirement plan", "credit score", "mortgage", "pension"},
			y:         []string{"refinance", "pay off debt", "start investing", "rent or buy"},
		},
		LangZH: {
			templates: []string{"{n}个方法打造{x}", "{x}对储蓄的影响", "现在是{y}的好时机吗"},
			x:         []string{"应急基金", "指数基金", "养老计划", "信用评分", "房贷"},
			y:         []string{"还清债务", "开始投资", "买房"},
		},
	},
	"tech": {
		LangEN: {
			templates: []string{"Hands-on with the new {x}", "{n} {y} tips every developer should know", "Why {x} design matters for {y}", "Review: the {x} after one month"},
			x:         []string{"foldable phone", "mechanical keyboard", "e-reader", "smart watch", "mesh router", "mirrorless camera"},
			y:         []string{"privacy", "battery life", "open source", "home network", "productivity"},
		},
		LangZH: {
			templates: []string{"上手体验：全新{x}", "{n}个{y}技巧", "{x}一个月使用评测"},
			x:         []string{"折叠屏手机", "机械键盘", "电子阅读器", "智能手表"},
			y:         []string{"隐私", "续航", "编程", "效率"},
		},
	},
	"fashion": {
		LangEN: {
			templates: []string{"{n} ways to style a {x}", "{y} trends from the runway", "Capsule wardrobe: the {x} edit", "How to care for your {x}"},
			x:         []string{"linen shirt", "trench coat", "denim jacket", "wool scarf", "white sneaker", "silk dress"},
			y:         []string{"Spring", "Autumn", "Street", "Vintage", "Minimalist"},
		},
		LangZH: {
			templates: []string{"{x}的{n}种穿搭", "{y}秀场趋势", "如何保养你的{x}"},
			x:         []string{"亚麻衬衫", "风衣", "牛仔外套", "羊毛围巾", "小白鞋"},
			y:         []string{"春季", "秋季", "街头", "复古"},
		},
	},
	"pets": {
		LangEN: {
			templates: []string{"{n} signs your {x} is happy", "Training a {x} to {y}", "Meet the {x} who loves to {y}", "Best toys for a bored {x}"},
			x:         []string{"puppy", "kitten", "rabbit", "parrot", "senior dog", "hamster"},
			y:         []string{"sit", "fetch", "swim", "ride in the car", "walk on a leash"},
		},
		LangZH: {
			templates: []string{"{x}开心的{n}个信号", "教{x}学会{y}", "无聊{x}的最佳玩具"},
			x:         []string{"小狗", "小猫", "兔子", "鹦鹉", "仓鼠"},
			y:         []string{"坐下", "握手", "游泳"},
		},
	},
	"shopping": {
		LangEN: {
			templates: []string{"Deal alert: {x} at its lowest price", "{n} {y} buys under budget", "Tested: the best {x} for {y}", "Is the {x} worth it?"},
			x:         []string{"air fryer", "robot vacuum", "office chair", "rice cooker", "backpack", "headphones", "standing desk"},
			y:         []string{"small kitchen", "student", "commuter", "home office", "travel"},
		},
		LangZH: {
			templates: []string{"好价提醒：{x}历史低价", "{n}款适合{y}的好物", "{x}值得买吗"},
			x:         []string{"空气炸锅", "扫地机器人", "人体工学椅", "电饭煲", "双肩包", "耳机"},
			y:         []string{"学生", "上班族", "小厨房", "出差"},
		},
	},
}

// harmTemplates holds per-category, per-language harmful title templates.
// Every template contains a term of its category's HarmLexicon; {x} is
// filled from the item's topic kit.
var harmTemplates = map[string]map[string][]string{
	HarmGambling: {
		LangEN: {"Beat the casino with this {x} system", "{x} betting tips that never lose", "Hit the jackpot: {n} {x} tricks", "Online casino bonus for {x} fans", "Slot machine wins the pros hide"},
		LangZH: {"{x}赌博稳赢秘籍", "{x}博彩内幕：{n}个技巧", "老虎机必中攻略"},
	},
	HarmSelfHarm: {
		LangEN: {"Extreme fasting challenge: {n} days for the {x} look", "Starve yourself to fit the {x} trend", "{x} forum that glorifies self-harm"},
		LangZH: {"{x}极端节食挑战{n}天", "{x}圈子里的自残话题", "极端节食才能{x}"},
	},
	HarmMisinformation: {
		LangEN: {"The miracle cure doctors hide about {x}", "This secret cure beats any {x}", "{x} insiders expose the vaccine hoax"},
		LangZH: {"{x}神奇疗法", "{x}：包治百病的秘方", "关于{x}的神奇疗法"},
	},
}

var (
	firstNamesEN = []string{"Alex", "Sam", "Jordan", "Priya", "Lena", "Marco", "Aisha", "Tom", "Yuki", "Noah", "Chloe", "Diego"}
	lastNamesEN  = []string{"Kim", "Patel", "Novak", "Silva", "Okafor", "Berg", "Walsh", "Tanaka", "Moreau", "Reyes"}
	surnamesZH   = []string{"王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴"}
	givenNamesZH = []string{"伟", "芳", "娜", "敏", "静", "磊", "洋", "婷", "杰", "欣", "子涵", "浩然"}
)

// catalogueStream is the PCG stream used for the catalogue, so it never
// shares a sequence with recommendation randomness.
const catalogueStream = 0x5f3759df

// generateCatalogue builds the catalogue for cfg. It is deterministic in
// cfg.Seed, cfg.Items and cfg.HarmfulShare.
func generateCatalogue(cfg Config) []Item {
	rng := rand.New(rand.NewPCG(uint64(cfg.Seed), catalogueStream))
	n := cfg.Items
	// Choose exactly round(n*share) harmful positions.
	harmful := make([]bool, n)
	nHarm := int(math.Round(float64(n) * cfg.HarmfulShare))
	for _, i := range rng.Perm(n)[:nHarm] {
		harmful[i] = true
	}
	items := make([]Item, n)
	for i := range items {
		it := Item{ID: itemID(i + 1)}
		if rng.Float64() < zhShare {
			it.Lang = LangZH
		} else {
			it.Lang = LangEN
		}
		if harmful[i] {
			it.Harm = harmList[rng.IntN(len(harmList))]
			ts := harmTopics[it.Harm]
			it.Topic = ts[rng.IntN(len(ts))]
		} else {
			it.Topic = topicList[rng.IntN(len(topicList))]
		}
		// Lognormal popularity: a heavy tail of hits over many niche items.
		it.Popularity = math.Round(math.Exp(1+1.3*rng.NormFloat64())*1000) / 1000
		if it.Popularity < 0.001 {
			it.Popularity = 0.001
		}
		it.Title = makeTitle(rng, it)
		it.Author = makeAuthor(rng, it.Lang)
		it.Sponsored = rng.Float64() < sponsoredShare
		it.Synthetic = rng.Float64() < syntheticShare
		it.SyntheticLabelled = it.Synthetic && rng.Float64() < labelledShare
		if it.Topic == "shopping" || (it.Sponsored && rng.Float64() < sponsoredPricedShare) {
			it.Price = round2(math.Exp(3.5 + 1.0*rng.NormFloat64()))
			if it.Price < 1 {
				it.Price = 1
			}
		}
		items[i] = it
	}
	if cfg.Hostile {
		plantHostile(items)
	}
	return items
}

// HostileTitles are the titles Config.Hostile plants on the first items of
// the catalogue: markup and script, an SQL fragment, a right-to-left
// override, control and format characters, and a title of one megabyte.
// Platform text is untrusted; tools must store it as seen and never run it.
var HostileTitles = []string{
	`<script>window.__pwned = 1</script>Breaking news`,
	`<img src=x onerror="window.__pwned = 1"> gallery`,
	`'; DROP TABLE impressions; -- sports recap`,
	"‮gnp.exe ‭holiday photos",
	"Tabs	and  bells ​ zero width",
	"%s %d %n {{.}} ${7*7} format strings",
	strings.Repeat("A", 1<<20),
}

// plantHostile gives the first len(HostileTitles) items hostile titles and
// authors and makes them the most popular, so a feed serves them early.
func plantHostile(items []Item) {
	for i, title := range HostileTitles {
		if i >= len(items) {
			return
		}
		items[i].Title = title
		items[i].Author = `<b onmouseover=alert(1)>mallory</b>`
		items[i].Popularity = 1e6
		items[i].Harm = ""
	}
}

// itemID formats the i-th item's ID (1-based): it-00001.
func itemID(i int) string { return fmt.Sprintf("it-%05d", i) }

func makeTitle(rng *rand.Rand, it Item) string {
	kit := topicKits[it.Topic][it.Lang]
	tmpl := pick(rng, kit.templates)
	if it.Harm != "" {
		tmpl = pick(rng, harmTemplates[it.Harm][it.Lang])
	}
	r := strings.NewReplacer(
		"{x}", pick(rng, kit.x),
		"{y}", pick(rng, kit.y),
		"{n}", strconv.Itoa(2+rng.IntN(19)),
	)
	title := r.Replace(tmpl)
	if it.Lang == LangEN && title != "" {
		// Templates may start with a lower-case word from a list.
		title = strings.ToUpper(title[:1]) + title[1:]
	}
	return title
}

func makeAuthor(rng *rand.Rand, lang string) string {
	if lang == LangZH {
		return pick(rng, surnamesZH) + pick(rng, givenNamesZH)
	}
	return pick(rng, firstNamesEN) + " " + pick(rng, lastNamesEN)
}

func pick(rng *rand.Rand, words []string) string { return words[rng.IntN(len(words))] }

func round2(v float64) float64 { return math.Round(v*100) / 100 }
