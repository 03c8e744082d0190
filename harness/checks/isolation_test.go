//go:build vmchecks

package checks

import (
	"os"
	"testing"

	"github.com/stretchr/testify/require"
)

// Behaviour 3: private snaps cannot see, open or unlink each other's objects, nor the
// host's; the host sees theirs under /dev/shm/snap.NAME/.
func TestPrivateSnapsAreIsolatedFromEachOther(t *testing.T) {
	pairs := [][2]string{{"shm-private-a", "shm-private-b"}, {"shm-private-b", "shm-private-a"}}
	for _, pair := range pairs {
		owner, other := pair[0], pair[1]
		t.Run(owner+"-to-"+other, func(t *testing.T) {
			seg, sem := "iso-seg-"+owner, "iso-sem-"+owner
			made := runProbe(t, "root", owner, "create", seg, "secret", "sem-create", sem)
			made.requireOK(t, "shm-create", seg, "the owner creates a segment")
			made.requireOK(t, "sem-create", sem, "the owner creates a semaphore")

			peek := runProbe(t, "root", other, "read", seg, "sem-open", sem, "list")
			peek.requireFailure(t, "shm-read", seg, "another private snap opens the segment",
				"ENOENT")
			peek.requireFailure(t, "sem-open", sem, "another private snap opens the semaphore",
				"ENOENT")
			require.NotContains(t, peek.entries(t), seg, "%s must not list %s's segment",
				other, owner)

			kill := runProbe(t, "root", other, "unlink", seg, "sem-unlink", sem)
			kill.requireFailure(t, "shm-unlink", seg, "another private snap unlinks it", "ENOENT")
			kill.requireFailure(t, "sem-unlink", sem, "another private snap unlinks it",
				"ENOENT")
			require.True(t, statHost("/dev/shm/snap."+owner+"/"+seg).Exists,
				"%s's segment must survive %s's unlink", owner, other)
		})
	}
}

func TestPrivateSnapCannotSeeHostSegments(t *testing.T) {
	require.NoError(t, os.WriteFile("/dev/shm/host-only-seg", []byte("host"), 0o666))
	t.Cleanup(func() { os.Remove("/dev/shm/host-only-seg") })

	run := runProbe(t, "root", "shm-private-a", "read", "host-only-seg", "list")
	run.requireFailure(t, "shm-read", "host-only-seg", "a private snap opens a host segment",
		"ENOENT")
	require.NotContains(t, run.entries(t), "host-only-seg")
}

func TestHostSeesPrivateSegments(t *testing.T) {
	run := runProbe(t, "root", "shm-private-a", "create", "for-the-host", "hello-host")
	run.requireOK(t, "shm-create", "for-the-host", "creating a segment")

	data, err := os.ReadFile("/dev/shm/snap.shm-private-a/for-the-host")
	require.NoError(t, err, "the host must find the segment under /dev/shm/snap.shm-private-a")
	require.Contains(t, string(data), "hello-host", "the host must read what the snap wrote")
}
