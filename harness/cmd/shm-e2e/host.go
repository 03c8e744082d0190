package main

import (
	"context"
	"path/filepath"
	"time"

	"shm-e2e/harness/images"
	"shm-e2e/harness/vms"
)

// host is this machine's cache of images and the launcher for their VMs.
type host struct {
	cache  images.Cache
	key    string // SSH private key
	pubKey string
	mirror string
}

func newHost() (*host, error) {
	cache := images.DefaultCache()
	key, pub, err := vms.EnsureKey(filepath.Join(cache.Dir, "ssh"))
	if err != nil {
		return nil, err
	}
	mirror, err := images.DefaultMirror()
	if err != nil {
		return nil, err
	}
	return &host{cache: cache, key: key, pubKey: pub, mirror: mirror}, nil
}

func (h *host) inputs(sys images.System) images.Inputs {
	return images.Inputs{System: sys, Mirror: h.mirror, Packages: images.Packages,
		SSHPubKey: h.pubKey}
}

// image returns the system's image, building it when build is set.
func (h *host) image(ctx context.Context, system string, build bool) (*images.Image, error) {
	sys, err := images.Lookup(system)
	if err != nil {
		return nil, err
	}
	if build {
		return images.Builder{Cache: h.cache}.Build(ctx, h.inputs(sys))
	}
	img, err := h.cache.Find(h.inputs(sys))
	if err == nil && img == nil {
		err = errNoImage(system)
	}
	return img, err
}

func (h *host) launcher(ctx context.Context, img *images.Image) (vms.Launcher, error) {
	state := filepath.Join(h.cache.Dir, "state")
	accel, err := vms.DetectAccel(ctx, img.KernelFile(), state)
	if err != nil {
		return vms.Launcher{}, err
	}
	timeout := 5 * time.Minute
	if accel == vms.KVM {
		timeout = 2 * time.Minute
	}
	launcher := vmsLauncher(h)
	launcher.Accel = accel
	launcher.BootTimeout = timeout
	return launcher, nil
}

// vmsLauncher is the launcher without an accelerator: enough to find and stop machines.
func vmsLauncher(h *host) vms.Launcher {
	return vms.Launcher{Dir: filepath.Join(h.cache.Dir, "machines"),
		LogDir: filepath.Join(h.cache.Dir, "logs"), Key: h.key}
}
