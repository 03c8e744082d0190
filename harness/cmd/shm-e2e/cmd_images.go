package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
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
	spreadLinks := flags.Bool("spread-links", false,
		"link each bootable disk as ~/.spread/qemu/SYSTEM.img for real spread's qemu backend")
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
		img, err := buildSystem(ctx, tb, system, !*noBake)
		if err != nil {
			return err
		}
		if *spreadLinks {
			if err := linkForSpread(img); err != nil {
				return err
			}
		}
	}
	return nil
}

// linkForSpread makes the image's bootable disk what real spread's qemu backend boots
// for the system (it runs the file with -snapshot, so the cache entry stays as it is).
func linkForSpread(img *images.Image) error {
	home, err := os.UserHomeDir()
	if err != nil {
		return err
	}
	dir := filepath.Join(home, ".spread", "qemu")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	link := filepath.Join(dir, img.System+".img")
	os.Remove(link)
	if err := os.Symlink(img.Disk(), link); err != nil {
		return fmt.Errorf("cannot link %s for spread: %w", link, err)
	}
	progress.Printf("Linked %s -> %s", link, img.Disk())
	return nil
}

func buildSystem(ctx context.Context, tb *testbed.Testbed, system string,
	bake bool) (*images.Image, error) {
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
	return img, err
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
