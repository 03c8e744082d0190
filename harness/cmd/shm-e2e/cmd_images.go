package main

import (
	"context"
	"errors"
	"flag"
	"os/signal"
	"strings"
	"syscall"

	"shm-e2e/harness/images"
	"shm-e2e/harness/progress"
	"shm-e2e/harness/testbed"
)

func init() {
	register("images", "build the VM images and their ready states", runImages)
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

	tb, err := testbed.Open()
	if err != nil {
		return err
	}
	for _, system := range strings.Split(*systems, ",") {
		if err := buildSystem(ctx, tb, system, !*noBake); err != nil {
			return err
		}
	}
	return nil
}

func buildSystem(ctx context.Context, tb *testbed.Testbed, system string, bake bool) error {
	var img *images.Image
	var err error
	if bake {
		img, err = tb.BuildAndBake(ctx, system)
	} else {
		img, err = tb.Image(ctx, system, true)
	}
	if err == nil {
		progress.Printf("Image %s: snapd %s, kernel %s, %s", system, img.Snapd, img.Kernel,
			img.Dir)
	}
	return err
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
