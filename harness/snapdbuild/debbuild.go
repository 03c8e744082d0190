package snapdbuild

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"shm-e2e/harness/progress"
)

// installBuildDeps installs what snapd's source asks for, from Debian: Go, and the Go
// libraries snapd builds against in GOPATH mode. what is "./" for the tree's own
// debian/control, or a source package name for the archive's record of it. The
// nocheck profile leaves out what only the skipped unit tests need.
func (b *builder) installBuildDeps(ctx context.Context, tree, what string) error {
	done := progress.Step("Installing snapd's build dependencies")
	err := b.root.run(ctx, b.log, tree, "apt-get build-dep -y -q -P nocheck "+what)
	done(err)
	if err != nil {
		return fmt.Errorf("cannot install snapd's build dependencies: %w", err)
	}
	return nil
}

// buildOptions skip the test suite (minutes, and ours runs in VMs) and debug symbol
// packages (they grow with every incremental build and nothing installs them). The
// nocheck profile matches the build dependencies installBuildDeps installed.
var buildOptions = []string{"DEB_BUILD_OPTIONS=nocheck noddebs parallel=2",
	"DEB_BUILD_PROFILES=nocheck"}

// runBuild runs dpkg-buildpackage and returns the snapd package it made.
func (b *builder) runBuild(ctx context.Context, tree string, incremental bool,
	version string) (string, error) {
	outDir := filepath.Dir(b.root.hostPath(tree))
	removeOutputs(outDir)

	script := "dpkg-buildpackage -b -uc -us"
	if incremental {
		// dh-golang copies the sources into _build/src only where no copy exists: a
		// stale copy would ship silently. Debhelper at compat 9 skips every command
		// its logs list, and debian/files would name the last build's packages. Go's
		// build cache stays, which is what makes this fast.
		script = "rm -rf _build/src debian/debhelper-build-stamp debian/.debhelper\n" +
			"rm -f debian/*.debhelper.log debian/*.substvars debian/files\n" +
			script + " -nc"
	}
	done := progress.Step("Running dpkg-buildpackage (log: %s)", b.log.Path)
	err := b.root.run(ctx, b.log, tree, script, buildOptions...)
	done(err)
	if err != nil {
		return "", fmt.Errorf("cannot build snapd %s: %w", version, err)
	}
	return findSnapdDeb(outDir, version)
}

// removeOutputs clears the packages of the previous build beside the tree.
func removeOutputs(dir string) {
	for _, pattern := range []string{"*.deb", "*.ddeb", "*.changes", "*.buildinfo"} {
		old, _ := filepath.Glob(filepath.Join(dir, pattern))
		for _, path := range old {
			os.Remove(path)
		}
	}
}

// findSnapdDeb returns the snapd package (the runtime one: not the -dev library, not
// the transitional packages), and checks it carries the flavour's version.
func findSnapdDeb(dir, version string) (string, error) {
	debs, _ := filepath.Glob(filepath.Join(dir, "snapd_*.deb"))
	if len(debs) != 1 {
		return "", fmt.Errorf("cannot find the snapd package in %s: found %d", dir, len(debs))
	}
	out, err := exec.Command("dpkg-deb", "-f", debs[0], "Version").Output()
	if err != nil {
		return "", fmt.Errorf("cannot read the version of %s: %w", debs[0], err)
	}
	if got := strings.TrimSpace(string(out)); got != version {
		return "", fmt.Errorf("cannot use %s: version %s, want %s", debs[0], got, version)
	}
	return debs[0], nil
}
