// Package images builds the Debian VM images the suite runs in, from Debian packages
// only: debootstrap from the mirror apt uses, a configured root filesystem, a bootable
// disk, the kernel and initrd for a direct boot, the snaps snapd needs offline, and a
// saved VM state from which a ready machine is restored in seconds.
package images

import (
	"fmt"
	"sort"
)

// A System is one image recipe, named as snapd's spread suites name the system.
type System struct {
	Name  string // spread system name, e.g. debian-12-64
	Suite string // Debian suite debootstrap installs
	// Snapd is the snapd version the suite's Debian package is expected to carry; the
	// report shows what the VM really runs, this is only what a reader should expect.
	Snapd string
}

// Systems are the images the harness knows how to build.
var Systems = map[string]System{
	"debian-12-64": {Name: "debian-12-64", Suite: "bookworm", Snapd: "2.57.6"},
	"debian-13-64": {Name: "debian-13-64", Suite: "trixie", Snapd: "2.68.3"},
}

// SystemNames lists the known systems in a stable order.
func SystemNames() []string {
	names := make([]string, 0, len(Systems))
	for name := range Systems {
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}

// Lookup returns the system with the given name or an error listing the known ones.
func Lookup(name string) (System, error) {
	sys, ok := Systems[name]
	if !ok {
		return System{}, fmt.Errorf("unknown system %q (known: %v)", name, SystemNames())
	}
	return sys, nil
}

// Packages are installed into every image. dbus-user-session is named because
// debootstrap does not resolve snapd's virtual dbus-session-bus dependency; the generic
// kernel because the cloud one lacks drivers; grub-pc-bin makes the disk bootable for
// real spread's qemu backend; python3 goes into the base snap for multiprocessing.
var Packages = []string{
	"linux-image-amd64", "systemd-sysv", "systemd", "udev", "dbus", "dbus-user-session",
	"libpam-systemd", "openssh-server", "snapd", "squashfs-tools", "apparmor", "sudo",
	"ca-certificates", "iproute2", "kmod", "initramfs-tools", "grub-pc-bin", "procps",
	"less", "python3",
}
