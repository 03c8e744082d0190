package images

import (
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"shm-e2e/harness/cacheentry"
)

// RecipeVersion changes whenever the build steps change in a way the cache key would
// not otherwise see (disk layout, base snap contents, bake steps).
const RecipeVersion = "3"

//go:embed configure.sh
var configureScript string

// Image is a complete cache entry: everything a VM of one system needs.
type Image struct {
	System string    `json:"system"`
	Key    string    `json:"key"`
	Dir    string    `json:"-"`
	Snapd  string    `json:"snapd"`  // snapd version dpkg installed
	Kernel string    `json:"kernel"` // kernel release, e.g. 6.1.0-50-amd64
	RootID string    `json:"root-uuid"`
	Built  time.Time `json:"built"`
}

// Paths of the files in an image directory.
func (img *Image) Disk() string       { return filepath.Join(img.Dir, "disk.qcow2") }
func (img *Image) KernelFile() string { return filepath.Join(img.Dir, "vmlinuz") }
func (img *Image) InitrdFile() string { return filepath.Join(img.Dir, "initrd.img") }
func (img *Image) BaseSnap() string   { return filepath.Join(img.Dir, "shm-base.snap") }
func (img *Image) StubSnap() string   { return filepath.Join(img.Dir, "snapd-stub.snap") }

// readyVersion changes whenever the machine a ready state was saved from changes
// (devices, memory, vCPUs): qemu only loads a state into the same machine.
const readyVersion = "2"

// ReadyDisk is the booted, snap-ready disk whose saved VM state allocation restores;
// the state only loads under the accelerator that saved it.
func (img *Image) ReadyDisk(accel string) string {
	return filepath.Join(img.Dir, "ready-"+accel+"-v"+readyVersion+".qcow2")
}

// KernelArgs is the command line for a direct kernel boot; the disk's GRUB config uses
// the same one.
func (img *Image) KernelArgs() string {
	return kernelArgs(img.RootID)
}

func kernelArgs(rootUUID string) string {
	return "root=UUID=" + rootUUID + " ro console=ttyS0,115200 net.ifnames=0 " +
		"apparmor=1 security=apparmor"
}

// Inputs is everything that goes into an image; its hash is the cache key.
type Inputs struct {
	System    System
	Mirror    string
	Packages  []string
	SSHPubKey string
}

// Key hashes the inputs with the recipe, so that any change to either makes a new entry.
func (in Inputs) Key() string {
	h := sha256.New()
	fmt.Fprintf(h, "recipe %s\nsuite %s\nmirror %s\npackages %s\nssh %s\n",
		RecipeVersion, in.System.Suite, in.Mirror, strings.Join(in.Packages, ","),
		strings.TrimSpace(in.SSHPubKey))
	h.Write([]byte(configureScript))
	return hex.EncodeToString(h.Sum(nil))[:16]
}

// Cache is the directory holding image entries, package downloads and the SSH key.
type Cache struct{ Dir string }

// DefaultCache is $SHM_E2E_CACHE, or ~/.cache/shm-e2e.
func DefaultCache() Cache {
	if dir := os.Getenv("SHM_E2E_CACHE"); dir != "" {
		return Cache{Dir: dir}
	}
	home, err := os.UserHomeDir()
	if err != nil {
		home = "/root"
	}
	return Cache{Dir: filepath.Join(home, ".cache", "shm-e2e")}
}

func (c Cache) entryDir(system, key string) string {
	return filepath.Join(c.Dir, "images", system, key)
}

// Find returns the complete entry for these inputs, or nil when none was built.
func (c Cache) Find(in Inputs) (*Image, error) {
	dir := c.entryDir(in.System.Name, in.Key())
	var img Image
	found, err := cacheentry.Read(dir, &img)
	if !found || err != nil {
		return nil, err
	}
	img.Dir = dir
	return &img, nil
}

// commit writes the manifest into the finished build directory and renames it into
// place, so that an entry appears complete or not at all.
func (c Cache) commit(buildDir string, img *Image) error {
	final := c.entryDir(img.System, img.Key)
	if err := cacheentry.Commit(buildDir, final, img); err != nil {
		return err
	}
	img.Dir = final
	return nil
}
