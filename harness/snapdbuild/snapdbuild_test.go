package snapdbuild

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		path := filepath.Join(dir, name)
		require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
		require.NoError(t, os.WriteFile(path, []byte(content), 0o644))
	}
}

func TestSeriesOrdersByNumberAndSkipsOtherFiles(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"0010-later.patch": "", "0002-first.patch": "",
		"README.md": "", "0003-second.patch": ""})

	paths, err := Series(dir)
	require.NoError(t, err)
	require.Equal(t, []string{filepath.Join(dir, "0002-first.patch"),
		filepath.Join(dir, "0003-second.patch"), filepath.Join(dir, "0010-later.patch")}, paths)
}

func TestSeriesRefusesAmbiguousPatches(t *testing.T) {
	cases := map[string][]string{
		"want a name like": {"fix.patch"},
		"same number":      {"0001-a.patch", "0001-b.patch"},
	}
	for want, names := range cases {
		dir := t.TempDir()
		for _, name := range names {
			writeFiles(t, dir, map[string]string{name: ""})
		}
		_, err := Series(dir)
		require.ErrorContains(t, err, want, "series %v", names)
	}
}

func TestRepositorySeriesIsOrderedAndDescribed(t *testing.T) {
	paths, err := Series("../../snapd-patches")
	require.NoError(t, err)
	require.NotEmpty(t, paths)
	for _, path := range paths {
		data, err := os.ReadFile(path)
		require.NoError(t, err)
		require.True(t, strings.HasPrefix(string(data), "Description: "),
			"%s must start with a header saying what it does and why", path)
	}
}

func TestKeyChangesWithEveryInput(t *testing.T) {
	base := keyInputs{System: "debian-12-64", SourceID: "debian 2.57.6-1", Flavor: "patched",
		Patches: []patch{{"0001-a.patch", []byte("a")}, {"0002-b.patch", []byte("b")}}}
	variants := map[string]func(in *keyInputs){
		"system":        func(in *keyInputs) { in.System = "debian-13-64" },
		"source":        func(in *keyInputs) { in.SourceID = "debian 2.57.6-2" },
		"flavor":        func(in *keyInputs) { in.Flavor = "mutant-1" },
		"patch content": func(in *keyInputs) { in.Patches[1].Data = []byte("B") },
		"patch order": func(in *keyInputs) {
			in.Patches[0], in.Patches[1] = in.Patches[1], in.Patches[0]
		},
		"extra patch": func(in *keyInputs) { in.Extra = []patch{{"m.patch", []byte("m")}} },
		"extra moved from series": func(in *keyInputs) {
			in.Extra, in.Patches = in.Patches[1:], in.Patches[:1]
		},
	}
	for name, change := range variants {
		in := base
		in.Patches = append([]patch{}, base.Patches...)
		change(&in)
		require.NotEqual(t, base.key(), in.key(), "the key must change with the %s", name)
	}
	require.Equal(t, base.key(), base.key(), "the key must be stable")
}

func TestVersionSuffixSaysPatched(t *testing.T) {
	require.Equal(t, "+shme2e1", VersionSuffix("patched"))
	require.Equal(t, "+shme2e1", VersionSuffix(""))
	require.Equal(t, "+shme2e1.mutant.3.drop.check", VersionSuffix("Mutant-3/drop_check"))
}

func TestChangelogEntryCarriesTheVersion(t *testing.T) {
	when := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	entry := changelogEntry("2.57.6-1+deb12u1+shme2e1", "bookworm-security", "patched",
		[]string{"0001-a.patch"}, when)
	path := filepath.Join(t.TempDir(), "changelog")
	require.NoError(t, os.WriteFile(path, []byte(entry), 0o644))

	version, dist, err := readChangelogHead(path)
	require.NoError(t, err)
	require.Equal(t, "2.57.6-1+deb12u1+shme2e1", version)
	require.Equal(t, "bookworm-security", dist)
	require.Contains(t, entry, "  * 0001-a.patch\n")
	require.Contains(t, entry, " -- shm-e2e <shm-e2e@localhost>  Fri, 02 Jan 2026 03:04:05 +0000")
}

