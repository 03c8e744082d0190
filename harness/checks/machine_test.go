//go:build vmchecks

package checks

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"

	"github.com/bitfield/script"
	"github.com/stretchr/testify/require"
)

// sh runs a command line through the shell and returns its combined output and exit
// status.
func sh(cmdline string) (string, int) {
	pipe := script.Shell(cmdline)
	out, _ := pipe.String()
	return out, pipe.ExitStatus()
}

// mustSh runs a command line that must succeed for the check to mean anything.
func mustSh(t *testing.T, cmdline string) string {
	t.Helper()
	out, status := sh(cmdline)
	require.Zerof(t, status, "command failed with status %d: %s\n%s", status, cmdline, out)
	return out
}

func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// hostFile describes a file as the host (outside every snap) sees it.
type hostFile struct {
	Path   string
	Exists bool
	Mode   os.FileMode
	UID    uint32
	GID    uint32
}

func (f hostFile) String() string {
	if !f.Exists {
		return f.Path + " (missing)"
	}
	return fmt.Sprintf("%s %s uid=%d gid=%d", f.Path, f.Mode, f.UID, f.GID)
}

func statHost(path string) hostFile {
	info, err := os.Lstat(path)
	if err != nil {
		return hostFile{Path: path}
	}
	st := info.Sys().(*syscall.Stat_t)
	return hostFile{Path: path, Exists: true, Mode: info.Mode(), UID: st.Uid, GID: st.Gid}
}

// requirePrivateDir asserts that the host's /dev/shm/snap.INSTANCE is what snapd must
// make it: a real directory, owned by root, mode 01777.
func requirePrivateDir(t *testing.T, instance string) {
	t.Helper()
	dir := statHost(filepath.Join("/dev/shm", "snap."+instance))
	require.True(t, dir.Exists, "the private directory %s must exist", dir.Path)
	require.True(t, dir.Mode.IsDir(), "%s must be a directory, not %s", dir.Path, dir.Mode)
	require.Equal(t, os.ModeDir|os.ModeSticky|0o777, dir.Mode,
		"%s must have mode 01777 (sticky, world-writable); got %s", dir.Path, dir.Mode)
	require.Equal(t, [2]uint32{0, 0}, [2]uint32{dir.UID, dir.GID},
		"%s must be owned by root:root", dir.Path)
}

// devShmMountRoot returns the root of the mount at /dev/shm in a snap's preserved mount
// namespace: "/" when it is the host's /dev/shm, "/snap.NAME" when private mode bound
// the snap's directory over it. The probe cannot read mountinfo itself: AppArmor
// denies it to the snap.
func devShmMountRoot(t *testing.T, instance string) string {
	t.Helper()
	ns := "/run/snapd/ns/" + instance + ".mnt"
	out := mustSh(t, "nsenter --mount="+ns+" -- cat /proc/self/mountinfo")
	root := ""
	for _, line := range strings.Split(out, "\n") {
		fields := strings.Fields(line)
		if len(fields) > 4 && fields[4] == "/dev/shm" {
			root = fields[3] // the last mount at /dev/shm is the one on top
		}
	}
	require.NotEmpty(t, root, "no mount at /dev/shm in %s:\n%s", ns, out)
	return root
}

// connection is one line of `snap connections`.
type connection struct{ Interface, Plug, Slot, Notes string }

func connections(t *testing.T, snap string) []connection {
	t.Helper()
	out := mustSh(t, "snap connections "+snap)
	var conns []connection
	for _, line := range strings.Split(out, "\n")[1:] {
		f := strings.Fields(line)
		if len(f) >= 4 {
			conns = append(conns, connection{f[0], f[1], f[2], f[3]})
		}
	}
	return conns
}

// plugConnection returns the connection line of a plug, if the snap declares it.
func plugConnection(t *testing.T, snap, plug string) (connection, bool) {
	t.Helper()
	for _, c := range connections(t, snap) {
		if c.Plug == snap+":"+plug {
			return c, true
		}
	}
	return connection{}, false
}

var snapdVersionLine = regexp.MustCompile(`(?m)^snapd\s+(\S+)`)

func snapdVersion(t *testing.T) string {
	t.Helper()
	m := snapdVersionLine.FindStringSubmatch(mustSh(t, "snap version"))
	require.NotNil(t, m, "snap version names no snapd")
	return m[1]
}

// apparmorDenials returns the kernel's AppArmor denials for a profile that name path.
func apparmorDenials(t *testing.T, profile, path string) []string {
	t.Helper()
	out := mustSh(t, "dmesg")
	var denials []string
	for _, line := range strings.Split(out, "\n") {
		if strings.Contains(line, `apparmor="DENIED"`) &&
			strings.Contains(line, `profile="`+profile+`"`) &&
			strings.Contains(line, `name="`+path+`"`) {
			denials = append(denials, line)
		}
	}
	return denials
}
