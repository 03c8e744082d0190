package snapdbuild

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"shm-e2e/harness/progress"
)

// source identifies the snapd source a build starts from.
type source struct {
	ID      string // what the cache key sees: "debian VERSION", "tree SHA256", ...
	Version string // the Debian version of the unpatched source
	Kind    sourceKind
	Repack  repackInputs // for goRepackSource only
}

// sourceKind says where a source comes from, and so how it is built.
type sourceKind int

const (
	debianSource   sourceKind = iota // Debian's source package, apt-get source
	localTree                        // a snapd tree given with -source
	goRepackSource                   // Debian's Go sources, repacked (repack.go)
)

func (k sourceKind) String() string {
	return [...]string{"debian source package", "local tree",
		"Go sources repacked into Debian's package"}[k]
}

var dscURI = regexp.MustCompile(`snapd_([^_\s']+)\.dsc`)

// resolveSource finds the version of the source without unpacking it, so that a
// cached build costs no download.
func (b *builder) resolveSource(ctx context.Context) (source, error) {
	if b.opts.Source != "" {
		return localSource(b.opts.Source)
	}
	out, err := b.root.output(ctx, b.log, "apt-get source --print-uris -qq snapd")
	if err != nil {
		return source{}, fmt.Errorf("cannot find snapd's source package for %s: %w",
			b.system.Name, err)
	}
	version, err := dscVersion(out)
	if err != nil {
		return source{}, fmt.Errorf("cannot find snapd's source version for %s: %w",
			b.system.Name, err)
	}
	debian := source{ID: "debian " + version, Version: version, Kind: debianSource}
	missing, err := firstUnserved(ctx, aptURIs(out))
	if err != nil {
		return b.cachedSource(ctx, debian, err)
	}
	if missing == "" {
		return debian, nil
	}
	repack, err := b.repackSource(ctx, version)
	if err == nil {
		progress.Printf("snapd's source package %s is not served (%s): building its Go "+
			"programs from %s and repacking %s", version, missing, repack.Repack.DevDeb,
			repack.Repack.SnapdDeb)
	}
	return repack, err
}

// cachedSource serves a build from the cache when the mirror cannot say whether it
// has the source package's files: either way of building counts.
func (b *builder) cachedSource(ctx context.Context, debian source, probe error) (source,
	error) {
	candidates := []source{debian}
	if repack, err := b.repackSource(ctx, debian.Version); err == nil {
		candidates = append(candidates, repack)
	}
	patches := forVersion(b.patches, debian.Version)
	extra := forVersion(b.extra, debian.Version)
	for _, src := range candidates {
		if res, _ := findEntry(b.entryDir(src, patches, extra)); res != nil {
			progress.Printf("Cannot reach the mirror (%v): using the cached build", probe)
			return src, nil
		}
	}
	return source{}, fmt.Errorf("cannot check snapd's source files for %s, and no build "+
		"of them is cached: %w", b.system.Name, probe)
}

// dscVersion reads the version from the .dsc URI apt prints, where "+" is escaped.
func dscVersion(uris string) (string, error) {
	m := dscURI.FindStringSubmatch(uris)
	if m == nil {
		return "", fmt.Errorf("no snapd .dsc in %q", strings.TrimSpace(uris))
	}
	return url.PathUnescape(m[1])
}

func localSource(tree string) (source, error) {
	dir, err := packagingDir(tree)
	if err != nil {
		return source{}, err
	}
	version, _, err := readChangelogHead(filepath.Join(tree, dir, "changelog"))
	if err != nil {
		return source{}, err
	}
	sum, err := hashTree(tree)
	if err != nil {
		return source{}, err
	}
	return source{ID: "tree " + sum, Version: version, Kind: localTree}, nil
}

// workDir is the chroot directory that keeps the last build of the system.
func (b *builder) workDir() string {
	return "/build/" + b.system.Name
}

// treeState records what the kept tree holds, so that the next build can undo the
// patches and rebuild incrementally instead of unpacking and building from scratch.
type treeState struct {
	SourceID string   `json:"source-id"`
	Tree     string   `json:"tree"`    // chroot path of the unpacked source
	Applied  []string `json:"applied"` // chroot paths of the applied patch copies
}

