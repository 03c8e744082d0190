package main

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestE2EBackendPicksTheContainerSystems(t *testing.T) {
	opts, err := parseE2E([]string{"-backend", "lxd", "-system", "debian-12-64"})
	require.NoError(t, err)
	assert.Equal(t, "lxd", opts.backend)
	assert.Equal(t, "lxd-local:debian-12-64-lxd", backendSelector(opts.backend, "debian-12-64"))
	assert.Equal(t, "qemu-local:debian-12-64", backendSelector("qemu", "debian-12-64"))

	_, err = parseE2E([]string{"-backend", "docker"})
	assert.Error(t, err)
}

func TestContainerSystemsNameTheirImage(t *testing.T) {
	assert.Equal(t, "debian-13-64", vmSystem("debian-13-64-lxd"))
	assert.Equal(t, "debian-13-64", vmSystem("debian-13-64"))
}
