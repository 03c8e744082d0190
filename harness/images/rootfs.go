package images

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"shm-e2e/harness/fileutil"
	"shm-e2e/harness/mounts"
)

// debootstrap installs the system's suite and packages into rootfs. Downloaded
// packages are kept per suite, so a rebuild downloads nothing.
func (b Builder) debootstrap(ctx context.Context, in Inputs, rootfs, buildDir string) error {
	log, err := openStepLog(buildDir, "debootstrap")
	if err != nil {
		return err
	}
	defer log.Close()

	debs := filepath.Join(b.Cache.Dir, "debs", in.System.Suite)
	if err := os.MkdirAll(debs, 0o755); err != nil {
		return err
	}
	err = log.Run(ctx, "debootstrap", "--variant=minbase", "--cache-dir="+debs,
		"--include="+strings.Join(in.Packages, ","), in.System.Suite, rootfs, in.Mirror)
	if err != nil {
		return fmt.Errorf("debootstrap of %s from %s failed: %w", in.System.Suite, in.Mirror, err)
	}
	return nil
}

// configure runs configure.sh inside the root filesystem.
func configure(ctx context.Context, in Inputs, rootfs, buildDir string) error {
	log, err := openStepLog(buildDir, "configure")
	if err != nil {
		return err
	}
	defer log.Close()

	unmount, err := mounts.BindSystemDirs(rootfs)
	if err != nil {
		return err
	}
	defer unmount()

	script := filepath.Join(rootfs, "tmp", "configure.sh")
	if err := os.WriteFile(script, []byte(configureScript), 0o755); err != nil {
		return err
	}
	defer os.Remove(script)
	env := []string{"HOSTNAME=" + in.System.Name, "ROOT_PASSWORD=" + RootPassword,
		"SSH_PUBKEY=" + strings.TrimSpace(in.SSHPubKey)}
	return log.RunEnv(ctx, env, "chroot", rootfs, "/bin/sh", "/tmp/configure.sh")
}

// RootPassword is the root password spread's own backends log in with.
const RootPassword = "shm-e2e"

// inspect records what the image really contains: the report names it.
func inspect(ctx context.Context, rootfs string, img *Image) error {
	out, err := commandOutput(ctx, "chroot", rootfs, "dpkg-query", "-W", "-f=${Version}",
		"snapd")
	if err != nil {
		return fmt.Errorf("cannot read the snapd version: %w", err)
	}
	img.Snapd = strings.TrimSpace(out)

	kernels, _ := filepath.Glob(filepath.Join(rootfs, "boot", "vmlinuz-*"))
	if len(kernels) != 1 {
		return fmt.Errorf("want one kernel in %s/boot, found %d", rootfs, len(kernels))
	}
	img.Kernel = strings.TrimPrefix(filepath.Base(kernels[0]), "vmlinuz-")
	return nil
}

// copyKernel keeps the kernel and initrd beside the disk for direct kernel boots.
func copyKernel(rootfs string, img *Image) error {
	boot := filepath.Join(rootfs, "boot")
	if err := fileutil.Copy(filepath.Join(boot, "vmlinuz-"+img.Kernel), img.KernelFile()); err != nil {
		return err
	}
	return fileutil.Copy(filepath.Join(boot, "initrd.img-"+img.Kernel), img.InitrdFile())
}
