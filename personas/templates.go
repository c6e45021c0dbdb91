package personas

import (
	"embed"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"
)

// templateFiles are the campaign templates `feedprobe init` writes (one
// per DSA article or audit question, each with an "edit me" placeholder),
// the adapter files some of them need beside them, and the demo campaign.
//
//go:embed templates/*.yaml templates/adapters/*.yaml templates/demo/campaign.yaml
var templateFiles embed.FS

// templateAdapters are the adapter files a template needs beside it.
var templateAdapters = map[string]string{"art21-prices": "simfeed-shop.yaml"}

// TemplateNames lists the campaign templates, sorted.
func TemplateNames() []string {
	ents, err := fs.ReadDir(templateFiles, "templates")
	if err != nil {
		panic(err) // an embedded directory: cannot fail
	}
	var out []string
	for _, e := range ents {
		if !e.IsDir() {
			out = append(out, strings.TrimSuffix(e.Name(), ".yaml"))
		}
	}
	slices.Sort(out)
	return out
}

// Template returns the text of the campaign template name (one of
// TemplateNames), with its base_url set to baseURL unless that is empty.
func Template(name, baseURL string) ([]byte, error) {
	if !slices.Contains(TemplateNames(), name) {
		return nil, fmt.Errorf("template %q: no such template; one of: %s", name, strings.Join(TemplateNames(), ", "))
	}
	data, err := templateFiles.ReadFile(path.Join("templates", name+".yaml"))
	if err != nil {
		return nil, fmt.Errorf("template %q: %w", name, err)
	}
	if baseURL != "" {
		data = []byte(strings.Replace(string(data), "base_url: http://127.0.0.1:8080", "base_url: "+baseURL, 1))
	}
	return data, nil
}

// TemplateAdapter returns the adapter file the template name needs beside
// it (its file name and text), if it needs one.
func TemplateAdapter(name string) (file string, data []byte, ok bool) {
	file, ok = templateAdapters[name]
	if !ok {
		return "", nil, false
	}
	data, err := templateFiles.ReadFile(path.Join("templates", "adapters", file))
	if err != nil {
		panic(err) // an embedded file the map names: the tests read every one
	}
	return file, data, true
}

// DemoCampaignFile is where the demo campaign lives in the repository.
const DemoCampaignFile = "personas/templates/demo/campaign.yaml"

// DemoCampaign returns the demo campaign `feedprobe demo` runs, parsed
// (its base_url and name are the demo's to fill in).
func DemoCampaign() (*Campaign, error) {
	data, err := templateFiles.ReadFile("templates/demo/campaign.yaml")
	if err != nil {
		return nil, fmt.Errorf("demo campaign: %w", err)
	}
	c, err := ParseCampaign(DemoCampaignFile, data, ".")
	if err != nil {
		return nil, fmt.Errorf("built-in demo campaign: %w", err)
	}
	return c, nil
}
