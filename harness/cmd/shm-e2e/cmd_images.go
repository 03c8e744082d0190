package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os/signal"
	"strings"
	"syscall"

	"shm-e2e/harness/images"
	"shm-e2e/harness/progress"
)

func init() {
	register("images", "build the VM images and their ready states", runImages)
}

func errNoImage(system string) error {
	return fmt.Errorf("no image of %s is built: run 'shm-e2e images -system %s'", system, system)
}

func runImages(args []string) error {
	flags := flag.NewFlagSet("images", flag.ContinueOnError)
	systems := flags.String("system", strings.Join(images.SystemNames(), ","),
		"comma-separated systems to build")
	noBake := flags.Bool("no-bake", false, "do not boot the image to save a ready state")
	if err := flags.Parse(args); err != nil {
		return usageError{err}
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()

	h, err := newHost()
	if err != nil {
		return err
	}
	for _, system := range strings.Split(*systems, ",") {
		if err := buildSystem(ctx, h, system, !*noBake); err != nil {
			return err
		}
	}
	return nil
}

func buildSystem(ctx context.Context, h *host, system string, bake bool) error {
	img, err := h.image(ctx, system, true)
	if err != nil {
		return err
	}
	progress.Printf("Image %s: snapd %s, kernel %s, %s", system, img.Snapd, img.Kernel, img.Dir)
	if !bake {
		return nil
	}
	launcher, err := h.launcher(ctx, img)
	if err != nil {
		return err
	}
	return images.Bake(ctx, img, launcher)
}

// usageError marks bad command-line input: exit status 2 (0 for -h).
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }
func (e usageError) ExitCode() int {
	if errors.Is(e.err, flag.ErrHelp) {
		return 0
	}
	return 2
}
