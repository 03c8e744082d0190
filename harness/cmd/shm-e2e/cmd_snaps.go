package main

import (
	"errors"
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
		return snapsUsageError{err}
	}
	if flags.NArg() > 0 {
		return snapsUsageError{fmt.Errorf("unexpected arguments: %q", flags.Args())}
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

// snapsUsageError makes a bad command line exit 2 (0 for -h), as main's exitCode
// expects. It is this file's own so that the command does not depend on another one.
type snapsUsageError struct{ err error }

func (e snapsUsageError) Error() string { return e.err.Error() }
func (e snapsUsageError) Unwrap() error { return e.err }

func (e snapsUsageError) ExitCode() int {
	if errors.Is(e.err, flag.ErrHelp) {
		return 0
	}
	return 2
}
