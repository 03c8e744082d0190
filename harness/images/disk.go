package images

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"shm-e2e/harness/fileutil"
	"shm-e2e/harness/hostcmd"
)

const (
	diskSize        = 4 << 30
	partitionOffset = 1 << 20 // sector 2048, where partitioning tools start
	sectorSize      = 512
)

// makeDisk writes a BIOS-bootable qcow2 disk: an MBR with one partition holding the
// root filesystem, and GRUB in the gap before it. Partition scanning of loop devices
// does not work on these hosts, so the partition is reached through a loop device with
// an offset and GRUB's boot sectors are written by hand, as grub-bios-setup would.
func makeDisk(ctx context.Context, rootfs string, img *Image, buildDir string) error {
	log, err := openStepLog(buildDir, "disk")
	if err != nil {
		return err
	}
	defer log.Close()

	raw := filepath.Join(buildDir, "disk.raw")
	core := filepath.Join(buildDir, "core.img")
	mnt := filepath.Join(buildDir, "mnt")
	defer os.Remove(raw)
	defer os.Remove(core)
	defer os.Remove(mnt)
	if err := writePartitionedFile(raw); err != nil {
		return err
	}
	if err := fillPartition(ctx, log, raw, rootfs, img); err != nil {
		return err
	}
	if err := installBootSectors(raw, rootfs, buildDir); err != nil {
		return err
	}
	return log.Run(ctx, "qemu-img", "convert", "-O", "qcow2", raw, img.Disk())
}

// writePartitionedFile creates the sparse raw disk with its MBR.
func writePartitionedFile(path string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := f.Truncate(diskSize); err != nil {
		return fmt.Errorf("cannot size %s: %w", path, err)
	}
	if _, err := f.WriteAt(masterBootRecord(diskSize), 0); err != nil {
		return fmt.Errorf("cannot write the partition table: %w", err)
	}
	return nil
}

// masterBootRecord returns the 512-byte MBR with a single bootable Linux partition
// from partitionOffset to the end of the disk. The code area stays empty: GRUB's
// boot.img fills it later.
func masterBootRecord(size int64) []byte {
	mbr := make([]byte, sectorSize)
	binary.LittleEndian.PutUint32(mbr[440:], 0x5348_4d45) // disk signature
	entry := mbr[446:462]
	entry[0] = 0x80 // bootable
	copy(entry[1:4], []byte{0xfe, 0xff, 0xff})
	entry[4] = 0x83 // Linux
	copy(entry[5:8], []byte{0xfe, 0xff, 0xff})
	first := uint32(partitionOffset / sectorSize)
	binary.LittleEndian.PutUint32(entry[8:], first)
	binary.LittleEndian.PutUint32(entry[12:], uint32(size/sectorSize)-first)
	mbr[510], mbr[511] = 0x55, 0xaa
	return mbr
}

// fillPartition makes the ext4 file system in the partition and copies the root
// filesystem, its fstab and GRUB's configuration and core image into it.
func fillPartition(ctx context.Context, log *hostcmd.Log, raw, rootfs string,
	img *Image) error {
	loop, err := log.Output(ctx, "losetup", "--find", "--show",
		"--offset", strconv.Itoa(partitionOffset),
		"--sizelimit", strconv.Itoa(diskSize-partitionOffset), raw)
	if err != nil {
		return err
	}
	loop = strings.TrimSpace(loop)
	defer log.Run(context.Background(), "losetup", "--detach", loop)

	err = log.Run(ctx, "mkfs.ext4", "-q", "-L", "rootfs", "-U", img.RootID, loop)
	if err != nil {
		return err
	}
	mnt := filepath.Join(filepath.Dir(raw), "mnt")
	if err := os.MkdirAll(mnt, 0o755); err != nil {
		return err
	}
	if err := syscall.Mount(loop, mnt, "ext4", 0, ""); err != nil {
		return fmt.Errorf("cannot mount %s on %s: %w", loop, mnt, err)
	}
	defer syscall.Unmount(mnt, 0)

	if err := log.Run(ctx, "cp", "-a", rootfs+"/.", mnt+"/"); err != nil {
		return err
	}
	fstab := "UUID=" + img.RootID + " / ext4 errors=remount-ro 0 1\n"
	if err := os.WriteFile(filepath.Join(mnt, "etc", "fstab"), []byte(fstab), 0o644); err != nil {
		return err
	}
	if err := writeGrubConfig(mnt, img); err != nil {
		return err
	}
	err = log.Run(ctx, "chroot", mnt, "grub-mkimage", "-O", "i386-pc",
		"-o", "/boot/grub/i386-pc/core.img", "-p", "(hd0,msdos1)/boot/grub",
		"biosdisk", "part_msdos", "ext2", "search_fs_uuid")
	if err != nil {
		return err
	}
	// Kept outside the file system: the boot sectors are written after unmounting.
	return fileutil.Copy(filepath.Join(mnt, "boot/grub/i386-pc/core.img"),
		filepath.Join(filepath.Dir(raw), "core.img"))
}

// writeGrubConfig writes grub.cfg and the modules core.img loads from the partition
// (normal, linux and the rest are not built into it).
func writeGrubConfig(mnt string, img *Image) error {
	grubDir := filepath.Join(mnt, "boot", "grub", "i386-pc")
	if err := os.MkdirAll(grubDir, 0o755); err != nil {
		return err
	}
	modules, _ := filepath.Glob(filepath.Join(mnt, "usr/lib/grub/i386-pc/*.mod"))
	lists, _ := filepath.Glob(filepath.Join(mnt, "usr/lib/grub/i386-pc/*.lst"))
	for _, file := range append(modules, lists...) {
		if err := fileutil.Copy(file, filepath.Join(grubDir, filepath.Base(file))); err != nil {
			return err
		}
	}
	cfg := fmt.Sprintf(`set timeout=0
serial --unit=0 --speed=115200
terminal_input serial console
terminal_output serial console
insmod part_msdos
insmod ext2
search --no-floppy --fs-uuid --set=root %s
linux /boot/vmlinuz-%s %s
initrd /boot/initrd.img-%s
boot
`, img.RootID, img.Kernel, img.KernelArgs(), img.Kernel)
	return os.WriteFile(filepath.Join(mnt, "boot", "grub", "grub.cfg"), []byte(cfg), 0o644)
}

// installBootSectors writes GRUB's boot.img into the MBR's code area and core.img into
// the sectors after it. boot.img's default says core.img starts at sector 1, which is
// where it goes, so no sector address needs patching.
func installBootSectors(raw, rootfs, buildDir string) error {
	bootImg, err := os.ReadFile(filepath.Join(rootfs, "usr/lib/grub/i386-pc/boot.img"))
	if err != nil {
		return fmt.Errorf("cannot read GRUB's boot.img: %w", err)
	}
	core, err := os.ReadFile(filepath.Join(buildDir, "core.img"))
	if err != nil {
		return fmt.Errorf("cannot read GRUB's core.img: %w", err)
	}
	if len(core) > partitionOffset-sectorSize {
		return fmt.Errorf("GRUB's core.img (%d bytes) does not fit before the partition",
			len(core))
	}
	f, err := os.OpenFile(raw, os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	defer f.Close()
	if _, err := f.WriteAt(bootImg[:440], 0); err != nil {
		return err
	}
	_, err = f.WriteAt(core, sectorSize)
	return err
}

// rootUUID derives the root filesystem's UUID from the cache key, so that the same
// inputs give the same kernel command line.
func rootUUID(key string) string {
	sum := sha256.Sum256([]byte("shm-e2e root " + key))
	b := sum[:16]
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
