//go:build vmchecks

package checks

import (
	"os"
	"testing"

	"github.com/stretchr/testify/require"
)

// probeUser is who runs the snaps in checks that care: "root", or a user the task
// created with a real login session (the task's variants set it).
func probeUser() string {
	if user := os.Getenv("PROBE_USER"); user != "" {
		return user
	}
	return "root"
}

// arbitraryNames are names hard-to-change software really uses.
var arbitraryNames = []string{
	"plain-name",                        // most programs
	".org.chromium.Chromium.a1B2c3",     // Chromium and Electron
	"fastrtps_port7411",                 // FastDDS port segment
	"fastrtps_0f12a3b4c5d6e7f8a9b0c1d2", // FastDDS participant segment
	"PostgreSQL.1804289383",             // PostgreSQL dynamic shared memory
}

// Behaviour 4: in private mode every name works, segments and semaphores alike (a
// semaphore needs the link permission: glibc creates it under a temporary name first).
func TestArbitraryNamesInPrivateMode(t *testing.T) {
	user := probeUser()
	args := []string{"whoami"}
	for _, name := range arbitraryNames {
		args = append(args, "create", name, "m-"+user, "read", name)
	}
	args = append(args, "sem-create", "any-sem", "sem-open", "any-sem", "sem-unlink", "any-sem")
	run := runProbe(t, user, "shm-private-a", args...)

	if user != "root" {
		who := run.requireOK(t, "whoami", "shm-private-a", "whoami")
		require.NotEqual(t, "0", who.Data["uid"], "the probe must run as %s, not root", user)
	}
	for _, name := range arbitraryNames {
		run.requireOK(t, "shm-create", name, "a private snap creates an arbitrary name")
		read := run.requireOK(t, "shm-read", name, "a private snap reads it back")
		require.Equal(t, "m-"+user, read.Data["marker"], "the marker written through mmap")
		require.True(t, statHost("/dev/shm/snap.shm-private-a/"+name).Exists,
			"%s must land in the snap's private directory", name)
	}
	run.requireOK(t, "sem-create", "any-sem", "sem_open(O_CREAT) of an arbitrary name")
	run.requireOK(t, "sem-open", "any-sem", "sem_open of an existing semaphore")
	run.requireOK(t, "sem-unlink", "any-sem", "sem_unlink")
	needAppArmorForRest(t, "that AppArmor allows these names (not only that they work)")
}
