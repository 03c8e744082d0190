package lxd

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"shm-e2e/harness/progress"
	"shm-e2e/harness/vms"
)

// Machine is one running container, reached over SSH at 127.0.0.1:Port.
type Machine struct {
	Name   string `json:"name"`
	System string `json:"system"`
	Port   int    `json:"port"`
	NSID   string `json:"nsid"` // what the namespace-id workaround found and did
}

// Address is the SSH address spread's adhoc ADDRESS helper takes.
func (m Machine) Address() string { return "127.0.0.1:" + strconv.Itoa(m.Port) }

// ContainerName names a machine after its system and port, so that an address alone
// finds it and a listing shows what it is.
func ContainerName(system string, port int) string {
	return fmt.Sprintf("%s-%s-%d", Prefix, system, port)
}

// LaunchArgs are the lxc commands that create and start a machine: ephemeral (deleted
// when stopped), our profile only (no network device), and SSH through a proxy device
// from a host loopback port to the container's own loopback.
func LaunchArgs(alias, name string, port int) [][]string {
	return [][]string{
		{"init", alias, name, "--ephemeral", "--profile", Profile},
		{"config", "device", "add", name, "ssh", "proxy",
			"listen=tcp:127.0.0.1:" + strconv.Itoa(port), "connect=tcp:127.0.0.1:22",
			"bind=host"},
		{"start", name},
	}
}

// Allocate starts a container of the imported image and waits until SSH answers.
func (h Host) Allocate(ctx context.Context, system, alias string) (*Machine, error) {
	port, dir, err := vms.ReservePort(h.machinesDir())
	if err != nil {
		return nil, err
	}
	m := &Machine{Name: ContainerName(system, port), System: system, Port: port}
	done := progress.Step("Starting container %s", m.Name)
	err = h.start(ctx, m, alias, dir)
	done(err)
	if err != nil {
		lxc(context.Background(), "delete", "--force", m.Name)
		os.RemoveAll(dir)
		return nil, err
	}
	return m, nil
}

func (h Host) start(ctx context.Context, m *Machine, alias, dir string) error {
	for _, args := range LaunchArgs(alias, m.Name, m.Port) {
		if _, err := lxc(ctx, args...); err != nil {
			return fmt.Errorf("cannot start container %s: %w", m.Name, err)
		}
	}
	pid, err := initPID(ctx, m.Name)
	if err != nil {
		return err
	}
	report, err := BumpMountNamespaceIDs(pid)
	if err != nil {
		return fmt.Errorf("cannot raise mount namespace ids for %s: %w", m.Name, err)
	}
	m.NSID = report
	if err := writeMachine(dir, m); err != nil {
		return err
	}
	if err := waitSSH(ctx, m.Address(), 2*time.Minute); err != nil {
		return fmt.Errorf("cannot reach container %s over SSH: %w (see lxc info --show-log %s)",
			m.Name, err, m.Name)
	}
	return h.recordInside(ctx, m)
}

// recordInside leaves the workaround's report in the container, where the suite's check
// script prints it for the report: the result is then read next to what it explains.
func (h Host) recordInside(ctx context.Context, m *Machine) error {
	_, err := lxc(ctx, "exec", m.Name, "--", "sh", "-c",
		"mkdir -p /run/shm-e2e && cat > /run/shm-e2e/nsid <<'EOF'\n"+m.NSID+"\nEOF")
	return err
}

func initPID(ctx context.Context, name string) (int, error) {
	out, err := lxc(ctx, "query", "/1.0/instances/"+name+"/state")
	if err != nil {
		return 0, err
	}
	var state struct {
		Pid int `json:"pid"`
	}
	if err := json.Unmarshal([]byte(out), &state); err != nil || state.Pid <= 0 {
		return 0, fmt.Errorf("cannot find the init pid of %s: %v: %s", name, err, out)
	}
	return state.Pid, nil
}

// waitSSH waits for an SSH banner: the proxy device accepts connections before sshd
// runs, so an open port alone proves nothing.
func waitSSH(ctx context.Context, addr string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		if vms.SSHAnswers(addr) {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("no SSH banner at %s after %s", addr, timeout)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// Discard deletes the container at the address and forgets it.
func (h Host) Discard(ctx context.Context, address string) error {
	_, portText, err := net.SplitHostPort(address)
	if err != nil {
		return fmt.Errorf("cannot discard %q: not HOST:PORT", address)
	}
	dir := filepath.Join(h.machinesDir(), portText)
	m, err := readMachine(dir)
	if err != nil {
		return fmt.Errorf("cannot discard %s: no container of the harness there: %w",
			address, err)
	}
	done := progress.Step("Deleting container %s", m.Name)
	_, err = lxc(ctx, "delete", "--force", m.Name)
	if err != nil && strings.Contains(err.Error(), "not found") {
		err = nil // ephemeral: gone once stopped
	}
	done(err)
	if err == nil {
		err = os.RemoveAll(dir)
	}
	return err
}

// Machines lists the containers the harness started and has not discarded.
func (h Host) Machines() []Machine {
	entries, _ := os.ReadDir(h.machinesDir())
	var ms []Machine
	for _, e := range entries {
		if m, err := readMachine(filepath.Join(h.machinesDir(), e.Name())); err == nil {
			ms = append(ms, *m)
		}
	}
	return ms
}

func writeMachine(dir string, m *Machine) error {
	data, err := json.Marshal(m)
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "machine.json"), data, 0o644)
}

func readMachine(dir string) (*Machine, error) {
	data, err := os.ReadFile(filepath.Join(dir, "machine.json"))
	if err != nil {
		return nil, err
	}
	var m Machine
	return &m, json.Unmarshal(data, &m)
}
