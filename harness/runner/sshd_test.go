package runner

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

// loopbackSSHD is an sshd on 127.0.0.1 that accepts one throwaway key, so the
// conformance projects run against a real ssh server without any VM.
type loopbackSSHD struct {
	port int
	key  string
	cmd  *exec.Cmd
}

var sshd *loopbackSSHD

func TestMain(m *testing.M) {
	server, err := startSSHD()
	if err != nil {
		fmt.Fprintf(os.Stderr, "runner tests needing ssh will skip: %v\n", err)
	}
	sshd = server
	code := m.Run()
	if sshd != nil {
		sshd.stop()
	}
	os.Exit(code)
}

func requireSSHD(t testing.TB) *loopbackSSHD {
	t.Helper()
	if sshd == nil {
		t.Skip("sshd is not available (install openssh-server to run this test)")
	}
	return sshd
}

func startSSHD() (*loopbackSSHD, error) {
	if os.Geteuid() != 0 {
		return nil, fmt.Errorf("cannot start sshd: tests log in as root and need root")
	}
	if err := ensureSSHDInstalled(); err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "runner-sshd-")
	if err != nil {
		return nil, fmt.Errorf("cannot create sshd directory: %v", err)
	}
	key, config, port, err := writeSSHDConfig(dir)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll("/run/sshd", 0o755); err != nil {
		return nil, fmt.Errorf("cannot create /run/sshd: %v", err)
	}

	cmd := exec.Command("/usr/sbin/sshd", "-D", "-e", "-f", config)
	log, _ := os.Create(filepath.Join(dir, "sshd.log"))
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("cannot start sshd: %v", err)
	}
	server := &loopbackSSHD{port: port, key: key, cmd: cmd}
	if err := waitListening(port); err != nil {
		server.stop()
		return nil, err
	}
	return server, nil
}

func ensureSSHDInstalled() error {
	if _, err := os.Stat("/usr/sbin/sshd"); err == nil {
		return nil
	}
	install := exec.Command("apt-get", "install", "-y", "openssh-server")
	install.Env = append(os.Environ(), "DEBIAN_FRONTEND=noninteractive")
	if err := install.Run(); err != nil {
		update := exec.Command("apt-get", "update")
		_ = update.Run()
		retry := exec.Command("apt-get", "install", "-y", "openssh-server")
		retry.Env = install.Env
		if out, err := retry.CombinedOutput(); err != nil {
			return fmt.Errorf("cannot install openssh-server: %v: %s", err, out)
		}
	}
	return nil
}

func writeSSHDConfig(dir string) (key, config string, port int, err error) {
	hostKey := filepath.Join(dir, "host_key")
	key = filepath.Join(dir, "id_ed25519")
	for _, path := range []string{hostKey, key} {
		out, err := exec.Command("ssh-keygen", "-q", "-t", "ed25519", "-N", "",
			"-f", path).CombinedOutput()
		if err != nil {
			return "", "", 0, fmt.Errorf("cannot make key: %v: %s", err, out)
		}
	}
	port, err = freePort()
	if err != nil {
		return "", "", 0, err
	}

	config = filepath.Join(dir, "sshd_config")
	text := fmt.Sprintf(`Port %d
ListenAddress 127.0.0.1
HostKey %s
AuthorizedKeysFile %s.pub
PidFile %s/sshd.pid
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
MaxSessions 100
MaxStartups 100
`, port, hostKey, key, dir)
	if err := os.WriteFile(config, []byte(text), 0o600); err != nil {
		return "", "", 0, fmt.Errorf("cannot write sshd config: %v", err)
	}
	return key, config, port, nil
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("cannot find a free port: %v", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func waitListening(port int) error {
	addr := "127.0.0.1:" + strconv.Itoa(port)
	for i := 0; i < 50; i++ {
		if conn, err := net.Dial("tcp", addr); err == nil {
			conn.Close()
			return nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("cannot reach sshd at %s", addr)
}

func (s *loopbackSSHD) stop() {
	_ = s.cmd.Process.Kill()
	_ = s.cmd.Wait()
}
