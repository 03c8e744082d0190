package snapdbuild

import (
	"context"
	"path/filepath"

	"shm-e2e/harness/fileutil"
)

// recipe is one way from a snapd source to a snapd package: a Debian source tree built
// with dpkg-buildpackage, or Debian's Go sources built and repacked into Debian's
// package where the mirror lacks the source package (see repack.go).
type recipe interface {
	// unpack puts a pristine source tree under srcDir and returns its chroot path.
	unpack(ctx context.Context, srcDir string) (string, error)
	// baseVersion is the Debian version of the unpatched source.
	baseVersion(tree string) (string, error)
	// stamp makes the build carry the flavour's version.
	stamp(tree, version string) error
	installDeps(ctx context.Context, tree string) error
	// compile builds and returns the host path of the snapd package.
	compile(ctx context.Context, tree string, incremental bool, version string) (string,
		error)
}

// recipeFor picks the recipe of a resolved source.
func (b *builder) recipeFor(src source) recipe {
	if src.Kind == goRepackSource {
		return &repackRecipe{b: b, src: src}
	}
	return &debianRecipe{b: b}
}

// debianRecipe builds a tree with Debian packaging: Debian's source package or a local
// checkout.
type debianRecipe struct {
	b *builder
}

func (r *debianRecipe) unpack(ctx context.Context, srcDir string) (string, error) {
	b := r.b
	var tree string
	var err error
	if b.opts.Source != "" {
		tree, err = b.copyLocalTree(ctx, srcDir)
	} else {
		tree, err = b.fetchDebianSource(ctx, srcDir)
	}
	if err != nil {
		return "", err
	}
	// The changelog is the one file the build edits besides the patches: a pristine
	// copy lets the next build of this tree start from the source's own version.
	pristine := b.root.hostPath(filepath.Join(tree, "debian", "changelog"))
	return tree, fileutil.Copy(pristine, pristine+pristineSuffix)
}

func (r *debianRecipe) baseVersion(tree string) (string, error) {
	// The unpacked changelog, not apt's answer, is what dpkg-buildpackage versions.
	version, _, err := readChangelogHead(r.b.root.hostPath(filepath.Join(tree, "debian",
		"changelog")))
	return version, err
}

func (r *debianRecipe) stamp(tree, version string) error {
	return r.b.addChangelogEntry(tree, version)
}

func (r *debianRecipe) installDeps(ctx context.Context, tree string) error {
	return r.b.installBuildDeps(ctx, tree, "./")
}

func (r *debianRecipe) compile(ctx context.Context, tree string, incremental bool,
	version string) (string, error) {
	return r.b.runBuild(ctx, tree, incremental, version)
}

// pristineSuffix names the unedited copy of a file the build edits.
const pristineSuffix = ".shm-e2e-orig"
