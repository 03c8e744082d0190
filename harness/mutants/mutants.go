// Package mutants holds the catalogue of broken snapds the suite must catch. A mutant is
// one small patch to snapd's source, applied on top of our patch series, that breaks
// private shared memory the way a real regression could. The suite kills a mutant when
// a task that passes on the unbroken (patched) snapd fails on the mutant; a mutant that
// no task kills is a gap in the suite.
package mutants

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"shm-e2e/harness/runner"
)

// Mutant is one patch of the catalogue.
type Mutant struct {
	Name   string // the patch's file name without .patch
	Breaks string // what behaviour it breaks, from the patch's "Breaks:" line
	Patch  string // path of the patch file
}

// Flavor names the mutant's snapd build and its packages' directory.
func (m Mutant) Flavor() string { return "mutant-" + m.Name }

// Load reads the catalogue: every *.patch in dir, each starting with a "Breaks:" line.
func Load(dir string) ([]Mutant, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.patch"))
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("cannot load mutants: no *.patch in %s", dir)
	}
	sort.Strings(files)
	var catalogue []Mutant
	for _, file := range files {
		breaks, err := readBreaks(file)
		if err != nil {
			return nil, err
		}
		name := strings.TrimSuffix(filepath.Base(file), ".patch")
		catalogue = append(catalogue, Mutant{Name: name, Breaks: breaks, Patch: file})
	}
	return catalogue, nil
}

func readBreaks(file string) (string, error) {
	f, err := os.Open(file)
	if err != nil {
		return "", fmt.Errorf("cannot load mutant: %w", err)
	}
	defer f.Close()
	scanner := bufio.NewScanner(f)
	if scanner.Scan() {
		if breaks, ok := strings.CutPrefix(scanner.Text(), "Breaks: "); ok && breaks != "" {
			return breaks, nil
		}
	}
	return "", fmt.Errorf("cannot load mutant %s:1: want a first line \"Breaks: <what it breaks>\"",
		file)
}

// Killers lists the jobs that passed on the baseline and did not pass on the mutant:
// the tasks that caught it. A job that already failed on the baseline proves nothing.
func Killers(baseline, mutant *runner.Result) []string {
	passed := map[string]bool{}
	for _, job := range baseline.Jobs {
		if job.Status == runner.Passed {
			passed[job.Name] = true
		}
	}
	var killers []string
	for _, job := range mutant.Jobs {
		if passed[job.Name] && job.Status != runner.Passed {
			killers = append(killers, taskOf(job))
		}
	}
	sort.Strings(killers)
	return killers
}

// taskOf names a job by task (and variant) and, when the job never got to run its
// checks, the stage that stopped it.
func taskOf(job runner.JobResult) string {
	name := job.Task[strings.LastIndex(job.Task, "/")+1:]
	if job.Variant != "" {
		name += ":" + job.Variant
	}
	switch {
	case job.Status == runner.Aborted && job.Stage == "not run":
		name += " (not run: an earlier failure took the machine)"
	case job.Status == runner.Aborted:
		name += " (aborted at " + job.Stage + ")"
	}
	return name
}
