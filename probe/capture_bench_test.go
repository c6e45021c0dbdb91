package probe

import (
	"encoding/json"
	"fmt"
	"testing"
)

// BenchmarkCaptureExtractResponse parses a 1000-item douyin-shaped body
// (about 300 KiB) and reads every field of every item through the
// douyin-web template's capture block.
func BenchmarkCaptureExtractResponse(b *testing.B) {
	a, err := AdapterTemplate("douyin-web")
	if err != nil {
		b.Fatal(err)
	}
	list := make([]any, 1000)
	for i := range list {
		list[i] = map[string]any{"aweme_id": fmt.Sprintf("7%018d", i), "desc": fmt.Sprintf("video %d about cats and dogs", i),
			"author": map[string]any{"nickname": fmt.Sprintf("author %d", i)}, "share_url": fmt.Sprintf("/video/%d", i),
			"is_ads": i%10 == 0, "aigc_info": map[string]any{"created_by_ai": i%7 == 0},
			"video_tag": []any{map[string]any{"tag_name": "pets"}, map[string]any{"tag_name": "cats"}}}
	}
	body, _ := json.Marshal(map[string]any{"status_code": 0, "aweme_list": list})
	b.SetBytes(int64(len(body)))
	b.ResetTimer()
	for b.Loop() {
		items, err := a.Capture.ExtractResponse("GET", "https://www.douyin.com/aweme/v1/web/tab/feed/?count=10", "application/json", body)
		if err != nil || len(items) != 1000 {
			b.Fatalf("%d items, %v", len(items), err)
		}
	}
}
