package fileutil

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestCopyReplacesTheDestinationAndKeepsTheMode(t *testing.T) {
	dir := t.TempDir()
	src, dst := filepath.Join(dir, "src"), filepath.Join(dir, "dst")
	require.NoError(t, os.WriteFile(src, []byte("new"), 0o755))
	require.NoError(t, os.WriteFile(dst, []byte("older and longer"), 0o644))

	require.NoError(t, Copy(src, dst))
	data, err := os.ReadFile(dst)
	require.NoError(t, err)
	require.Equal(t, "new", string(data))
	info, err := os.Stat(dst)
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o755), info.Mode().Perm())

	err = Copy(filepath.Join(dir, "missing"), dst)
	require.ErrorContains(t, err, "missing")
}
