package images

import (
	"context"
	"fmt"
	"os"
	"strings"

	"shm-e2e/harness/progress"
	"shm-e2e/harness/vms"
)

// ReadyState names the VM state saved in a ready disk.
const ReadyState = "ready"

// Spec returns what the launcher needs to boot this image directly, skipping GRUB.
func (img *Image) Spec() vms.Spec {
	return vms.Spec{System: img.System, Disk: img.Disk(), Kernel: img.KernelFile(),
		Initrd: img.InitrdFile(), KernelArgs: img.KernelArgs(), MemoryMB: 1536, CPUs: 2}
}

// ReadySpec returns the spec that restores the saved ready state, or false when no
// state was saved under this accelerator.
func (img *Image) ReadySpec(accel vms.Accel) (vms.Spec, bool) {
	spec := img.Spec()
	ready := img.ReadyDisk(string(accel))
	if _, err := os.Stat(ready); err != nil {
		return spec, false
	}
	spec.Disk = ready
	spec.SavedState = ReadyState
	return spec, true
}

// Bake boots the image once, installs the base and snapd stub snaps that every test
// needs, and saves the running machine's state in a ready disk, so that allocating a
// machine restores it in seconds instead of booting and installing for a minute.
func Bake(ctx context.Context, img *Image, launcher vms.Launcher) error {
	if _, ok := img.ReadySpec(launcher.Accel); ok {
		progress.Printf("Ready state of %s is cached (%s)", img.System, launcher.Accel)
		return nil
	}
	done := progress.Step("Baking the ready state of %s", img.System)
	err := bake(ctx, img, launcher)
	done(err)
	if err != nil {
		return fmt.Errorf("cannot bake %s: %w", img.System, err)
	}
	return nil
}

func bake(ctx context.Context, img *Image, launcher vms.Launcher) error {
	m, err := launcher.Start(ctx, img.Spec())
	if err != nil {
		return err
	}
	defer m.Stop()

	ssh := vms.SSH{Key: launcher.Key, Port: m.Port}
	if out, err := ssh.Run(ctx, InstallSnapsScript); err != nil {
		return fmt.Errorf("cannot install the base snaps: %w\n%s", err, out)
	}
	if _, err := ssh.Run(ctx, "sync"); err != nil {
		return err
	}
	if err := m.SaveState(ReadyState); err != nil {
		return err
	}
	if err := m.PowerOff(); err != nil {
		return err
	}
	tmp := img.ReadyDisk(string(launcher.Accel)) + ".tmp"
	if err := os.Rename(m.DiskPath(), tmp); err != nil {
		return fmt.Errorf("cannot keep the ready disk: %w", err)
	}
	return os.Rename(tmp, img.ReadyDisk(string(launcher.Accel)))
}

// InstallSnapsScript installs the image's base and snapd stub snaps unless present.
// spread.yaml's project prepare runs the same steps for real spread's qemu backend,
// which boots the bare disk.
var InstallSnapsScript = strings.Join([]string{
	"set -e",
	"snap wait system seed.loaded",
	"snap list snapd >/dev/null 2>&1 || snap install --dangerous " + GuestSnapDir +
		"/snapd-stub.snap",
	"snap list " + BaseSnapName + " >/dev/null 2>&1 || snap install --dangerous " +
		GuestSnapDir + "/" + BaseSnapName + ".snap",
	"snap list",
}, "\n")
