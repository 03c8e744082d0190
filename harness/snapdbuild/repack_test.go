package snapdbuild

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestPatchVersionsPickTheSeriesForASnapd(t *testing.T) {
	everywhere := patch{Name: "0001-a.patch", Data: []byte("Description: a\n---\n+++ b/x.go\n")}
	old := patch{Name: "0002-b.patch",
		Data: []byte("Description: b\nSnapd-Versions: 2.57.*\n---\n+++ b/x.go\n")}
	two := patch{Name: "0003-c.patch",
		Data: []byte("Description: c\nSnapd-Versions: 2.57.*, 2.68.*\n---\n")}

	names := func(ps []patch) []string { return patchNames(ps) }
	all := []patch{everywhere, old, two}
	require.Equal(t, []string{"0001-a.patch", "0002-b.patch", "0003-c.patch"},
		names(forVersion(all, "2.57.6-1+deb12u1")))
	require.Equal(t, []string{"0001-a.patch", "0003-c.patch"},
		names(forVersion(all, "2.68.3-3+deb13u1")))
	require.Equal(t, []string{"0001-a.patch"}, names(forVersion(all, "2.70-1")))
}

func TestPatchVersionsHeaderEndsAtTheDiff(t *testing.T) {
	inDiff := patch{Name: "p", Data: []byte("Description: x\n---\n+Snapd-Versions: 9.*\n")}
	require.True(t, inDiff.appliesTo("2.57.6-1"), "a line of the diff is not a header")

	for _, bad := range []string{"Snapd-Versions:\n---\n", "Snapd-Versions: [\n---\n"} {
		dir := t.TempDir()
		file := filepath.Join(dir, "0001-x.patch")
		require.NoError(t, os.WriteFile(file, []byte(bad), 0o644))
		_, err := readPatches([]string{file})
		require.ErrorContains(t, err, "0001-x.patch", "header %q", bad)
	}
}

func TestSelectPatchesRefusesAMutantWithoutAVariant(t *testing.T) {
	b := &builder{
		patches: []patch{{Name: "0001-a.patch", Data: []byte("---\n")}},
		extra: []patch{{Name: "m.patch",
			Data: []byte("Breaks: x\nSnapd-Versions: 2.57.*\n---\n")}},
	}
	err := b.selectPatches("2.68.3-3")
	require.ErrorContains(t, err, "no patch of m.patch is for snapd 2.68.3-3")

	b.extra = append(b.extra, patch{Name: "m.2.68.patch",
		Data: []byte("Breaks: x\nSnapd-Versions: 2.68.*\n---\n")})
	require.NoError(t, b.selectPatches("2.68.3-3"))
	require.Equal(t, []string{"m.2.68.patch"}, patchNames(b.extra))
}

func TestSelectPatchesRefusesOverlappingVariants(t *testing.T) {
	variants := []patch{
		{Name: "m.patch", Data: []byte("Breaks: x\nSnapd-Versions: 2.*\n---\n")},
		{Name: "m.2.68.patch", Data: []byte("Breaks: x\nSnapd-Versions: 2.68.*\n---\n")}}
	b := &builder{opts: Options{ExtraAreVariants: true}, extra: variants}
	require.ErrorContains(t, b.selectPatches("2.68.3-3"), "must not overlap")

	// Extra patches that are not variants of one change may all apply.
	b = &builder{extra: variants}
	require.NoError(t, b.selectPatches("2.68.3-3"))
	require.Len(t, b.extra, 2)
}

func TestRepositoryPatchesEachHaveAFormForBothReleases(t *testing.T) {
	paths, err := Series("../../snapd-patches")
	require.NoError(t, err)
	patches, err := readPatches(paths)
	require.NoError(t, err)
	want := map[string][]string{
		"2.57.6-1+deb12u1": {"0001-app-slot-not-private.patch",
			"0002-private-dev-shm-hostile-source.patch",
			"0003-private-dev-shm-subdirectories.patch",
			"0004-connect-only-matching-modes.patch"},
		// 2.68 grants /dev/shm/** already.
		"2.68.3-3+deb13u1": {"0001-app-slot-not-private.patch",
			"0002-private-dev-shm-hostile-source.patch",
			"0004-connect-only-matching-modes.patch"},
	}
	for version, names := range want {
		require.Equal(t, names, patchNames(forVersion(patches, version)), version)
	}
	// The repacked build rebuilds only Go programs: the series must change only Go.
	require.NoError(t, checkRepackable(forVersion(patches, "2.68.3-3+deb13u1")))
}

