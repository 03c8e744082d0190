package runner

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"shm-e2e/harness/progress"
)

// Options controls a run. The zero value runs every non-manual job once.
type Options struct {
	// ProjectDir holds spread.yaml; empty means the current directory.
	ProjectDir string
	// Selectors pick jobs with spread's filter syntax (backend:system:suite/task).
	Selectors []string
	// SSHKey is the private key used for every machine. Empty means DefaultSSHKey().
	SSHKey string
	// Artifacts receives per-job logs and junit.xml; empty means a new temp directory.
	Artifacts string
	// Verbose prints every script's output as it ends.
	Verbose bool
	// Debug opens a shell on the machine after a failure when stdin is a terminal.
	Debug bool
	// Shell opens a shell instead of executing each task.
	Shell bool
	// Reuse keeps machines after the run and reuses those kept by an earlier one.
	Reuse bool
	// Discard only discards machines kept by an earlier -reuse run.
	Discard bool
	// Abend stops at the first failure without restoring.
	Abend bool
	// Repeat runs each task this many extra times.
	Repeat int
	// HostEnv (KEY=VALUE) is added to what $(HOST:...) commands see, e.g. which snapd
	// flavour spread.yaml installs, without touching this process's environment.
	HostEnv []string
	// Exclude adds tar patterns to the project's exclude for this run: what other runs
	// in this process are writing (another flavour's packages) is neither packed
	// half-written nor uploaded for nothing.
	Exclude []string
	// ConnectTimeout bounds the wait for ssh on a new machine (default 5m).
	ConnectTimeout time.Duration
}

const timeRounding = 100 * time.Millisecond

// DefaultSSHKey is $SHM_E2E_SSH_KEY, else ~/.cache/shm-e2e/ssh/id_ed25519.
func DefaultSSHKey() string {
	if key := os.Getenv("SHM_E2E_SSH_KEY"); key != "" {
		return key
	}
	home, _ := os.UserHomeDir()
	return filepath.Join(home, ".cache", "shm-e2e", "ssh", "id_ed25519")
}

// List loads the project and returns the names of the jobs the selectors pick.
func List(opts Options) ([]string, []string, error) {
	project, jobs, err := loadJobs(opts)
	if err != nil {
		return nil, nil, err
	}
	names := make([]string, len(jobs))
	for i, job := range jobs {
		names[i] = job.Name
	}
	return names, project.Warnings, nil
}

// InputError is a problem with the project files or options, found before any machine
// was allocated.
type InputError struct{ Err error }

func (e *InputError) Error() string { return e.Err.Error() }
func (e *InputError) Unwrap() error { return e.Err }

func loadJobs(opts Options) (*Project, []*Job, error) {
	dir := opts.ProjectDir
	if dir == "" {
		dir = "."
	}
	project, err := Load(dir)
	if err != nil {
		return nil, nil, &InputError{err}
	}
	project.HostEnv = opts.HostEnv
	selector, err := NewSelector(opts.Selectors)
	if err != nil {
		return nil, nil, &InputError{err}
	}
	jobs, err := project.Jobs(selector)
	if err != nil {
		return nil, nil, &InputError{fmt.Errorf("cannot select jobs: %v", err)}
	}
	return project, jobs, nil
}

// Run runs the selected jobs, one machine per system worker, and returns every job's
// outcome. The error is for problems that stop the whole run; failed tasks are only in
// the Result. When ctx ends, running scripts are killed and every machine is restored
// and discarded.
func Run(ctx context.Context, opts Options) (*Result, error) {
	project, jobs, err := loadJobs(opts)
	if err != nil {
		return nil, err
	}
	for _, warning := range project.Warnings {
		progress.Printf("WARNING: %s", warning)
	}
	if opts.Discard {
		return &Result{Warnings: project.Warnings}, discardReused(ctx, project)
	}

	r, err := newRun(project, jobs, opts)
	if err != nil {
		return nil, err
	}
	defer os.Remove(r.packed)
	r.startWorkers(ctx)
	return r.finish(ctx)
}

// run is the state shared by the workers of one Run.
type run struct {
	opts    Options
	project *Project
	packed  string
	reuse   *reuseFile

	mu           sync.Mutex
	pending      []*Job
	total        int
	sequence     int
	suiteWorkers map[string]int
	results      map[*Job]*JobResult
	steps        []StepFailure
	abend        bool
	liveWorkers  map[*System]int
	allocFailed  map[*System]bool
}

func newRun(project *Project, jobs []*Job, opts Options) (*run, error) {
	if err := setDefaults(&opts); err != nil {
		return nil, err
	}
	packed, err := packProject(project, opts.Exclude)
	if err != nil {
		return nil, err
	}
	r := &run{
		opts: opts, project: project, packed: packed,
		reuse:        openReuse(project, opts.Reuse),
		pending:      jobs,
		total:        len(jobs),
		suiteWorkers: map[string]int{},
		results:      map[*Job]*JobResult{},
		liveWorkers:  map[*System]int{},
	}
	for _, job := range jobs {
		r.results[job] = newJobResult(job)
	}
	return r, nil
}

func setDefaults(opts *Options) error {
	if opts.SSHKey == "" {
		opts.SSHKey = DefaultSSHKey()
	}
	if _, err := os.Stat(opts.SSHKey); err != nil {
		return &InputError{fmt.Errorf("cannot use ssh key: %v", err)}
	}
	if opts.ConnectTimeout == 0 {
		opts.ConnectTimeout = 5 * time.Minute
	}
	if opts.Artifacts == "" {
		dir, err := os.MkdirTemp("", "shm-e2e-run-")
		if err != nil {
			return fmt.Errorf("cannot create artifacts directory: %v", err)
		}
		opts.Artifacts = dir
	}
	return nil
}

