// Package build reports the version of this binary. Release builds set the
// variables with -ldflags "-X"; other builds fall back to the module build info.
package build

import (
	"runtime/debug"
	"time"
)

// Set by goreleaser: -X github.com/approov-cli/approov/internal/build.Version=...
var (
	Version = ""
	Commit  = ""
	Date    = "" // RFC 3339
)

// Info describes the running binary.
type Info struct {
	Version string `json:"version"`
	Commit  string `json:"commit,omitempty"`
	Date    string `json:"date,omitempty"`
	Go      string `json:"go"`
}

// Current returns the version information, preferring ldflags values.
func Current() Info {
	info := Info{Version: Version, Commit: Commit, Date: Date, Go: "unknown"}
	bi, ok := debug.ReadBuildInfo()
	if ok {
		info.Go = bi.GoVersion
		fillFromBuildInfo(&info, bi)
	}
	if info.Version == "" {
		info.Version = "(devel)"
	}
	return info
}

func fillFromBuildInfo(info *Info, bi *debug.BuildInfo) {
	if info.Version == "" && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		info.Version = bi.Main.Version
	}
	for _, s := range bi.Settings {
		switch {
		case s.Key == "vcs.revision" && info.Commit == "":
			info.Commit = s.Value
		case s.Key == "vcs.time" && info.Date == "":
			if t, err := time.Parse(time.RFC3339, s.Value); err == nil {
				info.Date = t.UTC().Format(time.RFC3339)
			}
		}
	}
}
