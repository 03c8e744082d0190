package runner

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// sshTarget reaches one machine with the OpenSSH client. Every command shares one
// multiplexed connection, because a handshake into an emulated VM takes seconds.
type sshTarget struct {
	host, port string
	user       string
	key        string
	controlDir string
}

func newSSHTarget(address, user, key string) (*sshTarget, error) {
	host, port, err := net.SplitHostPort(address)
	if err != nil {
		host, port = address, "22"
	}
	if user == "" {
		user = "root"
	}

	// A short private directory keeps the control socket path under the 108-byte limit.
	dir, err := os.MkdirTemp("", "shm-e2e-ssh-")
	if err != nil {
		return nil, fmt.Errorf("cannot create ssh control directory: %v", err)
	}
	return &sshTarget{host: host, port: port, user: user, key: key, controlDir: dir}, nil
}

func (t *sshTarget) String() string { return t.user + "@" + net.JoinHostPort(t.host, t.port) }

func (t *sshTarget) args(tty bool) []string {
	args := []string{
		"-i", t.key, "-p", t.port, "-l", t.user,
		"-o", "IdentitiesOnly=yes",
		"-o", "StrictHostKeyChecking=no",
		"-o", "UserKnownHostsFile=/dev/null",
		"-o", "LogLevel=ERROR",
		"-o", "BatchMode=yes",
		"-o", "ConnectTimeout=10",
		"-o", "ServerAliveInterval=10",
		"-o", "ControlMaster=auto",
		"-o", "ControlPath=" + filepath.Join(t.controlDir, "%C"),
		"-o", "ControlPersist=120",
	}
	if tty {
		return append(args, "-t")
	}
	return append(args, "-T")
}

// command prepares ssh running remote on the machine.
func (t *sshTarget) command(ctx context.Context, remote string, tty bool) *exec.Cmd {
	args := append(t.args(tty), t.host, remote)
	cmd := exec.CommandContext(ctx, "ssh", args...)
	cmd.WaitDelay = 5 * time.Second
	return cmd
}

// output runs a short remote command and returns what it printed.
func (t *sshTarget) output(ctx context.Context, remote string) (string, error) {
	out, err := t.command(ctx, remote, false).CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("%v: %s", err, strings.TrimSpace(string(out)))
	}
	return string(out), nil
}

// waitReady retries until the machine accepts ssh, since a VM's sshd starts late.
func (t *sshTarget) waitReady(ctx context.Context, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		_, err := t.output(ctx, "true")
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			return fmt.Errorf("cannot connect to %s: %v", t, err)
		}
		select {
		case <-ctx.Done():
		case <-time.After(time.Second):
		}
	}
}

// close ends the shared connection and removes its socket directory.
func (t *sshTarget) close() {
	args := append(t.args(false), "-O", "exit", t.host)
	_ = exec.Command("ssh", args...).Run()
	_ = os.RemoveAll(t.controlDir)
}

// sudo prefixes remote commands for non-root users, as spread does.
func (t *sshTarget) sudo() string {
	if t.user == "root" {
		return ""
	}
	return "sudo -i "
}
