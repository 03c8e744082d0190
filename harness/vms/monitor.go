package vms

import (
	"bufio"
	"fmt"
	"net"
	"strings"
	"time"
)

// monitorCommand sends one command to qemu's human monitor and returns what it
// printed before the next prompt.
func (m *Machine) monitorCommand(command string, timeout time.Duration) (string, error) {
	conn, err := net.DialTimeout("unix", m.monitorPath(), 5*time.Second)
	if err != nil {
		return "", fmt.Errorf("cannot reach the qemu monitor of %s: %w", m.Address(), err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(timeout))
	reader := bufio.NewReader(conn)
	if _, err := readUntilPrompt(reader); err != nil {
		return "", fmt.Errorf("cannot read the qemu monitor's prompt: %w", err)
	}
	if _, err := fmt.Fprintf(conn, "%s\n", command); err != nil {
		return "", err
	}
	out, err := readUntilPrompt(reader)
	if err != nil {
		return out, fmt.Errorf("qemu monitor command %q: %w", command, err)
	}
	return out, nil
}

func readUntilPrompt(r *bufio.Reader) (string, error) {
	var sb strings.Builder
	for !strings.HasSuffix(sb.String(), "(qemu) ") {
		b, err := r.ReadByte()
		if err != nil {
			return sb.String(), err
		}
		sb.WriteByte(b)
	}
	return sb.String(), nil
}

// SaveState saves the running machine's state under name inside its disk, for later
// machines to resume from instead of booting.
func (m *Machine) SaveState(name string) error {
	out, err := m.monitorCommand("savevm "+name, 5*time.Minute)
	if err != nil {
		return err
	}
	if strings.Contains(strings.ToLower(out), "error") {
		return fmt.Errorf("cannot save the state of %s: %s", m.Address(), strings.TrimSpace(out))
	}
	return nil
}

// PowerOff stops qemu at once, keeping the machine's directory and disk.
func (m *Machine) PowerOff() error {
	m.monitorCommand("quit", 10*time.Second)
	if !waitExit(m.PID, 20*time.Second) {
		return fmt.Errorf("qemu (pid %d) did not quit", m.PID)
	}
	return nil
}

// DiskPath is the machine's own disk file.
func (m *Machine) DiskPath() string { return m.Dir + "/disk.qcow2" }
