package main

import (
	"context"
	"flag"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"

	"shm-e2e/harness/progress"
	"shm-e2e/harness/snapdbuild"
)

func init() {
	register("snapd", "build a patched snapd's packages for a system into .build/debs",
		runSnapd)
}

func runSnapd(args []string) error {
	flags := flag.NewFlagSet("snapd", flag.ContinueOnError)
	system := flags.String("system", "debian-12-64", "system to build snapd for")
	source := flags.String("source", "", "local snapd tree (default: Debian's source package)")
	patches := flags.String("patches", "snapd-patches", "directory of NNNN-name.patch files")
	flavor := flags.String("flavor", "patched", "flavour name: .build/debs/FLAVOR/SYSTEM")
	extra := flags.String("extra", "", "comma-separated patches applied after the series")
	if err := flags.Parse(args); err != nil {
		return usageError{err}
	}
	series, err := snapdbuild.Series(*patches)
	if err != nil {
		return usageError{err}
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()

	res, err := buildSnapdFlavor(ctx, snapdbuild.Options{System: *system, Source: *source,
		Patches: series, ExtraPatches: splitList(*extra), Flavor: *flavor})
	if err != nil {
		return err
	}
	progress.Printf("snapd %s for %s in %s: run with SHM_E2E_SNAPD=%s", res.Version, *system,
		debsDir(*flavor, *system), *flavor)
	return nil
}

// buildSnapdFlavor builds snapd's packages and puts them where spread uploads them
// from, for tests/lib/bin/install-snapd-flavor to install.
func buildSnapdFlavor(ctx context.Context, opts snapdbuild.Options) (*snapdbuild.Result,
	error) {
	res, err := snapdbuild.Build(ctx, opts)
	if err != nil {
		return nil, err
	}
	return res, snapdbuild.CopyDebs(res, debsDir(opts.Flavor, opts.System))
}

func debsDir(flavor, system string) string {
	return filepath.Join(".build", "debs", flavor, system)
}

func splitList(list string) []string {
	if list == "" {
		return nil
	}
	return strings.Split(list, ",")
}
