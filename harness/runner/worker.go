package runner

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	"shm-e2e/harness/progress"
)

// worker drives one machine through spread's sequence: project and backend prepare
// once, suite prepare when entering a suite, each job's prepare-each/prepare, execute
// and restore/restore-each, suite restore when leaving it, and backend and project
// restore at the end.
type worker struct {
	r       *run
	system  *System
	backend *Backend
	m       *machine

	insideProject bool
	suite         *Suite
	badSuites     map[*Suite]bool
	broken        bool
	// dirty says a task's restore failed: the machine may hold what the task left, so
	// the jobs after it get a fresh machine instead.
	dirty        bool
	replacements int
	last         *Job
	log          *os.File
	serialOffset int64
}

func newWorker(r *run, system *System) *worker {
	return &worker{
		r: r, system: system, backend: r.project.Backends[system.Backend],
		badSuites: map[*Suite]bool{},
	}
}

// maxReplacements bounds how many fresh machines one worker takes after failed
// restores: a suite whose every restore fails must still end.
const maxReplacements = 3

func (w *worker) work(ctx context.Context) {
	for w.obtainMachine(ctx) {
		w.runJobs(ctx)
		w.releaseMachine(ctx)
		if !w.needsReplacement(ctx) {
			return
		}
		w.replacements++
		progress.Printf("Replacing %s:%s: a task's restore failed, so the machine may not "+
			"be clean (%d/%d)", w.backend.Name, w.system.Name, w.replacements, maxReplacements)
		w.insideProject, w.suite, w.broken, w.dirty, w.last = false, nil, false, false, nil
	}
}

func (w *worker) needsReplacement(ctx context.Context) bool {
	return w.dirty && w.replacements < maxReplacements && ctx.Err() == nil &&
		!w.r.abendSet() && !w.r.opts.Reuse && w.r.hasPending(w.system)
}

// runJobs runs jobs on the worker's machine until none is left or the machine broke.
func (w *worker) runJobs(ctx context.Context) {
	for !w.broken && ctx.Err() == nil {
		job := w.r.next(w.system, w.suite)
		if job == nil {
			break
		}
		w.runJob(ctx, job)
		w.r.jobDone(job)
	}
	if !w.r.abendSet() {
		cleanup, cancel := cleanupContext(ctx)
		defer cancel()
		w.leave(cleanup)
	}
}

// cleanupContext keeps restore and discard running after an interrupt, bounded so a
// dead machine cannot hold the runner forever.
func cleanupContext(ctx context.Context) (context.Context, context.CancelFunc) {
	if ctx.Err() == nil {
		return ctx, func() {}
	}
	return context.WithTimeout(context.WithoutCancel(ctx), 10*time.Minute)
}

func (w *worker) runJob(ctx context.Context, job *Job) {
	start := time.Now()
	res := w.r.results[job]
	w.openLog(job, res)
	defer w.closeLog(job, res, start)

	if w.badSuites[job.Suite] {
		res.Stage, res.Message = "suite prepare", "suite prepare failed earlier"
		return
	}
	if !w.enter(ctx, job, res) {
		return
	}
	w.last = job

	for i := 0; i <= w.r.opts.Repeat && !w.broken; i++ {
		if !w.runTaskOnce(ctx, job, res) {
			return
		}
	}
}

// enter runs the project, backend and suite prepare scripts the job needs first.
func (w *worker) enter(ctx context.Context, job *Job, res *JobResult) bool {
	if w.suite != nil && w.suite != job.Suite {
		ok := w.step(ctx, w.last, "restoring", "suite", w.suite.Restore, w.suite.Debug)
		w.suite = nil
		if !ok {
			w.broken = true
			res.Stage, res.Message = "suite restore", "previous suite failed to restore"
			return false
		}
	}
	if !w.insideProject {
		w.insideProject = true
		if !w.step(ctx, job, "preparing", "project", w.r.project.Prepare, w.r.project.Debug) {
			return w.abort(res, "project prepare")
		}
		if !w.step(ctx, job, "preparing", "backend", w.backend.Prepare, w.backend.Debug) {
			return w.abort(res, "backend prepare")
		}
	}
	if w.suite != job.Suite {
		w.suite = job.Suite
		if !w.step(ctx, job, "preparing", "suite", job.Suite.Prepare, job.Suite.Debug) {
			w.badSuites[job.Suite] = true
			res.Stage = "suite prepare"
			return false
		}
	}
	return true
}

