package lxd

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"syscall"
)

// bindMounts binds each host path onto its path inside root, creating the target, and
// returns the undo. Targets are bound in a stable order and unbound in reverse.
func bindMounts(root string, binds map[string]string) (func(), error) {
	sources := make([]string, 0, len(binds))
	for src := range binds {
		sources = append(sources, src)
	}
	sort.Strings(sources)
	var mounted []string
	undo := func() {
		for i := len(mounted) - 1; i >= 0; i-- {
			syscall.Unmount(mounted[i], syscall.MNT_DETACH)
		}
	}
	for _, src := range sources {
		target := filepath.Join(root, binds[src])
		if err := makeTarget(src, target); err != nil {
			undo()
			return nil, err
		}
		if err := syscall.Mount(src, target, "", syscall.MS_BIND, ""); err != nil {
			undo()
			return nil, fmt.Errorf("cannot bind-mount %s on %s: %w", src, target, err)
		}
		mounted = append(mounted, target)
	}
	return undo, nil
}

// makeTarget creates a mount point of the source's kind (a directory or a file).
func makeTarget(src, target string) error {
	info, err := os.Stat(src)
	if err != nil {
		return err
	}
	if info.IsDir() {
		return os.MkdirAll(target, 0o755)
	}
	if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
		return err
	}
	if _, err := os.Lstat(target); err == nil {
		return nil
	}
	return os.WriteFile(target, nil, 0o644)
}
