package images

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"syscall"

	"shm-e2e/harness/hostcmd"
	"shm-e2e/harness/mounts"
)

// Customize changes an exported root filesystem before it is packed; root is a
// writable view of the image's file system, with /proc, /sys and /dev mounted for
// package scripts.
type Customize func(ctx context.Context, log *hostcmd.Log, root string) error

// ExportRootfs writes the image's root filesystem as a tarball (numeric owners,
// extended attributes), after customize, for other machine kinds (containers) to run
// the very files the VMs run. The disk is only read: the image's partition is mounted
// read-only under a writable overlay in work, which is removed with everything in it.
func ExportRootfs(ctx context.Context, img *Image, tarball, work string, log *hostcmd.Log,
	customize Customize) error {
	if err := os.MkdirAll(work, 0o755); err != nil {
		return fmt.Errorf("cannot create export directory: %w", err)
	}
	defer removeBuildDir(work)

	raw := filepath.Join(work, "disk.raw")
	if err := log.Run(ctx, "qemu-img", "convert", "-O", "raw", img.Disk(), raw); err != nil {
		return fmt.Errorf("cannot convert %s to raw: %w", img.Disk(), err)
	}
	lower := filepath.Join(work, "lower")
	unmount, err := mountPartitionReadOnly(ctx, log, raw, lower)
	if err != nil {
		return err
	}
	defer unmount()

	root := filepath.Join(work, "root")
	undoOverlay, err := mountOverlay(lower, work, root)
	if err != nil {
		return err
	}
	defer undoOverlay()
	if customize != nil {
		if err := customizeRoot(ctx, log, root, customize); err != nil {
			return err
		}
	}
	return packRoot(ctx, log, root, tarball)
}

// mountPartitionReadOnly mounts the root partition of a raw disk read-only through a
// loop device at the partition's offset (partition scanning does not work here).
func mountPartitionReadOnly(ctx context.Context, log *hostcmd.Log, raw, mnt string) (
	func(), error) {
	loop, err := log.Output(ctx, "losetup", "--find", "--show", "--read-only",
		"--offset", strconv.Itoa(partitionOffset), raw)
	if err != nil {
		return nil, fmt.Errorf("cannot attach %s: %w", raw, err)
	}
	loop = trimLine(loop)
	detach := func() { log.Run(context.Background(), "losetup", "--detach", loop) }
	if err := os.MkdirAll(mnt, 0o755); err != nil {
		detach()
		return nil, err
	}
	if err := syscall.Mount(loop, mnt, "ext4", syscall.MS_RDONLY, "noload"); err != nil {
		detach()
		return nil, fmt.Errorf("cannot mount %s read-only on %s: %w", loop, mnt, err)
	}
	return func() {
		syscall.Unmount(mnt, 0)
		detach()
	}, nil
}

// mountOverlay gives a writable view of lower whose changes go to work/upper.
func mountOverlay(lower, work, root string) (func(), error) {
	upper, scratch := filepath.Join(work, "upper"), filepath.Join(work, "scratch")
	for _, dir := range []string{upper, scratch, root} {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, err
		}
	}
	opts := "lowerdir=" + lower + ",upperdir=" + upper + ",workdir=" + scratch
	if err := syscall.Mount("overlay", root, "overlay", 0, opts); err != nil {
		return nil, fmt.Errorf("cannot mount an overlay on %s: %w", root, err)
	}
	return func() { syscall.Unmount(root, syscall.MNT_DETACH) }, nil
}

func customizeRoot(ctx context.Context, log *hostcmd.Log, root string,
	customize Customize) error {
	unmount, err := mounts.BindSystemDirs(root)
	if err != nil {
		return err
	}
	defer unmount()
	return customize(ctx, log, root)
}

// packRoot tars the root filesystem into a file that appears complete or not at all.
func packRoot(ctx context.Context, log *hostcmd.Log, root, tarball string) error {
	partial := tarball + ".partial"
	err := log.Run(ctx, "tar", "--create", "--file", partial, "--directory", root,
		"--numeric-owner", "--xattrs", "--xattrs-include=*", "--acls", "--one-file-system",
		".")
	if err != nil {
		os.Remove(partial)
		return fmt.Errorf("cannot pack the root filesystem: %w", err)
	}
	return os.Rename(partial, tarball)
}

func trimLine(s string) string {
	for len(s) > 0 && (s[len(s)-1] == '\n' || s[len(s)-1] == ' ') {
		s = s[:len(s)-1]
	}
	return s
}
