//go:build vmchecks

package checks

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// Behaviour 2: inside a private snap /dev/shm is the host's /dev/shm/snap.INSTANCE, a
// root-owned 01777 directory, and stays so across a reconnection.
func TestPrivateDevShmIsTheSnapsDirectory(t *testing.T) {
	run := runProbe(t, "root", "shm-private-a", "create", "where-am-i", "marker-2")
	run.requireOK(t, "shm-create", "where-am-i", "creating a segment in private mode")

	requirePrivateDir(t, "shm-private-a")
	require.Equal(t, "/snap.shm-private-a", devShmMountRoot(t, "shm-private-a"),
		"/dev/shm in the snap must be a bind mount of /dev/shm/snap.shm-private-a")
	seg := statHost("/dev/shm/snap.shm-private-a/where-am-i")
	require.True(t, seg.Exists, "the segment must land in the snap's directory on the host")
	require.False(t, statHost("/dev/shm/where-am-i").Exists,
		"the segment must not land in the host's /dev/shm")
}

func TestPrivateDevShmSurvivesReconnect(t *testing.T) {
	runProbe(t, "root", "shm-private-a", "list")
	mustSh(t, "snap disconnect shm-private-a:shared-memory")
	mustSh(t, "rm -rf /dev/shm/snap.shm-private-a")
	mustSh(t, "snap connect shm-private-a:shared-memory :shared-memory")

	run := runProbe(t, "root", "shm-private-a", "create", "after-reconnect", "m")
	run.requireOK(t, "shm-create", "after-reconnect", "creating a segment after reconnect")
	requirePrivateDir(t, "shm-private-a")
	require.Equal(t, "/snap.shm-private-a", devShmMountRoot(t, "shm-private-a"),
		"the bind mount must be back after reconnecting")
	require.True(t, statHost(filepath.Join("/dev/shm/snap.shm-private-a",
		"after-reconnect")).Exists, "segments must land in the recreated directory")
}
