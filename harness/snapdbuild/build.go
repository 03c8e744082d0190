// Package snapdbuild builds snapd's Debian packages for a test system from source, with
// a series of patches, in a chroot of the system's own release (Debian's Go and Go
// libraries, native speed). Builds are cached by source version and patch contents;
// the unpacked tree of the last build per system is kept so that a build differing by
// one patch (a mutant) rebuilds incrementally.
//
// Cache layout, under $SHM_E2E_CACHE (default ~/.cache/shm-e2e):
//
//	snapd/chroots/SUITE/            debootstrap --variant=buildd root, .shm-e2e-ready last
//	snapd/chroots/SUITE/build/SYSTEM/  the kept tree: src/, applied/, state.json
//	snapd/SYSTEM/KEY/               *.deb and manifest.json, written last
//	snapd/SYSTEM/prepare.log        the log of the bootstrap and source look-up
//	snapd/SYSTEM/build.log          the log of the last build
package snapdbuild

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"shm-e2e/harness/filelock"
	"shm-e2e/harness/hostcmd"
	"shm-e2e/harness/images"
	"shm-e2e/harness/mounts"
	"shm-e2e/harness/progress"
)

// Options says which snapd to build.
type Options struct {
	System       string   // spread system name, e.g. debian-12-64
	Source       string   // a local snapd tree; "" builds the system's Debian source package
	Patches      []string // patch files applied in this order
	ExtraPatches []string // applied after Patches: a mutant's one change
	// ExtraAreVariants says ExtraPatches are forms of one change for different snapd
	// releases (a mutant's variants): exactly one must be for the source's version.
	ExtraAreVariants bool
	Flavor           string // names the build in the version suffix: "patched", a mutant
	CacheDir         string // default images.DefaultCache().Dir
	Mirror           string // default images.DefaultMirror()
}

// builder holds one build's inputs, read and checked before any chroot work.
type builder struct {
	opts    Options
	system  images.System
	patches []patch
	extra   []patch
	sysDir  string // cache directory of the system
	log     *hostcmd.Log
	root    *chroot
}

// Build returns the cached packages for these options, building them first when no
// complete entry exists.
func Build(ctx context.Context, opts Options) (*Result, error) {
	b, err := newBuilder(opts)
	if err != nil {
		return nil, err
	}
	unlock, err := lockDir(b.sysDir)
	if err != nil {
		return nil, err
	}
	defer unlock()

	// The bootstrap and the source look-up log apart, so that a cached no-op run
	// keeps the log of the last real build.
	b.log, err = hostcmd.OpenLog(filepath.Join(b.sysDir, "prepare.log"))
	if err != nil {
		return nil, err
	}
	defer b.log.Close()
	return b.build(ctx)
}

func newBuilder(opts Options) (*builder, error) {
	system, err := images.Lookup(opts.System)
	if err != nil {
		return nil, err
	}
	if err := fillDefaults(&opts); err != nil {
		return nil, err
	}
	if opts.Source != "" {
		if err := ValidateTree(opts.Source); err != nil {
			return nil, err
		}
	}

	b := &builder{opts: opts, system: system,
		sysDir: filepath.Join(opts.CacheDir, "snapd", system.Name)}
	if b.patches, err = readPatches(opts.Patches); err != nil {
		return nil, err
	}
	if b.extra, err = readPatches(opts.ExtraPatches); err != nil {
		return nil, err
	}
	return b, nil
}

func fillDefaults(opts *Options) error {
	if opts.Flavor == "" {
		opts.Flavor = "patched"
	}
	if opts.CacheDir == "" {
		opts.CacheDir = images.DefaultCache().Dir
	}
	if opts.Mirror != "" {
		return nil
	}
	mirror, err := images.DefaultMirror()
	opts.Mirror = mirror
	return err
}

func (b *builder) build(ctx context.Context) (*Result, error) {
	var err error
	b.root, err = ensureChroot(ctx, b.opts.CacheDir, b.system.Suite, b.opts.Mirror, b.log)
	if err != nil {
		return nil, err
	}
	src, err := b.resolveSource(ctx)
	if err != nil {
		return nil, err
	}
	if err := b.selectPatches(src.Version); err != nil {
		return nil, err
	}
	if src.Kind == goRepackSource {
		// Before any download: the repacked package would ship the rest unpatched.
		if err := checkRepackable(append(b.patches, b.extra...)); err != nil {
			return nil, err
		}
	}

	entry := b.entryDir(src, b.patches, b.extra)
	if res, err := findEntry(entry); res != nil || err != nil {
		return b.cached(res), err
	}

	unmount, err := mounts.BindSystemDirs(b.root.Root)
	if err != nil {
		return nil, err
	}
	defer unmount()
	if b.log, err = hostcmd.OpenLog(filepath.Join(b.sysDir, "build.log")); err != nil {
		return nil, err
	}
	defer b.log.Close()
	return b.buildEntry(ctx, src, entry, filepath.Base(entry))
}

