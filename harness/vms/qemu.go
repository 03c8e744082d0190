// Package vms starts and stops the QEMU machines the suite runs in. A machine boots
// from a copy-on-write overlay (or restores a saved state), is reached only through a
// forwarded SSH port on the host's loopback, and leaves nothing behind when stopped.
package vms

import (
	"fmt"
	"strconv"
)

// Spec says what to run.
type Spec struct {
	System string // for logs and file names
	Disk   string // the qcow2 the overlay is backed by (or, with a saved state, copied)
	// Kernel, Initrd and KernelArgs select a direct kernel boot, which skips the BIOS
	// and GRUB. Without them the disk's own bootloader runs.
	Kernel, Initrd, KernelArgs string
	// SavedState names a VM state saved inside Disk (savevm); the machine then
	// resumes from it instead of booting. Disk is copied, since qemu only finds an
	// internal state in the top image, never through an overlay.
	SavedState string
	MemoryMB   int
	CPUs       int
}

// Accel is a QEMU accelerator: "kvm" or "tcg".
type Accel string

const (
	KVM Accel = "kvm"
	TCG Accel = "tcg"
)

// qemuArgs builds the command line for one machine. Networking is user-mode with
// restrict=on: the guest gets DHCP, and the host forwards one loopback port to its SSH,
// but no packet from the guest is routed anywhere.
func qemuArgs(spec Spec, accel Accel, disk string, port int, serialLog, monitor string) []string {
	cpus := spec.CPUs
	if accel == TCG {
		// Debian 13's kernel (6.12) oopses with "int3" in early boot under multi-threaded
		// TCG with two vCPUs; one vCPU boots reliably, and two VMs then use both cores.
		cpus = 1
	}
	args := []string{
		"-name", spec.System,
		"-accel", string(accel),
		"-m", strconv.Itoa(spec.MemoryMB),
		"-smp", strconv.Itoa(cpus),
		"-nodefaults", "-display", "none",
		"-serial", "file:" + serialLog,
		"-monitor", "unix:" + monitor + ",server,nowait",
		"-drive", "file=" + disk + ",format=qcow2,if=virtio,cache=unsafe",
		"-netdev", fmt.Sprintf("user,id=net0,restrict=on,hostfwd=tcp:127.0.0.1:%d-:22", port),
		"-device", "virtio-net-pci,netdev=net0",
		"-device", "virtio-rng-pci",
	}
	if accel == KVM {
		args = append(args, "-cpu", "host")
	}
	if spec.Kernel != "" {
		args = append(args, "-kernel", spec.Kernel, "-initrd", spec.Initrd,
			"-append", spec.KernelArgs)
	}
	if spec.SavedState != "" {
		args = append(args, "-loadvm", spec.SavedState)
	}
	return args
}
