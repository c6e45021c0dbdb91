package main

import (
	"encoding/json"
	"io"
	"runtime/debug"

	auditreport "github.com/feedprobe/feedprobe/analysis/report"
)

// revision and modified are the source revision and whether the working
// tree had changes, set at build time by make build with -ldflags "-X
// main.revision=... -X main.modified=true"; Go's build info wins when it
// has them.
var revision, modified string

// toolInfo is this binary's version and the source revision it was built
// from (Go's build info: vcs.revision and vcs.modified; else what make
// build stamped).
func toolInfo() auditreport.Tool {
	t := auditreport.Tool{Version: version, Revision: revision, Modified: modified == "true"}
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return t
	}
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			t.Revision = s.Value
		case "vcs.modified":
			t.Modified = s.Value == "true"
		}
	}
	if t.Version == "dev" && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		t.Version = bi.Main.Version
	}
	return t
}

// writeJSON writes v to w as indented JSON, for the commands' --json.
func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
