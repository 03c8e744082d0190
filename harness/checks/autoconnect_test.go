//go:build vmchecks

package checks

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// Behaviour 1: a private plug connects itself to the implicit system slot, and only a
// private plug may use that slot.
func TestPrivatePlugAutoConnects(t *testing.T) {
	conn, ok := plugConnection(t, "shm-private-a", "shared-memory")
	require.True(t, ok, "shm-private-a declares a shared-memory plug; snap connections lists none")
	require.Equal(t, ":shared-memory", conn.Slot,
		"a private: true plug must auto-connect to the system's :shared-memory slot")
	require.NotContains(t, conn.Notes, "manual", "the connection must be automatic")
}

func TestNonPrivatePlugStaysOffTheSystemSlot(t *testing.T) {
	conn, ok := plugConnection(t, "shm-slot-consumer", "shared-memory")
	require.True(t, ok, "shm-slot-consumer declares a shared-memory plug")
	require.Equal(t, "-", conn.Slot,
		"a non-private plug must not auto-connect to anything (connected to %s)", conn.Slot)

	out, status := sh("snap connect shm-slot-consumer:shared-memory :shared-memory 2>&1")
	t.Logf("snapd's answer to a manual connection: %s", out)
	require.NotZero(t, status,
		"snapd must refuse to connect a non-private plug to the private system slot")
	conn, _ = plugConnection(t, "shm-slot-consumer", "shared-memory")
	require.Equal(t, "-", conn.Slot, "the refused connection must not exist")
}
