package main

import (
	"context"
	"flag"
	"fmt"
	"maps"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"text/tabwriter"
	"time"

	"shm-e2e/harness/mutants"
	"shm-e2e/harness/progress"
	"shm-e2e/harness/runner"
	"shm-e2e/harness/snapdbuild"
)

func init() {
	register("mutants", "run the suite against each broken snapd of snapd-mutants/; "+
		"fail if one survives", runMutants)
}

type mutantsOptions struct {
	catalogue []mutants.Mutant // the mutants picked to run
	systems   []string
	dir       string
	only      map[string]bool
	artifacts string
	parallel  int
}

// mutantRun is one snapd flavour's build and suite run on one system.
type mutantRun struct {
	system       string
	mutant       mutants.Mutant // zero for the baseline
	flavor       string
	build, suite time.Duration
	result       *runner.Result
	err          error
}

func parseMutants(args []string) (mutantsOptions, error) {
	flags := flag.NewFlagSet("mutants", flag.ContinueOnError)
	systems := flags.String("system", "debian-12-64,debian-13-64",
		"comma-separated systems to build and test mutants on")
	dir := flags.String("dir", "snapd-mutants", "the catalogue of mutant patches")
	only := flags.String("only", "", "comma-separated mutants to run (default all)")
	artifacts := flags.String("artifacts", "artifacts/mutants", "where logs go")
	parallel := flags.Int("parallel", 2, "suite runs at once (one VM each)")
	if err := flags.Parse(args); err != nil {
		return mutantsOptions{}, usageError{err}
	}
	opts := mutantsOptions{systems: splitList(*systems), dir: *dir, artifacts: *artifacts,
		parallel: max(*parallel, 1), only: map[string]bool{}}
	if len(opts.systems) == 0 {
		return opts, usageError{fmt.Errorf("no system given")}
	}
	for _, name := range strings.Split(*only, ",") {
		if name != "" {
			opts.only[name] = true
		}
	}
	return opts, nil
}

func runMutants(args []string) error {
	opts, err := parseMutants(args)
	if err != nil {
		return err
	}
	catalogue, err := selectMutants(opts)
	if err != nil {
		return usageError{err}
	}
	opts.catalogue = catalogue
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	if err := prepareSuite(ctx, opts.systems, "qemu"); err != nil {
		return err
	}

	start := time.Now()
	baselines, runs := runAllMutants(ctx, opts, catalogue)
	survivors := printMutants(baselines, runs, time.Since(start))
	if ctx.Err() != nil {
		return fmt.Errorf("interrupted: the table above is partial")
	}
	for _, system := range opts.systems {
		if err := baselines[system].err; err != nil {
			return fmt.Errorf("cannot run the suite on the patched snapd of %s: %w", system,
				err)
		}
	}
	if survivors > 0 {
		return fmt.Errorf("%d mutant runs survived or could not be judged: the suite has "+
			"gaps", survivors)
	}
	return nil
}

func selectMutants(opts mutantsOptions) ([]mutants.Mutant, error) {
	catalogue, err := mutants.Load(opts.dir)
	if err != nil {
		return nil, err
	}
	var picked []mutants.Mutant
	unknown := maps.Clone(opts.only)
	for _, m := range catalogue {
		if len(opts.only) == 0 || opts.only[m.Name] {
			picked = append(picked, m)
			delete(unknown, m.Name)
		}
	}
	for name := range unknown {
		return nil, fmt.Errorf("no mutant %q in %s", name, opts.dir)
	}
	return picked, nil
}

// runAllMutants builds the baselines, then each mutant system by system in turn (builds
// of one system share one build tree, so they run one after the other), while the
// suite runs on what is built, several runs at once.
func runAllMutants(ctx context.Context, opts mutantsOptions,
	catalogue []mutants.Mutant) (map[string]*mutantRun, []*mutantRun) {
	built := make(chan *mutantRun)
	go func() {
		defer close(built)
		brokenBaseline := map[string]error{}
		for _, system := range opts.systems {
			run := buildFlavor(ctx, system, mutants.Mutant{}, "patched")
			brokenBaseline[system] = run.err
			built <- run
		}
		for _, m := range catalogue {
			for _, system := range opts.systems {
				if err := brokenBaseline[system]; err != nil {
					// Without a baseline no failure proves a kill: not worth a build.
					built <- &mutantRun{system: system, mutant: m, flavor: m.Flavor(),
						err: fmt.Errorf("the patched snapd did not build: %w", err)}
					continue
				}
				built <- buildFlavor(ctx, system, m, m.Flavor())
			}
		}
	}()

	var wg sync.WaitGroup
	baselines := map[string]*mutantRun{}
	var runs []*mutantRun
	slots := make(chan struct{}, opts.parallel)
	for run := range built {
		if run.mutant.Name == "" {
			baselines[run.system] = run
		} else {
			runs = append(runs, run)
		}
		if run.err != nil {
			continue
		}
		wg.Add(1)
		slots <- struct{}{}
		go func(run *mutantRun) {
			defer wg.Done()
			defer func() { <-slots }()
			suiteRun(ctx, opts, run)
		}(run)
	}
	wg.Wait()
	return baselines, runs
}

