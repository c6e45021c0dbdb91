package simfeed

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestValidate(t *testing.T) {
	tests := []struct {
		name    string
		edit    func(*Config)
		wantErr string
	}{
		{"default", func(*Config) {}, ""},
		{"personalization above 1", func(c *Config) { c.Personalization = 1.5 }, "personalization"},
		{"exploration negative", func(c *Config) { c.Exploration = -0.1 }, "exploration"},
		{"harmful share above 1", func(c *Config) { c.HarmfulShare = 2 }, "harmful_share"},
		{"harmful boost above 1", func(c *Config) { c.HarmfulBoost = 1.01 }, "harmful_boost"},
		{"too few items", func(c *Config) { c.Items = 99 }, "items"},
		{"batch zero", func(c *Config) { c.BatchSize = 0 }, "batch_size"},
		{"batch too big", func(c *Config) { c.BatchSize = 101 }, "batch_size"},
		{"dwell zero", func(c *Config) { c.DwellFullMS = 0 }, "dwell_full_ms"},
		{"negative latency", func(c *Config) { c.Latency = -time.Second }, "latency"},
		{"minimal", func(c *Config) { c.Items = 100; c.BatchSize = 1 }, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := DefaultConfig()
			tc.edit(&c)
			err := c.Validate()
			switch {
			case tc.wantErr == "" && err != nil:
				t.Fatalf("Validate() = %v, want nil", err)
			case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
				t.Fatalf("Validate() = %v, want an error mentioning %q", err, tc.wantErr)
			}
		})
	}
}

func TestLoadScenario(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}

	t.Run("applies over defaults", func(t *testing.T) {
		p := write("ok.yaml", "seed: 7\nitems: 500\nlatency: 250ms\nharmful_boost: 0.3\nviolations:\n  minor_leak: true\n")
		got, err := LoadScenario(p)
		if err != nil {
			t.Fatalf("LoadScenario: %v", err)
		}
		want := DefaultConfig()
		want.Seed, want.Items, want.Latency, want.HarmfulBoost = 7, 500, 250*time.Millisecond, 0.3
		want.Violations.MinorLeak = true
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("LoadScenario = %+v, want %+v", got, want)
		}
	})
	t.Run("empty file is the default", func(t *testing.T) {
		got, err := LoadScenario(write("empty.yaml", ""))
		if err != nil || !reflect.DeepEqual(got, DefaultConfig()) {
			t.Fatalf("LoadScenario(empty) = %+v, %v, want defaults", got, err)
		}
	})

	errTests := []struct {
		name, body, want string
	}{
		{"unknown field", "seed: 3\nitems: 500\nbogus_field: 1\n", "bad1.yaml:3: field bogus_field not found"},
		{"unknown nested field", "violations:\n  ignore_switch: true\n  leak_everything: true\n", "bad2.yaml:3: field leak_everything not found"},
		{"wrong type", "seed: 1\nbatch_size: lots\n", "bad3.yaml:2:"},
		{"syntax", "seed: 1\n  items: [\n", "bad4.yaml:"},
		{"out of range", "personalization: 3\n", "personalization"},
	}
	for i, tc := range errTests {
		t.Run(tc.name, func(t *testing.T) {
			p := write("bad"+string(rune('1'+i))+".yaml", tc.body)
			_, err := LoadScenario(p)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("LoadScenario = %v, want an error containing %q", err, tc.want)
			}
		})
	}
	if _, err := LoadScenario(filepath.Join(dir, "missing.yaml")); err == nil || !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("LoadScenario(missing) = %v, want a not-exist error", err)
	}
}
