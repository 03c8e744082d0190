package snaps

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"

	"shm-e2e/harness/progress"
)

// probeDirName is the directory under the sources that holds the probe, not a snap.
const probeDirName = "probe"

// cacheFormat goes into every cache key; bump it when packing changes so that old
// snaps are rebuilt.
const cacheFormat = "shm-e2e snaps v1"

// Options says where BuildAll reads and writes; empty fields take the defaults.
type Options struct {
	// SrcDir holds one directory per snap plus probe/ (default: REPO/test-snaps).
	SrcDir string
	// OutDir receives NAME.snap files (default: REPO/.build/snaps).
	OutDir string
}

// Built is one snap BuildAll produced or found up to date.
type Built struct {
	Name   string
	Path   string
	Cached bool
}

// BuildAll builds the probe and packs every snap in opts.SrcDir with the probe as
// bin/probe. A snap whose sources and probe are unchanged since its last build is
// not packed again.
func BuildAll(opts Options) ([]Built, error) {
	opts, err := withDefaults(opts)
	if err != nil {
		return nil, err
	}

	names, err := snapNames(opts.SrcDir)
	if err != nil {
		return nil, err
	}
	if err := validateAll(opts.SrcDir, names); err != nil {
		return nil, err
	}

	probe, err := buildProbe(opts)
	if err != nil {
		return nil, err
	}

	built, err := buildSnaps(opts, names, probe)
	if err == nil {
		reportUpToDate(built)
	}
	return built, err
}

func withDefaults(opts Options) (Options, error) {
	if opts.SrcDir != "" && opts.OutDir != "" {
		return opts, nil
	}
	root, err := RepoRoot()
	if err != nil {
		return opts, err
	}
	if opts.SrcDir == "" {
		opts.SrcDir = filepath.Join(root, "test-snaps")
	}
	if opts.OutDir == "" {
		opts.OutDir = filepath.Join(root, ".build", "snaps")
	}
	return opts, nil
}

// RepoRoot finds the shm-e2e checkout from the working directory up, so that the
// harness works from any directory inside it.
func RepoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("cannot find repository root: %w", err)
	}
	for {
		content, err := os.ReadFile(filepath.Join(dir, "go.mod"))
		if err == nil && strings.HasPrefix(string(content), "module shm-e2e\n") {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("cannot find repository root: no shm-e2e go.mod above " +
				"the working directory")
		}
		dir = parent
	}
}

// snapNames lists the snap directories: every directory in srcDir but the probe's.
func snapNames(srcDir string) ([]string, error) {
	entries, err := os.ReadDir(srcDir)
	if err != nil {
		return nil, fmt.Errorf("cannot list snap sources: %w", err)
	}
	var names []string
	for _, entry := range entries {
		if entry.IsDir() && entry.Name() != probeDirName && !isHidden(entry.Name()) {
			names = append(names, entry.Name())
		}
	}
	if len(names) == 0 {
		return nil, fmt.Errorf("cannot build snaps: no snap directories in %s", srcDir)
	}
	sort.Strings(names)
	return names, nil
}

func isHidden(name string) bool {
	return strings.HasPrefix(name, ".")
}

// validateAll checks every snap.yaml before the first slow step, and reports all
// broken ones at once.
func validateAll(srcDir string, names []string) error {
	var problems []error
	for _, name := range names {
		if err := validateSnapDir(filepath.Join(srcDir, name)); err != nil {
			problems = append(problems, fmt.Errorf("cannot build snap %s: %w", name, err))
		}
	}
	return errors.Join(problems...)
}

// probeBinary is the built probe and the hash that goes into every snap's cache key.
type probeBinary struct {
	path string
	hash string
}

// buildProbe compiles the probe statically, so that it runs whatever the base's
// glibc; the Go build cache makes an unchanged probe cheap to rebuild.
func buildProbe(opts Options) (probeBinary, error) {
	done := progress.Step("Building probe")
	binary, err := compileProbe(filepath.Join(opts.SrcDir, probeDirName), opts.OutDir)
	done(err)
	return binary, err
}

func compileProbe(probeDir, outDir string) (probeBinary, error) {
	out := filepath.Join(outDir, ".probe", "probe")
	if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
		return probeBinary{}, fmt.Errorf("cannot build probe: %w", err)
	}
	absOut, err := filepath.Abs(out)
	if err != nil {
		return probeBinary{}, fmt.Errorf("cannot build probe: %w", err)
	}
	cmd := exec.Command("go", "build", "-trimpath", "-o", absOut,
		"-ldflags", "-linkmode external -extldflags -static", ".")
	cmd.Dir = probeDir
	cmd.Env = append(os.Environ(), "CGO_ENABLED=1")
	if output, err := cmd.CombinedOutput(); err != nil {
		return probeBinary{}, fmt.Errorf("cannot build probe from %s: %v\n%s",
			displayPath(probeDir), err, strings.TrimSpace(string(output)))
	}
	hash, err := hashFileContent(absOut)
	return probeBinary{path: absOut, hash: hash}, err
}

func buildSnaps(opts Options, names []string, probe probeBinary) ([]Built, error) {
	built := make([]Built, 0, len(names))
	for _, name := range names {
		result, err := buildSnap(opts, name, probe)
		if err != nil {
			return built, fmt.Errorf("cannot build snap %s: %w", name, err)
		}
		built = append(built, result)
	}
	return built, nil
}

func buildSnap(opts Options, name string, probe probeBinary) (Built, error) {
	srcDir := filepath.Join(opts.SrcDir, name)
	outFile := filepath.Join(opts.OutDir, name+".snap")
	key, err := cacheKey(srcDir, probe)
	if err != nil {
		return Built{}, err
	}
	if isCached(outFile, key) {
		return Built{Name: name, Path: outFile, Cached: true}, nil
	}

	done := progress.Step("Building snap %s", name)
	err = stageAndPack(srcDir, outFile, probe, opts.OutDir)
	if err == nil {
		err = writeKey(outFile, key)
	}
	done(err)
	return Built{Name: name, Path: outFile}, err
}

// stageAndPack packs a copy of the snap's tree with the probe added, leaving the
// sources untouched.
func stageAndPack(srcDir, outFile string, probe probeBinary, outDir string) error {
	stage, err := os.MkdirTemp(outDir, ".stage-*")
	if err != nil {
		return err
	}
	defer os.RemoveAll(stage)

	tree := filepath.Join(stage, "tree")
	if err := copyTree(srcDir, tree); err != nil {
		return err
	}
	if err := addProbe(tree, probe); err != nil {
		return err
	}
	return Pack(tree, outFile)
}

func addProbe(tree string, probe probeBinary) error {
	bin := filepath.Join(tree, "bin")
	if err := os.MkdirAll(bin, 0o755); err != nil {
		return err
	}
	return copyFile(probe.path, filepath.Join(bin, "probe"), 0o755)
}

func reportUpToDate(built []Built) {
	cached := 0
	for _, b := range built {
		if b.Cached {
			cached++
		}
	}
	switch {
	case cached == len(built):
		progress.Printf("All %d snaps are up to date; nothing to pack", cached)
	case cached > 0:
		progress.Printf("%d of %d snaps were up to date", cached, len(built))
	}
}
