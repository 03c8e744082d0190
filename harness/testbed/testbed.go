// Package testbed is this host's set of images and the launcher for their VMs: what
// the commands and the VM integration tests share to find, build and start machines.
package testbed

import (
	"context"
	"fmt"
	"path/filepath"
	"time"

	"shm-e2e/harness/images"
	"shm-e2e/harness/vms"
)

// Testbed holds the cache, the SSH key the images authorize and the Debian mirror.
type Testbed struct {
	Cache  images.Cache
	Key    string // SSH private key
	pubKey string
	mirror string
}

// Open finds the cache, creating the SSH key on first use.
func Open() (*Testbed, error) {
	cache := images.DefaultCache()
	key, pub, err := vms.EnsureKey(filepath.Join(cache.Dir, "ssh"))
	if err != nil {
		return nil, err
	}
	mirror, err := images.DefaultMirror()
	if err != nil {
		return nil, err
	}
	return &Testbed{Cache: cache, Key: key, pubKey: pub, mirror: mirror}, nil
}

// Inputs is everything an image of the system is built from.
func (tb *Testbed) Inputs(sys images.System) images.Inputs {
	return images.Inputs{System: sys, Mirror: tb.mirror, Packages: images.Packages,
		SSHPubKey: tb.pubKey}
}

// Image returns the system's image, building it when build is set.
func (tb *Testbed) Image(ctx context.Context, system string, build bool) (*images.Image, error) {
	sys, err := images.Lookup(system)
	if err != nil {
		return nil, err
	}
	if build {
		return images.Builder{Cache: tb.Cache}.Build(ctx, tb.Inputs(sys))
	}
	img, err := tb.Cache.Find(tb.Inputs(sys))
	if err == nil && img == nil {
		err = fmt.Errorf("no image of %s is built: run 'shm-e2e images -system %s'",
			system, system)
	}
	return img, err
}

// Launcher returns a launcher for the image's machines, with the accelerator this host
// really supports.
func (tb *Testbed) Launcher(ctx context.Context, img *images.Image) (vms.Launcher, error) {
	accel, err := vms.DetectAccel(ctx, img.KernelFile(), filepath.Join(tb.Cache.Dir, "state"))
	if err != nil {
		return vms.Launcher{}, err
	}
	launcher := tb.StopOnlyLauncher()
	launcher.Accel = accel
	launcher.BootTimeout = 5 * time.Minute
	if accel == vms.KVM {
		launcher.BootTimeout = 2 * time.Minute
	}
	return launcher, nil
}

// StopOnlyLauncher can find, list and stop machines, but not start them: it has no
// accelerator, whose probe would cost a discard seconds.
func (tb *Testbed) StopOnlyLauncher() vms.Launcher {
	return vms.Launcher{Dir: filepath.Join(tb.Cache.Dir, "machines"),
		LogDir: filepath.Join(tb.Cache.Dir, "logs"), Key: tb.Key}
}

// Allocate starts a machine of the system from its ready state, or boots one when no
// state was saved under this host's accelerator.
func (tb *Testbed) Allocate(ctx context.Context, system string) (*vms.Machine, error) {
	img, err := tb.Image(ctx, system, false)
	if err != nil {
		return nil, err
	}
	launcher, err := tb.Launcher(ctx, img)
	if err != nil {
		return nil, err
	}
	spec, ready := img.ReadySpec(launcher.Accel)
	if !ready {
		spec = img.Spec()
	}
	return launcher.Start(ctx, spec)
}

// BuildAndBake builds the system's image and saves its ready state.
func (tb *Testbed) BuildAndBake(ctx context.Context, system string) (*images.Image, error) {
	img, err := tb.Image(ctx, system, true)
	if err != nil {
		return nil, err
	}
	launcher, err := tb.Launcher(ctx, img)
	if err != nil {
		return nil, err
	}
	return img, images.Bake(ctx, img, launcher)
}
