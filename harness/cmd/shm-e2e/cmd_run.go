package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"shm-e2e/harness/runner"
)

func init() {
	register("run", "run the spread suite (spread's flags and selectors)", runSpread)
}

// exitError carries the status main exits with: 1 when tasks failed, 2 on bad input.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) ExitCode() int { return e.code }

func runSpread(args []string) error {
	opts, list, err := parseRunFlags(args)
	if err != nil {
		return &exitError{2, err}
	}
	if list {
		return listJobs(opts)
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	result, err := runner.Run(ctx, opts)
	var bad *runner.InputError
	switch {
	case errors.As(err, &bad):
		return &exitError{2, err}
	case err != nil:
		return &exitError{1, err}
	case !result.Success():
		return &exitError{1, fmt.Errorf("unsuccessful run")}
	}
	return nil
}

func parseRunFlags(args []string) (runner.Options, bool, error) {
	var opts runner.Options
	flags := flag.NewFlagSet("run", flag.ContinueOnError)
	flags.SetOutput(io.Discard)
	list := flags.Bool("list", false, "list the selected jobs, one a line, and exit")
	flags.BoolVar(&opts.Verbose, "v", false, "show the output of every script")
	flags.BoolVar(&opts.Debug, "debug", false, "open a shell on the machine after a failure")
	flags.BoolVar(&opts.Shell, "shell", false, "open a shell instead of executing each task")
	flags.BoolVar(&opts.Reuse, "reuse", false, "keep machines and reuse kept ones")
	flags.BoolVar(&opts.Discard, "discard", false, "discard machines kept with -reuse")
	flags.BoolVar(&opts.Abend, "abend", false, "stop at the first failure without restoring")
	flags.IntVar(&opts.Repeat, "repeat", 0, "run each task this many extra times")
	flags.StringVar(&opts.Artifacts, "artifacts", "", "directory for logs and junit.xml")
	flags.StringVar(&opts.SSHKey, "ssh-key", runner.DefaultSSHKey(), "private key for the machines")
	flags.StringVar(&opts.ProjectDir, "project", ".", "directory holding spread.yaml")
	if err := flags.Parse(args); err != nil {
		flags.SetOutput(os.Stderr)
		flags.PrintDefaults()
		return opts, false, fmt.Errorf("cannot parse arguments: %v", err)
	}
	opts.Selectors = flags.Args()
	return opts, *list, nil
}

func listJobs(opts runner.Options) error {
	names, warnings, err := runner.List(opts)
	if err != nil {
		return &exitError{2, err}
	}
	for _, warning := range warnings {
		fmt.Fprintf(os.Stderr, "WARNING: %s\n", warning)
	}
	for _, name := range names {
		fmt.Println(name)
	}
	return nil
}
