// Package filelock serialises harness processes that share a cache directory: builds of
// one system's snapd, port reservations, image imports.
package filelock

import (
	"fmt"
	"os"
	"syscall"
)

// Lock takes an exclusive lock on path, creating the file, and waits for it. The lock
// goes with the returned function, or with the process if it dies first.
func Lock(path string) (unlock func(), err error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, fmt.Errorf("cannot open lock %s: %w", path, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		f.Close()
		return nil, fmt.Errorf("cannot lock %s: %w", path, err)
	}
	return func() { f.Close() }, nil
}
