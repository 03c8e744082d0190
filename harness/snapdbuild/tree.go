package snapdbuild

import (
	"bufio"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"shm-e2e/harness/treehash"
)

// packagingDir returns the tree's Debian packaging: debian/ in a Debian source tree,
// packaging/debian-sid/ in an upstream snapd checkout.
func packagingDir(tree string) (string, error) {
	for _, rel := range []string{"debian", "packaging/debian-sid"} {
		if isDir(filepath.Join(tree, rel, "")) && isFile(filepath.Join(tree, rel, "control")) {
			return rel, nil
		}
	}
	return "", fmt.Errorf("no debian/ or packaging/debian-sid/ with a control file")
}

// ValidateTree refuses a directory that is not a snapd source tree, before any chroot
// work: building the wrong tree would only fail minutes later, and less clearly.
func ValidateTree(tree string) error {
	if !isDir(tree) {
		return fmt.Errorf("cannot use %s as a snapd tree: not a directory", tree)
	}
	if !isDir(filepath.Join(tree, "cmd", "snap-update-ns")) {
		return fmt.Errorf("cannot use %s as a snapd tree: no cmd/snap-update-ns", tree)
	}
	if _, err := packagingDir(tree); err != nil {
		return fmt.Errorf("cannot use %s as a snapd tree: %v", tree, err)
	}
	return nil
}

// changelogLine is the first line of a Debian changelog: "snapd (VERSION) DIST; ...".
var changelogLine = regexp.MustCompile(`^snapd \(([^)\s]+)\) ([^;\s]+);`)

// readChangelogHead returns the version and distribution of a changelog's newest entry.
func readChangelogHead(path string) (version, dist string, err error) {
	f, err := os.Open(path)
	if err != nil {
		return "", "", fmt.Errorf("cannot read changelog: %w", err)
	}
	defer f.Close()

	line, _ := bufio.NewReader(f).ReadString('\n')
	m := changelogLine.FindStringSubmatch(line)
	if m == nil {
		return "", "", fmt.Errorf("cannot parse %s: first line %q is not a snapd entry",
			path, strings.TrimSpace(line))
	}
	return m[1], m[2], nil
}

// hashTree hashes a local tree's files (not .git, not a previous build's _build), so
// that an edit to the tree makes a new cache entry.
func hashTree(tree string) (string, error) {
	return treehash.Hash(tree, func(rel string, entry fs.DirEntry) bool {
		return entry.Name() == ".git" || rel == "_build"
	})
}

func isDir(path string) bool {
	info, err := os.Stat(path)
	return err == nil && info.IsDir()
}

func isFile(path string) bool {
	info, err := os.Stat(path)
	return err == nil && info.Mode().IsRegular()
}
