package probe

import (
	"strings"
	"testing"
)

func TestDescribeIdentity(t *testing.T) {
	id := []byte(`{"cookies":[{"domain":"a.test","value":"SECRET"},{"domain":"a.test"},{"domain":"b.test"}],"local_storage":{"https://a.test":{"k":"v"}}}`)
	got := DescribeIdentity(id)
	if want := "3 cookies (a.test, b.test), local storage of 1 origins"; got != want {
		t.Errorf("DescribeIdentity = %q, want %q", got, want)
	}
	if strings.Contains(got, "SECRET") {
		t.Error("DescribeIdentity shows a cookie's value")
	}
	if got := DescribeIdentity([]byte("not json")); got != "8 bytes" {
		t.Errorf("DescribeIdentity(not json) = %q, want 8 bytes", got)
	}
}

func TestCampaignFeedURL(t *testing.T) {
	if _, err := CampaignFeedURL("simfeed", ""); err == nil {
		t.Error("CampaignFeedURL without a base URL: no error")
	}
	if got, err := CampaignFeedURL("no-such-platform", "http://127.0.0.1:1/x"); err != nil || got != "http://127.0.0.1:1/x" {
		t.Errorf("CampaignFeedURL(unknown platform) = %q, %v, want the base URL", got, err)
	}
	ad, err := BuiltinAdapter(BuiltinAdapters()[0])
	if err != nil {
		t.Fatal(err)
	}
	want, err := ad.ResolveFeedURL("http://127.0.0.1:1")
	if err != nil {
		t.Fatal(err)
	}
	if got, err := CampaignFeedURL(ad.Name, "http://127.0.0.1:1"); err != nil || got != want {
		t.Errorf("CampaignFeedURL(%s) = %q, %v, want %q", ad.Name, got, err, want)
	}
}
