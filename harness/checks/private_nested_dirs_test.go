//go:build vmchecks

package checks

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestPrivateNestedDirs asserts: Nested directories work in a private /dev/shm.
//
// From a bug report: Electron apps keep trees such as /dev/shm/app/session-1/segment
// and fail with "Permission denied" on Debian 12 when the snap uses private shared
// memory. The private /dev/shm is the snap's own, so a directory two levels deep with a
// segment-like file in it must work, and the host must see the tree under
// /dev/shm/snap.INSTANCE, not in its own /dev/shm.
func TestPrivateNestedDirs(t *testing.T) {
	const top, session = "electron-app", "electron-app/session-1"
	segment := filepath.Join("/dev/shm", session, "probe-file") // what subdir writes
	run := runProbe(t, "root", "shm-private-a", "subdir", top, "subdir", session,
		"stat", segment)
	run.requireOK(t, "subdir", top, "a private snap creates a directory in /dev/shm")
	run.requireOK(t, "subdir", session,
		"a private snap creates a directory two levels deep, with a file in it")
	seen := run.requireOK(t, "stat", segment, "the snap sees the file in the nested directory")
	require.Equal(t, "file", seen.Data["type"], "%s in the snap must be a regular file", segment)

	private := "/dev/shm/snap.shm-private-a"
	for _, dir := range []string{top, session} {
		host := statHost(filepath.Join(private, dir))
		require.True(t, host.Exists && host.Mode.IsDir(),
			"the host must see the snap's directory %s/%s; got %s", private, dir, host)
	}
	onHost := filepath.Join(private, session, "probe-file")
	data, err := os.ReadFile(onHost)
	require.NoError(t, err, "the host must see the file the snap made two levels deep")
	require.Equal(t, "probe\n", string(data), "%s must hold what the probe wrote", onHost)
	require.False(t, statHost(filepath.Join("/dev/shm", top)).Exists,
		"the tree must not land in the host's /dev/shm")
	needAppArmorForRest(t, "that AppArmor allows nested directories (not only that they work)")
}