func TestCheckRepackableRefusesCChanges(t *testing.T) {
	c := patch{Name: "0009-c.patch", Data: []byte("--- a/cmd/snap-confine/snap-confine.c\n" +
		"+++ b/cmd/snap-confine/snap-confine.c\n@@ -1 +1 @@\n-a\n+b\n")}
	err := checkRepackable([]patch{c})
	require.ErrorContains(t, err, "0009-c.patch")
	require.ErrorContains(t, err, "cmd/snap-confine/snap-confine.c")
}

func TestPatchedFilesReadsOnlyTheHeaders(t *testing.T) {
	diff := "Description: x\n---\n--- a/interfaces/x.go\n+++ b/interfaces/x.go\n" +
		"@@ -1,2 +1,2 @@\n-- old\n+++ not a header\n--- a/gone.go\n+++ /dev/null\n" +
		"@@ -1 +0,0 @@\n-package gone\n"
	require.Equal(t, []string{"interfaces/x.go", "gone.go"}, patchedFiles([]byte(diff)))
	require.NoError(t, checkRepackable([]patch{{Name: "p", Data: []byte(diff)}}))
}

func TestParseRepackURIsNamesBothPackages(t *testing.T) {
	out := "'http://m/debian/pool/main/s/snapd/golang-github-snapcore-snapd-dev_2.68.3-3" +
		"%2bdeb13u1_all.deb' golang-github-snapcore-snapd-dev_2.68.3-3+deb13u1_all.deb 1 " +
		"SHA256:00\n'http://m/debian/pool/main/s/snapd/snapd_2.68.3-3%2bdeb13u1%2bb7_amd64" +
		".deb' snapd_2.68.3-3+deb13u1+b7_amd64.deb 2 SHA256:00\n"
	in, err := parseRepackURIs(out)
	require.NoError(t, err)
	require.Equal(t, "golang-github-snapcore-snapd-dev_2.68.3-3+deb13u1_all.deb", in.DevDeb)
	require.Equal(t, "snapd_2.68.3-3+deb13u1+b7_amd64.deb", in.SnapdDeb)
	require.Equal(t, "2.68.3-3+deb13u1", debVersion(in.DevDeb))

	_, err = parseRepackURIs(strings.SplitAfter(out, "\n")[1])
	require.ErrorContains(t, err, "cannot find both")
}

func TestRepackRefusesPackagesOfAnotherVersion(t *testing.T) {
	const version = "2.68.3-3+deb13u1"
	in := func(dev, snapd string) repackInputs {
		return repackInputs{DevDeb: devPackage + "_" + dev + "_all.deb",
			SnapdDeb: "snapd_" + snapd + "_amd64.deb"}
	}
	require.NoError(t, checkRepackVersions(in(version, version), version))
	require.NoError(t, checkRepackVersions(in(version, version+"+b7"), version),
		"a binary rebuild of the same source is the same snapd")

	require.ErrorContains(t, checkRepackVersions(in("2.68.3-2", version), version),
		devPackage+" is 2.68.3-2")
	for _, snapd := range []string{"2.66.1-2", version + "+shme2e1", version + "1"} {
		require.ErrorContains(t, checkRepackVersions(in(version, snapd), version),
			"snapd package is "+snapd)
	}
}

func TestFirstUnservedTellsMissingFromDown(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/here.dsc":
		case "/gone.tar.gz":
			http.NotFound(w, r)
		default:
			http.Error(w, "broken", http.StatusInternalServerError)
		}
	}))
	defer srv.Close()
	ctx := context.Background()

	missing, err := firstUnserved(ctx, []string{srv.URL + "/here.dsc"})
	require.NoError(t, err)
	require.Empty(t, missing)

	missing, err = firstUnserved(ctx, []string{srv.URL + "/here.dsc", srv.URL + "/gone.tar.gz"})
	require.NoError(t, err)
	require.Equal(t, srv.URL+"/gone.tar.gz", missing)

	_, err = firstUnserved(ctx, []string{srv.URL + "/broken"})
	require.ErrorContains(t, err, "500", "a failing mirror is not a missing file")
}

func TestRepackScriptReplacesEveryGoProgramAndTheVersion(t *testing.T) {
	script := repackScript("/src/snapd_1+b1_amd64.deb", "/bin", "/pkg", "/out", "1+shme2e1")
	for _, p := range goPrograms {
		require.Contains(t, script, "install -m 0755 /bin/"+filepath.Base(p.Dest)+" /pkg/"+
			p.Dest)
		require.Contains(t, script, "test -f /pkg/"+p.Dest, "a program Debian's "+
			"package lacks must fail the repack, not be added")
	}
	require.Contains(t, script, "Version: 1+shme2e1/' /pkg/DEBIAN/control")
	require.Contains(t, script, "VERSION=1+shme2e1/' /pkg/usr/lib/snapd/info")
	require.Contains(t, script, "md5sums")
}
