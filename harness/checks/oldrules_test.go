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
	run.requireFailure(t, "shm-create", "not-allowed", "a name outside snap.NAME.*",
		"EACCES", "EPERM")
	run.requireFailure(t, "shm-create", ".org.chromium.Chromium.x1", "a browser-style name",
		"EACCES", "EPERM")
	require.True(t, statHost("/dev/shm/snap.shm-plain.allowed").Exists,
		"a non-private snap's segment lands in the host's /dev/shm")
	require.False(t, statHost("/dev/shm/snap.shm-plain").Exists,
		"a non-private snap gets no private directory")

	denials := apparmorDenials(t, "snap.shm-plain.shm-plain", "/dev/shm/not-allowed")
	require.NotEmpty(t, denials, "the kernel log must show AppArmor denying /dev/shm/not-allowed")
	t.Logf("denial: %s", denials[0])
}

// sem_open("snap.NAME.x") makes /dev/shm/sem.snap.NAME.x, which the old rules allow.
func TestOldNamingRulesAllowTheSnapsSemaphores(t *testing.T) {
	run := runProbe(t, "root", "shm-plain", "sem-create", "snap.shm-plain.sem",
		"sem-unlink", "snap.shm-plain.sem")
	run.requireOK(t, "sem-create", "snap.shm-plain.sem",
		"sem_open of snap.NAME.* (file sem.snap.NAME.*) is allowed to a non-private snap")
	run.requireOK(t, "sem-unlink", "snap.shm-plain.sem", "sem_unlink of its own semaphore")
}
