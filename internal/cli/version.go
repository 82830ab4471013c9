package cli

import (
	"fmt"
	"runtime"
	"runtime/debug"
	"strings"

	"github.com/spf13/cobra"
)

// Version, Commit and BuildDate are stamped by `make build` with
// -ldflags "-X github.com/tendhq/tend/internal/cli.Version=…". A binary
// built otherwise (go build, go install) takes them from the module's
// build information instead.
var (
	Version   string
	Commit    string
	BuildDate string
)

// build says which Tend this is.
type build struct {
	Version  string // a release tag, a git describe, a module pseudo-version, or "dev"
	Commit   string // the full revision, "" when unknown
	Date     string // when built (RFC 3339), "" when unknown
	Modified bool   // built from a tree with uncommitted changes
	// CommitDate is the commit's time, when the build date is unknown.
	CommitDate string
	Go         string // the Go toolchain, OS and architecture
}

// thisBuild is the running binary's build.
func thisBuild() build {
	bi, _ := debug.ReadBuildInfo()
	return describeBuild(Version, Commit, BuildDate, bi)
}

// describeBuild puts together what -ldflags stamped with what the Go
// toolchain recorded (bi may be nil); the stamped values win.
func describeBuild(version, commit, date string, bi *debug.BuildInfo) build {
	b := build{Version: version, Commit: commit, Date: date,
		Go: runtime.Version() + " " + runtime.GOOS + "/" + runtime.GOARCH}
	if bi != nil {
		if b.Version == "" && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
			b.Version = bi.Main.Version
		}
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				if b.Commit == "" {
					b.Commit = s.Value
				}
			case "vcs.time":
				b.CommitDate = s.Value
			case "vcs.modified":
				b.Modified = b.Modified || s.Value == "true"
			}
		}
		if bi.GoVersion != "" {
			b.Go = bi.GoVersion + " " + runtime.GOOS + "/" + runtime.GOARCH
		}
	}
	if strings.HasSuffix(b.Version, "-dirty") || strings.HasSuffix(b.Version, "+dirty") {
		b.Modified = true
	}
	if b.Version == "" {
		b.Version = "dev"
	}
	return b
}

// String is the version on one line, for logs: "v0.3.0 (3594847c0ffe)".
func (b build) String() string {
	if b.Commit == "" {
		return b.Version
	}
	return b.Version + " (" + short(b.Commit) + ")"
}

func short(rev string) string {
	if len(rev) > 12 {
		return rev[:12]
	}
	return rev
}

func versionCmd(e *env) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version, the commit and the build date",
		Args:  cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			b := thisBuild()
			fmt.Fprintf(e.out, "tend %s\n", b.Version)
			switch {
			case b.Commit == "":
				fmt.Fprintln(e.out, "  commit  unknown (built without version control information; 'make build' stamps it)")
			case b.Modified:
				fmt.Fprintf(e.out, "  commit  %s, with uncommitted changes\n", b.Commit)
			default:
				fmt.Fprintf(e.out, "  commit  %s\n", b.Commit)
			}
			switch {
			case b.Date != "":
				fmt.Fprintf(e.out, "  built   %s\n", b.Date)
			case b.CommitDate != "":
				fmt.Fprintf(e.out, "  built   unknown (committed %s)\n", b.CommitDate)
			default:
				fmt.Fprintln(e.out, "  built   unknown")
			}
			fmt.Fprintf(e.out, "  go      %s\n", b.Go)
			return nil
		},
	}
}
