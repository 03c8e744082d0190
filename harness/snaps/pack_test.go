package snaps

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func requireSquashfsTools(t *testing.T) {
	for _, tool := range []string{"mksquashfs", "unsquashfs"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is not installed (apt-get install squashfs-tools)", tool)
		}
	}
}

// writeTree creates files (path → content) under a new temp dir; a path ending in
// ".sh" is made executable so that modes are part of what gets packed.
func writeTree(t *testing.T, files map[string]string) string {
	root := t.TempDir()
	for path, content := range files {
		full := filepath.Join(root, path)
		require.NoError(t, os.MkdirAll(filepath.Dir(full), 0o755))
		mode := os.FileMode(0o644)
		if filepath.Ext(path) == ".sh" {
			mode = 0o755
		}
		require.NoError(t, os.WriteFile(full, []byte(content), mode))
	}
	return root
}

func listSquashfs(t *testing.T, file string) string {
	out, err := exec.Command("unsquashfs", "-lls", file).CombinedOutput()
	require.NoError(t, err, "%s", out)
	return string(out)
}

func dirEntries(t *testing.T, dir string) []string {
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	names := make([]string, 0, len(entries))
	for _, entry := range entries {
		names = append(names, entry.Name())
	}
	return names
}

func TestPackStoresTreeOwnedByRootAtEpoch(t *testing.T) {
	requireSquashfsTools(t)
	src := writeTree(t, map[string]string{
		"meta/snap.yaml": "name: x\n",
		"bin/run.sh":     "#!/bin/sh\n",
	})
	out := filepath.Join(t.TempDir(), "x.snap")

	require.NoError(t, Pack(src, out))

	listing := listSquashfs(t, out)
	assert.Regexp(t, `-rwxr-xr-x root/root +10 1970-01-01 00:00 squashfs-root/bin/run.sh`, listing)
	assert.Regexp(t, `-rw-r--r-- root/root +8 1970-01-01 00:00 squashfs-root/meta/snap.yaml`,
		listing)
	info, err := os.Stat(out)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o644), info.Mode().Perm())
}

func TestPackIsReproducible(t *testing.T) {
	requireSquashfsTools(t)
	src := writeTree(t, map[string]string{"meta/snap.yaml": "name: x\n", "a/b/c.txt": "data"})
	first := filepath.Join(t.TempDir(), "first.snap")
	second := filepath.Join(t.TempDir(), "second.snap")
	t.Setenv("SOURCE_DATE_EPOCH", "12345")

	require.NoError(t, Pack(src, first))
	later := time.Now().Add(time.Hour)
	require.NoError(t, os.Chtimes(filepath.Join(src, "a/b/c.txt"), later, later))
	require.NoError(t, Pack(src, second))

	firstBytes, err := os.ReadFile(first)
	require.NoError(t, err)
	secondBytes, err := os.ReadFile(second)
	require.NoError(t, err)
	assert.NotEmpty(t, firstBytes)
	assert.True(t, string(firstBytes) == string(secondBytes), "packs differ")
}

func TestPackMissingSourceLeavesNothing(t *testing.T) {
	outDir := t.TempDir()
	missing := filepath.Join(t.TempDir(), "no-such-dir")

	err := Pack(missing, filepath.Join(outDir, "x.snap"))

	require.Error(t, err)
	assert.Contains(t, err.Error(), "cannot pack "+missing)
	assert.Empty(t, dirEntries(t, outDir))
}

func TestPackSourceThatIsAFileFails(t *testing.T) {
	src := writeTree(t, map[string]string{"file": "x"})

	err := Pack(filepath.Join(src, "file"), filepath.Join(t.TempDir(), "x.snap"))

	assert.ErrorContains(t, err, "is not a directory")
}

// A mksquashfs that writes half a file and fails shows that Pack neither leaves the
// partial output nor replaces the snap that was already there.
func TestFailedPackLeavesNoPartialFileAndKeepsOldSnap(t *testing.T) {
	fakeBin := t.TempDir()
	fake := "#!/bin/sh\necho partial > \"$2\"\necho 'FATAL ERROR: disk on fire' >&2\nexit 1\n"
	require.NoError(t, os.WriteFile(filepath.Join(fakeBin, "mksquashfs"), []byte(fake), 0o755))
	t.Setenv("PATH", fakeBin+string(os.PathListSeparator)+os.Getenv("PATH"))
	src := writeTree(t, map[string]string{"meta/snap.yaml": "name: x\n"})
	outDir := t.TempDir()
	out := filepath.Join(outDir, "x.snap")
	require.NoError(t, os.WriteFile(out, []byte("old good snap"), 0o644))

	err := Pack(src, out)

	require.Error(t, err)
	assert.Contains(t, err.Error(), "disk on fire")
	assert.Equal(t, []string{"x.snap"}, dirEntries(t, outDir))
	old, readErr := os.ReadFile(out)
	require.NoError(t, readErr)
	assert.Equal(t, "old good snap", string(old))
}
