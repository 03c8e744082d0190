package images

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"shm-e2e/harness/fileutil"
	"shm-e2e/harness/hostcmd"
)

// BaseSnapName is the base every test snap declares.
const BaseSnapName = "shm-base"

// GuestSnapDir is where an image keeps its base and snapd stub snaps, so that a
// prepare step (or real spread's qemu backend, which boots the bare disk) can install
// them without uploading them.
const GuestSnapDir = "/var/lib/shm-e2e"

// baseExcludes are left out of the base snap: snap-confine mounts the host's kernel
// modules and snapd tools over these, and the rest only costs space and time.
var baseExcludes = []string{"boot", "usr/lib/modules", "var/cache/apt", "var/lib/apt",
	"usr/share/doc", "usr/share/man", "usr/share/locale", "var/log", "tmp"}

// baseMountPoints must exist in a base for snap-confine to mount over them.
var baseMountPoints = []string{"usr/lib/modules", "usr/lib/firmware", "usr/src",
	"var/lib/extrausers", "var/lib/snapd", "var/snap", "var/log", "var/tmp", "tmp", "snap",
	"media", "mnt", "home", "root", "run", "proc", "sys", "dev", "usr/lib/snapd"}

// buildImageSnaps makes the base snap from the image's own root filesystem (so it has
// the system's glibc and Python) and the snapd stub, then puts both into the root
// filesystem for the disk.
func buildImageSnaps(ctx context.Context, rootfs string, img *Image, buildDir string) error {
	log, err := openStepLog(buildDir, "snaps")
	if err != nil {
		return err
	}
	defer log.Close()

	if err := buildBaseSnap(ctx, log, rootfs, img.BaseSnap(), img.System); err != nil {
		return err
	}
	if err := buildSnapdStub(ctx, log, rootfs, img.StubSnap(), buildDir); err != nil {
		return err
	}

	guestDir := filepath.Join(rootfs, GuestSnapDir)
	if err := os.MkdirAll(guestDir, 0o755); err != nil {
		return err
	}
	for _, snap := range []string{img.BaseSnap(), img.StubSnap()} {
		if err := fileutil.Copy(snap, filepath.Join(guestDir, filepath.Base(snap))); err != nil {
			return err
		}
	}
	return nil
}

// squashfsOptions make snaps byte-for-byte reproducible. gzip, because it is fast on
// two cores and every kernel snapd runs on reads it.
var squashfsOptions = []string{"-noappend", "-comp", "gzip", "-all-root", "-no-xattrs",
	"-no-fragments", "-mkfs-time", "0", "-all-time", "0", "-quiet", "-no-progress"}

func buildBaseSnap(ctx context.Context, log *hostcmd.Log, rootfs, out, system string) error {
	snapYaml := fmt.Sprintf("name: %s\nversion: '1'\ntype: base\n"+
		"summary: Debian base of %s for shm-e2e test snaps\n"+
		"description: Built by shm-e2e from the image's root filesystem.\n",
		BaseSnapName, system)
	yamlFile := out + ".snap.yaml"
	if err := os.WriteFile(yamlFile, []byte(snapYaml), 0o644); err != nil {
		return err
	}
	defer os.Remove(yamlFile)

	args := []string{rootfs, out + ".tmp"}
	args = append(args, squashfsOptions...)
	args = append(args, "-p", "meta d 755 0 0",
		"-p", "meta/snap.yaml f 644 0 0 cat "+yamlFile)
	for _, dir := range baseMountPoints {
		if excluded(dir) || !exists(filepath.Join(rootfs, dir)) {
			args = append(args, "-p", dir+" d 755 0 0")
		}
	}
	args = append(args, "-e")
	args = append(args, baseExcludes...)
	if err := log.Run(ctx, "mksquashfs", args...); err != nil {
		os.Remove(out + ".tmp")
		return fmt.Errorf("cannot build the base snap: %w", err)
	}
	return os.Rename(out+".tmp", out)
}

// buildSnapdStub makes a snap of type snapd that holds only snap-confine's AppArmor
// profile. snapd insists on a snapd (or core) snap before it installs a snap with
// another base, and would fetch one from the store; the stub satisfies it and also
// brings the implicit system slots, :shared-memory among them. Having no binaries,
// it never makes snapd re-execute into the snap.
func buildSnapdStub(ctx context.Context, log *hostcmd.Log, rootfs, out, buildDir string) error {
	tree := filepath.Join(buildDir, "snapd-stub")
	defer os.RemoveAll(tree)
	profileDir := filepath.Join(tree, "etc", "apparmor.d")
	if err := os.MkdirAll(filepath.Join(tree, "meta"), 0o755); err != nil {
		return err
	}
	if err := os.MkdirAll(profileDir, 0o755); err != nil {
		return err
	}
	profile := "usr.lib.snapd.snap-confine.real"
	err := fileutil.Copy(filepath.Join(rootfs, "etc", "apparmor.d", profile),
		filepath.Join(profileDir, profile))
	if err != nil {
		return err
	}
	snapYaml := "name: snapd\nversion: '0.0.1-shm-e2e'\ntype: snapd\n" +
		"summary: Local stand-in for the snapd snap\n" +
		"description: Lets snapd install snaps offline; holds no binaries.\n"
	if err := os.WriteFile(filepath.Join(tree, "meta", "snap.yaml"), []byte(snapYaml),
		0o644); err != nil {
		return err
	}
	args := append([]string{tree, out + ".tmp"}, squashfsOptions...)
	if err := log.Run(ctx, "mksquashfs", args...); err != nil {
		os.Remove(out + ".tmp")
		return fmt.Errorf("cannot build the snapd stub snap: %w", err)
	}
	return os.Rename(out+".tmp", out)
}

func excluded(dir string) bool {
	for _, ex := range baseExcludes {
		if dir == ex || strings.HasPrefix(dir, ex+"/") {
			return true
		}
	}
	return false
}

func exists(path string) bool {
	_, err := os.Lstat(path)
	return err == nil
}
