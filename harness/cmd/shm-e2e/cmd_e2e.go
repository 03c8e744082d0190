package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"shm-e2e/harness/images"
	"shm-e2e/harness/progress"
	"shm-e2e/harness/report"
	"shm-e2e/harness/runner"
	"shm-e2e/harness/snapdbuild"
	"shm-e2e/harness/snaps"
	"shm-e2e/harness/testbed"
)

func init() {
	register("e2e", "build what the suite needs, run it in VMs and print the report", runE2E)
}

// e2eOptions are the e2e command's flags.
type e2eOptions struct {
	systems   []string
	flavors   []string
	gate      bool
	artifacts string
	gaps      string
	tasks     []string
	backend   string // qemu (VMs) or lxd (containers)
}

func parseE2E(args []string) (e2eOptions, error) {
	flags := flag.NewFlagSet("e2e", flag.ContinueOnError)
	systems := flags.String("system", strings.Join(images.SystemNames(), ","),
		"comma-separated systems")
	flavors := flags.String("snapd", "stock",
		"comma-separated snapd flavours: stock, or one built by 'shm-e2e snapd' (patched)")
	gate := flags.Bool("gate", false,
		"release gate: fail only on failures not in the known gaps, or gaps that now pass")
	artifacts := flags.String("artifacts", "artifacts", "where logs and the report go")
	gaps := flags.String("gaps", "tests/known-gaps.yaml", "known gaps file")
	backend := flags.String("backend", "qemu",
		"qemu (VMs) or lxd (containers: fast, no AppArmor; what needs it is N/A)")
	if err := flags.Parse(args); err != nil {
		return e2eOptions{}, usageError{err}
	}
	if *backend != "qemu" && *backend != "lxd" {
		return e2eOptions{}, usageError{fmt.Errorf("unknown -backend %q (qemu or lxd)",
			*backend)}
	}
	tasks := flags.Args()
	if len(tasks) == 0 {
		tasks = []string{"tests/main/"}
	}
	for _, task := range tasks {
		if strings.Contains(task, ":") && !strings.HasPrefix(task, "tests/") {
			return e2eOptions{}, usageError{fmt.Errorf(
				"e2e takes task selectors (tests/main/NAME); pick systems with -system: %q",
				task)}
		}
	}
	return e2eOptions{systems: strings.Split(*systems, ","), flavors: strings.Split(*flavors, ","),
		gate: *gate, artifacts: *artifacts, gaps: *gaps, tasks: tasks, backend: *backend}, nil
}