func newJobResult(job *Job) *JobResult {
	return &JobResult{
		Name: job.Name, Backend: job.Backend.Name, System: job.System.Name,
		Suite: job.Suite.Name, Task: job.Task.Name, Variant: job.Variant,
		Summary: strings.TrimSpace(job.Task.Summary),
		Status:  Aborted, Stage: "not run",
	}
}

// packProject tars the project once; every machine gets the same archive.
func packProject(p *Project, extraExclude []string) (string, error) {
	file, err := os.CreateTemp("", "shm-e2e-project-*.tar.gz")
	if err != nil {
		return "", fmt.Errorf("cannot pack project: %v", err)
	}
	defer file.Close()

	args := []string{"-cz", "--exclude=.spread-reuse.*", "--exclude=" + reuseFileName}
	for _, pattern := range append(append([]string{}, p.Exclude...), extraExclude...) {
		args = append(args, "--exclude="+pattern)
	}
	cmd := exec.Command("tar", append(args, "-C", p.Path, ".")...)
	cmd.Stdout = file
	if out, err := combinedStderr(cmd); err != nil {
		os.Remove(file.Name())
		return "", fmt.Errorf("cannot pack project: %v: %s", err, out)
	}
	return file.Name(), nil
}

func combinedStderr(cmd *exec.Cmd) (string, error) {
	var stderr strings.Builder
	cmd.Stderr = &stderr
	err := cmd.Run()
	return strings.TrimSpace(stderr.String()), err
}

// startWorkers runs one worker per machine: as many per system as it has workers,
// but never more than it has jobs, and waits for them all.
func (r *run) startWorkers(ctx context.Context) {
	var wg sync.WaitGroup
	for _, bname := range sortedKeys(r.project.Backends) {
		for _, system := range r.project.Backends[bname].Systems {
			n := min(system.Workers, r.countPending(system))
			r.liveWorkers[system] = n
			for i := 0; i < n; i++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					newWorker(r, system).work(ctx)
				}()
			}
		}
	}
	wg.Wait()
}

func (r *run) countPending(system *System) int {
	n := 0
	for _, job := range r.pending {
		if job.System == system {
			n++
		}
	}
	return n
}

// next hands a worker its next job: highest priority first, preferring the suite the
// worker is already inside, then the suite fewest workers are on, as spread does.
func (r *run) next(system *System, suite *Suite) *Job {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.abend {
		return nil
	}

	best := -1
	for i, job := range r.pending {
		if job.System != system {
			continue
		}
		if best < 0 || r.better(job, r.pending[best], suite) {
			best = i
		}
	}
	if best < 0 {
		return nil
	}
	job := r.pending[best]
	r.pending = append(r.pending[:best], r.pending[best+1:]...)
	r.suiteWorkers[suiteKey(job)]++
	return job
}

// hasPending reports whether jobs of the system are still waiting for a machine.
func (r *run) hasPending(system *System) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, job := range r.pending {
		if job.System == system && !r.abend {
			return true
		}
	}
	return false
}

func (r *run) better(job, current *Job, suite *Suite) bool {
	if job.Priority != current.Priority {
		return job.Priority > current.Priority
	}
	if (job.Suite == suite) != (current.Suite == suite) {
		return job.Suite == suite
	}
	return r.suiteWorkers[suiteKey(job)] < r.suiteWorkers[suiteKey(current)]
}

func suiteKey(job *Job) string {
	return job.Backend.Name + ":" + job.System.Name + ":" + job.Suite.Name
}

func (r *run) jobDone(job *Job) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.suiteWorkers[suiteKey(job)]--
}

// counter numbers executions as spread's (N/M).
func (r *run) counter() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.sequence++
	return fmt.Sprintf("(%d/%d)", r.sequence, r.total)
}

func (r *run) addStep(level, name, stage string, job *Job) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.steps = append(r.steps, StepFailure{Level: level, Name: name, Stage: stage, Job: job.Name})
}

func (r *run) setAbend() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.abend = true
}

// workerLost notes that a system's worker has no machine; when it was the last one,
// the system's remaining jobs are aborted with the allocation error.
func (r *run) workerLost(system *System, stage, message string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.liveWorkers[system]--
	if r.liveWorkers[system] > 0 {
		return
	}
	var kept []*Job
	for _, job := range r.pending {
		if job.System != system {
			kept = append(kept, job)
			continue
		}
		res := r.results[job]
		res.Stage, res.Message = stage, message
	}
	r.pending = kept
}

func (r *run) finish(ctx context.Context) (*Result, error) {
	result := &Result{Warnings: r.project.Warnings, Artifacts: r.opts.Artifacts, Steps: r.steps}
	for _, res := range r.results {
		switch {
		case res.Stage != "not run":
		case ctx.Err() != nil:
			res.Stage = "interrupted"
		case r.abend:
			res.Stage = "abend"
		}
		result.Jobs = append(result.Jobs, *res)
	}
	sort.Slice(result.Jobs, func(i, j int) bool { return result.Jobs[i].Name < result.Jobs[j].Name })

	printSummary(result)
	junit := filepath.Join(r.opts.Artifacts, "junit.xml")
	if err := writeJUnit(junit, result); err != nil {
		return result, err
	}
	progress.Printf("Logs and junit.xml are in %s", r.opts.Artifacts)
	return result, nil
}
