//go:build vmchecks

package checks

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// Behaviour 10: applications make subdirectories in /dev/shm; private mode must allow it.
func TestSubdirectoriesInPrivateDevShm(t *testing.T) {
	run := runProbe(t, "root", "shm-private-a", "subdir", "app-dir")
	run.requireOK(t, "subdir", "app-dir", "a private snap creates a directory in /dev/shm")
	require.True(t, statHost("/dev/shm/snap.shm-private-a/app-dir/probe-file").Exists,
		"the directory and its file must land in the snap's private directory")
	needAppArmorForRest(t, "that AppArmor allows subdirectories (not only that they work)")
}

// Behaviour 11: Python multiprocessing, the case that broke real snaps.
func TestPythonMultiprocessingInPrivateMode(t *testing.T) {
	run := runProbe(t, "root", "shm-python", "shm-pass", "-", "from-parent", "pool", "4")
	pass := run.requireOK(t, "py-shm-pass", "-",
		"multiprocessing.shared_memory shared between parent and child")
	t.Logf("shared memory: %s", pass)
	run.requireOK(t, "py-pool", "4", "a ProcessPoolExecutor (which needs a semaphore)")
	needAppArmorForRest(t, "that AppArmor allows multiprocessing's names (not only that "+
		"they work)")
}
