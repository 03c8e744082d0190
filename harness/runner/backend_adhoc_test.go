package runner

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
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

func TestPackProjectLeavesOutTheRunsExcludes(t *testing.T) {
	dir := t.TempDir()
	for _, rel := range []string{"keep/a", ".build/debs/mine/x.deb", ".build/debs/other/y.deb"} {
		require.NoError(t, os.MkdirAll(filepath.Join(dir, filepath.Dir(rel)), 0o755))
		require.NoError(t, os.WriteFile(filepath.Join(dir, rel), []byte(rel), 0o644))
	}

	packed, err := packProject(&Project{Path: dir}, []string{".build/debs/other"})
	require.NoError(t, err)
	defer os.Remove(packed)
	out, err := exec.Command("tar", "-tzf", packed).Output()
	require.NoError(t, err)
	require.Contains(t, string(out), "./.build/debs/mine/x.deb")
	require.Contains(t, string(out), "./keep/a")
	require.NotContains(t, string(out), "other")
}
