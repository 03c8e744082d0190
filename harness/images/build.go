package images

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"shm-e2e/harness/hostcmd"
	"shm-e2e/harness/mounts"
	"shm-e2e/harness/progress"
)

// minFreeBytes is what one build needs on the cache's filesystem: the root filesystem
// (~1.3 GB), the raw disk before conversion (up to 4 GB sparse, ~1.5 GB used), the
// qcow2 copy and the base snap.
const minFreeBytes = 5 << 30

// Builder builds images into a cache.
type Builder struct {
	Cache Cache
	// Force rebuilds even when a complete entry exists.
	Force bool
}

// Build returns the cached image for the inputs, building it first when needed.
func (b Builder) Build(ctx context.Context, in Inputs) (*Image, error) {
	if !b.Force {
		img, err := b.Cache.Find(in)
		if err != nil || img != nil {
			if img != nil {
				progress.Printf("Image %s is cached (%s)", in.System.Name, img.Dir)
			}
			return img, err
		}
	}
	if err := checkHostTools(); err != nil {
		return nil, fmt.Errorf("cannot build image %s: %w", in.System.Name, err)
	}
	if err := b.checkFreeSpace(); err != nil {
		return nil, fmt.Errorf("cannot build image %s: %w", in.System.Name, err)
	}

	done := progress.Step("Building image %s (%s)", in.System.Name, in.System.Suite)
	img, err := b.build(ctx, in)
	done(err)
	return img, err
}

func (b Builder) build(ctx context.Context, in Inputs) (*Image, error) {
	key := in.Key()
	buildDir := filepath.Join(b.Cache.Dir, "images", in.System.Name,
		fmt.Sprintf(".build-%s-%d", key, os.Getpid()))
	if err := os.MkdirAll(buildDir, 0o755); err != nil {
		return nil, fmt.Errorf("cannot create build directory: %w", err)
	}
	// Whatever fails from here leaves no partial entry behind.
	committed := false
	defer func() {
		if !committed {
			removeBuildDir(buildDir)
		}
	}()

	img := &Image{System: in.System.Name, Key: key, Dir: buildDir, RootID: rootUUID(key)}
	rootfs := filepath.Join(buildDir, "rootfs")
	steps := []struct {
		name string
		run  func() error
	}{
		{"debootstrap", func() error { return b.debootstrap(ctx, in, rootfs, buildDir) }},
		{"configure", func() error { return configure(ctx, in, rootfs, buildDir) }},
		{"inspect", func() error { return inspect(ctx, rootfs, img) }},
		{"kernel", func() error { return copyKernel(rootfs, img) }},
		{"snaps", func() error { return buildImageSnaps(ctx, rootfs, img, buildDir) }},
		{"disk", func() error { return makeDisk(ctx, rootfs, img, buildDir) }},
	}
	for _, step := range steps {
		done := progress.Step("  %s: %s", in.System.Name, step.name)
		err := step.run()
		done(err)
		if err != nil {
			return nil, fmt.Errorf("cannot build image %s: step %s: %w",
				in.System.Name, step.name, err)
		}
	}

	if err := os.RemoveAll(rootfs); err != nil {
		return nil, fmt.Errorf("cannot remove build root filesystem: %w", err)
	}
	img.Built = time.Now().UTC()
	if err := b.Cache.commit(buildDir, img); err != nil {
		return nil, err
	}
	committed = true
	return img, nil
}

// removeBuildDir removes a failed build. A mount left inside would make RemoveAll
// delete the host's files through it, so mounts are taken down first.
func removeBuildDir(dir string) {
	mounts.UnmountUnder(dir)
	os.RemoveAll(dir)
}

func checkHostTools() error {
	for _, tool := range []string{"debootstrap", "mksquashfs", "qemu-img", "mkfs.ext4",
		"losetup", "chroot", "mount"} {
		if _, err := exec.LookPath(tool); err != nil {
			return fmt.Errorf("%s is not installed (run 'make deps' or install %s)",
				tool, packageOf(tool))
		}
	}
	return nil
}

func packageOf(tool string) string {
	switch tool {
	case "mksquashfs":
		return "squashfs-tools"
	case "qemu-img":
		return "qemu-utils"
	case "mkfs.ext4":
		return "e2fsprogs"
	case "losetup", "mount":
		return "mount"
	}
	return tool
}

func (b Builder) checkFreeSpace() error {
	if err := os.MkdirAll(b.Cache.Dir, 0o755); err != nil {
		return fmt.Errorf("cannot create cache %s: %w", b.Cache.Dir, err)
	}
	var st syscall.Statfs_t
	if err := syscall.Statfs(b.Cache.Dir, &st); err != nil {
		return fmt.Errorf("cannot check free space in %s: %w", b.Cache.Dir, err)
	}
	free := st.Bavail * uint64(st.Bsize)
	if free < minFreeBytes {
		return fmt.Errorf("only %d MiB free in %s, an image build needs %d MiB",
			free>>20, b.Cache.Dir, minFreeBytes>>20)
	}
	return nil
}

func openStepLog(buildDir, step string) (*hostcmd.Log, error) {
	logDir := filepath.Join(filepath.Dir(buildDir), "logs")
	if err := os.MkdirAll(logDir, 0o755); err != nil {
		return nil, err
	}
	name := strings.TrimPrefix(filepath.Base(buildDir), ".build-")
	return hostcmd.OpenLog(filepath.Join(logDir, name+"-"+step+".log"))
}
