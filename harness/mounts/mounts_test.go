package mounts

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestBindSystemDirsAndUndo(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("bind mounts need root")
	}
	root := t.TempDir()
	for _, dir := range []string{"proc", "sys", "dev/pts"} {
		require.NoError(t, os.MkdirAll(filepath.Join(root, dir), 0o755))
	}

	undo, err := BindSystemDirs(root)
	require.NoError(t, err)
	assert.FileExists(t, filepath.Join(root, "proc", "self", "mountinfo"))
	assert.Len(t, mountsUnder(root), 4)

	undo()
	assert.Empty(t, mountsUnder(root), "undo must take every mount down")
}

func TestBindSystemDirsCleansUpOnFailure(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("bind mounts need root")
	}
	root := t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(root, "proc"), 0o755))
	// No sys directory: the second mount fails, the first must not stay.
	_, err := BindSystemDirs(root)
	assert.ErrorContains(t, err, "cannot bind-mount /sys")
	assert.Empty(t, mountsUnder(root))
}