// selectPatches keeps the patches meant for the source's version (Snapd-Versions) and
// says which it leaves out. Extra patches (a mutant) that have no variant for the
// version are an error: building without them would make a mutant that breaks nothing.
func (b *builder) selectPatches(version string) error {
	for _, p := range b.patches {
		if !p.appliesTo(version) {
			progress.Printf("Patch %s is not for snapd %s (its %s header): left out",
				p.Name, version, versionsField)
		}
	}
	b.patches = forVersion(b.patches, version)
	if len(b.extra) == 0 {
		return nil
	}
	kept := forVersion(b.extra, version)
	if len(kept) == 0 {
		return fmt.Errorf("no patch of %s is for snapd %s: give one a %s header "+
			"matching it", strings.Join(patchNames(b.extra), ", "), version, versionsField)
	}
	if b.opts.ExtraAreVariants && len(kept) > 1 {
		return fmt.Errorf("%s are all for snapd %s: the %s headers of variants must "+
			"not overlap", strings.Join(patchNames(kept), " and "), version, versionsField)
	}
	b.extra = kept
	return nil
}

// entryDir is the cache entry of a build of the source with these patches.
func (b *builder) entryDir(src source, patches, extra []patch) string {
	in := keyInputs{System: b.system.Name, SourceID: src.ID, Flavor: b.opts.Flavor,
		Patches: patches, Extra: extra}
	return filepath.Join(b.sysDir, in.key())
}

func (b *builder) cached(res *Result) *Result {
	if res != nil {
		res.Cached = true
		res.Tree = b.root.hostPath(b.workDir())
		progress.Printf("snapd %s for %s is cached in %s", res.Version, res.System, res.Dir)
	}
	return res
}

func (b *builder) buildEntry(ctx context.Context, src source, entry, key string) (*Result,
	error) {
	done := progress.Step("Building snapd %s (%s) for %s", src.Version, b.opts.Flavor,
		b.system.Name)
	start := time.Now()
	res, err := b.buildPackages(ctx, src)
	done(err)
	if err != nil {
		return nil, err
	}

	res.Key = key
	res.Took = time.Since(start).Round(time.Second)
	built := res.Debs
	res.Debs = nil
	if err := commitEntry(entry, res, built); err != nil {
		return nil, err
	}
	progress.Printf("Built snapd %s for %s in %s (%s)", res.Version, res.System, res.Took,
		mode(res.Incremental))
	return res, nil
}

func mode(incremental bool) string {
	if incremental {
		return "incremental"
	}
	return "full build"
}

// buildPackages runs the steps in the chroot; its Result names the packages in the
// chroot, which commitEntry then copies into the cache entry.
func (b *builder) buildPackages(ctx context.Context, src source) (*Result, error) {
	r := b.recipeFor(src)
	tree, incremental, err := b.prepareTree(ctx, src, r)
	if err != nil {
		return nil, err
	}
	if err := b.applyAll(tree); err != nil {
		return nil, err
	}
	base, err := r.baseVersion(tree)
	if err != nil {
		return nil, err
	}
	version := base + VersionSuffix(b.opts.Flavor)
	if err := r.stamp(tree, version); err != nil {
		return nil, err
	}

	if err := r.installDeps(ctx, tree); err != nil {
		return nil, err
	}
	deb, err := r.compile(ctx, tree, incremental, version)
	if err != nil {
		return nil, err
	}
	return &Result{System: b.system.Name, Flavor: b.opts.Flavor, SourceVersion: base,
		Version: version, Recipe: src.Kind.String(), Patches: patchNames(b.patches),
		ExtraPatches: patchNames(b.extra), Debs: []string{deb}, Built: time.Now().UTC(),
		Incremental: incremental, Tree: b.root.hostPath(tree)}, nil
}

// lockDir keeps two builds of one system from sharing the kept tree.
func lockDir(dir string) (func(), error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("cannot create %s: %w", dir, err)
	}
	return filelock.Lock(filepath.Join(dir, ".lock"))
}
