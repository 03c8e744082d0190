package snaps

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestTreeHashFollowsContentModeAndNamesButNotTimes(t *testing.T) {
	root := writeTree(t, map[string]string{
		"meta/snap.yaml": "name: x\n",
		"bin/a.sh":       "#!/bin/sh\n",
	})
	hash := func() string {
		h, err := hashTree(root)
		require.NoError(t, err)
		return h
	}
	original := hash()

	later := time.Now().Add(time.Hour)
	require.NoError(t, os.Chtimes(filepath.Join(root, "bin/a.sh"), later, later))
	assert.Equal(t, original, hash(), "times are not packed, so they must not matter")

	require.NoError(t, os.Chmod(filepath.Join(root, "bin/a.sh"), 0o644))
	afterChmod := hash()
	assert.NotEqual(t, original, afterChmod)

	require.NoError(t, os.Rename(filepath.Join(root, "bin/a.sh"), filepath.Join(root, "bin/b.sh")))
	afterRename := hash()
	assert.NotEqual(t, afterChmod, afterRename)

	require.NoError(t, os.Symlink("b.sh", filepath.Join(root, "bin/link")))
	assert.NotEqual(t, afterRename, hash())
}

func TestCopyTreeKeepsModesAndSymlinks(t *testing.T) {
	src := writeTree(t, map[string]string{"bin/run.sh": "#!/bin/sh\n", "meta/snap.yaml": "y"})
	require.NoError(t, os.Symlink("run.sh", filepath.Join(src, "bin/alias")))
	dst := filepath.Join(t.TempDir(), "copy")

	require.NoError(t, copyTree(src, dst))

	srcHash, err := hashTree(src)
	require.NoError(t, err)
	dstHash, err := hashTree(dst)
	require.NoError(t, err)
	assert.Equal(t, srcHash, dstHash)
	target, err := os.Readlink(filepath.Join(dst, "bin/alias"))
	require.NoError(t, err)
	assert.Equal(t, "run.sh", target)
}

func TestErrorsShowPathsRelativeToWorkingDirectory(t *testing.T) {
	src := writeTree(t, map[string]string{"bad/meta/snap.yaml": "name: bad\nversion: [\n"})
	t.Chdir(filepath.Dir(src))

	err := validateSnapDir(filepath.Join(src, "bad"))

	require.Error(t, err)
	want := filepath.Join(filepath.Base(src), "bad", "meta", "snap.yaml") + ":"
	assert.Regexp(t, "^"+want+`\d+: `, err.Error())
}
