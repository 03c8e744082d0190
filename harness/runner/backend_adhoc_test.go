package runner

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestAllocateThatPrintsNoAddressShowsWhatItPrinted(t *testing.T) {
	p := &Project{Path: t.TempDir()}
	b := &Backend{Name: "adhoc", Type: "adhoc",
		Allocate: `eval "$(echo 'missing-tool: not found' >&2)"`}

	_, err := adhocAllocate(context.Background(), p, b, &System{Name: "debian-12-64"})
	require.ErrorContains(t, err, "must print ADDRESS")
	require.ErrorContains(t, err, "missing-tool: not found")
}

func TestTheProjectsAllocateRefusesAMissingHarnessBinary(t *testing.T) {
	project, err := Load("../..")
	require.NoError(t, err)
	dir := t.TempDir() // no .build/bin/shm-e2e here
	project.Path = dir

	backend := project.Backends["qemu-local"]
	_, err = adhocAllocate(context.Background(), project, backend, backend.Systems[0])
	require.ErrorContains(t, err, "no .build/bin/shm-e2e: run make build")
}