func runE2E(args []string) error {
	opts, err := parseE2E(args)
	if err != nil {
		return err
	}
	gaps, err := report.LoadGaps(opts.gaps)
	if err != nil {
		return usageError{err}
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()

	start := time.Now()
	if err := prepareSuite(ctx, opts.systems, opts.backend); err != nil {
		return err
	}
	buildFlavors(ctx, opts)
	if opts.backend == "lxd" {
		// Containers, imported images and storage go when the run ends, whatever
		// happened; the container images stay cached.
		defer lxdCleanupAfterRun()
	}
	runs, err := runFlavors(ctx, opts)
	if err != nil {
		return err
	}
	rep := report.Build(runs, gaps)
	return finishReport(rep, runs, opts, time.Since(start))
}

// prepareSuite builds what the machines need: test snaps, the checks binary, and each
// system's image with its ready state.
func prepareSuite(ctx context.Context, systems []string, backend string) error {
	if _, err := snaps.BuildAll(snaps.Options{}); err != nil {
		return err
	}
	if err := buildChecks(ctx); err != nil {
		return err
	}
	tb, err := testbed.Open()
	if err != nil {
		return err
	}
	if backend == "lxd" {
		return lxdPrepare(ctx, tb, systems)
	}
	for _, system := range systems {
		if _, err := buildSystem(ctx, tb, system, true); err != nil {
			return err
		}
	}
	return nil
}

// buildFlavors builds the packages of every flavour but stock for each system. A
// system that cannot have one (no source for it) is reported here and again by the
// run, whose project prepare then fails for that column: the other columns still run.
func buildFlavors(ctx context.Context, opts e2eOptions) {
	for _, flavor := range opts.flavors {
		if flavor == "stock" {
			continue
		}
		for _, system := range opts.systems {
			if err := buildFlavorDebs(ctx, system, flavor); err != nil {
				progress.Printf("No %s snapd for %s: %v", flavor, system, err)
			}
		}
	}
}

// buildFlavorDebs builds the patch series (the "patched" flavour; mutants are the
// mutants command's) and puts the packages where spread uploads them from.
func buildFlavorDebs(ctx context.Context, system, flavor string) error {
	if flavor != "patched" {
		return fmt.Errorf("only the patched flavour is built here; build %s with "+
			"'shm-e2e snapd -flavor %s'", flavor, flavor)
	}
	series, err := snapdbuild.Series("snapd-patches")
	if err != nil {
		return err
	}
	_, err = buildSnapdFlavor(ctx, snapdbuild.Options{System: system, Patches: series,
		Flavor: flavor})
	return err
}

// buildChecks compiles harness/checks into the test binary the tasks run in the VMs.
// It is static (no cgo) so that it runs on every system's libc.
func buildChecks(ctx context.Context) error {
	done := progress.Step("Building the checks binary")
	// Built aside and renamed, so that a run uploading .build never sends half a file.
	const binary = ".build/checks.test"
	cmd := exec.CommandContext(ctx, "go", "test", "-c", "-tags", "vmchecks",
		"-o", binary+".tmp", "./harness/checks")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	out, err := cmd.CombinedOutput()
	if err != nil {
		err = fmt.Errorf("cannot build harness/checks: %v\n%s", err, out)
	} else {
		err = os.Rename(binary+".tmp", binary)
	}
	done(err)
	return err
}

// runFlavors runs the suite once per snapd flavour; spread.yaml's project prepare
// installs the flavour named by SHM_E2E_SNAPD.
func runFlavors(ctx context.Context, opts e2eOptions) (map[string]*runner.Result, error) {
	runs := map[string]*runner.Result{}
	for _, flavor := range opts.flavors {
		var selectors []string
		for _, system := range opts.systems {
			for _, task := range opts.tasks {
				selectors = append(selectors, backendSelector(opts.backend, system)+":"+task)
			}
		}
		progress.Printf("Running the suite on %s with %s snapd",
			strings.Join(opts.systems, " and "), flavor)
		result, err := runner.Run(ctx, runner.Options{Selectors: selectors,
			Artifacts: filepath.Join(opts.artifacts, flavor),
			HostEnv:   []string{"SHM_E2E_SNAPD=" + flavor}})
		if result == nil {
			return nil, err
		}
		runs[flavor] = result
	}
	return runs, nil
}

func finishReport(rep *report.Report, runs map[string]*runner.Result, opts e2eOptions,
	took time.Duration) error {
	var sb strings.Builder
	rep.WriteTable(&sb)
	sb.WriteString("\n")
	rep.WriteFailures(&sb)
	writeTimes(&sb, runs)
	fmt.Fprintf(&sb, "total wall time: %s\n", took.Round(time.Second))
	fmt.Print("\n" + sb.String())
	file := filepath.Join(opts.artifacts, "report.txt")
	if err := os.WriteFile(file, []byte(sb.String()), 0o644); err != nil {
		return err
	}
	progress.Printf("Report written to %s", file)

	if opts.gate {
		if unexpected := rep.Unexpected(); len(unexpected) > 0 {
			return fmt.Errorf("release gate: %d unexpected results:\n  %s", len(unexpected),
				strings.Join(unexpected, "\n  "))
		}
		return nil
	}
	if rep.Failed() {
		return fmt.Errorf("some behaviours failed (see the table above)")
	}
	return nil
}

// writeTimes prints the time each system spent in its jobs: systems run side by side,
// so this is each one's wall time less allocation.
func writeTimes(sb *strings.Builder, runs map[string]*runner.Result) {
	for flavor, result := range runs {
		perSystem := map[string]time.Duration{}
		for _, job := range result.Jobs {
			perSystem[job.System] += job.Duration
		}
		for system, d := range perSystem {
			fmt.Fprintf(sb, "%s %s: %s in tasks\n", system, flavor, d.Round(time.Second))
		}
	}
}
