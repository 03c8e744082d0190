package snapdbuild

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"

	"shm-e2e/harness/hostcmd"
	"shm-e2e/harness/mounts"
	"shm-e2e/harness/progress"
)

// chroot is a build root of one Debian suite: Debian's own Go and build dependencies,
// so that the host's newer Go never builds snapd.
type chroot struct {
	Root  string
	Suite string
}

// readyMark is written last into a chroot: a root without it is not complete.
const readyMark = ".shm-e2e-ready"

// chrootPath is where the build root of a suite lives in the cache.
func chrootPath(cacheDir, suite string) string {
	return filepath.Join(cacheDir, "snapd", "chroots", suite)
}

// ensureChroot returns the suite's build root, bootstrapping it on first use with the
// packages cached per suite, and with deb-src from the same mirror for apt-get source.
func ensureChroot(ctx context.Context, cacheDir, suite, mirror string,
	log *hostcmd.Log) (*chroot, error) {
	root := chrootPath(cacheDir, suite)
	if isFile(filepath.Join(root, readyMark)) {
		return &chroot{Root: root, Suite: suite}, nil
	}

	done := progress.Step("Bootstrapping a %s build root", suite)
	err := bootstrap(ctx, cacheDir, suite, mirror, root, log)
	done(err)
	if err != nil {
		return nil, err
	}
	return &chroot{Root: root, Suite: suite}, nil
}

func bootstrap(ctx context.Context, cacheDir, suite, mirror, root string,
	log *hostcmd.Log) error {
	partial := root + ".partial"
	mounts.UnmountUnder(partial)
	os.RemoveAll(partial)
	debs := filepath.Join(cacheDir, "debs", suite)
	if err := os.MkdirAll(debs, 0o755); err != nil {
		return fmt.Errorf("cannot create package cache %s: %w", debs, err)
	}

	err := log.Run(ctx, "debootstrap", "--variant=buildd", "--cache-dir="+debs,
		suite, partial, mirror)
	if err != nil {
		return fmt.Errorf("cannot bootstrap %s from %s: %w", suite, mirror, err)
	}
	if err := writeSources(partial, suite, mirror); err != nil {
		return err
	}
	c := &chroot{Root: partial, Suite: suite}
	if err := c.run(ctx, log, "/", "apt-get update"); err != nil {
		return err
	}

	if err := os.WriteFile(filepath.Join(partial, readyMark), nil, 0o644); err != nil {
		return fmt.Errorf("cannot mark %s ready: %w", partial, err)
	}
	mounts.UnmountUnder(root)
	os.RemoveAll(root)
	return os.Rename(partial, root)
}

// writeSources gives the chroot binary and source packages of the same archive.
func writeSources(root, suite, mirror string) error {
	list := fmt.Sprintf("deb %s %s main\ndeb-src %s %s main\n", mirror, suite, mirror, suite)
	path := filepath.Join(root, "etc", "apt", "sources.list")
	if err := os.WriteFile(path, []byte(list), 0o644); err != nil {
		return fmt.Errorf("cannot write %s: %w", path, err)
	}
	return nil
}

// cleanEnv is the whole environment of a command in the chroot: nothing of the host's
// (its Go above all: GOROOT, GOPATH, GOTOOLCHAIN, a PATH with a newer go) leaks in.
var cleanEnv = []string{
	"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "HOME=/root", "LC_ALL=C.UTF-8",
	"DEBIAN_FRONTEND=noninteractive",
}

// run runs a shell script in dir inside the chroot, its output in the log. The script
// runs in its own process group, killed whole when ctx ends: killing only chroot would
// leave dpkg-buildpackage and its compilers writing into the kept tree.
func (c *chroot) run(ctx context.Context, log *hostcmd.Log, dir, script string,
	env ...string) error {
	args := append([]string{c.Root, "/usr/bin/env", "-i"}, cleanEnv...)
	args = append(args, env...)
	args = append(args, "/bin/sh", "-ec", "cd "+shellQuote(dir)+"\n"+script)
	fmt.Fprintf(log.Writer(), "+ chroot %s\n", strings.Join(args, " "))

	cmd := exec.CommandContext(ctx, "chroot", args...)
	cmd.Stdout = log.Writer()
	cmd.Stderr = log.Writer()
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("cannot run %q in the %s chroot: %w (see %s)",
			lastLine(script), c.Suite, err, log.Path)
	}
	return nil
}

func lastLine(script string) string {
	lines := strings.Split(strings.TrimSpace(script), "\n")
	return lines[len(lines)-1]
}

// output runs a shell script in the chroot and returns what it printed.
func (c *chroot) output(ctx context.Context, log *hostcmd.Log, script string) (string, error) {
	args := append([]string{c.Root, "/usr/bin/env", "-i"}, cleanEnv...)
	args = append(args, "/bin/sh", "-ec", script)
	return log.Output(ctx, "chroot", args...)
}

// hostPath maps a path inside the chroot to the host.
func (c *chroot) hostPath(path string) string {
	return filepath.Join(c.Root, path)
}

func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
