package runner

import "time"

// Status is how a job ended.
type Status string

const (
	Passed  Status = "passed"
	Failed  Status = "failed"
	Aborted Status = "aborted"
)

// JobResult is one job's outcome, flat so a report can tabulate it.
type JobResult struct {
	Name    string `json:"name"`
	Backend string `json:"backend"`
	System  string `json:"system"`
	Suite   string `json:"suite"`
	Task    string `json:"task"`
	Variant string `json:"variant,omitempty"`
	Summary string `json:"summary"`
	Status  Status `json:"status"`
	// Stage is where a failed or aborted job stopped: prepare, execute or restore for
	// the task itself, or allocate, project prepare, backend prepare, suite prepare,
	// interrupted or abend when it never ran.
	Stage   string   `json:"stage,omitempty"`
	Message string   `json:"message,omitempty"`
	Tail    []string `json:"tail,omitempty"`
	Log     string   `json:"log,omitempty"`
	// Duration is the job's wall time; ScriptTime the part its scripts ran on the
	// machine. The difference is the runner's overhead (ssh round trips and logging).
	Duration   time.Duration `json:"duration"`
	ScriptTime time.Duration `json:"script_time"`
}

// StepFailure is a prepare or restore script that failed above task level.
type StepFailure struct {
	Level string `json:"level"` // project, backend or suite
	Name  string `json:"name"`
	Stage string `json:"stage"` // prepare or restore
	Job   string `json:"job"`
}

// Result is what a run did.
type Result struct {
	Jobs     []JobResult   `json:"jobs"`
	Steps    []StepFailure `json:"steps,omitempty"`
	Warnings []string      `json:"warnings,omitempty"`
	// Artifacts is the directory holding per-job logs and junit.xml.
	Artifacts string `json:"artifacts"`
}

// Count returns how many jobs ended with status.
func (r *Result) Count(status Status) int {
	n := 0
	for _, job := range r.Jobs {
		if job.Status == status {
			n++
		}
	}
	return n
}

// Success reports whether every job passed and no step failed.
func (r *Result) Success() bool {
	return len(r.Jobs) > 0 && r.Count(Passed) == len(r.Jobs) && len(r.Steps) == 0
}

// Overhead is the average time per executed job spent outside the job's own scripts.
func (r *Result) Overhead() time.Duration {
	var total time.Duration
	n := 0
	for _, job := range r.Jobs {
		if job.Duration > 0 {
			total += job.Duration - job.ScriptTime
			n++
		}
	}
	if n == 0 {
		return 0
	}
	return total / time.Duration(n)
}
