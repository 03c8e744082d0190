package snapdbuild

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"shm-e2e/harness/progress"
)

// When the mirror lists a snapd source package but does not serve its files (trixie's
// orig tarball answers 404 here), snapd is built from what the same Debian upload does
// serve: golang-github-snapcore-snapd-dev carries every Go and C file of the source as
// Debian built it, and the snapd binary package carries the rest (units, profiles,
// snap-confine). The Go programs are compiled from the former with the flags of
// Debian's debian/rules and replace their counterparts in the latter, whose version
// gets the flavour's suffix.
//
// Limit: snap-confine and the other C helpers stay Debian's binaries (the -dev package
// has their sources but not the autotools files that build them), so a patch or a
// mutant touching C code is refused by checkRepackable rather than silently not built.

const devPackage = "golang-github-snapcore-snapd-dev"

// repackInputs names the two Debian packages a repacked build starts from.
type repackInputs struct {
	DevDeb   string // golang-github-snapcore-snapd-dev_VERSION_all.deb
	SnapdDeb string // snapd_VERSION_ARCH.deb
}

// goProgram is one Go program of snapd's package: how Debian's rules build it and
// where the package has it.
type goProgram struct {
	Pkg    string // under github.com/snapcore/snapd/
	Dest   string // path in the package
	Env    string // extra environment of go build
	Tags   string
	Flags  string
	Static bool
}

// goPrograms follow debian/rules of snapd 2.68.3: pie for the daemon and the client
// (the client without the managers), static snap-exec, snapctl and snap-update-ns,
// which run inside snaps whose base may have no libc.
var goPrograms = []goProgram{
	{Pkg: "cmd/snapd", Dest: "usr/lib/snapd/snapd", Tags: "nosecboot", Flags: "-buildmode=pie"},
	{Pkg: "cmd/snap-seccomp", Dest: "usr/lib/snapd/snap-seccomp", Tags: "nosecboot",
		Flags: "-buildmode=pie"},
	{Pkg: "cmd/snapd-apparmor", Dest: "usr/lib/snapd/snapd-apparmor", Tags: "nosecboot",
		Flags: "-buildmode=pie"},
	{Pkg: "cmd/snap", Dest: "usr/bin/snap", Tags: "nosecboot nomanagers",
		Flags: "-buildmode=pie"},
	{Pkg: "cmd/snap-exec", Dest: "usr/lib/snapd/snap-exec", Env: "CGO_ENABLED=0",
		Tags: "nosecboot", Static: true},
	{Pkg: "cmd/snapctl", Dest: "usr/lib/snapd/snapctl", Env: "CGO_ENABLED=0",
		Tags: "nosecboot", Static: true},
	{Pkg: "cmd/snap-update-ns", Dest: "usr/lib/snapd/snap-update-ns", Tags: "nosecboot",
		Flags: `-ldflags '-extldflags "-static"'`, Static: true},
}

// repackSource names the two packages of a repacked build and checks that both come
// from the source version apt lists.
func (b *builder) repackSource(ctx context.Context, version string) (source, error) {
	out, err := b.root.output(ctx, b.log,
		"apt-get download --print-uris -qq "+devPackage+" snapd")
	if err != nil {
		return source{}, fmt.Errorf("cannot find %s and snapd for %s: %w", devPackage,
			b.system.Name, err)
	}
	in, err := parseRepackURIs(out)
	if err != nil {
		return source{}, err
	}
	if err := checkRepackVersions(in, version); err != nil {
		return source{}, fmt.Errorf("cannot build snapd %s for %s from Go sources: %w",
			version, b.system.Name, err)
	}
	return source{ID: "debian-go " + in.DevDeb + " " + in.SnapdDeb, Version: version,
		Kind: goRepackSource, Repack: in}, nil
}

// binNMU is the suffix of a binary-only rebuild of the same source.
var binNMU = regexp.MustCompile(`^\+b[0-9]+$`)

// checkRepackVersions makes sure both packages come from the source version: Go
// programs of one release repacked with another's helpers and units would be neither.
func checkRepackVersions(in repackInputs, version string) error {
	if dev := debVersion(in.DevDeb); dev != version {
		return fmt.Errorf("%s is %s", devPackage, dev)
	}
	rest, ok := strings.CutPrefix(debVersion(in.SnapdDeb), version)
	if !ok || (rest != "" && !binNMU.MatchString(rest)) {
		return fmt.Errorf("Debian's snapd package is %s", debVersion(in.SnapdDeb))
	}
	return nil
}

// aptLine is one line of apt's --print-uris: 'URI' FILE SIZE HASH.
var aptLine = regexp.MustCompile(`^'([^']+)' (\S+) `)

// aptURIs returns the URIs of apt's --print-uris output.
func aptURIs(out string) []string {
	var uris []string
	scanner := bufio.NewScanner(strings.NewReader(out))
	for scanner.Scan() {
		if m := aptLine.FindStringSubmatch(scanner.Text()); m != nil {
			uris = append(uris, m[1])
		}
	}
	return uris
}