func (w *worker) abort(res *JobResult, stage string) bool {
	w.broken = true
	res.Stage = stage
	return false
}

// runTaskOnce prepares, executes and restores the job; false stops further repeats.
func (w *worker) runTaskOnce(ctx context.Context, job *Job, res *JobResult) bool {
	debug := joinScripts(job.Task.Debug, job.Suite.DebugEach, w.backend.DebugEach,
		w.r.project.DebugEach)
	ok := true
	switch {
	case !w.step(ctx, job, "preparing", "task", w.prepareScript(job), debug):
		w.fail(res, "prepare")
		ok = false
	case !w.execute(ctx, job, debug):
		w.fail(res, "execute")
		ok = false
	default:
		res.Status, res.Stage, res.Message = Passed, "", ""
	}
	if w.r.abendSet() {
		return false
	}

	restore := joinScripts(job.Task.Restore, job.Suite.RestoreEach, w.backend.RestoreEach,
		w.r.project.RestoreEach)
	cleanup, cancel := cleanupContext(ctx)
	defer cancel()
	if !w.step(cleanup, job, "restoring", "task", restore, debug) {
		w.fail(res, "restore")
		w.broken, w.dirty = true, true
		return false
	}
	return ok
}

func (w *worker) fail(res *JobResult, stage string) {
	if res.Status != Failed {
		res.Status, res.Stage = Failed, stage
	}
}

func (w *worker) prepareScript(job *Job) string {
	return joinScripts(w.r.project.PrepareEach, w.backend.PrepareEach, job.Suite.PrepareEach,
		job.Task.Prepare)
}

func (w *worker) execute(ctx context.Context, job *Job, debug string) bool {
	if !w.r.opts.Shell {
		return w.step(ctx, job, "executing", "task", job.Task.Execute, debug)
	}
	progress.Printf("Starting shell instead of executing %s...", job.Name)
	if err := w.m.shell(ctx, w.dir(job, "task"), job.Env); err != nil {
		progress.Printf("Error running shell: %v", err)
	}
	progress.Printf("Continuing...")
	return true
}

// leave restores the suite, backend and project the worker is still inside.
func (w *worker) leave(ctx context.Context) {
	if w.last == nil {
		return
	}
	job := w.last
	w.reopenLog(job)
	defer w.closeLogFile()
	if w.suite != nil {
		w.step(ctx, job, "restoring", "suite", w.suite.Restore, w.suite.Debug)
	}
	if w.insideProject {
		w.step(ctx, job, "restoring", "backend", w.backend.Restore, w.backend.Debug)
		w.step(ctx, job, "restoring", "project", w.r.project.Restore, w.r.project.Debug)
	}
}

// step runs one script at a level, logs it, and handles its failure the spread way:
// run the debug script, offer a shell with -debug, stop everything with -abend.
func (w *worker) step(ctx context.Context, job *Job, verb, level, script, debug string) bool {
	script = strings.TrimSpace(script)
	if script == "" {
		return true
	}

	label := w.label(job, verb, level)
	done := progress.Step("%s", label)
	start := time.Now()
	outcome, err := w.m.run(ctx, w.scriptRun(job, level, script, label))
	w.record(job, label, outcome, err, time.Since(start))
	done(err)
	if err == nil {
		return true
	}

	w.noteFailure(job, level, verb, outcome, err)
	w.runDebug(ctx, job, level, debug)
	w.offerShell(ctx, job, level)
	if w.r.opts.Abend {
		w.r.setAbend()
	}
	return false
}

