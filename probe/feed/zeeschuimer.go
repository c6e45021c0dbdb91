package feed

import "time"

// ZeeschuimerView is one page view of a Zeeschuimer export: the items
// collected while a tab showed one page, in the order collected.
type ZeeschuimerView struct {
	NavIndex string // Zeeschuimer's "SESSION:TAB:INDEX"
	PageURL  string // source_platform_url
	Items    []ZeeschuimerItem
}

// ZeeschuimerItem is one item of a page view.
type ZeeschuimerItem struct {
	RawItem
	Line        int // in the file, from 1
	CollectedAt time.Time
	SourceURL   string
}

// ZeeschuimerExport is a parsed Zeeschuimer export of one platform.
type ZeeschuimerExport struct {
	SourcePlatform string // tiktok.com, ...
	Platform       string // feedprobe's name: tiktok, douyin, xiaohongshu
	Views          []ZeeschuimerView
}
