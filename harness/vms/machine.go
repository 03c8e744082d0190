package vms

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"shm-e2e/harness/progress"
)

// Launcher starts machines. Each running machine has a directory named by its port
// under Dir, holding its disk, monitor socket and machine.json; its serial console log
// lives under LogDir and outlives it.
type Launcher struct {
	Dir         string
	LogDir      string
	Key         string // SSH private key the image authorizes
	Accel       Accel
	BootTimeout time.Duration
}

// Machine is a running VM.
type Machine struct {
	System    string    `json:"system"`
	Port      int       `json:"port"`
	PID       int       `json:"pid"`
	Accel     Accel     `json:"accel"`
	SerialLog string    `json:"serial-log"`
	Started   time.Time `json:"started"`
	// Allocator is the launcher process while the machine boots; 0 once it is handed
	// over. A machine whose allocator died mid-boot is reaped by the next launcher.
	Allocator int    `json:"allocator"`
	Dir       string `json:"-"`
}

// Address is what spread's ADDRESS helper takes.
func (m *Machine) Address() string { return "127.0.0.1:" + strconv.Itoa(m.Port) }

// Start boots (or restores) a machine and returns once SSH answers. On any failure the
// machine is stopped and its files removed before the error, which names the serial
// log, is returned.
func (l Launcher) Start(ctx context.Context, spec Spec) (*Machine, error) {
	l.reapOrphans()
	port, dir, err := ReservePort(l.Dir)
	if err != nil {
		return nil, err
	}
	m := &Machine{System: spec.System, Port: port, Accel: l.Accel, Dir: dir,
		Allocator: os.Getpid(), Started: time.Now(), SerialLog: l.serialLogPath(spec, port)}
	if err := m.save(); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	if err := l.boot(ctx, spec, m); err != nil {
		m.Stop()
		return nil, fmt.Errorf("cannot start %s: %w (serial console: %s)",
			spec.System, err, m.SerialLog)
	}
	m.Allocator = 0
	return m, m.save()
}

func (l Launcher) serialLogPath(spec Spec, port int) string {
	stamp := time.Now().Format("20060102-150405")
	return filepath.Join(l.LogDir, fmt.Sprintf("%s-%s-%d.serial.log", spec.System, stamp, port))
}

func (l Launcher) boot(ctx context.Context, spec Spec, m *Machine) error {
	if err := os.MkdirAll(l.LogDir, 0o755); err != nil {
		return err
	}
	disk := m.DiskPath()
	if err := prepareDisk(ctx, spec, disk); err != nil {
		return err
	}

	verb := "Booting"
	if spec.SavedState != "" {
		verb = "Restoring"
	}
	done := progress.Step("%s %s on 127.0.0.1:%d (%s)", verb, spec.System, m.Port, l.Accel)
	err := l.startQemu(ctx, spec, m, disk)
	if err == nil {
		err = l.waitForSSH(ctx, m)
	}
	if err == nil && spec.SavedState != "" {
		err = m.setClock(ctx, l.Key)
	}
	done(err)
	return err
}

// prepareDisk gives the machine its own disk: an overlay on the image, or a copy of
// the image when a saved state must be found in the top file.
func prepareDisk(ctx context.Context, spec Spec, disk string) error {
	var cmd *exec.Cmd
	if spec.SavedState != "" {
		cmd = exec.CommandContext(ctx, "cp", "--reflink=auto", "--sparse=always",
			spec.Disk, disk)
	} else {
		cmd = exec.CommandContext(ctx, "qemu-img", "create", "-q", "-f", "qcow2",
			"-b", spec.Disk, "-F", "qcow2", disk)
	}
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("cannot create the machine's disk from %s: %v: %s",
			spec.Disk, err, out)
	}
	return nil
}

func (l Launcher) startQemu(ctx context.Context, spec Spec, m *Machine, disk string) error {
	pidFile := filepath.Join(m.Dir, "qemu.pid")
	args := qemuArgs(spec, l.Accel, disk, m.Port, m.SerialLog, m.monitorPath())
	args = append(args, "-daemonize", "-pidfile", pidFile)
	out, err := exec.CommandContext(ctx, "qemu-system-x86_64", args...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("qemu failed to start: %v: %s", err, strings.TrimSpace(string(out)))
	}
	pid, err := readPID(pidFile)
	if err != nil {
		return err
	}
	m.PID = pid
	return m.save()
}

func (l Launcher) waitForSSH(ctx context.Context, m *Machine) error {
	ssh := SSH{Key: l.Key, Port: m.Port}
	deadline := time.Now().Add(l.BootTimeout)
	for time.Now().Before(deadline) {
		if !m.running() {
			return errors.New("qemu exited before SSH answered")
		}
		// Only try SSH once the port accepts, so a slow boot does not pile up clients.
		if SSHAnswers(m.Address()) {
			tryCtx, cancel := context.WithTimeout(ctx, 20*time.Second)
			_, err := ssh.Run(tryCtx, "true")
			cancel()
			if err == nil {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Second):
		}
	}
	return fmt.Errorf("SSH did not answer within %s", l.BootTimeout)
}

// SSHAnswers reports whether an sshd sent its banner at addr: qemu (and an LXD proxy
// device) accept on the forwarded port long before the guest listens.
func SSHAnswers(addr string) bool {
	conn, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return false
	}
	defer conn.Close()
	conn.SetReadDeadline(time.Now().Add(3 * time.Second))
	line, err := bufio.NewReader(conn).ReadString('\n')
	return err == nil && strings.HasPrefix(line, "SSH-")
}

// setClock moves a restored guest's clock from the moment of the save to now.
func (m *Machine) setClock(ctx context.Context, key string) error {
	now := strconv.FormatInt(time.Now().Unix(), 10)
	_, err := SSH{Key: key, Port: m.Port}.Run(ctx, "date -s @"+now+" >/dev/null")
	return err
}

func (m *Machine) monitorPath() string { return filepath.Join(m.Dir, "monitor.sock") }

func (m *Machine) save() error {
	data, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	tmp := filepath.Join(m.Dir, "machine.json.tmp")
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		return fmt.Errorf("cannot record machine state: %w", err)
	}
	return os.Rename(tmp, filepath.Join(m.Dir, "machine.json"))
}

func (m *Machine) running() bool {
	return m.PID > 0 && syscall.Kill(m.PID, 0) == nil && !isZombie(m.PID)
}

func isZombie(pid int) bool {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return true
	}
	fields := strings.Fields(string(data))
	return len(fields) > 2 && fields[2] == "Z"
}

func readPID(path string) (int, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return 0, fmt.Errorf("cannot read qemu's pid file: %w", err)
	}
	return strconv.Atoi(strings.TrimSpace(string(data)))
}