func buildFlavor(ctx context.Context, system string, m mutants.Mutant,
	flavor string) *mutantRun {
	run := &mutantRun{system: system, mutant: m, flavor: flavor}
	series, err := snapdbuild.Series("snapd-patches")
	if err != nil {
		run.err = err
		return run
	}
	opts := snapdbuild.Options{System: system, Patches: series, Flavor: flavor,
		ExtraPatches: m.Patches, ExtraAreVariants: true}
	start := time.Now()
	_, run.err = buildSnapdFlavor(ctx, opts)
	run.build = time.Since(start)
	return run
}

// suiteRun runs the whole suite on the flavour, then removes its packages so that
// later machines do not upload them.
func suiteRun(ctx context.Context, opts mutantsOptions, run *mutantRun) {
	progress.Printf("Running the suite on %s with snapd %s", run.system, run.flavor)
	start := time.Now()
	result, err := runner.Run(ctx, runner.Options{
		Selectors: []string{"qemu-local:" + run.system + ":tests/main/"},
		Artifacts: filepath.Join(opts.artifacts, run.system, run.flavor),
		HostEnv:   []string{"SHM_E2E_SNAPD=" + run.flavor},
		Exclude:   otherDebs(opts, run)})
	run.suite = time.Since(start)
	recordSuite(ctx, run, result, err)
	if run.mutant.Name != "" {
		os.RemoveAll(debsDir(run.flavor, run.system))
	}
}

// recordSuite keeps a run's result. Failed tasks are the point; an error is a run that
// did not happen, and an interrupted run is one too: its aborted jobs would otherwise
// read as kills.
func recordSuite(ctx context.Context, run *mutantRun, result *runner.Result, err error) {
	switch {
	case ctx.Err() != nil:
		run.result, run.err = nil, fmt.Errorf("interrupted: %w", ctx.Err())
	case result != nil:
		run.result, run.err = result, nil
	default:
		run.result, run.err = nil, err
	}
}

// otherDebs lists the package directories of every other flavour and system: builds
// write them while this run packs the project (tar fails on a file that grows as it
// reads), and this run's machine needs none of them.
func otherDebs(opts mutantsOptions, run *mutantRun) []string {
	flavors := []string{"patched"}
	for _, m := range opts.catalogue {
		flavors = append(flavors, m.Flavor())
	}
	var dirs []string
	for _, flavor := range flavors {
		for _, system := range opts.systems {
			if flavor != run.flavor || system != run.system {
				dirs = append(dirs, debsDir(flavor, system))
			}
		}
	}
	return dirs
}

// printMutants prints the table, a row per mutant and system, and returns how many
// runs survived (or could not be judged, which counts the same: nothing showed the
// suite catches them).
func printMutants(baselines map[string]*mutantRun, runs []*mutantRun,
	took time.Duration) int {
	survivors := 0
	tw := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "\nmutant\tsystem\tverdict\tbuild\tsuite\tkilled by\n")
	last := ""
	for _, run := range runs {
		verdict, detail := judgeMutant(baselines[run.system], run)
		if verdict != "killed" {
			survivors++
		}
		name := run.mutant.Name
		if name == last {
			name = ""
		}
		last = run.mutant.Name
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", name, run.system, verdict,
			run.build.Round(time.Second), run.suite.Round(time.Second), detail)
	}
	tw.Flush()
	fmt.Println()
	last = ""
	for _, run := range runs {
		if run.mutant.Name != last {
			fmt.Printf("%s: breaks %s\n", run.mutant.Name, run.mutant.Breaks)
		}
		last = run.mutant.Name
	}
	for _, system := range slices.Sorted(maps.Keys(baselines)) {
		baseline := baselines[system]
		fmt.Printf("baseline (patched) on %s: build %s, suite %s\n", system,
			baseline.build.Round(time.Second), baseline.suite.Round(time.Second))
	}
	fmt.Printf("total %s\n", took.Round(time.Second))
	return survivors
}

func judgeMutant(baseline, run *mutantRun) (verdict, detail string) {
	if run.err != nil {
		return "not judged", run.err.Error()
	}
	if baseline == nil || baseline.result == nil {
		return "not judged", "no baseline run on " + run.system
	}
	killers := mutants.Killers(baseline.result, run.result)
	if len(killers) == 0 {
		return "SURVIVED", "no task failed"
	}
	return "killed", strings.Join(killers, ", ")
}
