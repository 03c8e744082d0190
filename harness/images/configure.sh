#!/bin/sh
# Runs inside the image's root filesystem (chroot) after debootstrap. Inputs come from
# the environment: HOSTNAME, ROOT_PASSWORD, SSH_PUBKEY. Everything here makes a
# throwaway test VM boot fast and reachable over SSH, and nothing else.
set -eu
export DEBIAN_FRONTEND=noninteractive

echo "$HOSTNAME" > /etc/hostname
printf '127.0.0.1 localhost\n127.0.1.1 %s\n' "$HOSTNAME" > /etc/hosts

# spread logs in as root with a password; the harness uses a key.
echo "root:$ROOT_PASSWORD" | chpasswd
mkdir -p /root/.ssh /etc/ssh/sshd_config.d
echo "$SSH_PUBKEY" > /root/.ssh/authorized_keys
chmod 700 /root/.ssh
chmod 600 /root/.ssh/authorized_keys
printf 'PermitRootLogin yes\nPasswordAuthentication yes\nUseDNS no\n' \
	> /etc/ssh/sshd_config.d/50-shm-e2e.conf

# DHCP on whatever NIC qemu gives. No resolver: the VM must reach nothing.
mkdir -p /etc/systemd/network
printf '[Match]\nName=en* eth*\n[Network]\nDHCP=ipv4\n' > /etc/systemd/network/10-dhcp.network
systemctl enable systemd-networkd.service
systemctl disable networking.service 2>/dev/null || true
: > /etc/resolv.conf

# Units that only slow a VM that lives for minutes.
for unit in e2scrub_reap.service e2scrub_all.timer apt-daily.timer \
	apt-daily-upgrade.timer fstrim.timer man-db.timer \
	systemd-networkd-wait-online.service; do
	systemctl disable "$unit" 2>/dev/null || true
done

# Offline, snapd retries its catalog refresh for ~30 s after each start unless the
# names cache looks fresh.
mkdir -p /etc/systemd/system/snapd.service.d
cat > /etc/systemd/system/snapd.service.d/50-shm-e2e.conf <<'UNIT'
[Service]
ExecStartPre=/bin/sh -c 'mkdir -p /var/cache/snapd && touch /var/cache/snapd/names'
UNIT

# A small initrd: GRUB reads it through the BIOS, which is slow under TCG.
echo MODULES=list > /etc/initramfs-tools/conf.d/shm-e2e.conf
printf 'ext4\nata_piix\nata_generic\nsd_mod\nvirtio_pci\nvirtio_blk\ncrc32c_generic\n' \
	> /etc/initramfs-tools/modules
update-initramfs -u -k all

apt-get clean
rm -rf /var/lib/apt/lists/*
