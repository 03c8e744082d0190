package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"shm-e2e/harness/images"
	"shm-e2e/harness/lxd"
	"shm-e2e/harness/testbed"
)

func init() {
	register("lxd", "LXD containers: images, allocate, discard, machines, cleanup "+
		"(the lxd-local backend)", runLXD)
}

// lxdSuffix marks a spread system as a container of the VM system it is named after.
const lxdSuffix = "-lxd"

// vmSystem returns the image system of a spread system name (debian-12-64-lxd).
func vmSystem(system string) string { return strings.TrimSuffix(system, lxdSuffix) }

var lxdCommands = map[string]func(ctx context.Context, h lxdHost, args []string) error{
	"images":   lxdImages,
	"allocate": lxdAllocate,
	"discard":  lxdDiscard,
	"machines": lxdMachines,
	"cleanup":  lxdCleanup,
}

type lxdHost struct {
	lxd.Host
	tb *testbed.Testbed
}

func runLXD(args []string) error {
	if len(args) == 0 || lxdCommands[args[0]] == nil {
		return usageError{fmt.Errorf(
			"usage: shm-e2e lxd images|allocate SYSTEM|discard ADDRESS|machines|cleanup")}
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	tb, err := testbed.Open()
	if err != nil {
		return err
	}
	h := lxdHost{Host: lxd.NewHost(tb.Cache, tb.Key), tb: tb}
	return lxdCommands[args[0]](ctx, h, args[1:])
}

// containerImage returns the system's container image, building the VM image and the
// container image when build is set.
func (h lxdHost) containerImage(ctx context.Context, system string, build bool) (
	*lxd.ContainerImage, error) {
	sys, err := images.Lookup(vmSystem(system))
	if err != nil {
		return nil, err
	}
	img, err := h.tb.Image(ctx, sys.Name, build)
	if err != nil {
		return nil, err
	}
	in := lxd.NewImageInputs(img, sys)
	if build {
		return h.BuildImage(ctx, img, h.tb.Cache, in)
	}
	c, err := h.FindImage(in)
	if err == nil && c == nil {
		err = fmt.Errorf("no container image of %s is built: run 'shm-e2e lxd images "+
			"-system %s'", sys.Name, sys.Name)
	}
	return c, err
}

func lxdImages(ctx context.Context, h lxdHost, args []string) error {
	flags := flag.NewFlagSet("lxd images", flag.ContinueOnError)
	systems := flags.String("system", strings.Join(images.SystemNames(), ","),
		"comma-separated systems")
	if err := flags.Parse(args); err != nil {
		return usageError{err}
	}
	for _, system := range strings.Split(*systems, ",") {
		c, err := h.containerImage(ctx, system, true)
		if err != nil {
			return err
		}
		fmt.Printf("%s\t%s\n", c.Alias, c.Dir)
	}
	return nil
}

// lxdAllocate speaks spread's adhoc protocol, like the VM allocate: its output is for
// eval in the backend's allocate script.
func lxdAllocate(ctx context.Context, h lxdHost, args []string) error {
	if len(args) != 1 {
		return usageError{fmt.Errorf("usage: shm-e2e lxd allocate SYSTEM")}
	}
	m, err := h.allocate(ctx, args[0])
	if err != nil {
		fmt.Printf("FATAL %q\n", err.Error())
		return err
	}
	fmt.Printf("ADDRESS %s\n", m.Address())
	return nil
}

func (h lxdHost) allocate(ctx context.Context, system string) (*lxd.Machine, error) {
	c, err := h.containerImage(ctx, system, false)
	if err != nil {
		return nil, err
	}
	if _, err := h.EnsureDaemon(ctx); err != nil {
		return nil, err
	}
	if err := h.ImportImage(ctx, c); err != nil {
		return nil, err
	}
	return h.Allocate(ctx, vmSystem(system), c.Alias)
}

func lxdDiscard(ctx context.Context, h lxdHost, args []string) error {
	if len(args) != 1 {
		return usageError{fmt.Errorf("usage: shm-e2e lxd discard ADDRESS")}
	}
	return h.Discard(ctx, args[0])
}

func lxdMachines(ctx context.Context, h lxdHost, args []string) error {
	for _, m := range h.Machines() {
		fmt.Printf("%s\t%s\t%s\n", m.Address(), m.System, m.Name)
	}
	return nil
}

func lxdCleanup(ctx context.Context, h lxdHost, args []string) error {
	return h.Cleanup(ctx)
}

// backendSelector is the spread backend:system of a system on the e2e backend.
func backendSelector(backend, system string) string {
	if backend == "lxd" {
		return "lxd-local:" + system + lxdSuffix
	}
	return "qemu-local:" + system
}

// lxdPrepare builds each system's VM image (no ready state: containers do not boot
// it) and container image, and starts LXD.
func lxdPrepare(ctx context.Context, tb *testbed.Testbed, systems []string) error {
	h := lxdHost{Host: lxd.NewHost(tb.Cache, tb.Key), tb: tb}
	for _, system := range systems {
		if _, err := h.containerImage(ctx, system, true); err != nil {
			return err
		}
	}
	_, err := h.EnsureDaemon(ctx)
	return err
}

// lxdCleanupAfterRun removes the run's containers, imported images and storage.
func lxdCleanupAfterRun() {
	tb, err := testbed.Open()
	if err == nil {
		err = lxd.NewHost(tb.Cache, tb.Key).Cleanup(context.Background())
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "shm-e2e e2e: %v\n", err)
	}
}