func TestValidateTreeRefusesWhatIsNotSnapd(t *testing.T) {
	snapd := map[string]string{"cmd/snap-update-ns/main.go": "", "debian/control": ""}
	upstream := map[string]string{"cmd/snap-update-ns/main.go": "",
		"packaging/debian-sid/control": ""}
	cases := []struct {
		files map[string]string
		want  string
	}{
		{snapd, ""},
		{upstream, ""},
		{map[string]string{"debian/control": ""}, "no cmd/snap-update-ns"},
		{map[string]string{"cmd/snap-update-ns/main.go": ""}, "no debian/"},
	}
	for _, c := range cases {
		dir := t.TempDir()
		writeFiles(t, dir, c.files)
		err := ValidateTree(dir)
		if c.want == "" {
			require.NoError(t, err)
			continue
		}
		require.ErrorContains(t, err, c.want)
		require.ErrorContains(t, err, dir, "the error must name the tree")
	}
	require.ErrorContains(t, ValidateTree(filepath.Join(t.TempDir(), "none")), "not a directory")
}

func TestHashTreeSeesEditsButNotGit(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"a.go": "a", ".git/HEAD": "1"})
	first, err := hashTree(dir)
	require.NoError(t, err)

	writeFiles(t, dir, map[string]string{".git/HEAD": "2"})
	same, err := hashTree(dir)
	require.NoError(t, err)
	require.Equal(t, first, same, ".git must not change the key")

	writeFiles(t, dir, map[string]string{"a.go": "b"})
	edited, err := hashTree(dir)
	require.NoError(t, err)
	require.NotEqual(t, first, edited, "an edit must change the key")
}

func TestFindEntryIgnoresIncompleteEntries(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "key")
	writeFiles(t, dir, map[string]string{"snapd_1_amd64.deb": "deb"})
	res, err := findEntry(dir)
	require.NoError(t, err)
	require.Nil(t, res, "an entry without a manifest is not complete")

	deb := filepath.Join(t.TempDir(), "snapd_2_amd64.deb")
	require.NoError(t, os.WriteFile(deb, []byte("deb"), 0o644))
	require.NoError(t, commitEntry(dir, &Result{Version: "2"}, []string{deb}))
	res, err = findEntry(dir)
	require.NoError(t, err)
	require.Equal(t, []string{filepath.Join(dir, "snapd_2_amd64.deb")}, res.DebPaths())
	require.NoFileExists(t, filepath.Join(dir, "snapd_1_amd64.deb"))
}

func TestApplyPatchNamesThePatchAndHunk(t *testing.T) {
	tree := t.TempDir()
	writeFiles(t, tree, map[string]string{"f.txt": "one\ntwo\n"})
	bad := filepath.Join(t.TempDir(), "0001-bad.patch")
	require.NoError(t, os.WriteFile(bad, []byte("--- a/f.txt\n+++ b/f.txt\n"+
		"@@ -1,2 +1,2 @@\n one\n-three\n+four\n"), 0o644))

	err := applyPatch(tree, bad, "0001-bad.patch")
	require.ErrorContains(t, err, "0001-bad.patch")
	require.ErrorContains(t, err, "Hunk #1 FAILED")
	data, _ := os.ReadFile(filepath.Join(tree, "f.txt"))
	require.Equal(t, "one\ntwo\n", string(data), "a failed patch must leave the tree alone")
}

func TestDscVersionUnescapesApt(t *testing.T) {
	out := "'http://mirror/debian/pool/main/s/snapd/snapd_2.57.6-1%2bdeb12u1.dsc' " +
		"snapd_2.57.6-1+deb12u1.dsc 2970 SHA256:00\n"
	version, err := dscVersion(out)
	require.NoError(t, err)
	require.Equal(t, "2.57.6-1+deb12u1", version)
}
