package probe

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// DescribeIdentity summarises a saved identity (cookies, local storage)
// without its secrets: how many cookies of which domains, and how many
// origins have local storage.
func DescribeIdentity(id []byte) string {
	var v struct {
		Cookies []struct {
			Domain string `json:"domain"`
		} `json:"cookies"`
		LocalStorage map[string]map[string]string `json:"local_storage"`
	}
	if err := json.Unmarshal(id, &v); err != nil {
		return fmt.Sprintf("%d bytes", len(id))
	}
	domains := map[string]bool{}
	var ds []string
	for _, c := range v.Cookies {
		if !domains[c.Domain] {
			domains[c.Domain] = true
			ds = append(ds, c.Domain)
		}
	}
	return fmt.Sprintf("%d cookies (%s), local storage of %d origins", len(v.Cookies), strings.Join(ds, ", "), len(v.LocalStorage))
}

// CampaignFeedURL is the feed page of a campaign on platform at base: base
// itself or, when platform is a built-in adapter, that adapter's feed page.
func CampaignFeedURL(platform, base string) (string, error) {
	if base == "" {
		return "", errors.New("no --url and the campaign has no base_url")
	}
	ad, err := BuiltinAdapter(platform)
	if err != nil {
		return base, nil
	}
	return ad.ResolveFeedURL(base)
}
