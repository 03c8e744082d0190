package lxd

import (
	"context"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"shm-e2e/harness/cacheentry"
	"shm-e2e/harness/hostcmd"
	"shm-e2e/harness/images"
	"shm-e2e/harness/progress"
)

// recipeVersion changes when the container image's steps change in a way the key
// would not otherwise see.
const recipeVersion = "1"

//go:embed container.sh
var containerScript string

// ImageInputs is what a container image is made from: the VM image (by its own cache
// key, which covers its inputs) and this package's recipe.
type ImageInputs struct {
	System   string
	Suite    string
	VMKey    string
	Metadata string
}

// NewImageInputs describes the container image of a built VM image.
func NewImageInputs(img *images.Image, sys images.System) ImageInputs {
	return ImageInputs{System: img.System, Suite: sys.Suite, VMKey: img.Key,
		Metadata: metadataYAML(sys)}
}

// Key hashes the inputs with the recipe: any change makes a new entry.
func (in ImageInputs) Key() string {
	h := sha256.New()
	fmt.Fprintf(h, "recipe %s\nsystem %s\nvm %s\n", recipeVersion, in.System, in.VMKey)
	h.Write([]byte(in.Metadata))
	h.Write([]byte(containerScript))
	return hex.EncodeToString(h.Sum(nil))[:16]
}

// Alias is the LXD image alias of these inputs.
func (in ImageInputs) Alias() string {
	return Prefix + "-" + in.System + "-" + in.Key()
}

// metadataYAML is LXD's metadata.yaml. The creation date is fixed: it is part of the
// key, and LXD does not care.
func metadataYAML(sys images.System) string {
	return fmt.Sprintf("architecture: x86_64\ncreation_date: 1700000000\nproperties:\n"+
		"  os: debian\n  release: %s\n  description: shm-e2e %s container\n",
		sys.Suite, sys.Name)
}

// ContainerImage is a complete cache entry: LXD's split image format, metadata and
// root filesystem tarballs.
type ContainerImage struct {
	System string    `json:"system"`
	Key    string    `json:"key"`
	Alias  string    `json:"alias"`
	VMKey  string    `json:"vm-key"`
	Built  time.Time `json:"built"`
	Dir    string    `json:"-"`
}

func (c *ContainerImage) MetadataTar() string { return filepath.Join(c.Dir, "metadata.tar") }
func (c *ContainerImage) RootfsTar() string   { return filepath.Join(c.Dir, "rootfs.tar") }

// FindImage returns the complete cache entry for the inputs, or nil.
func (h Host) FindImage(in ImageInputs) (*ContainerImage, error) {
	dir := filepath.Join(h.imagesDir(in.System), in.Key())
	var c ContainerImage
	found, err := cacheentry.Read(dir, &c)
	if !found || err != nil {
		return nil, err
	}
	c.Dir = dir
	return &c, nil
}

// BuildImage returns the cached container image of the VM image, exporting and
// customizing its root filesystem when no entry exists. A build goes to a directory of
// its own and is renamed into place with its manifest: no half-written entries.
func (h Host) BuildImage(ctx context.Context, img *images.Image, cache images.Cache,
	in ImageInputs) (*ContainerImage, error) {
	if c, err := h.FindImage(in); c != nil || err != nil {
		return c, err
	}
	done := progress.Step("Building container image %s", in.Alias())
	c, err := h.buildImage(ctx, img, cache, in)
	done(err)
	return c, err
}

func (h Host) buildImage(ctx context.Context, img *images.Image, cache images.Cache,
	in ImageInputs) (*ContainerImage, error) {
	key := in.Key()
	build := filepath.Join(h.imagesDir(in.System), fmt.Sprintf(".build-%s-%d", key,
		os.Getpid()))
	if err := os.MkdirAll(build, 0o755); err != nil {
		return nil, err
	}
	defer os.RemoveAll(build)
	if err := os.MkdirAll(h.logPath(""), 0o755); err != nil {
		return nil, err
	}
	logPath := h.logPath(in.System + "-" + key + "-image.log")
	log, err := hostcmd.OpenLog(logPath)
	if err != nil {
		return nil, err
	}
	defer log.Close()

	c := &ContainerImage{System: in.System, Key: key, Alias: in.Alias(), VMKey: img.Key,
		Dir: build}
	archives := filepath.Join(cache.Dir, "debs", in.Suite+"-container")
	custom := func(ctx context.Context, log *hostcmd.Log, root string) error {
		return customize(ctx, log, root, archives)
	}
	err = images.ExportRootfs(ctx, img, c.RootfsTar(), filepath.Join(build, "export"), log,
		custom)
	if err != nil {
		return nil, fmt.Errorf("cannot build container image of %s: %w", in.System, err)
	}
	if err := writeMetadataTar(ctx, log, build, in.Metadata, c.MetadataTar()); err != nil {
		return nil, err
	}
	return h.commitImage(build, c)
}

// customize runs container.sh in the exported root with the host's resolver (apt
// reaches the suite's archive; the image itself keeps an empty resolv.conf) and the
// per-suite download cache bind-mounted in.
func customize(ctx context.Context, log *hostcmd.Log, root, archives string) error {
	if err := os.MkdirAll(filepath.Join(archives, "partial"), 0o755); err != nil {
		return err
	}
	inside := "/var/cache/shm-e2e-archives"
	// Removed after the unmount (defers run in reverse): the image keeps no mount point.
	defer os.Remove(filepath.Join(root, inside))
	undo, err := bindMounts(root, map[string]string{
		"/etc/resolv.conf": "/etc/resolv.conf",
		archives:           inside,
	})
	if err != nil {
		return err
	}
	defer undo()
	script := filepath.Join(root, "tmp", "container.sh")
	if err := os.WriteFile(script, []byte(containerScript), 0o755); err != nil {
		return err
	}
	defer os.Remove(script)
	err = log.RunEnv(ctx, []string{"ARCHIVES=" + inside}, "chroot", root, "/bin/sh",
		"/tmp/container.sh")
	if err != nil {
		return fmt.Errorf("cannot customize the container root filesystem: %w", err)
	}
	return nil
}

func writeMetadataTar(ctx context.Context, log *hostcmd.Log, build, metadata,
	out string) error {
	dir := filepath.Join(build, "metadata")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	file := filepath.Join(dir, "metadata.yaml")
	if err := os.WriteFile(file, []byte(metadata), 0o644); err != nil {
		return err
	}
	return log.Run(ctx, "tar", "--create", "--file", out, "--directory", dir,
		"metadata.yaml")
}

func (h Host) commitImage(build string, c *ContainerImage) (*ContainerImage, error) {
	for _, leftover := range []string{"export", "metadata"} {
		os.RemoveAll(filepath.Join(build, leftover))
	}
	c.Built = time.Now().UTC()
	final := filepath.Join(h.imagesDir(c.System), c.Key)
	if err := cacheentry.Commit(build, final, c); err != nil {
		return nil, err
	}
	c.Dir = final
	return c, nil
}

func trim(s string) string { return strings.TrimSpace(s) }