func parseRepackURIs(out string) (repackInputs, error) {
	var in repackInputs
	for _, uri := range aptURIs(out) {
		file, err := url.PathUnescape(uri[strings.LastIndex(uri, "/")+1:])
		if err != nil {
			return in, fmt.Errorf("cannot read package URI %q: %w", uri, err)
		}
		switch {
		case strings.HasPrefix(file, devPackage+"_"):
			in.DevDeb = file
		case strings.HasPrefix(file, "snapd_"):
			in.SnapdDeb = file
		}
	}
	if in.DevDeb == "" || in.SnapdDeb == "" {
		return in, fmt.Errorf("cannot find both %s and snapd in apt's answer %q", devPackage,
			strings.TrimSpace(out))
	}
	return in, nil
}

// debVersion reads the version from a package file name, NAME_VERSION_ARCH.deb.
func debVersion(file string) string {
	parts := strings.Split(strings.TrimSuffix(file, ".deb"), "_")
	if len(parts) != 3 {
		return ""
	}
	return parts[1]
}

// firstUnserved returns the first URI the mirror answers 404 for, "" when all are
// served. Only http(s) mirrors are asked; anything but 200 or 404 is an error, so that
// a mirror that is down is not taken for one that lacks a file.
func firstUnserved(ctx context.Context, uris []string) (string, error) {
	client := &http.Client{Timeout: 30 * time.Second}
	for _, uri := range uris {
		if !strings.HasPrefix(uri, "http://") && !strings.HasPrefix(uri, "https://") {
			continue
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodHead, uri, nil)
		if err != nil {
			return "", err
		}
		resp, err := client.Do(req)
		if err != nil {
			return "", err
		}
		resp.Body.Close()
		switch resp.StatusCode {
		case http.StatusOK:
		case http.StatusNotFound:
			return uri, nil
		default:
			return "", fmt.Errorf("%s answered %s", uri, resp.Status)
		}
	}
	return "", nil
}

// repackRecipe builds snapd's Go programs and repacks Debian's snapd package.
type repackRecipe struct {
	b   *builder
	src source
}

// devGopath is where the -dev package is unpacked under the source directory: its
// usr/share/gocode is the first GOPATH entry, before Debian's Go libraries.
func devGopath(srcDir string) string {
	return filepath.Join(srcDir, "dev", "usr", "share", "gocode")
}

func (r *repackRecipe) unpack(ctx context.Context, srcDir string) (string, error) {
	in := r.src.Repack
	script := fmt.Sprintf("apt-get download -q %s %s\n"+
		"test -f %s && test -f %s\n"+
		"dpkg-deb -x %s dev", shellQuote(devPackage+"="+debVersion(in.DevDeb)),
		shellQuote("snapd="+debVersion(in.SnapdDeb)), shellQuote(in.DevDeb),
		shellQuote(in.SnapdDeb), shellQuote(in.DevDeb))
	if err := r.b.root.run(ctx, r.b.log, srcDir, script); err != nil {
		return "", fmt.Errorf("cannot fetch snapd's Go sources for %s: %w",
			r.b.system.Name, err)
	}
	tree := filepath.Join(devGopath(srcDir), "src", "github.com", "snapcore", "snapd")
	if err := ValidateGoTree(r.b.root.hostPath(tree)); err != nil {
		return "", err
	}
	return tree, nil
}

// ValidateGoTree refuses a Go source tree that is not snapd's.
func ValidateGoTree(tree string) error {
	for _, p := range goPrograms {
		if !isDir(filepath.Join(tree, p.Pkg)) {
			return fmt.Errorf("cannot use %s as snapd's Go sources: no %s", tree, p.Pkg)
		}
	}
	return nil
}

func (r *repackRecipe) baseVersion(string) (string, error) {
	return r.src.Version, nil
}

// stamp writes what mkversion.sh writes, so that `snap version` names the flavour.
func (r *repackRecipe) stamp(tree, version string) error {
	path := r.b.root.hostPath(filepath.Join(tree, "snapdtool", "version_generated.go"))
	code := fmt.Sprintf("package snapdtool\n\n// written by shm-e2e\n\nfunc init() {\n"+
		"\tVersion = %q\n}\n", version)
	if err := os.WriteFile(path, []byte(code), 0o644); err != nil {
		return fmt.Errorf("cannot write snapd's version: %w", err)
	}
	return nil
}

// checkRepackable refuses patches that change anything but Go code: the repacked
// package would ship Debian's build of it, unpatched.
func checkRepackable(patches []patch) error {
	for _, p := range patches {
		for _, file := range patchedFiles(p.Data) {
			if !strings.HasSuffix(file, ".go") {
				return fmt.Errorf("cannot apply %s to a repacked snapd: it changes %s, and "+
					"only Go programs are rebuilt when the source package is not served",
					p.Name, file)
			}
		}
	}
	return nil
}