func (b *builder) statePath() string {
	return b.root.hostPath(filepath.Join(b.workDir(), "state.json"))
}

func (b *builder) readState() treeState {
	var st treeState
	data, err := os.ReadFile(b.statePath())
	if err == nil {
		json.Unmarshal(data, &st)
	}
	return st
}

func (b *builder) writeState(st treeState) error {
	data, _ := json.MarshalIndent(st, "", "  ")
	if err := os.WriteFile(b.statePath(), data, 0o644); err != nil {
		return fmt.Errorf("cannot record the build tree's state: %w", err)
	}
	return nil
}

// prepareTree returns a pristine tree of the source: the kept one with its patches
// undone when it holds the same source, else a freshly unpacked one.
func (b *builder) prepareTree(ctx context.Context, src source, r recipe) (string, bool,
	error) {
	st := b.readState()
	if st.SourceID == src.ID && st.Tree != "" && b.undoPatches(st) == nil {
		return st.Tree, true, b.writeState(treeState{SourceID: src.ID, Tree: st.Tree})
	}

	srcDir, err := b.emptySourceDir()
	if err != nil {
		return "", false, err
	}
	tree, err := r.unpack(ctx, srcDir)
	if err != nil {
		return "", false, err
	}
	return tree, false, b.writeState(treeState{SourceID: src.ID, Tree: tree})
}

// emptySourceDir replaces the kept tree with an empty directory for the next source:
// Debian's package (quilt patches applied by dpkg-source), a copy of the local tree,
// or Debian's Go sources.
func (b *builder) emptySourceDir() (string, error) {
	work := b.workDir()
	if err := os.RemoveAll(b.root.hostPath(work)); err != nil {
		return "", fmt.Errorf("cannot remove the old build tree: %w", err)
	}
	srcDir := filepath.Join(work, "src")
	if err := os.MkdirAll(b.root.hostPath(srcDir), 0o755); err != nil {
		return "", fmt.Errorf("cannot create %s: %w", b.root.hostPath(srcDir), err)
	}
	return srcDir, nil
}

func (b *builder) fetchDebianSource(ctx context.Context, srcDir string) (string, error) {
	if err := b.root.run(ctx, b.log, srcDir, "apt-get source -q snapd"); err != nil {
		if b.logMentions("404") {
			return "", fmt.Errorf("cannot fetch snapd's source for %s: %s's snapd source "+
				"is not served by the mirror; give a snapd tree with -source (see %s)",
				b.system.Name, b.system.Suite, b.log.Path)
		}
		return "", fmt.Errorf("cannot fetch snapd's source for %s: %w", b.system.Name, err)
	}
	trees, _ := filepath.Glob(b.root.hostPath(filepath.Join(srcDir, "snapd-*")))
	if len(trees) != 1 {
		return "", fmt.Errorf("cannot find the unpacked snapd in %s: found %d trees",
			b.root.hostPath(srcDir), len(trees))
	}
	return filepath.Join(srcDir, filepath.Base(trees[0])), nil
}

// copyLocalTree copies the user's tree without its .git, and gives an upstream
// checkout the debian/ directory dpkg-buildpackage looks for.
func (b *builder) copyLocalTree(ctx context.Context, srcDir string) (string, error) {
	tree := filepath.Join(srcDir, "snapd")
	dst := b.root.hostPath(tree)
	if err := os.MkdirAll(dst, 0o755); err != nil {
		return "", fmt.Errorf("cannot create %s: %w", dst, err)
	}
	copyCmd := fmt.Sprintf("tar -C %s --exclude=.git --exclude=./_build -cf - . | tar -C %s -xf -",
		shellQuote(b.opts.Source), shellQuote(dst))
	if err := b.log.Run(ctx, "sh", "-ec", copyCmd); err != nil {
		return "", fmt.Errorf("cannot copy snapd tree %s: %w", b.opts.Source, err)
	}
	dir, _ := packagingDir(dst)
	if dir == "debian" {
		return tree, nil
	}
	err := b.log.Run(ctx, "cp", "-a", filepath.Join(dst, dir), filepath.Join(dst, "debian"))
	return tree, err
}

func (b *builder) logMentions(text string) bool {
	data, err := os.ReadFile(b.log.Path)
	return err == nil && strings.Contains(string(data), text)
}
