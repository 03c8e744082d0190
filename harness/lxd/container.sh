#!/bin/sh
# Runs in a writable copy of a VM image's root filesystem (chroot) to make it a
# container image. Inputs: ARCHIVES (apt's download cache, shared per suite).
set -eu
export DEBIAN_FRONTEND=noninteractive

# A container boots no kernel: no initramfs to regenerate on each package install.
sed -i 's/^update_initramfs=.*/update_initramfs=no/' /etc/initramfs-tools/update-initramfs.conf

# Containers have no loop devices: snapd mounts snaps with squashfuse over /dev/fuse
# when squashfuse is installed. From the suite's own archive, like everything else.
apt-get -q -o Dir::Cache::Archives="$ARCHIVES" update
apt-get -q -y -o Dir::Cache::Archives="$ARCHIVES" install --no-install-recommends \
	squashfuse fuse3
rm -rf /var/lib/apt/lists/*

# The VM's fstab names its disk; a container has none.
: > /etc/fstab

# Privileged containers get a read-only /sys, so systemd-udevd is skipped and snapd's
# "udevadm control --reload-rules" fails on every interface connection.
mkdir -p /etc/systemd/system/systemd-udevd.service.d
printf '[Unit]\nConditionPathIsReadWrite=\n' \
	> /etc/systemd/system/systemd-udevd.service.d/50-container.conf

# No initramfs, kernel or boot loader is ever used here.
systemctl mask systemd-networkd-wait-online.service >/dev/null 2>&1 || true

# A fresh catalog stamp, so that snapd does not stall retrying the store offline (the
# image's snapd drop-in refreshes it at each start too).
mkdir -p /var/cache/snapd
touch /var/cache/snapd/names
