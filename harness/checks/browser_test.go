//go:build vmchecks

package checks

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// Behaviour 13: browser-support alone lets every browser snap share Chromium-style
// segments in the host's /dev/shm: the isolation gap private mode closes. The check
// records the gap (it asserts the sharing, so a change is noticed) and asserts that a
// browser snap in private mode keeps its segments to itself.
func TestBrowserSupportSharesSegmentsWithoutPrivateMode(t *testing.T) {
	const seg = ".org.chromium.Chromium.shared1"
	made := runProbe(t, "root", "shm-browser-a", "create", seg, "browser-a")
	made.requireOK(t, "shm-create", seg, "browser-support allows Chromium-style names")
	require.True(t, statHost("/dev/shm/"+seg).Exists, "it lands in the host's /dev/shm")

	peek := runProbe(t, "root", "shm-browser-b", "read", seg)
	read := peek.requireOK(t, "shm-read", seg,
		"the known gap: another browser-support snap reads the segment")
	require.Equal(t, "browser-a", read.Data["marker"])
	t.Logf("isolation gap recorded: shm-browser-b read shm-browser-a's %s", seg)
	needAppArmorForRest(t, "that AppArmor grants the sharing (not only that it works)")
}

func TestBrowserSupportWithPrivateModeIsIsolated(t *testing.T) {
	const seg = ".org.chromium.Chromium.private1"
	made := runProbe(t, "root", "shm-browser-private", "create", seg, "private")
	made.requireOK(t, "shm-create", seg, "a browser snap in private mode")
	require.True(t, statHost("/dev/shm/snap.shm-browser-private/"+seg).Exists,
		"the segment must land in the snap's private directory")
	require.False(t, statHost("/dev/shm/"+seg).Exists, "not in the host's /dev/shm")

	peek := runProbe(t, "root", "shm-browser-a", "read", seg)
	peek.requireFailure(t, "shm-read", seg, "another browser snap opens it", "ENOENT")
}
