package vms

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"

	"shm-e2e/harness/filelock"
)

// ReservePort picks a loopback port for a new machine and claims it by creating the
// machine's directory, all under a lock, so that launchers running at once never pick
// the same port. The kernel picks a free port; one that a machine directory already
// claims (a machine still booting has not bound it yet) is skipped.
func ReservePort(machinesDir string) (int, string, error) {
	if err := os.MkdirAll(machinesDir, 0o755); err != nil {
		return 0, "", err
	}
	unlock, err := filelock.Lock(filepath.Join(machinesDir, ".lock"))
	if err != nil {
		return 0, "", err
	}
	defer unlock()

	for attempt := 0; attempt < 50; attempt++ {
		port, err := freeLoopbackPort()
		if err != nil {
			return 0, "", err
		}
		dir := filepath.Join(machinesDir, strconv.Itoa(port))
		if err := os.Mkdir(dir, 0o755); err == nil {
			return port, dir, nil
		}
	}
	return 0, "", fmt.Errorf("cannot find a free loopback port")
}

func freeLoopbackPort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("cannot find a free loopback port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
