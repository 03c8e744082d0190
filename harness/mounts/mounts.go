// Package mounts makes a host directory tree usable as a chroot and takes its mounts
// down again, so that no build step, failed or interrupted, leaves a mount behind.
package mounts

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
)

// BindSystemDirs makes /proc, /sys and /dev visible under root, as package scripts and
// toolchains in a chroot expect. Leftovers of a killed earlier run are taken down first.
// The returned function undoes every mount made; callers defer it.
func BindSystemDirs(root string) (func(), error) {
	UnmountUnder(root)
	var mounted []string
	undo := func() {
		for i := len(mounted) - 1; i >= 0; i-- {
			syscall.Unmount(mounted[i], syscall.MNT_DETACH)
		}
	}
	for _, dir := range []string{"proc", "sys", "dev", "dev/pts"} {
		target := filepath.Join(root, dir)
		if err := syscall.Mount("/"+dir, target, "", syscall.MS_BIND, ""); err != nil {
			undo()
			return nil, fmt.Errorf("cannot bind-mount /%s into %s: %w", dir, root, err)
		}
		mounted = append(mounted, target)
	}
	return undo, nil
}

// UnmountUnder detaches every mount below dir, deepest first.
func UnmountUnder(dir string) {
	for _, target := range mountsUnder(dir) {
		syscall.Unmount(target, syscall.MNT_DETACH)
	}
}

// mountsUnder lists the mount points below dir, deepest first.
func mountsUnder(dir string) []string {
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		return nil
	}
	defer f.Close()
	var targets []string
	scanner := bufio.NewScanner(f)
	for scanner.Scan() {
		fields := strings.Fields(scanner.Text())
		if len(fields) > 4 && strings.HasPrefix(fields[4], dir+"/") {
			targets = append(targets, fields[4])
		}
	}
	sort.Sort(sort.Reverse(sort.StringSlice(targets)))
	return targets
}