func (w *worker) label(job *Job, verb, level string) string {
	title := strings.ToUpper(verb[:1]) + verb[1:]
	switch level {
	case "project", "backend":
		return fmt.Sprintf("%s %s:%s", title, job.Backend.Name, job.System.Name)
	case "suite":
		return fmt.Sprintf("%s %s:%s:%s", title, job.Backend.Name, job.System.Name,
			job.Suite.Name)
	}
	if verb == "executing" {
		return fmt.Sprintf("%s %s %s", title, job.Name, w.r.counter())
	}
	return title + " " + job.Name
}

func (w *worker) scriptRun(job *Job, level, script, label string) scriptRun {
	return scriptRun{
		script: script, dir: w.dir(job, level), env: job.Env, label: label,
		warnTimeout: w.timeout(job, level, warnTimeouts),
		killTimeout: w.timeout(job, level, killTimeouts),
	}
}

func (w *worker) dir(job *Job, level string) string {
	if level == "project" || level == "backend" {
		return w.r.project.RemotePath
	}
	return w.r.project.RemotePath + "/" + job.Task.Name
}

func warnTimeouts(p *Project, job *Job) []Timeout {
	return []Timeout{job.Task.WarnTimeout, job.Suite.WarnTimeout, job.Backend.WarnTimeout,
		p.WarnTimeout}
}

func killTimeouts(p *Project, job *Job) []Timeout {
	return []Timeout{job.Task.KillTimeout, job.Suite.KillTimeout, job.Backend.KillTimeout,
		p.KillTimeout}
}

// timeout picks the nearest timeout set at or above level, as spread does.
func (w *worker) timeout(job *Job, level string,
	all func(*Project, *Job) []Timeout) time.Duration {
	skip := map[string]int{"task": 0, "suite": 1, "backend": 2, "project": 3}[level]
	for _, t := range all(w.r.project, job)[skip:] {
		if t.Duration != 0 {
			return t.Duration
		}
	}
	return 0
}

func (w *worker) noteFailure(job *Job, level, verb string, outcome scriptOutcome, err error) {
	if level != "task" {
		stage := map[string]string{"preparing": "prepare", "restoring": "restore"}[verb]
		w.r.addStep(level, w.levelName(job, level), stage, job)
	}
	res := w.r.results[job]
	if res.Message == "" || res.Status != Failed {
		res.Message = err.Error()
		res.Tail = tailLines(outcome.output, 20)
	}
}

func (w *worker) levelName(job *Job, level string) string {
	switch level {
	case "suite":
		return job.Backend.Name + ":" + job.System.Name + ":" + job.Suite.Name
	case "backend":
		return job.Backend.Name
	}
	return "project"
}

func (w *worker) runDebug(ctx context.Context, job *Job, level, debug string) {
	if strings.TrimSpace(debug) == "" || ctx.Err() != nil {
		return
	}
	label := "Debug output for " + job.Name
	outcome, err := w.m.run(ctx, w.scriptRun(job, level, debug, label))
	w.record(job, label, outcome, err, 0)
	progress.Printf("%s : %s", label, strings.TrimSpace(outcome.output))
}

func (w *worker) offerShell(ctx context.Context, job *Job, level string) {
	if !w.r.opts.Debug || ctx.Err() != nil {
		return
	}
	if !stdinIsTerminal() {
		progress.Printf("Not starting a debug shell: stdin is not a terminal.")
		return
	}
	progress.Printf("Starting shell to debug...")
	if err := w.m.shell(ctx, w.dir(job, level), job.Env); err != nil {
		progress.Printf("Error running debug shell: %v", err)
	}
	progress.Printf("Continuing...")
}

func stdinIsTerminal() bool {
	info, err := os.Stdin.Stat()
	return err == nil && info.Mode()&os.ModeCharDevice != 0
}

// joinScripts runs each non-empty script in its own subshell, in order.
func joinScripts(scripts ...string) string {
	var parts []string
	for _, script := range scripts {
		if script = strings.TrimSpace(script); script != "" {
			parts = append(parts, "(\n"+script+"\n)")
		}
	}
	return strings.Join(parts, "\n\n")
}
