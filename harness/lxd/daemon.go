package lxd

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"gopkg.in/yaml.v3"

	"shm-e2e/harness/hostcmd"
	"shm-e2e/harness/progress"
)

// daemonEnv points every proxy variable at the closed port: LXD looks up image
// servers at start-up, before any preseed could configure it.
func daemonEnv() []string {
	var env []string
	for _, name := range []string{"http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY"} {
		env = append(env, name+"="+ClosedProxy)
	}
	return append(env, "no_proxy=", "NO_PROXY=")
}

// Preseed is the part of `lxd init --preseed` the harness writes.
type Preseed struct {
	Config       map[string]string `yaml:"config"`
	Networks     []any             `yaml:"networks"`
	StoragePools []PreseedPool     `yaml:"storage_pools"`
	Profiles     []PreseedProfile  `yaml:"profiles"`
}

type PreseedPool struct {
	Name   string `yaml:"name"`
	Driver string `yaml:"driver"`
}

type PreseedProfile struct {
	Name        string                       `yaml:"name"`
	Description string                       `yaml:"description"`
	Config      map[string]string            `yaml:"config"`
	Devices     map[string]map[string]string `yaml:"devices"`
}

// NewPreseed is the harness's configuration: proxies at the closed port, no image
// refresh, no managed network, a dir pool and a profile with a root disk and no network
// device. Containers are privileged, as the prototype proved snapd works there with a
// udev drop-in, and sharing the image's files without id shifting keeps launches fast.
func NewPreseed() Preseed {
	return Preseed{
		Config: map[string]string{
			"core.proxy_http":             ClosedProxy,
			"core.proxy_https":            ClosedProxy,
			"images.auto_update_interval": "0",
		},
		Networks:     []any{},
		StoragePools: []PreseedPool{{Name: Pool, Driver: "dir"}},
		Profiles: []PreseedProfile{{
			Name:        Profile,
			Description: "shm-e2e test containers: no network device",
			Config: map[string]string{
				"security.privileged": "true",
				"security.nesting":    "true",
				"boot.autostart":      "false",
			},
			Devices: map[string]map[string]string{
				"root": {"type": "disk", "path": "/", "pool": Pool},
			},
		}},
	}
}

// YAML renders the preseed for `lxd init --preseed`.
func (p Preseed) YAML() string {
	out, err := yaml.Marshal(p)
	if err != nil {
		panic(err) // only strings and maps: cannot fail
	}
	return string(out)
}

// EnsureDaemon installs LXD from Debian's packages when missing, starts the daemon when
// it is not running (systemd is not PID 1 here) and applies the harness's
// configuration. It reports whether it started the daemon.
func (h Host) EnsureDaemon(ctx context.Context) (bool, error) {
	if err := os.MkdirAll(h.logPath(""), 0o755); err != nil {
		return false, err
	}
	if err := installLXD(ctx, h.logPath("install.log")); err != nil {
		return false, err
	}
	started := false
	if !daemonReady(ctx, 1) {
		done := progress.Step("Starting the LXD daemon")
		err := h.startDaemon(ctx)
		done(err)
		if err != nil {
			return false, err
		}
		started = true
	}
	return started, h.configure(ctx)
}

func installLXD(ctx context.Context, logPath string) error {
	if _, err := exec.LookPath("lxd"); err == nil {
		if _, err := exec.LookPath("lxc"); err == nil {
			return nil
		}
	}
	done := progress.Step("Installing lxd from Debian's packages")
	log, err := hostcmd.OpenLog(logPath)
	if err == nil {
		defer log.Close()
		err = log.RunEnv(ctx, []string{"DEBIAN_FRONTEND=noninteractive"}, "apt-get",
			"install", "-y", "-q", "lxd")
	}
	if err != nil {
		err = fmt.Errorf("cannot install lxd: %w", err)
	}
	done(err)
	return err
}

func daemonReady(ctx context.Context, seconds int) bool {
	return exec.CommandContext(ctx, "lxd", "waitready",
		"--timeout="+strconv.Itoa(seconds)).Run() == nil
}

// startDaemon starts lxd in its own session, so that it outlives this command (the
// allocate of one job), and records its pid: cleanup stops only a daemon it started.
func (h Host) startDaemon(ctx context.Context) error {
	logPath := h.logPath("lxd.log")
	out, err := os.OpenFile(logPath, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return fmt.Errorf("cannot open the LXD log: %w", err)
	}
	defer out.Close()
	cmd := exec.Command("lxd", "--group", "root", "--logfile", logPath)
	cmd.Env = append(os.Environ(), daemonEnv()...)
	cmd.Stdout, cmd.Stderr = out, out
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("cannot start lxd: %w", err)
	}
	pid := strconv.Itoa(cmd.Process.Pid)
	cmd.Process.Release()
	if err := os.WriteFile(h.pidFile(), []byte(pid+"\n"), 0o644); err != nil {
		return err
	}
	if !daemonReady(ctx, 60) {
		return fmt.Errorf("cannot start lxd: not ready after 60 s (see %s)", logPath)
	}
	return nil
}

func (h Host) pidFile() string { return filepath.Join(h.Dir, "daemon.pid") }

// configure applies the preseed once (when our profile is missing) and checks the
// proxy settings every time, since a daemon the harness did not start may have lost
// them.
func (h Host) configure(ctx context.Context) error {
	if _, err := lxc(ctx, "profile", "show", Profile); err != nil {
		cmd := exec.CommandContext(ctx, "lxd", "init", "--preseed")
		cmd.Stdin = strings.NewReader(NewPreseed().YAML())
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("cannot configure lxd (lxd init --preseed): %v: %s", err,
				strings.TrimSpace(string(out)))
		}
	}
	for _, key := range []string{"core.proxy_http", "core.proxy_https"} {
		value, err := lxc(ctx, "config", "get", key)
		if err != nil {
			return err
		}
		if strings.TrimSpace(value) != ClosedProxy {
			if _, err := lxc(ctx, "config", "set", key, ClosedProxy); err != nil {
				return err
			}
		}
	}
	return nil
}

// StopDaemon shuts down the daemon if the harness started it.
func (h Host) StopDaemon(ctx context.Context) error {
	data, err := os.ReadFile(h.pidFile())
	if os.IsNotExist(err) {
		return nil
	}
	pid, _ := strconv.Atoi(strings.TrimSpace(string(data)))
	if pid <= 0 || syscall.Kill(pid, 0) != nil {
		return os.Remove(h.pidFile())
	}
	done := progress.Step("Stopping the LXD daemon the harness started (pid %d)", pid)
	out, err := exec.CommandContext(ctx, "lxd", "shutdown", "--timeout=60").CombinedOutput()
	if err != nil {
		err = fmt.Errorf("cannot stop lxd: %v: %s", err, strings.TrimSpace(string(out)))
	}
	for i := 0; err == nil && i < 100 && syscall.Kill(pid, 0) == nil; i++ {
		time.Sleep(100 * time.Millisecond)
	}
	done(err)
	if err == nil {
		os.Remove(h.pidFile())
	}
	return err
}
