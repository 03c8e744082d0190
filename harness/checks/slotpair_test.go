//go:build vmchecks

package checks

import (
	"testing"

	"github.com/stretchr/testify/require"
)

const (
	consumer = "shm-slot-consumer"
	provider = "shm-slot-provider"
)

// Behaviour 6: the non-private plug/slot pair works as before private mode: named and
// "*" paths, read versus write, and nothing once disconnected. Both sides get their
// rules from the connection, so the slot side too can only write once connected.
func TestSlotPairGrantsNamedPaths(t *testing.T) {
	mustSh(t, "snap connect "+consumer+":shared-memory "+provider+":shared-memory")
	made := runProbe(t, "root", provider, "create", "pair-data", "from-provider",
		"create", "pair-w-1", "w1", "create", "pair-ro", "read-only-data")
	made.requireOK(t, "shm-create", "pair-data", "the slot side writes a named path")
	made.requireOK(t, "shm-create", "pair-w-1", "the slot side writes a * path")
	made.requireOK(t, "shm-create", "pair-ro", "the slot side writes its read paths too")

	use := runProbe(t, "root", consumer, "read", "pair-data", "create", "pair-w-2", "w2",
		"read", "pair-ro", "create", "pair-ro", "overwrite", "create", "pair-other", "x")
	read := use.requireOK(t, "shm-read", "pair-data", "the plug side reads a write path")
	require.Equal(t, "from-provider", read.Data["marker"])
	use.requireOK(t, "shm-create", "pair-w-2", "the plug side writes a * path")
	use.requireOK(t, "shm-read", "pair-ro", "the plug side reads a read path")
	needAppArmorForRest(t, "denying a read-only path and an unlisted name")
	use.requireFailure(t, "shm-create", "pair-ro", "the plug side writes a read-only path",
		"EACCES", "EPERM")
	use.requireFailure(t, "shm-create", "pair-other", "the plug side uses an unlisted name",
		"EACCES", "EPERM")
}

func TestSlotPairGrantsNothingAfterDisconnect(t *testing.T) {
	mustSh(t, "snap connect "+consumer+":shared-memory "+provider+":shared-memory")
	runProbe(t, "root", provider, "create", "pair-data", "d").requireOK(t, "shm-create",
		"pair-data", "the slot side writes a named path")
	mustSh(t, "snap disconnect "+consumer+":shared-memory")

	needAppArmorForRest(t, "denying everything after a disconnect")
	use := runProbe(t, "root", consumer, "read", "pair-data", "create", "pair-w-3", "x")
	use.requireFailure(t, "shm-read", "pair-data", "reading after disconnect", "EACCES", "EPERM")
	use.requireFailure(t, "shm-create", "pair-w-3", "writing after disconnect", "EACCES", "EPERM")
}
