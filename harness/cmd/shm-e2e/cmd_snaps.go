package main

import (
	"flag"
	"fmt"
	"os"

	"shm-e2e/harness/snaps"
)

func init() {
	register("snaps", "build the probe and the test snaps into .build/snaps", runSnaps)
}

func runSnaps(args []string) error {
	flags := flag.NewFlagSet("snaps", flag.ContinueOnError)
	var opts snaps.Options
	flags.StringVar(&opts.OutDir, "out", "", "where .snap files go (default .build/snaps)")
	flags.StringVar(&opts.SrcDir, "src", "", "snap sources (default test-snaps)")
	if err := flags.Parse(args); err != nil {
		return usageError{err}
	}
	if flags.NArg() > 0 {
		return usageError{fmt.Errorf("unexpected arguments: %q", flags.Args())}
	}

	built, err := snaps.BuildAll(opts)
	if err != nil {
		return err
	}
	for _, b := range built {
		fmt.Fprintln(os.Stdout, b.Path)
	}
	return nil
}
