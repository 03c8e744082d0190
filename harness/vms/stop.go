package vms

import (
	"encoding/json"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Find returns the running machine behind an address (127.0.0.1:PORT or PORT).
func (l Launcher) Find(address string) (*Machine, error) {
	port := address
	if _, p, err := net.SplitHostPort(address); err == nil {
		port = p
	}
	if _, err := strconv.Atoi(port); err != nil {
		return nil, fmt.Errorf("cannot find machine %q: not an address or port", address)
	}
	return loadMachine(filepath.Join(l.Dir, port))
}

func loadMachine(dir string) (*Machine, error) {
	data, err := os.ReadFile(filepath.Join(dir, "machine.json"))
	if err != nil {
		return nil, fmt.Errorf("cannot find machine in %s: %w", dir, err)
	}
	var m Machine
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("cannot read %s: %w", filepath.Join(dir, "machine.json"), err)
	}
	m.Dir = dir
	return &m, nil
}

// Stop stops qemu, waiting for it to exit, and removes the machine's directory. The
// serial log stays.
func (m *Machine) Stop() error {
	if m.running() {
		syscall.Kill(m.PID, syscall.SIGTERM)
		if !waitExit(m.PID, 10*time.Second) {
			syscall.Kill(m.PID, syscall.SIGKILL)
			if !waitExit(m.PID, 5*time.Second) {
				return fmt.Errorf("cannot stop qemu (pid %d) of %s", m.PID, m.Address())
			}
		}
	}
	if err := os.RemoveAll(m.Dir); err != nil {
		return fmt.Errorf("cannot remove machine files %s: %w", m.Dir, err)
	}
	return nil
}

func waitExit(pid int, timeout time.Duration) bool {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		if syscall.Kill(pid, 0) != nil || isZombie(pid) {
			return true
		}
		time.Sleep(100 * time.Millisecond)
	}
	return false
}

// List returns the machines with a directory under the launcher's.
func (l Launcher) List() []*Machine {
	dirs, _ := filepath.Glob(filepath.Join(l.Dir, "[0-9]*"))
	var machines []*Machine
	for _, dir := range dirs {
		if m, err := loadMachine(dir); err == nil {
			machines = append(machines, m)
		}
	}
	return machines
}

// reapOrphans stops machines whose launcher died while they were booting (killed with
// SIGKILL, so it could not clean up): nobody else will ever discard them.
func (l Launcher) reapOrphans() {
	for _, m := range l.List() {
		if m.Allocator != 0 && !processAlive(m.Allocator) {
			m.Stop()
		}
	}
}

func processAlive(pid int) bool {
	if syscall.Kill(pid, 0) != nil {
		return false
	}
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	return err == nil && strings.Contains(string(data), "shm-e2e")
}
