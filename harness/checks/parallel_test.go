//go:build vmchecks

package checks

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// Behaviour 12: a parallel instance gets its own private directory, isolated from the
// snap it is an instance of.
func TestParallelInstanceHasItsOwnDevShm(t *testing.T) {
	const instance = "shm-private-a_key"
	mine := runProbe(t, "root", instance, "whoami", "create", "instance-seg", "k")
	who := mine.requireOK(t, "whoami", instance, "whoami in the instance")
	require.Equal(t, instance, who.Data["instance"])
	mine.requireOK(t, "shm-create", "instance-seg", "the instance creates a segment")

	requirePrivateDir(t, instance)
	require.Equal(t, "/snap."+instance, devShmMountRoot(t, instance),
		"the instance's /dev/shm must be /dev/shm/snap.%s, named by instance", instance)
	require.True(t, statHost("/dev/shm/snap."+instance+"/instance-seg").Exists)

	theirs := runProbe(t, "root", "shm-private-a", "read", "instance-seg", "list")
	theirs.requireFailure(t, "shm-read", "instance-seg", "the plain snap opens the instance's",
		"ENOENT")
	require.NotContains(t, theirs.entries(t), "instance-seg")
}
