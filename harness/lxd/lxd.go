// Package lxd runs the suite's machines as LXD system containers: Debian's lxd,
// started by the harness when it is not running, configured so that nothing can leave
// the machine (no managed network, no network device in our profile, proxies pointing
// at a closed loopback port from the daemon's first start), with images exported from
// the VM images' own root filesystems and SSH reached through a loopback port that a
// proxy device forwards into the container.
//
// Containers share the host's kernel: they boot in seconds, but they cannot show what
// only AppArmor enforces when the host has none, and on some kernels (6.18) snapd's
// mount namespaces need the workaround in nsid.go.
package lxd

import (
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"

	"shm-e2e/harness/images"
)

// Names of what the harness owns in LXD; cleanup removes exactly these.
const (
	Prefix  = "shm-e2e"
	Pool    = "shm-e2e"
	Profile = "shm-e2e"
)

// ClosedProxy is where LXD's own HTTP(S) traffic goes: a loopback port nothing
// listens on (the discard port), so that no image server look-up leaves the machine.
const ClosedProxy = "http://127.0.0.1:9"

// Host is this machine's LXD set-up: the harness's cache directory and the SSH key the
// images authorize.
type Host struct {
	Dir string // the harness's LXD directory under the cache
	Key string // SSH private key
}

// NewHost returns the LXD set-up under the harness's cache.
func NewHost(cache images.Cache, key string) Host {
	return Host{Dir: filepath.Join(cache.Dir, "lxd"), Key: key}
}

func (h Host) logPath(name string) string     { return filepath.Join(h.Dir, "logs", name) }
func (h Host) machinesDir() string            { return filepath.Join(h.Dir, "machines") }
func (h Host) imagesDir(system string) string { return filepath.Join(h.Dir, "images", system) }

// lxc runs the LXD client and returns its output; the error names the command and
// what lxc said, which is where the cause is.
func lxc(ctx context.Context, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, "lxc", args...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return string(out), fmt.Errorf("cannot run lxc %s: %v: %s", strings.Join(args, " "),
			err, strings.TrimSpace(string(out)))
	}
	return string(out), nil
}