// patchedFiles lists the files a unified diff changes, from its "--- a/X" and
// "+++ b/X" header pairs (the old name when the file is deleted).
func patchedFiles(data []byte) []string {
	var files []string
	lines := strings.Split(string(data), "\n")
	for i := 0; i+1 < len(lines); i++ {
		old, isOld := strings.CutPrefix(lines[i], "--- ")
		name, isNew := strings.CutPrefix(lines[i+1], "+++ ")
		if !isOld || !isNew {
			continue
		}
		if strings.HasPrefix(name, "/dev/null") {
			name = old
		}
		if fields := strings.Fields(name); len(fields) > 0 {
			_, rel, _ := strings.Cut(fields[0], "/")
			files = append(files, rel)
		}
		i++
	}
	return files
}

func (r *repackRecipe) installDeps(ctx context.Context, tree string) error {
	return r.b.installBuildDeps(ctx, tree, "snapd")
}

func (r *repackRecipe) compile(ctx context.Context, tree string, _ bool,
	version string) (string, error) {
	work := r.b.workDir()
	srcDir := filepath.Join(work, "src")
	bin, out := filepath.Join(work, "bin"), filepath.Join(work, "out")
	done := progress.Step("Building snapd's Go programs (log: %s)", r.b.log.Path)
	err := r.buildGo(ctx, tree, devGopath(srcDir), bin)
	done(err)
	if err != nil {
		return "", fmt.Errorf("cannot build snapd %s: %w", version, err)
	}

	script := repackScript(filepath.Join(srcDir, r.src.Repack.SnapdDeb), bin,
		filepath.Join(work, "pkg"), out, version)
	if err := r.b.root.run(ctx, r.b.log, tree, script); err != nil {
		return "", fmt.Errorf("cannot repack snapd %s: %w", version, err)
	}
	return findSnapdDeb(r.b.root.hostPath(out), version)
}

// buildGo compiles the programs in GOPATH mode against Debian's Go libraries, as
// Debian does, one command each so that a failure names its program; Go's build cache
// in the chroot makes a one-file change quick.
func (r *repackRecipe) buildGo(ctx context.Context, tree, gopath, bin string) error {
	if err := os.RemoveAll(r.b.root.hostPath(bin)); err != nil {
		return err
	}
	if err := os.MkdirAll(r.b.root.hostPath(bin), 0o755); err != nil {
		return err
	}
	env := []string{"GOPATH=" + gopath + ":/usr/share/gocode", "GO111MODULE=off"}
	for _, p := range goPrograms {
		out := filepath.Join(bin, filepath.Base(p.Dest))
		cmd := fmt.Sprintf("env %s go build -tags '%s' %s -o %s github.com/snapcore/snapd/%s",
			p.Env, p.Tags, p.Flags, out, p.Pkg)
		if err := r.b.root.run(ctx, r.b.log, tree, cmd, env...); err != nil {
			return err
		}
		// A static program runs in snaps whose base has no libc; ldd fails on it.
		if p.Static && r.b.root.run(ctx, r.b.log, tree, "ldd "+out) == nil {
			return fmt.Errorf("%s is not static (see %s)", p.Pkg, r.b.log.Path)
		}
	}
	return nil
}

// repackScript replaces the Go programs in Debian's package, which must already have
// each of them, and gives it the flavour's version.
func repackScript(stockDeb, bin, pkg, out, version string) string {
	var sb strings.Builder
	fmt.Fprintf(&sb, "rm -rf %s %s\nmkdir -p %s\ndpkg-deb -R %s %s\n", pkg, out, out,
		stockDeb, pkg)
	// As dh_strip would: the package stays the size of Debian's, not twice it.
	fmt.Fprintf(&sb, "strip --strip-unneeded %s/*\n", bin)
	for _, p := range goPrograms {
		dest := filepath.Join(pkg, p.Dest)
		fmt.Fprintf(&sb, "test -f %s || { echo 'Debian package has no /%s' >&2; exit 1; }\n",
			dest, p.Dest)
		fmt.Fprintf(&sb, "install -m 0755 %s %s\n", filepath.Join(bin,
			filepath.Base(p.Dest)), dest)
	}
	fmt.Fprintf(&sb, "sed -i 's/^Version: .*/Version: %s/' %s/DEBIAN/control\n", version, pkg)
	fmt.Fprintf(&sb, "sed -i 's/^VERSION=.*/VERSION=%s/' %s/usr/lib/snapd/info\n", version,
		pkg)
	fmt.Fprintf(&sb, "(cd %s && find . -path ./DEBIAN -prune -o -type f -printf '%%P\\0' | "+
		"LC_ALL=C sort -z | xargs -0 md5sum > DEBIAN/md5sums)\n", pkg)
	fmt.Fprintf(&sb, "dpkg-deb --root-owner-group -b %s %s/snapd_%s_$(dpkg --print-"+
		"architecture).deb\n", pkg, out, version)
	return sb.String()
}
