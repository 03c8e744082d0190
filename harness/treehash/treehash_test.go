package treehash

import (
	"io/fs"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func write(t *testing.T, path, content string, mode os.FileMode) {
	require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
	require.NoError(t, os.WriteFile(path, []byte(content), mode))
	require.NoError(t, os.Chmod(path, mode))
}

func TestHashSeesContentModeAndNamesButNotTimes(t *testing.T) {
	root := t.TempDir()
	write(t, filepath.Join(root, "a", "b"), "x", 0o644)
	first, err := Hash(root, nil)
	require.NoError(t, err)

	require.NoError(t, os.Chtimes(filepath.Join(root, "a", "b"), time.Unix(0, 0), time.Unix(0, 0)))
	same, err := Hash(root, nil)
	require.NoError(t, err)
	assert.Equal(t, first, same, "times do not count")

	write(t, filepath.Join(root, "a", "b"), "x", 0o755)
	moded, _ := Hash(root, nil)
	assert.NotEqual(t, first, moded, "permission bits count")

	write(t, filepath.Join(root, "a", "b"), "y", 0o755)
	edited, _ := Hash(root, nil)
	assert.NotEqual(t, moded, edited, "contents count")
}

func TestHashSkipsWhatItIsTold(t *testing.T) {
	root := t.TempDir()
	write(t, filepath.Join(root, "src"), "code", 0o644)
	skipGit := func(rel string, entry fs.DirEntry) bool { return entry.Name() == ".git" }
	before, err := Hash(root, skipGit)
	require.NoError(t, err)

	write(t, filepath.Join(root, ".git", "HEAD"), "ref", 0o644)
	after, err := Hash(root, skipGit)
	require.NoError(t, err)
	assert.Equal(t, before, after)
	withGit, _ := Hash(root, nil)
	assert.NotEqual(t, before, withGit)
}

func TestFileHashesContent(t *testing.T) {
	path := filepath.Join(t.TempDir(), "f")
	write(t, path, "abc", 0o644)
	sum, err := File(path)
	require.NoError(t, err)
	assert.Len(t, sum, 64)
	_, err = File(path + ".missing")
	assert.ErrorContains(t, err, "cannot hash")
}
