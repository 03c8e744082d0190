//go:build vmchecks

package checks

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// snapFile returns the built test snap, uploaded with the project ($SNAPS).
func snapFile(t *testing.T, name string) string {
	t.Helper()
	dir := os.Getenv("SNAPS")
	require.NotEmpty(t, dir, "SNAPS must name the directory of built test snaps")
	return filepath.Join(dir, name+".snap")
}

// installAndExplain installs a snap and returns what snapd said about it: the install's
// error, or the reason it gave for dropping a bad plug or slot (snapd drops one with a
// warning rather than refusing the snap).
func installAndExplain(t *testing.T, name string) (installed bool, said string) {
	t.Helper()
	out, status := sh("snap install --dangerous " + snapFile(t, name) + " 2>&1")
	if status != 0 {
		return false, out
	}
	warnings, _ := sh("snap warnings --all --unicode=never 2>&1")
	return true, badPlugsVerdict(name, out+" "+warnings)
}

// badPlugsVerdict finds snapd's sentence about a snap's bad plugs or slots, which
// `snap warnings` wraps over several lines.
func badPlugsVerdict(snap, text string) string {
	flat := strings.Join(strings.Fields(text), " ")
	verdict := regexp.MustCompile(`snap "` + regexp.QuoteMeta(snap) +
		`" has bad plugs or slots: [^(]*\([^)]*\)`)
	return verdict.FindString(flat)
}

// unpackSnap unsquashes a snap into a temporary directory for snap pack's checks.
func unpackSnap(t *testing.T, name string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), name)
	mustSh(t, "unsquashfs -q -n -d "+dir+" "+snapFile(t, name))
	return dir
}

// Behaviour 7: invalid private declarations leave the plug unusable, and snapd says why,
// at install and in the skeleton check a store review runs.
func TestInvalidPrivateDeclarations(t *testing.T) {
	cases := []struct{ snap, plug, reason string }{
		{"shm-bad-both", "shared-memory", "shared-memory"},
		{"shm-bad-two-plugs", "shared-memory", "plugs"},
		{"shm-bad-plug-slot", "shared-memory", "slot"},
		{"shm-bad-private-yes", "shared-memory", "bool"},
	}
	for _, c := range cases {
		t.Run(c.snap, func(t *testing.T) {
			installed, said := installAndExplain(t, c.snap)
			t.Logf("snapd on installing %s:\n%s", c.snap, said)
			requireRejected(t, c.snap, c.plug, c.reason, installed, said)

			skeleton := unpackSnap(t, c.snap)
			out, status := sh("snap pack --check-skeleton " + skeleton + " 2>&1")
			t.Logf("snap pack --check-skeleton %s (exit status %d): %s", c.snap, status, out)
			require.Contains(t, badPlugsVerdict(c.snap, out), c.reason,
				"the skeleton check must report the invalid plug and why")
		})
	}
}

// requireRejected asserts that snapd refused the snap, or installed it without the bad
// plug and said why.
func requireRejected(t *testing.T, snap, plug, reason string, installed bool, said string) {
	t.Helper()
	require.Contains(t, said, reason, "snapd must say why %s's %s is invalid", snap, plug)
	if !installed {
		return
	}
	require.Contains(t, said, snap, "the warning must name the snap")
	conn, declared := plugConnection(t, snap, plug)
	require.False(t, declared && conn.Slot != "-",
		"the invalid plug %s:%s must not be connected (connected to %s)", snap, plug, conn.Slot)

	require.False(t, statHost("/dev/shm/snap."+snap).Exists,
		"no private directory may be made for an invalid plug")
	needAppArmorForRest(t, "denying arbitrary names to an invalid plug")
	run := runProbe(t, "root", snap, "create", "invalid-private-"+snap, "m")
	run.requireFailure(t, "shm-create", "invalid-private-"+snap,
		"an invalid private plug must not grant arbitrary names", "EACCES", "EPERM")
}

// Behaviour 8: only the implicit system slot is private; an app snap's slot claiming to
// be private must be refused with a reason.
func TestAppSlotCannotBePrivate(t *testing.T) {
	installed, said := installAndExplain(t, "shm-bad-app-slot")
	t.Logf("snapd on installing shm-bad-app-slot:\n%s", said)
	if installed {
		for _, c := range connections(t, "shm-bad-app-slot") {
			require.NotEqual(t, "shm-bad-app-slot:shared-memory", c.Slot,
				"snapd accepted an app snap's shared-memory slot with private: true")
		}
	}
	require.True(t, strings.Contains(said, "private"),
		"snapd must say that an app slot cannot be private; it said:\n%s", said)
}
