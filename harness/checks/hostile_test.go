//go:build vmchecks

package checks

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

const hostileSnap = "shm-private-a"

// Hostile entries: a /dev/shm/snap.NAME that snapd did not make (another user's directory,
// a directory without the sticky bit, a symlink, a file) is never the snap's private
// /dev/shm. snapd may refuse to run the snap, saying why, or replace the entry with a
// real root-owned 01777 directory; either way nothing lands where a symlink points.
func TestHostilePrivateDirIsNeverUsed(t *testing.T) {
	kind := os.Getenv("HOSTILE")
	require.NotEmpty(t, kind, "HOSTILE must name the hostile entry the task made")
	entry := filepath.Join("/dev/shm", "snap."+hostileSnap)
	before := statHost(entry)
	require.True(t, before.Exists, "the task must create %s before the snap runs", entry)
	t.Logf("hostile entry before the first run: %s", before)

	out, status := sh("snap run " + hostileSnap + " create hostile-seg m 2>&1")
	t.Logf("snap run (exit status %d):\n%s", status, out)
	requireSymlinkTargetUnused(t, kind)
	if status != 0 {
		require.Contains(t, out, entry, "a refused run must say which entry it refused")
		require.False(t, statHost(filepath.Join(entry, "hostile-seg")).Exists,
			"a refused run must not create segments in the hostile entry")
		return
	}

	requirePrivateDir(t, hostileSnap)
	require.Equal(t, "/snap."+hostileSnap, devShmMountRoot(t, hostileSnap),
		"the snap ran, so /dev/shm in it must be the replaced private directory")
	seg := statHost(filepath.Join(entry, "hostile-seg"))
	require.True(t, seg.Exists, "the segment must land in the private directory")
	require.False(t, statHost("/dev/shm/hostile-seg").Exists,
		"the segment must not land in the host's /dev/shm")
}

// requireSymlinkTargetUnused asserts that nothing was made where the symlink pointed.
func requireSymlinkTargetUnused(t *testing.T, kind string) {
	t.Helper()
	if kind != "symlink" {
		return
	}
	entries, err := os.ReadDir("/tmp/elsewhere")
	require.NoError(t, err, "the symlink's target must still be there")
	require.Empty(t, entries, "the snap must never use the symlink's target /tmp/elsewhere")
}
