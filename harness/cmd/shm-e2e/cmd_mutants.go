package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
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
	system    string
	dir       string
	only      map[string]bool
	artifacts string
	parallel  int
}

// mutantRun is one snapd flavour's build and suite run.
type mutantRun struct {
	mutant       mutants.Mutant // zero for the baseline
	flavor       string
	build, suite time.Duration
	result       *runner.Result
	err          error
}

func parseMutants(args []string) (mutantsOptions, error) {
	flags := flag.NewFlagSet("mutants", flag.ContinueOnError)
	system := flags.String("system", "debian-12-64", "system to build and test mutants on")
	dir := flags.String("dir", "snapd-mutants", "the catalogue of mutant patches")
	only := flags.String("only", "", "comma-separated mutants to run (default all)")
	artifacts := flags.String("artifacts", "artifacts/mutants", "where logs go")
	parallel := flags.Int("parallel", 2, "suite runs at once (one VM each)")
	if err := flags.Parse(args); err != nil {
		return mutantsOptions{}, usageError{err}
	}
	opts := mutantsOptions{system: *system, dir: *dir, artifacts: *artifacts,
		parallel: max(*parallel, 1), only: map[string]bool{}}
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
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	if err := prepareSuite(ctx, []string{opts.system}, "qemu"); err != nil {
		return err
	}

	start := time.Now()
	baseline, runs := runAllMutants(ctx, opts, catalogue)
	if baseline.err != nil {
		return fmt.Errorf("cannot run the suite on the patched snapd: %w", baseline.err)
	}
	survivors := printMutants(opts, baseline, runs, time.Since(start))
	if survivors > 0 {
		return fmt.Errorf("%d mutants survived: the suite has gaps", survivors)
	}
	return nil
}

func selectMutants(opts mutantsOptions) ([]mutants.Mutant, error) {
	catalogue, err := mutants.Load(opts.dir)
	if err != nil {
		return nil, err
	}
	var picked []mutants.Mutant
	for _, m := range catalogue {
		if len(opts.only) == 0 || opts.only[m.Name] {
			picked = append(picked, m)
			delete(opts.only, m.Name)
		}
	}
	for name := range opts.only {
		return nil, fmt.Errorf("no mutant %q in %s", name, opts.dir)
	}
	return picked, nil
}

// runAllMutants builds the baseline and each mutant one after the other (they share one
// build tree) while the suite runs on what is built, several runs at once.
func runAllMutants(ctx context.Context, opts mutantsOptions,
	catalogue []mutants.Mutant) (*mutantRun, []*mutantRun) {
	built := make(chan *mutantRun)
	go func() {
		defer close(built)
		built <- buildFlavor(ctx, opts.system, mutants.Mutant{}, "patched")
		for _, m := range catalogue {
			built <- buildFlavor(ctx, opts.system, m, m.Flavor())
		}
	}()

	var wg sync.WaitGroup
	var all []*mutantRun
	slots := make(chan struct{}, opts.parallel)
	for run := range built {
		all = append(all, run)
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
	return all[0], all[1:]
}

func buildFlavor(ctx context.Context, system string, m mutants.Mutant,
	flavor string) *mutantRun {
	run := &mutantRun{mutant: m, flavor: flavor}
	series, err := snapdbuild.Series("snapd-patches")
	if err != nil {
		run.err = err
		return run
	}
	opts := snapdbuild.Options{System: system, Patches: series, Flavor: flavor}
	opts.ExtraPatches = m.Patches // the build keeps the variant for its snapd
	start := time.Now()
	_, run.err = buildSnapdFlavor(ctx, opts)
	run.build = time.Since(start)
	return run
}

// suiteRun runs the whole suite on the flavour, then removes its packages so that
// later machines do not upload them.
func suiteRun(ctx context.Context, opts mutantsOptions, run *mutantRun) {
	progress.Printf("Running the suite on %s with snapd %s", opts.system, run.flavor)
	start := time.Now()
	run.result, run.err = runner.Run(ctx, runner.Options{
		Selectors: []string{"qemu-local:" + opts.system + ":tests/main/"},
		Artifacts: filepath.Join(opts.artifacts, run.flavor),
		HostEnv:   []string{"SHM_E2E_SNAPD=" + run.flavor}})
	run.suite = time.Since(start)
	if run.result != nil {
		run.err = nil // failed tasks are the point; only a run that did not happen is an error
	}
	if run.mutant.Name != "" {
		os.RemoveAll(debsDir(run.flavor, opts.system))
	}
}

// printMutants prints the table and returns how many mutants survived (or could not be
// judged, which counts the same: nothing showed the suite catches them).
func printMutants(opts mutantsOptions, baseline *mutantRun, runs []*mutantRun,
	took time.Duration) int {
	survivors := 0
	tw := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "\nmutant\tverdict\tbuild\tsuite\tkilled by (%s)\n", opts.system)
	for _, run := range runs {
		verdict, detail := judgeMutant(baseline, run)
		if verdict != "killed" {
			survivors++
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", run.mutant.Name, verdict,
			run.build.Round(time.Second), run.suite.Round(time.Second), detail)
	}
	tw.Flush()
	fmt.Println()
	for _, run := range runs {
		fmt.Printf("%s: breaks %s\n", run.mutant.Name, run.mutant.Breaks)
	}
	fmt.Printf("baseline (patched): build %s, suite %s; total %s\n",
		baseline.build.Round(time.Second), baseline.suite.Round(time.Second),
		took.Round(time.Second))
	return survivors
}

func judgeMutant(baseline, run *mutantRun) (verdict, detail string) {
	if run.err != nil {
		return "not judged", run.err.Error()
	}
	killers := mutants.Killers(baseline.result, run.result)
	if len(killers) == 0 {
		return "SURVIVED", "no task failed"
	}
	return "killed", strings.Join(killers, ", ")
}
