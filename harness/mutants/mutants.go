// Package mutants holds the catalogue of broken snapds the suite must catch. A mutant is
// one small patch to snapd's source, applied on top of our patch series, that breaks
// private shared memory the way a real regression could. The suite kills a mutant when
// a task that passes on the unbroken (patched) snapd fails on the mutant; a mutant that
// no task kills is a gap in the suite.
package mutants

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"shm-e2e/harness/runner"
	"shm-e2e/harness/snapdbuild"
)

// Mutant is one broken snapd of the catalogue: one change, written once per line of
// snapd where the code it breaks differs.
type Mutant struct {
	Name    string   // the patch's file name up to the first dot
	Breaks  string   // what behaviour it breaks, from the patch's "Breaks:" line
	Patches []string // NAME.patch and its variants NAME.VARIANT.patch
}

// Flavor names the mutant's snapd build and its packages' directory.
func (m Mutant) Flavor() string { return "mutant-" + m.Name }

// Load reads the catalogue: every *.patch in dir, each starting with a "Breaks:" line.
// A mutant with variants (NAME.patch, NAME.2.68.patch) says the same in each, and
// each variant names the snapd versions it is for, so that a build picks exactly one.
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
	index := map[string]int{}
	unversioned := map[string]string{}
	for _, file := range files {
		breaks, versioned, err := readHeader(file)
		if err != nil {
			return nil, err
		}
		name, _, _ := strings.Cut(filepath.Base(file), ".")
		i, seen := index[name]
		if !seen {
			index[name] = len(catalogue)
			catalogue = append(catalogue, Mutant{Name: name, Breaks: breaks})
			i = index[name]
		}
		m := &catalogue[i]
		if m.Breaks != breaks {
			return nil, fmt.Errorf("cannot load mutant %s: %s breaks %q, another variant %q",
				name, file, breaks, m.Breaks)
		}
		m.Patches = append(m.Patches, file)
		if !versioned {
			unversioned[file] = name
		}
	}
	return catalogue, checkVariants(catalogue, unversioned)
}

// checkVariants refuses a mutant with variants of which one is not versioned: a build
// would apply two of them, or the wrong one.
func checkVariants(catalogue []Mutant, unversioned map[string]string) error {
	for _, m := range catalogue {
		for _, file := range m.Patches {
			if len(m.Patches) > 1 && unversioned[file] != "" {
				return fmt.Errorf("cannot load mutant %s: it has variants, and %s has no "+
					"Snapd-Versions: line saying which snapd it is for", m.Name, file)
			}
		}
	}
	return nil
}

// readHeader returns the Breaks line and whether the header (as snapdbuild reads it)
// limits the patch to some snapd versions.
func readHeader(file string) (breaks string, versioned bool, err error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return "", false, fmt.Errorf("cannot load mutant: %w", err)
	}
	lines := strings.Split(string(data), "\n")
	breaks, ok := strings.CutPrefix(lines[0], "Breaks: ")
	if !ok || breaks == "" {
		return "", false, fmt.Errorf("cannot load mutant %s:1: want a first line "+
			"\"Breaks: <what it breaks>\"", file)
	}
	globs, err := snapdbuild.PatchVersions(data)
	if err != nil {
		return "", false, fmt.Errorf("cannot load mutant %s: %w", file, err)
	}
	return breaks, globs != nil, nil
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
