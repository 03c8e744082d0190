package vms

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
)

// EnsureKey returns the harness's SSH key pair in dir, creating it on first use. Images
// authorize its public half for root, so the harness never needs a password.
func EnsureKey(dir string) (private, public string, err error) {
	private = filepath.Join(dir, "id_ed25519")
	if _, err := os.Stat(private); os.IsNotExist(err) {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return "", "", err
		}
		out, err := exec.Command("ssh-keygen", "-q", "-t", "ed25519", "-N", "",
			"-C", "shm-e2e", "-f", private).CombinedOutput()
		if err != nil {
			return "", "", fmt.Errorf("cannot create SSH key %s: %v: %s", private, err, out)
		}
	}
	pub, err := os.ReadFile(private + ".pub")
	if err != nil {
		return "", "", fmt.Errorf("cannot read SSH public key: %w", err)
	}
	return private, strings.TrimSpace(string(pub)), nil
}

// SSH reaches one machine as root through its forwarded port.
type SSH struct {
	Key  string
	Port int
}

func (s SSH) args(extra ...string) []string {
	args := []string{"-i", s.Key, "-p", strconv.Itoa(s.Port),
		"-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
		"-o", "LogLevel=ERROR", "-o", "BatchMode=yes", "-o", "ConnectTimeout=10",
		"-o", "ServerAliveInterval=10", "root@127.0.0.1"}
	return append(args, extra...)
}

// Run runs a shell command in the machine and returns its combined output.
func (s SSH) Run(ctx context.Context, command string) (string, error) {
	return s.RunInput(ctx, command, nil)
}

// RunInput is Run with standard input, used to copy files in.
func (s SSH) RunInput(ctx context.Context, command string, stdin io.Reader) (string, error) {
	cmd := exec.CommandContext(ctx, "ssh", s.args(command)...)
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = &out
	cmd.Stdin = stdin
	if err := cmd.Run(); err != nil {
		return out.String(), fmt.Errorf("cannot run %q over SSH on port %d: %v: %s",
			command, s.Port, err, strings.TrimSpace(out.String()))
	}
	return out.String(), nil
}

// CopyIn copies a host file to path in the machine.
func (s SSH) CopyIn(ctx context.Context, hostPath, guestPath string) error {
	f, err := os.Open(hostPath)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = s.RunInput(ctx, "cat > "+shellQuote(guestPath), f)
	return err
}

func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
