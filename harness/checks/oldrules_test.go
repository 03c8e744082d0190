//go:build vmchecks

package checks

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// Behaviour 5: without the private plug the old naming rules hold, enforced by AppArmor.
func TestOldNamingRulesWithoutPrivatePlug(t *testing.T) {
	run := runProbe(t, "root", "shm-plain",
		"create", "snap.shm-plain.allowed", "m", "read", "snap.shm-plain.allowed",
		"create", "not-allowed", "m", "create", ".org.chromium.Chromium.x1", "m")

	run.requireOK(t, "shm-create", "snap.shm-plain.allowed", "snap.NAME.* is the snap's own")
	run.requireOK(t, "shm-read", "snap.shm-plain.allowed", "reading its own segment")
	require.True(t, statHost("/dev/shm/snap.shm-plain.allowed").Exists,
		"a non-private snap's segment lands in the host's /dev/shm")
	require.False(t, statHost("/dev/shm/snap.shm-plain").Exists,
		"a non-private snap gets no private directory")

	needAppArmorForRest(t, "denying names outside snap.NAME.*")
	run.requireFailure(t, "shm-create", "not-allowed", "a name outside snap.NAME.*",
		"EACCES", "EPERM")
	run.requireFailure(t, "shm-create", ".org.chromium.Chromium.x1", "a browser-style name",
		"EACCES", "EPERM")

	denials := apparmorDenials(t, "snap.shm-plain.shm-plain", "/dev/shm/not-allowed")
	require.NotEmpty(t, denials, "the kernel log must show AppArmor denying /dev/shm/not-allowed")
	t.Logf("denial: %s", denials[0])
}

// sem_open("snap.NAME.x") uses /dev/shm/sem.snap.NAME.x, which the old rules allow: a
// semaphore of that name that exists opens, and one the snap creates must work too.
func TestOldNamingRulesAllowTheSnapsSemaphores(t *testing.T) {
	// Made outside the sandbox by the same probe binary, as a host process would.
	mustSh(t, "/snap/shm-plain/current/bin/probe sem-create snap.shm-plain.existing")
	open := runProbe(t, "root", "shm-plain", "sem-open", "snap.shm-plain.existing",
		"sem-unlink", "snap.shm-plain.existing")
	open.requireOK(t, "sem-open", "snap.shm-plain.existing",
		"sem_open of an existing sem.snap.NAME.* semaphore")
	open.requireOK(t, "sem-unlink", "snap.shm-plain.existing", "sem_unlink of it")

	made := runProbe(t, "root", "shm-plain", "sem-create", "snap.shm-plain.sem",
		"sem-unlink", "snap.shm-plain.sem")
	made.requireOK(t, "sem-create", "snap.shm-plain.sem",
		"sem_open(O_CREAT) of snap.NAME.* by a non-private snap")
	made.requireOK(t, "sem-unlink", "snap.shm-plain.sem", "sem_unlink of its own semaphore")
}
