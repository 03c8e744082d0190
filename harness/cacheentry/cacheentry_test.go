package cacheentry

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type manifest struct{ Version string }

func TestAnEntryIsCompleteOrAbsent(t *testing.T) {
	cache := t.TempDir()
	final := filepath.Join(cache, "key")
	build := filepath.Join(cache, ".build-key")
	require.NoError(t, os.MkdirAll(build, 0o755))

	var m manifest
	found, err := Read(build, &m)
	require.NoError(t, err)
	assert.False(t, found, "a build directory without a manifest is no entry")

	require.NoError(t, Commit(build, final, manifest{Version: "1"}))
	found, err = Read(final, &m)
	require.NoError(t, err)
	assert.True(t, found)
	assert.Equal(t, "1", m.Version)
	assert.NoDirExists(t, build)
}

func TestABrokenManifestIsAnError(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, ManifestName), []byte("{"), 0o644))
	_, err := Read(dir, &manifest{})
	assert.ErrorContains(t, err, "cannot parse "+filepath.Join(dir, ManifestName))
}
